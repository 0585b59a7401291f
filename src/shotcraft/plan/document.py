"""The one-page production document and the 90-second pitch, read from the plan.

The seed: "You make a single 1-page document: logline, emotional arc, shot list, lighting charter,
texture charter, visual prohibitions. You must be able to explain it to someone in 90 seconds. If
that is not possible, your project is still vague."

- :func:`pitch_text`: the pitch as one would say it, and how long it takes at a normal speaking rate.
- :func:`write_document`: a self-contained HTML page and a PDF that is always exactly one page
  (A4 or Letter): the PDF is one matplotlib figure laid out in inches, whose shot table shrinks its
  rows and type to fit rather than spill onto a second page. Keyframe thumbnails come from the caller
  (the plan stage does not read the takes store).
"""

from __future__ import annotations

import base64
import html
import textwrap
from pathlib import Path

from shotcraft.fsutil import atomic_path, write_text
from shotcraft.plan.loader import LoadedPlan

#: a normal speaking rate for a pitch (words per minute)
SPEAKING_WPM = 150
PITCH_LIMIT_S = 90.0
PAPER_IN = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
PLACEHOLDER = "(to write)"


def _said(text: str | None) -> str:
    text = (text or "").strip()
    return "" if not text or text == PLACEHOLDER else text.rstrip(".")


def pitch_text(plan: LoadedPlan) -> tuple[str, float]:
    """The pitch, and its spoken length in seconds at :data:`SPEAKING_WPM`."""
    film = plan.film
    production, arc, intention = film.production, film.production.arc, film.intention
    parts = [f"{production.title}."]
    if _said(production.logline):
        parts.append(f"{_said(production.logline)}.")
    beats = [("It begins", arc.setup), ("Then", arc.tension), ("The turn", arc.decision), ("In the end", arc.consequence)]
    parts += [f"{lead}: {_said(text)}." for lead, text in beats if _said(text)]
    for label, text in (("Feeling", intention.feeling), ("What the viewer understands", intention.understanding),
                        ("The image that carries it", intention.emotional_detail)):  # fmt: skip
        if _said(text):
            parts.append(f"{label}: {_said(text)}.")
    seconds = sum(float(s.duration) for s in film.shots)
    parts.append(f"{len(film.shots)} shots, {seconds:.0f} seconds, {production.kind.replace('-', ' ')}.")
    text = " ".join(parts)
    return text, len(text.split()) * 60.0 / SPEAKING_WPM


def _rows(plan: LoadedPlan) -> list[dict[str, str]]:
    rows = []
    for shot in plan.film.shots:
        rows.append({
            "id": shot.id,
            "role": shot.role.value if shot.role else "-",
            "type": shot.type.value,
            "seconds": f"{shot.duration:g}",
            "subject": _said(shot.brief.subject) or _said(shot.action) or "-",
            "mission": _said(shot.brief.mission) or "(no mission)",
            "cast": ", ".join(shot.characters) or "-",
        })  # fmt: skip
    return rows


def _sheet_lines(plan: LoadedPlan) -> dict[str, list[str]]:
    film = plan.film
    characters = []
    for c in film.characters:
        locked = "; ".join(f"{k}: {v}" for k, v in c.descriptors.items() if _said(v))
        wardrobe = ", ".join(w for w in c.wardrobe if _said(w))
        characters.append(f"{c.name or c.id}: {locked}" + (f" | wardrobe: {wardrobe}" if wardrobe else ""))
    light = film.charters.lighting
    lighting = ", ".join(str(v) for v in (light.source, light.direction, f"{light.color_temperature} K" if light.color_temperature else None, light.quality) if v and v != PLACEHOLDER)
    texture = film.charters.texture
    texture_line = f"grain {texture.grain}, {texture.sharpness}" + (f", skin: {texture.skin}" if _said(texture.skin) else "")
    return {
        "Characters (locked)": characters or ["-"],
        "Places": [f"{loc.id}: {loc.description}" + (f" ({loc.geography})" if loc.geography else "") for loc in film.locations] or ["-"],
        "Lighting charter": [lighting or "-"],
        "Texture charter": [texture_line + (f"; palette: {', '.join(film.charters.palette)}" if film.charters.palette else "")],
        "Prohibitions": [", ".join(film.charters.prohibitions) or "-"],
    }


