"""The bundled Haar cascade finds a drawn frontal face at several sizes and nothing in a face-free scene."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shotcraft.qa.haar import HaarCascade, group_rectangles
from tests.qa import generators as gen


@pytest.mark.parametrize("size", [40, 72, 120])
def test_finds_a_face_where_it_is(size: int) -> None:
    image = np.full((180, 320, 3), (90, 110, 130), np.uint8)
    gen.draw_face(image, 160, 95, size)
    gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    [(x, y, w, h)] = HaarCascade.bundled().detect(gray, min_neighbors=3)
    assert abs(x + w / 2 - 160) < size * 0.2 and abs(y + h / 2 - 95 + size * 0.05) < size * 0.3
    assert 0.8 * size < w < 1.5 * size


def test_no_face_in_a_plain_scene() -> None:
    frame = gen.render(gen.ClipSpec())[10]
    gray = cv2.equalizeHist(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
    assert HaarCascade.bundled().detect(gray, min_neighbors=3) == []


def test_grouping_keeps_supported_clusters_only() -> None:
    boxes = [(10, 10, 40, 40), (11, 10, 40, 41), (12, 11, 39, 40), (200, 50, 30, 30)]
    assert group_rectangles(boxes, 2) == [(11, 10, 40, 40)]
