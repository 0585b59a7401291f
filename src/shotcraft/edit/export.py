"""Write a cut's deliverables in one call: the media folder, the rough-cut MP4, .otio, .otioz, .edl, .xml, .fcpxml.

With ``sound`` (the mix first, then the stems) every timeline carries the
sound as audio tracks and the rough cut carries the mix: ``shotcraft make``
builds the sound from the cut's timeline before it writes these files, so
the rough cut is encoded once, picture and mix together (see pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from shotcraft.edit.build import ProjectLike, build_timeline
from shotcraft.edit.media import conform_media, timeline_reels
from shotcraft.edit.otio_io import SoundFile, Sources, export_interchange
from shotcraft.edit.render import FrameTransform, write_rough_cut
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan
from shotcraft.render.reviews import review_markers


@dataclass(frozen=True)
class CutExport:
    timeline: Timeline
    rough_cut: Path
    interchange: dict[str, Path]  # "otio", "edl", "fcp-xml", "fcpxml", "otioz" -> path
    media: tuple[Path, ...] = ()  # the media folder's files

    @property
    def paths(self) -> list[Path]:
        return [self.rough_cut, *self.interchange.values()]


def sound_files(timeline: Timeline, sound: list[tuple[str, Path]], reels: dict[str, str]) -> tuple[SoundFile, ...]:
    """(name, wav) pairs as timeline sound: each file's length in film frames, its reel name."""
    import soundfile

    result = []
    for name, path in sound:
        try:
            info = soundfile.info(str(path))
        except (RuntimeError, soundfile.LibsndfileError) as exc:  # type: ignore[attr-defined]
            raise InputError(f"{path}: not a readable sound file for the timelines ({exc})") from None
        frames = int(Fraction(info.frames) * timeline.rate / info.samplerate)
        result.append(SoundFile(name, Path(path), frames, reels[name]))
    return tuple(result)


def export_cut(
    plan: LoadedPlan,
    project: ProjectLike,
    out_dir: str | Path,
    *,
    transform: FrameTransform | None = None,
    timeline: Timeline | None = None,
    sound: list[tuple[str, Path]] | None = None,
    clip_metadata: dict[str, dict[str, Any]] | None = None,
    bundle: bool = True,
) -> CutExport:
    """Build the cut (a conformed edit included; or use ``timeline``) and write every hand-off file into ``out_dir``.

    ``sound``: (name, wav) pairs, the mix named "mix" first; laid in every timeline, the mix muxed into the rough cut.
    ``clip_metadata``: shot id -> metadata merged into that shot's clips, e.g. the grade's
    ``{"cdl": {"asc_sop": {"slope": [...], "offset": [...], "power": [...]}, "asc_sat": 1.0}}``, which the EDL
    writes as ``*ASC_SOP`` / ``*ASC_SAT`` comments and the .otio keeps.
    ``bundle``: write the .otioz too (False while iterating: the media folder and timelines are the same hand-off).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: --out must be a folder")
    if timeline is None:
        timeline = build_timeline(plan, project)
    sound = list(sound or [])
    if sound and sound[0][0] != "mix":
        raise InputError(f"{sound[0][1]}: the first sound file of a cut must be the mix")
    stem = plan.film.production.id
    names = tuple(name for name, _ in sound)
    reels = timeline_reels(timeline, names)
    media = conform_media(timeline, out_dir, plan.film.delivery.editing_media, reels=reels)
    sources = Sources(base=out_dir, media=media, sound=sound_files(timeline, sound, {n: reels[(n, "")] for n in names}),
                      clip_metadata=dict(clip_metadata or {}))  # fmt: skip
    interchange = export_interchange(timeline, out_dir, stem, sources=sources, markers=review_markers(project),  # the studio's notes
                                     bundle=bundle)
    from shotcraft.render.store import PROJECT_FOLDER

    # segments kept in the project folder: `cut` and `make` share them (the rough cut is encoded once)
    rough_cut = write_rough_cut(timeline, out_dir / f"{stem}-rough-cut.mp4", transform, audio=sound[0][1] if sound else None,
                                cache=plan.root / PROJECT_FOLDER / "segments")  # fmt: skip
    return CutExport(timeline, rough_cut, interchange, tuple(m.path for m in media.values()))