def write_document(plan: LoadedPlan, out_dir: str | Path, *, paper: str = "a4", thumbnails: dict[str, Path] | None = None) -> list[Path]:
    """Write ``<id>-production.html`` and ``<id>-production.pdf`` (one page) into ``out_dir``."""
    from shotcraft.errors import InputError

    if paper not in PAPER_IN:
        raise InputError(f"--paper: expected a4 or letter, found {paper!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{plan.film.production.id}-production"
    thumbnails = {k: Path(v) for k, v in (thumbnails or {}).items() if Path(v).is_file()}
    html_path = out / f"{stem}.html"
    write_text(html_path, _html(plan, thumbnails))
    pdf_path = out / f"{stem}.pdf"
    _pdf(plan, pdf_path, PAPER_IN[paper], thumbnails)
    return [html_path, pdf_path]


def _html(plan: LoadedPlan, thumbnails: dict[str, Path]) -> str:
    film = plan.film
    e = html.escape
    pitch, seconds = pitch_text(plan)
    arc = film.production.arc
    intention = film.intention
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>{e(film.production.title)}: production document</title>",
        "<style>body{font:13px/1.35 system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;color:#111}"
        "h1{margin:0}h2{font-size:14px;margin:.9rem 0 .3rem;border-bottom:1px solid #ccc}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:3px 5px;vertical-align:top;text-align:left}"
        "img{width:96px;border-radius:2px}.pitch{background:#f4f4f0;padding:.5rem .7rem}"
        "@media print{body{margin:0;font-size:10px}}</style>",
        f"<h1>{e(film.production.title)}</h1><p><i>{e(_said(film.production.logline) or PLACEHOLDER)}</i></p>",
        f"<p class='pitch'><b>90-second pitch</b> ({seconds:.0f} s spoken): {e(pitch)}</p>",
        "<h2>Arc</h2><table>",
        *(f"<tr><th>{name}</th><td>{e(_said(getattr(arc, name)) or PLACEHOLDER)}</td></tr>" for name in ("setup", "tension", "decision", "consequence")),
        "</table><h2>Intention</h2><table>",
        *(f"<tr><th>{label}</th><td>{e(_said(getattr(intention, name)) or PLACEHOLDER)}</td></tr>" for name, label in (
            ("feeling", "what the character feels"), ("understanding", "what the viewer must understand"),
            ("light_source", "dominant light"), ("camera_movement", "camera movement"), ("emotional_detail", "the detail that carries the emotion"))),
        "</table>",
    ]  # fmt: skip
    for title, lines in _sheet_lines(plan).items():
        parts.append(f"<h2>{e(title)}</h2>" + "".join(f"<div>{e(line)}</div>" for line in lines))
    for c in film.characters:
        for ref in c.references:
            path = plan.resolve_path(ref)
            if path.is_file() and path.stat().st_size < 4_000_000:
                parts.append(f"<img alt='{e(c.id)} reference' src='{_data_uri(path)}'>")
    parts.append("<h2>Shot list</h2><table><tr><th></th><th>shot</th><th>role</th><th>type</th><th>s</th><th>subject</th><th>mission</th></tr>")
    for row in _rows(plan):
        thumb = f"<img alt='{e(row['id'])} keyframe' src='{_data_uri(thumbnails[row['id']])}'>" if row["id"] in thumbnails else ""
        parts.append(
            f"<tr><td>{thumb}</td><td>{e(row['id'])}</td><td>{e(row['role'])}</td><td>{e(row['type'])}</td>"
            f"<td>{e(row['seconds'])}</td><td>{e(row['subject'])}</td><td>{e(row['mission'])}</td></tr>"
        )
    parts.append("</table></html>\n")
    return "".join(parts)


