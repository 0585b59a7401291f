"""Automatic QA: per-take checks, continuity across cuts, verdicts, ranking, and the HTML report.

File mode: :func:`analyze_clip` on any clip. Plan mode: :func:`shotcraft.qa.run.run_qa`.
"""

from shotcraft.qa.analyze import analyze_clip
from shotcraft.qa.model import CHECK_NAMES, ClipReport, Expected, Flag

__all__ = ["CHECK_NAMES", "ClipReport", "Expected", "Flag", "analyze_clip", "load_schema"]


def load_schema() -> dict:
    """The JSON Schema of ``shotcraft qa FILE... --format json`` output."""
    import json
    from importlib import resources

    return json.loads(resources.files("shotcraft.qa").joinpath("schema.json").read_text(encoding="utf-8"))
