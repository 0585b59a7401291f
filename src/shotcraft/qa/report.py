"""The QA report: one self-contained HTML file (inline pictures: JPEG thumbnails, palette-PNG curves, PNG crops) plus JSON.

Plan mode shows a contact sheet, then per shot its takes side by side with
verdicts, metric curves over time and the flagged frames as 200% crops, the
cut's continuity strip with its jumps, and the seeds' publication checklist.
File mode shows the same per-clip view for any clips.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from shotcraft.errors import InputError, ShotcraftError
from shotcraft.fsutil import write_json, write_text
from shotcraft.html import data_uri, image_src
from shotcraft.media.video import read_frames
from shotcraft.qa.model import CHECK_NAMES, ClipReport, Flag
from shotcraft.qa.thresholds import TABLE

THUMB_WIDTH = 320
CROP_SOURCE = (160, 120)  # pixels of the original cut out around a flag, kept as they are and shown at 200%
CROP_ZOOM = 2  # the page doubles each pixel (image-rendering: pixelated): a quarter of the bytes of a doubled PNG
CURVE_COLOURS = 64  # the charts' palette: a few line colours, shading and their anti-aliased edges
MAX_CROPS_PER_TAKE = 4
IMAGE_CACHE = ".images"  # beside report.html: each take's pictures, by analysis key


def write_plan_report(result: Any, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.json`` for a plan-mode :class:`QAResult`."""
    out_dir = _folder(out_dir)
    shots_view = []
    cache = out_dir / IMAGE_CACHE
    for shot in result.shots:
        shots_view.append({
            "id": shot.shot_id,
            "role": shot.role,
            "type": shot.shot_type,
            "proposal": shot.proposal,
            "not_done": shot.not_done,
            "takes": [_clip_view(t.report, label=t.label, picked=t.picked_by_user, proposed=t.label == shot.proposal.take, cache=cache)
                      for t in shot.takes],
        })
    strip = []
    for shot, view in zip(result.shots, shots_view):
        chosen = shot.chosen
        cut_in = next((c for c in result.cuts if c.incoming == shot.shot_id), None)
        image = next((t["thumb"] for t in view["takes"] if chosen is not None and t["label"] == chosen.label), None)
        strip.append({"shot": shot.shot_id, "take": chosen.label if chosen else None, "image": image, "cut_in": cut_in})
    data = result.to_dict()
    html = _env().get_template("report.html.j2").render(
        title=result.title, plan=result.plan, summary=data["summary"], shots=shots_view, contact=_contact(shots_view),
        strip=strip, cuts=result.cuts, cut_note=result.cut_note, graded=getattr(result, "graded", False),
        ungraded={(c.outgoing, c.incoming): c for c in getattr(result, "cuts_ungraded", [])}, identity=getattr(result, "identity", []), checklist=result.checklist, thresholds=TABLE,
        props=getattr(result, "props", []),
        names=CHECK_NAMES, mode="plan",
    )
    html_path = write_text(out_dir / "report.html", html)
    json_path = write_json(out_dir / "report.json", data)
    result.report_path, result.json_path = html_path, json_path
    used = {f"{t.report.cache_key}-v{IMAGES_VERSION}.json" for s in result.shots for t in s.takes if t.report.cache_key}
    for stale in cache.glob("*.json") if cache.is_dir() else ():
        if stale.name not in used:
            stale.unlink(missing_ok=True)  # pictures of analyses no longer in the film
    return html_path, json_path


def draw_pictures(result: Any, out_dir: str | Path, *, stop: threading.Event | None = None,
                  claim: Callable[[str], bool] | None = None) -> int:  # fmt: skip
    """Draw each take's pictures that the report's cache lacks (``out_dir/.images``); returns how many takes were drawn.

    `make` calls it from two lanes, whichever is free first draws (the cut's after the cut, the finish's beside the
    encodes); the report step then reads them. ``claim(key)``, shared by the callers, says whether this one draws a
    take (True once per key) so two lanes never draw the same take. ``stop``, once set, ends it before the next take
    (what was drawn stays: each take's pictures are exact).
    """
    cache = Path(out_dir) / IMAGE_CACHE
    drawn = 0
    for shot in result.shots:
        for take in shot.takes:
            if stop is not None and stop.is_set():
                return drawn
            key = take.report.cache_key
            if key and not (cache / f"{key}-v{IMAGES_VERSION}.json").is_file() and (claim is None or claim(key)):
                _images(take.report, cache)
                drawn += 1
    return drawn


