"""Report pieces: crops keep the flagged place (shown at 200%), curves are palette PNGs, the make step writes both files."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image

from shotcraft.qa import analyze_clip
from shotcraft.qa.report import CURVE_COLOURS, curves_png, flag_crop, write_files_report


def test_a_crop_keeps_the_flagged_edge_at_its_source_size() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:, :8] = 255  # a bright left edge
    crop = flag_crop(frame, (0.0, 0.0, 0.25, 1.0))
    assert crop.shape == (120, 160, 3)  # the page doubles it (a quarter of the bytes of a doubled PNG)
    assert crop[:, :8].min() == 255 and crop[:, 8:].max() == 0  # the 8 px edge itself
    right = flag_crop(frame, (0.75, 0.0, 0.25, 1.0))
    assert right.max() == 0  # the right edge is where the crop went


def test_curves_are_an_inline_png(clips) -> None:
    path, _, _ = clips.get("flicker")
    uri = curves_png(analyze_clip(path))
    assert uri.startswith("data:image/png;base64,")
    png = base64.b64decode(uri.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as image:  # a palette PNG: a few colours, the chart as drawn
        assert image.mode == "P" and image.size == (512, 368)
        assert len(image.getcolors()) <= CURVE_COLOURS
        assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 8  # lines, text and shading


def test_files_report_is_self_contained(clips, tmp_path) -> None:
    path, _, _ = clips.get("border_artifacts")
    html_path, json_path = write_files_report([analyze_clip(path), analyze_clip(clips.get("clean"))], tmp_path)
    html = html_path.read_text()
    assert "QA108 border-artifacts" in html and "200%" in html
    assert 'width="320"' in html and "image-rendering: pixelated" in html  # a 160 px crop shown at 200%, pixels doubled
    assert "src=\"http" not in html and "<script" not in html  # nothing fetched from elsewhere
    assert [d["verdict"] for d in json.loads(json_path.read_text())] == ["reject", "pass"]


def test_a_take_thumbnail_is_a_jpeg_of_its_middle_frame(clips) -> None:
    import cv2

    from shotcraft.media.video import read_frames
    from shotcraft.qa.report import _images, _thumb

    path = clips.get("clean")
    report = analyze_clip(path)
    uri = _images(report, None)["thumb"]
    assert uri.startswith("data:image/jpeg;base64,")
    shown = cv2.cvtColor(cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    middle = _thumb(list(read_frames(path))[report.frames // 2])
    assert shown.shape == middle.shape
    mse = float(np.mean((shown.astype(np.float64) - middle) ** 2))
    assert 10 * np.log10(255**2 / max(mse, 1e-9)) > 35  # the middle frame, not a neighbour (those differ by motion)
    neighbour = _thumb(list(read_frames(path))[report.frames // 2 + 3])
    assert float(np.mean((shown.astype(np.float64) - neighbour) ** 2)) > 2 * mse


def test_a_damaged_take_still_shows_a_frame(clips) -> None:
    from shotcraft.qa.report import _grab

    path = clips.get("corrupt")
    frames = _grab(path, [10, 60])
    assert len(frames) == 2 and all(f.ndim == 3 for f in frames)
