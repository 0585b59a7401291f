"""The grade report: each shot ungraded and graded side by side, its numbers, and the cut's continuity.

One self-contained HTML page (thumbnails inlined as JPEG data URIs, no
script, no external file), rendered with Jinja2 (autoescaped: shot text
comes from the plan). The thumbnails show the colour grade (the baked LUT);
grain is not drawn at thumbnail size, its numbers are in the table.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft import files
from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.fsutil import write_text
from shotcraft.html import data_uri, image_src
from shotcraft.grade.plan import GradePlan, ShotGrade
from shotcraft.grade.take_cache import TakeCache, thumbnail_key
from shotcraft.media.video import read_frames

THUMB_SIZE = (480, 270)

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Grade report: {{ title }}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;background:#16181b;color:#e6e6e6}
h1,h2{font-weight:600} table{border-collapse:collapse;margin:8px 0 16px} td,th{padding:3px 8px;border-bottom:1px solid #333;text-align:left}
.pair{display:flex;gap:8px} .pair figure{margin:0} figcaption{color:#aaa;font-size:12px}
.shot{margin:24px 0;padding-top:8px;border-top:1px solid #444} .warning{color:#ffb454} .info{color:#8ab4f8}
.num{font-variant-numeric:tabular-nums} .intended{color:#aaa;font-style:italic}
</style></head><body>
<h1>Grade report: {{ title }}</h1>
<p>{{ shots|length }} shots, {{ lut_size }}-point LUTs{% if look %}, look {{ look }}{% endif %}.
Order: primary (ASC CDL: exposure toward each shot's intent, measured on its subject; balance; saturation) &rarr; soft contrast
&rarr; secondary skin &rarr; the look &rarr; grain.</p>
<h2>Flags</h2>
{% if flags %}<ul>{% for flag in flags %}<li class="{{ flag.severity }}">{{ flag.severity }}: <b>{{ flag.shot }}</b>: {{ flag.message }}</li>{% endfor %}</ul>
{% else %}<p>No correction reached its bound.</p>{% endif %}
<h2>Bounds</h2>
<table>{% for name, value in bounds.items() %}<tr><td>{{ name }}</td><td class="num">{{ value }}</td></tr>{% endfor %}</table>
<h2>Continuity: each cut before and after</h2>
<table><tr><th>cut</th><th>cast ΔE2000</th><th>neutral ΔE2000</th><th>exposure jump (stops)</th><th>contrast jump</th><th>saturation jump</th><th></th></tr>
{% for row in continuity %}<tr><td>{{ row['from'] }} &rarr; {{ row['to'] }}</td>
{% for key in ['cast_de2000', 'neutral_de2000', 'exposure_stops', 'contrast', 'saturation'] %}<td class="num">{{ '%.2f'|format(row.before[key]) }} &rarr; {{ '%.2f'|format(row.after[key]) }}</td>{% endfor %}
<td class="intended">{% if row.intended_change %}intended change of light{% endif %}</td></tr>{% endfor %}</table>
{% for shot in shots %}<div class="shot" id="{{ shot.id }}"><h2>{{ shot.id }}</h2>
<div class="pair"><figure><img src="{{ shot.before_image }}" alt="{{ shot.id }} ungraded" width="{{ thumb_w }}" height="{{ thumb_h }}"><figcaption>ungraded (take {{ shot.take }})</figcaption></figure>
<figure><img src="{{ shot.after_image }}" alt="{{ shot.id }} graded" width="{{ thumb_w }}" height="{{ thumb_h }}"><figcaption>graded</figcaption></figure></div>
<table>
<tr><td>light</td><td>{{ shot.light }}</td></tr>
<tr><td>reference</td><td>{{ shot.reference }}</td></tr>
<tr><td>subject</td><td>{{ shot.subject }}; intent {{ shot.intent }}</td></tr>
<tr><td>exposure</td><td class="num">L* {{ '%.1f'|format(shot.before.level) }} &rarr; {{ '%.1f'|format(shot.after.level) }} ({{ '%+.2f'|format(shot.exposure_stops) }} stops)</td></tr>
<tr><td>cast removed</td><td class="num">ΔE2000 {{ '%.2f'|format(shot.cast_removed) }}</td></tr>
<tr><td>contrast (L* spread)</td><td class="num">{{ '%.2f'|format(shot.before.contrast) }} &rarr; {{ '%.2f'|format(shot.after.contrast) }}</td></tr>
<tr><td>saturation (mean C*)</td><td class="num">{{ '%.2f'|format(shot.before.saturation) }} &rarr; {{ '%.2f'|format(shot.after.saturation) }}</td></tr>
<tr><td>grain</td><td class="num">{{ shot.grain }}</td></tr>
<tr><td>ASC CDL</td><td class="num">slope {{ shot.cdl.slope }} offset {{ shot.cdl.offset }} power {{ shot.cdl.power }} sat {{ shot.cdl.saturation }}</td></tr>
{% for name, c in shot.corrections.items() %}<tr><td>{{ name }}</td><td class="num">wanted {{ c.wanted }} applied {{ c.applied }} {{ c.unit }}{% if c.get('bound') is not none %} (bound {{ c.bound }}){% endif %}{% if c.get('limited_by') %} <span class="warning">limited by {{ c.limited_by }}</span>{% endif %}{% if c.get('note') %}: {{ c.note }}{% endif %}</td></tr>{% endfor %}
</table></div>{% endfor %}
</body></html>
"""