def _data_uri(path: Path) -> str:
    kind = "jpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "png"
    return f"data:image/{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _pdf(plan: LoadedPlan, target: Path, size: tuple[float, float], thumbnails: dict[str, Path]) -> None:
    """One page, always: the shot table's rows and type shrink to fit what is left of the page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    film = plan.film
    width, height = size
    margin = 0.45
    fig = plt.figure(figsize=size)
    y = height - margin

    def line(text: str, *, size_pt: float = 8, bold: bool = False, italic: bool = False, indent: float = 0.0, wrap: int = 130) -> None:
        nonlocal y
        for piece in textwrap.wrap(text, wrap) or [""]:
            fig.text((margin + indent) / width, y / height, piece, fontsize=size_pt, weight="bold" if bold else "normal",
                     style="italic" if italic else "normal", va="top", family="DejaVu Sans")  # fmt: skip
            y -= size_pt / 72 * 1.3

    line(film.production.title, size_pt=16, bold=True)
    line(_said(film.production.logline) or PLACEHOLDER, size_pt=9, italic=True, wrap=110)
    pitch, seconds = pitch_text(plan)
    y -= 0.04
    line(f"90-second pitch ({seconds:.0f} s spoken): {pitch}", size_pt=7.5, wrap=132)
    y -= 0.06
    arc = film.production.arc
    line("Arc", size_pt=9, bold=True)
    for name in ("setup", "tension", "decision", "consequence"):
        line(f"{name}: {_said(getattr(arc, name)) or PLACEHOLDER}", size_pt=7.5, indent=0.1, wrap=128)
    intention = film.intention
    line("Intention", size_pt=9, bold=True)
    for name in ("feeling", "understanding", "light_source", "camera_movement", "emotional_detail"):
        line(f"{name.replace('_', ' ')}: {_said(getattr(intention, name)) or PLACEHOLDER}", size_pt=7.5, indent=0.1, wrap=128)
    for title, lines in _sheet_lines(plan).items():
        line(title, size_pt=9, bold=True)
        for text in lines:
            line(text, size_pt=7.5, indent=0.1, wrap=128)
    y -= 0.06
    line("Shot list", size_pt=9, bold=True)
    rows = _rows(plan)
    room = y - margin
    row_h = min(0.62, room / max(1, len(rows)))
    font = max(3.5, min(7.0, row_h * 72 / 3.4))
    thumb_w = row_h * 16 / 9 * 0.92
    for row in rows:
        top = y
        if row["id"] in thumbnails:
            try:
                image = mpimg.imread(str(thumbnails[row["id"]]))
                ax = fig.add_axes(((margin) / width, (top - row_h * 0.95) / height, thumb_w / width, row_h * 0.9 / height))
                ax.imshow(image, aspect="auto")
                ax.set_axis_off()
            except (OSError, ValueError, SyntaxError):
                pass
        x_text = margin + thumb_w + 0.1
        head = f"{row['id']}  {row['role']} | {row['type']} | {row['seconds']} s | {row['cast']}"
        fig.text(x_text / width, top / height, head, fontsize=font, weight="bold", va="top", family="DejaVu Sans")
        detail = textwrap.shorten(f"{row['subject']}. Mission: {row['mission']}", width=int(2.2 * 140 * 7 / font))
        wrapped = textwrap.wrap(detail, int(140 * 7 / font))[:2]
        for index, piece in enumerate(wrapped, start=1):
            fig.text(x_text / width, (top - index * font / 72 * 1.25) / height, piece, fontsize=font, va="top", family="DejaVu Sans")
        y -= row_h
    with atomic_path(target) as temp:
        fig.savefig(temp, format="pdf", metadata={"Title": f"{film.production.title}: production document", "Creator": "shotcraft", "CreationDate": None})
    plt.close(fig)
