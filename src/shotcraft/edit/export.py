"""Write a cut's deliverables in one call: rough-cut MP4 plus .otio, .edl, .xml and .fcpxml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shotcraft.edit.build import ProjectLike, build_timeline
from shotcraft.edit.otio_io import export_interchange
from shotcraft.edit.render import FrameTransform, write_rough_cut
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan
from shotcraft.render.reviews import review_markers


@dataclass(frozen=True)
class CutExport:
    timeline: Timeline
    rough_cut: Path
    interchange: dict[str, Path]  # "otio", "edl", "fcp-xml", "fcpxml" -> path

    @property
    def paths(self) -> list[Path]:
        return [self.rough_cut, *self.interchange.values()]


def export_cut(
    plan: LoadedPlan,
    project: ProjectLike,
    out_dir: str | Path,
    *,
    transform: FrameTransform | None = None,
    timeline: Timeline | None = None,
) -> CutExport:
    """Build the cut (a conformed edit included; or use ``timeline``) and write ``<id>-rough-cut.mp4`` and the interchange files."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: --out must be a folder")
    if timeline is None:
        timeline = build_timeline(plan, project)
    stem = plan.film.production.id
    interchange = export_interchange(timeline, out_dir, stem, markers=review_markers(project))  # the studio's notes
    from shotcraft.render.store import PROJECT_FOLDER

    # segments kept in the project folder: `cut` and `make` share them (the rough cut is encoded once)
    rough_cut = write_rough_cut(timeline, out_dir / f"{stem}-rough-cut.mp4", transform, cache=plan.root / PROJECT_FOLDER / "segments")
    return CutExport(timeline, rough_cut, interchange)
