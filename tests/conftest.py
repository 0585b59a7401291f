"""Test-wide settings: offline, deterministic, headless."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# numba's on-disk cache (librosa's beat tracker) is not safe for two processes compiling at once: two workers that
# shared the venv's __pycache__ left an index naming the other's code, and every later call crashed (a segfault in
# test_beats). Each worker keeps its own, inside the venv, so it is compiled once per worker and venv.
os.environ["NUMBA_CACHE_DIR"] = str(Path(sys.prefix) / "numba-cache" / os.environ.get("PYTEST_XDIST_WORKER", "main"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "neo-noir" / "film.yaml"


@pytest.fixture
def example_plan_path() -> Path:
    return EXAMPLE


#: a small film for the hand-off tests (media folder, timelines, melt, archive): three 1 s shots at 256x144
#: (DNxHR's smallest size), one take each, a 6-frame dissolve into a2 and a cut into a3
HANDOFF_PLAN = """\
schema_version: 2
production:
  id: tiny
  title: Tiny Film
  format: {resolution: 256x144, fps: 24}
characters:
  - {id: ana, name: Ana, wardrobe: [red coat], descriptors: {hair: blonde hair}}
locations:
  - {id: park, description: a small park, geography: "a bench on the left, a lamp on the right"}
charters:
  lighting: {direction: left}
  palette: [warm gold, deep blue shadows]
defaults: {takes: 1}
shots:
  - {id: a1, role: setup, type: establishing, duration: 1, characters: [ana], location: park, camera: push-in}
  - {id: a2, role: tension, type: tight-portrait, duration: 1, characters: [ana], location: park, transition: {type: dissolve, duration: 0.25}}
  - {id: a3, role: decision, type: insert, duration: 1, location: park, camera: pan-left, brief: {subject: a letter on the bench}}
"""


@pytest.fixture(scope="session")
def handoff_film(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(plan folder, output folder) of one `make` of HANDOFF_PLAN, shared by the hand-off tests."""
    from shotcraft.pipeline import make
    from shotcraft.plan import load_plan

    folder = tmp_path_factory.mktemp("handoff") / "film"
    folder.mkdir()
    (folder / "film.yaml").write_text(HANDOFF_PLAN)
    out = folder.parent / "out"
    make(load_plan(folder / "film.yaml"), out, jobs=1, progress=False)
    return folder, out