def _thumbnails(event: CutEvent, grade: ShotGrade) -> tuple[np.ndarray, np.ndarray]:
    """The shot's middle frame, ungraded and through its baked LUT (what the delivery applies, less the grain)."""
    middle = event.source_in + event.duration // 2
    frame = next(read_frames(event.clip_path, size=THUMB_SIZE, start=middle, count=1), None)
    if frame is None:
        frame = np.zeros((THUMB_SIZE[1], THUMB_SIZE[0], 3), dtype=np.uint8)
    graded = grade.lut(frame.reshape(-1, 3).astype(np.float32) / 255.0).reshape(frame.shape)
    return frame, np.clip(np.rint(graded * 255), 0, 255).astype(np.uint8)


def _thumbnail_uris(event: CutEvent, grade: ShotGrade, cache: TakeCache | None) -> tuple[str, str]:
    """The two thumbnails as data URIs, from the grade cache when this take, frame and grade were drawn before
    (a one-shot edit then decodes and bakes one shot's thumbnails, not the film's)."""
    key = ""
    if cache is not None and grade.take_sha:
        look_sha = files.content_sha256(grade.look.path, "look", where="grade.look", cache=cache.hashes) if grade.look is not None else None
        key = thumbnail_key(event.source_in + event.duration // 2, THUMB_SIZE, grade.ops, look_sha, grade.lut_size)
        known = cache.load_json(grade.take_sha, key)
        if known is not None and isinstance(known.get("before"), str) and isinstance(known.get("after"), str):
            return known["before"], known["after"]
    before, after = (data_uri(frame, photo=True) for frame in _thumbnails(event, grade))
    if key:
        cache.store_json(grade.take_sha, key, {"before": before, "after": after})  # type: ignore[union-attr]
    return before, after


def _shot_view(event: CutEvent, grade: ShotGrade, cache: TakeCache | None = None) -> dict[str, Any]:
    data = grade.report()
    before, after = _thumbnail_uris(event, grade, cache)
    grain = grade.correction("grain")
    return {
        "id": grade.shot_id,
        "take": event.take,
        "before_image": image_src(before),
        "after_image": image_src(after),
        "light": f"{grade.light.reason}" + (" (its own, by intent)" if grade.light and grade.light.own else "") if grade.light else "",
        "reference": grade.reference if grade.reference not in (None, grade.shot_id) else ("itself" if grade.reference else "not harmonized"),
        "subject": f"found by {grade.subject}",
        "intent": f"L* {grade.intent.low:.0f}-{grade.intent.high:.0f} ({grade.intent.why})" if grade.intent else "",
        "before": grade.before,
        "after": grade.after,
        "exposure_stops": data.get("exposure_stops", 0.0),
        "cast_removed": data.get("cast_removed_de2000", 0.0),
        "grain": grain.note if grain is not None else f"added {grade.grain.strength:.1f}",
        "cdl": grade.cdl,
        "corrections": data["corrections"],
    }


@functools.lru_cache(maxsize=1)
def _template() -> Any:
    """The page's template, compiled once per process (a studio or a long session writes it after every edit)."""
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(TEMPLATE)


def render_grade_report(grade_plan: GradePlan, timeline: Timeline, *, title: str) -> str:
    shots = [_shot_view(event, grade_plan.shots[event.shot_id], grade_plan.cache) for event in timeline.events if event.shot_id in grade_plan.shots]
    return _template().render(
        title=title, shots=shots, lut_size=grade_plan.lut_size, look=grade_plan.look, flags=grade_plan.flags,
        bounds=grade_plan.report()["bounds"], continuity=grade_plan.continuity, thumb_w=THUMB_SIZE[0], thumb_h=THUMB_SIZE[1],
    )  # fmt: skip


def write_grade_report(grade_plan: GradePlan, timeline: Timeline, path: str | Path, *, title: str) -> Path:
    """Write the self-contained report page, atomically."""
    return write_text(path, render_grade_report(grade_plan, timeline, title=title))
