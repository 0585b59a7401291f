"""shotcraft: a typed film plan carried from intention to finished master.

The public façade, for scripts and notebooks (each name imports its stage on first use, so
``import shotcraft`` stays instant)::

    import shotcraft

    plan = shotcraft.load_plan("film.yaml")
    findings = shotcraft.lint_plan(plan)
    report = shotcraft.render_plan(plan, dry_run=True)
    manifest = shotcraft.make(plan, "out/")

Everything else lives in the stage packages (``shotcraft.render``, ``shotcraft.qa``...), whose
layout follows the data flow.
"""

from __future__ import annotations

import os
from typing import Any

__version__ = "0.1.0"

# NumPy asks the kernel for transparent huge pages on every array of 4 MB or more (madvise), read once at its
# import. Where the kernel's THP defrag policy is "madvise" (the usual default) a first touch of such an array may
# stall in direct compaction: a fresh 64 MB grade table took 0.44-0.72 s to fill here, 0.05 s in ordinary pages, and
# a one-shot edit's make, which allocates and drops frame-sized arrays all through its encodes, ran 1.5 s faster in
# ordinary pages (bench/README.md, "Ordinary pages"). A user's own setting wins.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

# verbs named apart from the stage packages (shotcraft.lint, .render, .qa), which Python binds on this module
# once imported and which would otherwise shadow them
__all__ = ["__version__", "load_plan", "lint_plan", "render_plan", "qa_plan", "make", "takes", "listen"]


def load_plan(path: Any) -> Any:
    """Read and validate a film.yaml; a PlanError names every problem with its file, line and column."""
    from shotcraft.plan import load_plan as _load

    return _load(path)


def lint_plan(plan: Any, **options: Any) -> list[Any]:
    """The craft findings of a loaded plan (``select`` / ``ignore`` rule codes)."""
    from shotcraft.lint.runner import lint_plan as _lint

    return _lint(plan, **options)


def render_plan(plan: Any, **options: Any) -> Any:
    """Render the jobs whose key is not done (``shots``, ``takes``, ``force``, ``jobs``, ``dry_run``...)."""
    from shotcraft.render.engine import render_plan as _render

    return _render(plan, **options)


def qa_plan(plan: Any, *, report_dir: Any = None, dry_run: bool = False) -> Any:
    """Score every take of the plan (``dry_run``: record nothing)."""
    from shotcraft.qa.run import run_qa_for_plan

    return run_qa_for_plan(plan, report_dir=report_dir, dry_run=dry_run)


def make(plan: Any, out_dir: Any, **options: Any) -> Any:
    """Every stage end to end into ``out_dir``; returns the manifest."""
    from shotcraft.pipeline import make as _make

    return _make(plan, out_dir, **options)


def takes(plan: Any, shot: str | None = None) -> list[Any]:
    """The takes in the store (read-only: nothing is created or changed)."""
    from shotcraft import files
    from shotcraft.render.store import open_project

    with files.read_only():
        return open_project(plan, read_only=True).takes(shot)


def listen(listener: Any) -> Any:
    """Receive the progress events of every stage while inside (``with shotcraft.listen(print): ...``)."""
    from shotcraft.events import listen as _listen

    return _listen(listener)
