"""The cross-shot grade: identity, harmonization of a planted cast, skin protection, look, grain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shotcraft.errors import InputError, PlanError
from shotcraft.grade import ops
from shotcraft.grade.lut import CubeError, bake, read_cube, write_cube
from shotcraft.grade.match import mean_delta_e
from shotcraft.grade.plan import export_cubes, plan_grade
from tests.grade.media import make_cut, make_plan, plan_text, scene_frame, write_take

NO_GRAIN = "charters:\n  texture:\n    grain: none\n"
CYAN_CAST = (0.65, 1.0, 1.12)  # linear-light gains: red pulled down, blue up


@pytest.fixture
def two_takes(tmp_path: Path) -> dict[str, Path]:
    return {
        "s01": write_take(tmp_path / "s01.mp4", 6),
        "s02": write_take(tmp_path / "s02.mp4", 6, cast=CYAN_CAST),
    }


def test_identity_grade_changes_no_pixel(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], grade="{match: false}", extra=NO_GRAIN))
    grade_plan = plan_grade(plan, make_cut(two_takes, 6))
    frame = scene_frame(320, 180, 3)
    for shot_id in ("s01", "s02"):
        assert np.array_equal(grade_plan.transform(shot_id, 3, frame), frame)


def test_harmonization_removes_a_planted_cyan_cast(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], extra=NO_GRAIN))
    grade_plan = plan_grade(plan, make_cut(two_takes, 6))
    assert grade_plan.shots["s02"].reference == "s01"  # the first shot of the scene
    reference = scene_frame(320, 180, 2) / 255.0
    cast = scene_frame(320, 180, 2, CYAN_CAST)
    before = mean_delta_e(cast / 255.0, reference)
    after = mean_delta_e(grade_plan.transform("s02", 2, cast) / 255.0, reference)
    assert before > 8.0
    assert after < 2.5, (before, after)
    # the reference itself is left alone
    assert np.abs(grade_plan.transform("s01", 2, scene_frame(320, 180, 2)).astype(int) - reference * 255).max() <= 1
    report = grade_plan.report()["shots"]["s02"]["match"]
    assert report["delta_e_after"] < report["delta_e_before"]


def test_match_can_be_turned_off_per_shot(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], shot_grade={"s02": "{match: false}"}, extra=NO_GRAIN))
    grade_plan = plan_grade(plan, make_cut(two_takes, 6))
    assert grade_plan.shots["s02"].reference is None
    cast = scene_frame(320, 180, 1, CYAN_CAST)
    assert np.array_equal(grade_plan.transform("s02", 1, cast), cast)


def test_reference_not_in_the_cut_is_a_clear_error(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01", "s02", "s03"], grade="{reference: s03}", extra=NO_GRAIN))
    with pytest.raises(InputError, match="reference 's03'.*not in the cut"):
        plan_grade(plan, make_cut(two_takes, 6))


def test_skin_protection_keeps_skin_chroma_under_a_temperature_shift() -> None:
    skin = np.array([[0.80, 0.58, 0.46]])
    free = ops.ShotOps(temperature=-0.8, skin_protect=0.0)(skin)
    kept = ops.ShotOps(temperature=-0.8, skin_protect=1.0)(skin)
    original = ops.rgb_to_lab(skin)[0]
    assert np.linalg.norm(ops.rgb_to_lab(kept)[0][1:] - original[1:]) < 0.3 * np.linalg.norm(
        ops.rgb_to_lab(free)[0][1:] - original[1:]
    )
    sky = np.array([[0.3, 0.5, 0.8]])  # not skin: shifted either way
    assert np.allclose(ops.ShotOps(temperature=-0.8, skin_protect=1.0)(sky), ops.ShotOps(temperature=-0.8)(sky), atol=1e-6)


def test_look_cube_is_applied_last(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    write_cube(bake(lambda rgb: rgb[:, [2, 1, 0]], 17), tmp_path / "swap.cube")  # swaps red and blue
    plan = make_plan(tmp_path, plan_text(["s01"], grade="{match: false, look: swap.cube}", extra=NO_GRAIN))
    grade_plan = plan_grade(plan, make_cut({"s01": two_takes["s01"]}, 6))
    frame = scene_frame(320, 180, 0)
    assert np.abs(grade_plan.transform("s01", 0, frame).astype(int) - frame[..., ::-1]).max() <= 1


def test_malformed_look_cube_fails_before_any_work(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    (tmp_path / "bad.cube").write_text("LUT_3D_SIZE 2\n0 0 0\n0 0\n")
    plan = make_plan(tmp_path, plan_text(["s01"], grade="{look: bad.cube}"))
    with pytest.raises(CubeError, match=r"bad\.cube:3:"):
        plan_grade(plan, make_cut({"s01": two_takes["s01"]}, 6))


def test_grade_value_out_of_range_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        make_plan(tmp_path, plan_text(["s01"], shot_grade={"s01": "{exposure: 9}"}))
    assert "exposure" in str(caught.value)


def test_grain_is_deterministic_temporal_and_luminance_dependent(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01"], grade="{match: false}", extra="charters:\n  texture:\n    grain: medium\n"))
    cut = make_cut({"s01": two_takes["s01"]}, 6)
    first, second = plan_grade(plan, cut), plan_grade(plan, cut)
    levels = np.zeros((180, 320, 3), dtype=np.uint8)
    levels[:60], levels[60:120], levels[120:] = 6, 128, 250
    a0, b0 = first.transform("s01", 0, levels), second.transform("s01", 0, levels)
    assert np.array_equal(a0, b0)  # same plan, same grain
    a1 = first.transform("s01", 1, levels)
    assert not np.array_equal(a0, a1)  # temporal: a new pattern each frame
    noise = a0.astype(float) - levels
    mid, deep = noise[60:120].std(), noise[:60].std()
    assert 2.5 < mid < 5.0 and deep < 0.7 * mid
    assert abs(noise[60:120].mean()) < 0.2  # grain does not shift exposure


def test_export_cubes_reload(tmp_path: Path, two_takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], grade="{lut_size: 33}"))
    grade_plan = plan_grade(plan, make_cut(two_takes, 6))
    paths = export_cubes(grade_plan, tmp_path / "luts")
    assert [p.name for p in paths] == ["s01.cube", "s02.cube"]
    assert np.allclose(read_cube(paths[1]).table, grade_plan.shots["s02"].lut.table, atol=1e-6)
