"""QA104 calibration: the measured speed of generated pans matches their known speed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shotcraft.qa import analyze_clip
from shotcraft.qa.motion import calibrate_speed_per_motion, expected_speed
from shotcraft.qa.thresholds import DEFAULTS
from tests.qa import generators as gen


@pytest.mark.parametrize("speed", [0.02, 0.05, 0.1])
def test_measured_pan_speed_matches_the_truth(tmp_path, speed: float) -> None:
    spec = replace(gen.ClipSpec(), speed=speed, subject_speed=0.0, frames=24, grain=1.0)
    report = analyze_clip(gen.clean(tmp_path / "pan.mp4", spec))
    assert report.metrics["motion_speed"] == pytest.approx(speed, rel=0.25)


def test_expected_speed_is_linear_with_a_floor() -> None:
    assert expected_speed(0.5, DEFAULTS) == pytest.approx(0.5 * DEFAULTS["QA104.speed_per_motion"])
    assert expected_speed(0.0, DEFAULTS) == DEFAULTS["QA104.floor"]


def test_calibration_fits_the_slope() -> None:
    assert calibrate_speed_per_motion([(0.3, 0.03), (0.5, 0.05), (0.4, 0.04)]) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        calibrate_speed_per_motion([(0.0, 0.01)])
