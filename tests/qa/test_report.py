"""Report pieces: 200% crops keep the flagged place, curves are PNGs, the make step writes both files."""

from __future__ import annotations

import base64
import json

import numpy as np

from shotcraft.qa import analyze_clip
from shotcraft.qa.report import crop_200, curves_png, write_files_report


def test_crop_is_200_percent_and_keeps_the_flagged_edge() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:, :8] = 255  # a bright left edge
    crop = crop_200(frame, (0.0, 0.0, 0.25, 1.0))
    assert crop.shape == (240, 320, 3)
    assert crop[:, :16].min() == 255 and crop[:, 16:].max() == 0  # the 8 px edge, shown 16 px wide
    right = crop_200(frame, (0.75, 0.0, 0.25, 1.0))
    assert right.max() == 0  # the right edge is where the crop went


def test_curves_are_an_inline_png(clips) -> None:
    path, _, _ = clips.get("flicker")
    uri = curves_png(analyze_clip(path))
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_files_report_is_self_contained(clips, tmp_path) -> None:
    path, _, _ = clips.get("border_artifacts")
    html_path, json_path = write_files_report([analyze_clip(path), analyze_clip(clips.get("clean"))], tmp_path)
    html = html_path.read_text()
    assert "QA108 border-artifacts" in html and "200%" in html
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
