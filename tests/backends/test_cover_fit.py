"""One cover-fit: generated frames (camera.cover_resize) and imported clips (render.fit) fill the frame the same way."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

from shotcraft.backends.camera import cover_resize
from shotcraft.render.fit import fit_frame, parse_fit


def test_cover_fills_the_frame_and_crops_where_the_position_says() -> None:
    photo = data.astronaut()  # 512 x 512: into 16:9 the top and bottom overflow
    scaled = cv2.resize(photo, (320, 320), interpolation=cv2.INTER_AREA)  # the whole photo at the frame's width
    assert np.array_equal(cover_resize(photo, (320, 180)), scaled[70:250])  # centred: 70 rows cut above and below
    assert np.array_equal(cover_resize(photo, (320, 180), (0.5, 0.0)), scaled[:180])
    assert np.array_equal(cover_resize(photo, (320, 180), (0.5, 1.0)), scaled[140:])


def test_an_imported_clip_is_cover_fitted_by_the_same_function() -> None:
    photo = data.coffee()  # 600 x 400 (3:2) into a 9:16 frame: the sides overflow
    assert np.array_equal(fit_frame(photo, 180, 320, parse_fit("cover")), cover_resize(photo, (180, 320)))
    left = fit_frame(photo, 180, 320, parse_fit("crop", position="left"))
    assert np.array_equal(left, cover_resize(photo, (180, 320), (0.0, 0.5)))
    assert not np.array_equal(left, cover_resize(photo, (180, 320)))