def write_files_report(reports: Sequence[ClipReport], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.json`` for clips analysed in file mode."""
    out_dir = _folder(out_dir)
    views = [_clip_view(r, label=r.path.name, picked=False, proposed=False) for r in reports]
    shots = [{"id": r.path.name, "role": None, "type": None, "proposal": None, "not_done": [], "takes": [v]} for r, v in zip(reports, views)]
    html = _env().get_template("report.html.j2").render(
        title="QA of " + ", ".join(r.path.name for r in reports[:4]) + (" ..." if len(reports) > 4 else ""),
        plan=None, summary=None, shots=shots, contact=_contact(shots), strip=[], cuts=[], cut_note=None,
        checklist=[], thresholds=TABLE, names=CHECK_NAMES, mode="files",
    )
    html_path = write_text(out_dir / "report.html", html)
    json_path = write_json(out_dir / "report.json", [r.to_dict() for r in reports])
    return html_path, json_path


# --- views --------------------------------------------------------------------------------------


def _clip_view(report: ClipReport, *, label: str, picked: bool, proposed: bool, cache: Path | None = None) -> dict[str, Any]:
    images = _images(report, cache)
    by_flag = {(c["code"], c["start"]): c for c in images["crops"]}
    crops = [{"flag": f, "frame": _flag_frame(f), "image": image_src(by_flag[(f.code, f.start_frame)]["image"]),
              "width": by_flag[(f.code, f.start_frame)]["width"] * CROP_ZOOM}
             for f in _crop_flags(report.flags) if (f.code, f.start_frame) in by_flag]
    return {
        "label": label,
        "file": str(report.path),
        "verdict": report.verdict,
        "score": report.score,
        "flags": report.flags,
        "metrics": report.metrics,
        "picked": picked,
        "proposed": proposed,
        "thumb": image_src(images["thumb"]),
        "curves": image_src(images["curves"]),
        "crops": crops,
    }


#: bump when the pictures drawn for a take change: cached ones are then redrawn
IMAGES_VERSION = 3  # 3: crops at their source size, curves a palette PNG


def _images(report: ClipReport, cache: Path | None) -> dict[str, Any]:
    """A take's thumbnail, curves and 200% crops, drawn once per analysis (cached by its key beside the report).

    Drawing is most of a report's cost (decoding frames, matplotlib); an analysis that did not change
    draws the same pictures, so a warm ``make`` reads them back instead of plotting.
    """
    key = getattr(report, "cache_key", None)
    path = cache / f"{key}-v{IMAGES_VERSION}.json" if cache is not None and key else None
    if path is not None and path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            pass  # redraw below
    middle = max(0, report.frames // 2)
    crops_for = _crop_flags(report.flags)
    wanted = sorted({middle, *(_flag_frame(f) for f in crops_for)})
    frames = dict(zip(wanted, _grab(report.path, wanted))) if report.frames else {}
    crops = []
    for flag in crops_for:
        frame = frames.get(_flag_frame(flag))
        if frame is not None:
            crop = flag_crop(frame, flag.region)
            crops.append({"code": flag.code, "start": flag.start_frame, "image": data_uri(crop), "width": crop.shape[1]})
    images = {"thumb": data_uri(_thumb(frames[middle]), photo=True) if middle in frames else None,
              "curves": curves_png(report) if report.frames > 1 else None, "crops": crops}
    if path is not None:
        write_json(path, images)
    return images


def _contact(shots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"shot": s["id"], "label": t["label"], "verdict": t["verdict"], "score": t["score"], "thumb": t["thumb"], "proposed": t["proposed"]}
            for s in shots for t in s["takes"]]


def _crop_flags(flags: Iterable[Flag]) -> list[Flag]:
    """The flags worth a close look: major first, one per code."""
    seen, out = set(), []
    for flag in sorted(flags, key=lambda f: (f.severity != "major", f.start_frame)):
        if flag.code in seen or flag.code in ("QA114", "QA113"):
            continue
        seen.add(flag.code)
        out.append(flag)
    return out[:MAX_CROPS_PER_TAKE]


def _flag_frame(flag: Flag) -> int:
    return (flag.start_frame + flag.end_frame) // 2


def flag_crop(frame: np.ndarray, region: tuple[float, float, float, float] | None) -> np.ndarray:
    """CROP_SOURCE pixels of the original around the region's centre, as they are (the page shows them at 200%)."""
    height, width = frame.shape[:2]
    x, y, w, h = region or (0.25, 0.25, 0.5, 0.5)
    cw, ch = min(CROP_SOURCE[0], width), min(CROP_SOURCE[1], height)
    cx = int(np.clip((x + w / 2) * width - cw / 2, 0, width - cw))
    cy = int(np.clip((y + h / 2) * height - ch / 2, 0, height - ch))
    if x <= 0.0 and w < 1.0:
        cx = 0  # border flags: keep the edge itself in the crop
    if x + w >= 1.0 and x > 0.0:
        cx = width - cw
    return np.ascontiguousarray(frame[cy : cy + ch, cx : cx + cw])


def curves_png(report: ClipReport) -> str:
    """Metric curves over time, flagged ranges shaded, as a data URI."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # not pyplot: its global figure registry is not for threads (make draws beside the encodes)
    from PIL import Image

    s = {k: np.asarray(v, dtype=np.float64) for k, v in report.series.items()}
    t = np.arange(report.frames)
    rate = float(report.rate)
    figure = Figure(figsize=(6.4, 4.6), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.subplots(4, 1, sharex=True)
    panels = [
        (axes[0], [("L", "lightness L*", None), ("L_std", "contrast", None)]),
        (axes[1], [("speed", "motion %w/s", 100 * rate)]),
        (axes[2], [("unexplained", "unexplained luma", None), ("border_ratio", "border/interior", None)]),
        (axes[3], [("acuity", "acuity x100", 100.0), ("halo", "halo x100", 100.0), ("grain", "grain", None)]),
    ]
    for axis, lines in panels:
        for name, label, scale in lines:
            values = s.get(name)
            if values is None:
                continue
            values = values * scale if scale else values
            finite = np.isfinite(values)
            style = "o-" if finite.sum() < report.frames / 2 else "-"
            axis.plot(t[finite], values[finite], style, label=label, linewidth=1, markersize=2)
        axis.legend(loc="upper right", fontsize=6, frameon=False)
        axis.tick_params(labelsize=6)
        for flag in report.flags:
            colour = "#d33" if flag.severity == "major" else "#e90" if flag.severity == "minor" else "#999"
            axis.axvspan(flag.start_frame - 0.5, flag.end_frame + 0.5, color=colour, alpha=0.15, linewidth=0)
    for cut in report.cuts:
        for axis in axes:
            axis.axvline(cut, color="#333", linewidth=0.8, linestyle="--")
    axes[-1].set_xlabel("frame", fontsize=7)
    # fixed margins: tight_layout measured every label's text extent again (about 40 % of a chart's cost)
    figure.subplots_adjust(left=0.07, right=0.985, top=0.985, bottom=0.085, hspace=0.12)
    figure.canvas.draw()
    rgb = Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[..., :3])
    # a palette PNG: 12 KB where matplotlib's RGBA PNG is 44 KB (90 takes' charts were 13 MB of a 16 MB report)
    buffer = io.BytesIO()
    rgb.quantize(colors=CURVE_COLOURS, method=Image.Quantize.FASTOCTREE).save(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# --- images -------------------------------------------------------------------------------------------


def _grab(path: Path, indices: Sequence[int]) -> list[np.ndarray]:
    """Full-resolution RGB frames at ``indices`` (sorted), in one forward pass; fewer if the file is damaged."""
    wanted = sorted(set(int(i) for i in indices))
    if not wanted:
        return []
    found: dict[int, np.ndarray] = {}
    try:
        # only the wanted frames are converted (a take's middle frame: half its frames were converted for one)
        for index, frame in zip(wanted, read_frames(path, count=wanted[-1] + 1, only=set(wanted))):
            found[index] = frame
    except ShotcraftError:
        pass  # the decoder stopped: the nearest frame that decoded stands in below
    if not found and wanted[0] > 0:
        try:  # stopped before the first wanted frame: the first frame stands in
            found.update(zip([0], read_frames(path, count=1)))
        except ShotcraftError:
            pass
    out = []
    for index in wanted:
        if index in found:
            out.append(found[index])
        elif found:  # damaged file: show the nearest frame that decoded
            out.append(found[min(found, key=lambda k: abs(k - index))])
    return out


def _thumb(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    if width <= THUMB_WIDTH:
        return frame
    return cv2.resize(frame, (THUMB_WIDTH, max(2, round(height * THUMB_WIDTH / width))), interpolation=cv2.INTER_AREA)



def _folder(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the report folder ({exc.strerror})") from None
    return out_dir


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    """One environment per process: its template is compiled once (a tenth of a second), not on every report."""
    env = Environment(loader=PackageLoader("shotcraft.qa", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "-" if v is None else f"{100 * float(v):.1f} %"
    env.filters["num"] = lambda v, d=2: "-" if v is None else f"{float(v):.{d}f}"
    return env
