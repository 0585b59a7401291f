"""The film's format everywhere: keyframes and clips at the film's aspect keep the whole still (no double crop)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from shotcraft.media.video import read_frames
from shotcraft.plan.frame import default_keyframe_size, round_size, size_for_aspect
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project
from tests.render.helpers import write_plan


def test_seed_sizes_at_any_aspect():
    assert default_keyframe_size((1280, 720)) == (1536, 864)  # the seed's 16:9 size is unchanged
    assert default_keyframe_size((1080, 1920)) == (864, 1536)
    assert default_keyframe_size((1680, 720)) == (1760, 754)
    assert size_for_aspect(7 / 3, 1536 * 864, 16) == (1760, 752)
    assert round_size((1536, 864), 16) == (1536, 864)
    width, height = round_size((1760, 754), 64)
    assert width % 64 == 0 and height % 64 == 0 and abs(width / height - 7 / 3) < 0.1


def _still(tmp: Path, name: str, image: np.ndarray) -> str:
    path = tmp / name
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return name


def _film(folder: Path, resolution: str, still: str, move: str):
    text = "\n".join([
        "schema_version: 2",
        "production: {id: fmt, title: Format, format: {resolution: %s, fps: 24}}" % resolution,
        "locations:",
        "  - {id: moon, description: a grey crater field}",
        "defaults: {takes: 1}",
        "shots:",
        f"  - {{id: s01, type: establishing, duration: 0.5, location: moon, camera: {move}, still: {still}, brief: {{subject: the sky}}}}",
    ]) + "\n"  # fmt: skip
    return write_plan(folder, text)


def _panorama(aspect: float, height: int) -> np.ndarray:
    """A real photograph tiled to ``aspect`` (mirrored, so every column of it is picture)."""
    photo = data.astronaut()
    strip = np.hstack([photo, photo[:, ::-1], photo])
    width = int(round(height * aspect))
    tall = cv2.resize(strip, (strip.shape[1] * height // strip.shape[0], height), interpolation=cv2.INTER_AREA)
    if tall.shape[1] >= width:
        return np.ascontiguousarray(tall[:, :width])
    return cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize(
    "resolution, still_size, move",
    [("336x144", (700, 300), "static"), ("144x256", (288, 512), "push-in")],
    ids=["7:3 static", "9:16 push-in"],
)
def test_keyframe_and_first_frame_keep_the_whole_still(tmp_path, resolution, still_size, move):
    width, height = (int(v) for v in resolution.split("x"))
    still = _panorama(still_size[0] / still_size[1], still_size[1])
    if still.shape[:2] != (still_size[1], still_size[0]):
        still = cv2.resize(data.astronaut(), still_size, interpolation=cv2.INTER_AREA)
    folder = tmp_path / "film"
    folder.mkdir()
    plan = _film(folder, resolution, _still(folder, "still.png", still), move)
    report = render_plan(plan, jobs=1, progress=False)
    assert report.ok
    take = open_project(plan).takes("s01")[0]
    keyframe = cv2.cvtColor(cv2.imread(str(take.keyframe_path)), cv2.COLOR_BGR2RGB)
    kw, kh = keyframe.shape[1], keyframe.shape[0]
    assert abs(kw / kh - width / height) < 0.01, "the keyframe has the film's aspect"
    assert kw * kh == pytest.approx(1536 * 864, rel=0.01), "at the seed's pixel budget"
    # the whole still, only resampled: compare with the still scaled to the keyframe (no crop)
    upscale = cv2.INTER_CUBIC if kw > still.shape[1] else cv2.INTER_AREA
    whole = cv2.resize(still, (kw, kh), interpolation=upscale).astype(np.int16)
    assert np.abs(keyframe.astype(np.int16) - whole).mean() < 2
    first = next(read_frames(take.clip_path, count=1))
    assert first.shape[:2] == (height, width)
    scaled = cv2.resize(still, (width, height), interpolation=cv2.INTER_AREA).astype(np.int16)
    error = np.abs(first.astype(np.int16) - scaled).mean()
    # a crop of even 2 % would shift edges by pixels: the error would be several times larger
    cropped = cv2.resize(still[:, still.shape[1] // 100 : -(still.shape[1] // 100) or None], (width, height), interpolation=cv2.INTER_AREA)
    assert error < 5 and error < 0.6 * np.abs(cropped.astype(np.int16) - scaled).mean()
