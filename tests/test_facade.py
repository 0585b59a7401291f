"""The public façade: `import shotcraft` is cheap, and the names carry a plan through lint, a dry render and takes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import shotcraft

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "neo-noir" / "film.yaml"


def test_the_facade_loads_lints_and_plans_without_touching_the_store(tmp_path):
    import shotcraft.render.engine  # noqa: F401 - a stage package bound on the module must not shadow a verb

    plan = shotcraft.load_plan(EXAMPLE)
    assert isinstance(shotcraft.lint_plan(plan), list)
    before = sorted(p.name for p in EXAMPLE.parent.iterdir())
    report = shotcraft.render_plan(plan, dry_run=True)
    assert report.planned or report.cached
    assert isinstance(shotcraft.takes(plan), list)
    assert sorted(p.name for p in EXAMPLE.parent.iterdir()) == before
    assert (Path(shotcraft.__file__).parent / "py.typed").is_file()


def test_importing_shotcraft_imports_no_stage():
    done = subprocess.run([sys.executable, "-c", "import sys, shotcraft; print(sorted(m for m in sys.modules if m.startswith('shotcraft')))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['shotcraft']"


def test_numpy_is_asked_for_ordinary_pages_unless_the_user_says_otherwise():
    """`import shotcraft` before NumPy turns off NumPy's huge-page advice (first touches stalled in compaction, see
    shotcraft/__init__.py); a user's own NUMPY_MADVISE_HUGEPAGE is kept. Read back from NumPy itself."""
    import os

    probe = ("import shotcraft, numpy\n"
             "from numpy._core.multiarray import _set_madvise_hugepage\n"
             "print(_set_madvise_hugepage(False))")  # returns the setting NumPy started with
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    ours = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    theirs = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={**env, "NUMPY_MADVISE_HUGEPAGE": "1"})
    assert (ours.stdout.strip(), theirs.stdout.strip()) == ("False", "True")
