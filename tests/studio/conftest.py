"""A rendered small film for the studio tests, a real uvicorn server on a free port, Debian's Chromium.

Shot s01's two takes C and D are frame-coded clips (each frame shows its own
number as eight vertical stripes, one per bit) imported with ``add_take``;
s02 and s03 are rendered by the animatic backend at 320x180, two takes each.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from shotcraft.plan import load_plan
from shotcraft.qa.run import run_qa_for_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.imports import add_take

WIDTH, HEIGHT, FRAMES = 320, 180, 24
BITS = 8
ON, OFF = 250, 90  # never black: the picture's extent is whatever is not the pane's black background
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip

PLAN = """\
schema_version: 2
production: {id: studiotest, title: Studio Test, format: {resolution: 320x180, fps: 24}}
characters:
  - {id: ana, descriptors: {hair: short red hair}, wardrobe: [yellow raincoat]}
locations:
  - {id: hall, description: a long empty hallway, weather: dry night with distant traffic}
defaults:
  takes: 2
  keyframe: {backend: animatic}
  clip: {backend: animatic}
shots:
  - {id: s01, role: setup, type: establishing, duration: 1, location: hall,
     brief: {subject: the frame-coded test card}}
  - {id: s02, role: tension, type: medium-action, duration: 0.75, characters: [ana], location: hall, camera: push-in,
     brief: {subject: Ana walks down the hallway, emotion: dread}}
  - {id: s03, role: decision, type: tight-portrait, duration: 0.5, characters: [ana], location: hall,
     brief: {subject: Ana turns her head}}
"""


def coded_frame(index: int, tint: tuple[int, int, int] = (1, 1, 1)) -> np.ndarray:
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    stripe = WIDTH // BITS
    for bit in range(BITS):
        level = ON if (index >> (BITS - 1 - bit)) & 1 else OFF
        frame[:, bit * stripe : (bit + 1) * stripe] = [min(255, int(level * t)) for t in tint]
    return frame


def write_coded(path: Path, tint: tuple[float, float, float]) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "12"}
        for index in range(FRAMES):
            for packet in stream.encode(av.VideoFrame.from_ndarray(coded_frame(index, tint), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def read_code(rgb: np.ndarray) -> int | None:
    """The frame number shown in a screenshot crop of one pane (None when no picture is there)."""
    lit = rgb.max(axis=2) > 40
    rows, cols = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
    if len(rows) < 8 or len(cols) < 16:
        return None
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    band = rgb[top + (bottom - top) // 3 : bottom - (bottom - top) // 3, left:right].mean(axis=2)
    width = (right - left) / BITS
    value = 0
    for bit in range(BITS):
        centre = band[:, int(left * 0 + (bit + 0.3) * width) : int((bit + 0.7) * width)].mean()
        value = value * 2 + (1 if centre > (ON + OFF) / 2 else 0)
    return value


@pytest.fixture(scope="module")
def film(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("studio") / "film"
    folder.mkdir()
    write_coded(folder / "coded-a.mp4", (1.0, 1.0, 1.0))
    write_coded(folder / "coded-b.mp4", (1.0, 0.92, 0.8))
    (folder / "film.yaml").write_text(PLAN, encoding="utf-8")
    plan = load_plan(folder / "film.yaml")
    report = render_plan(plan, shots=["s02", "s03"], progress=False, jobs=1)
    assert report.ok
    for label, name in (("C", "coded-a.mp4"), ("D", "coded-b.mp4")):  # A and B are the plan's own renders
        add_take(plan, "s01", folder / name, label=label, source="frame-coded test card")
    run_qa_for_plan(plan)  # verdicts, scores and flagged ranges for the views
    return folder / "film.yaml"


@pytest.fixture(scope="module")
def studio(film):
    from shotcraft.studio.server import make_studio

    server = make_studio(film, reviewer="tester").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, studio):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    # every wait ends as soon as its condition holds; the limit is for a hang, and on a loaded two-core runner (the
    # other test worker encoding 1080p beside) opening a shot took more than Playwright's default 30 s once
    context.set_default_timeout(90_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(studio.url)
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    yield page
    context.close()
    assert not errors, errors
