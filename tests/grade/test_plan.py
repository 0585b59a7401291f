"""The cross-shot grade on synthetic takes: intent kept, planted casts removed, intended light kept, bounds reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shotcraft.errors import InputError, PlanError
from shotcraft.grade import measure, ops
from shotcraft.grade.lut import CubeError, bake, read_cube, write_cube
from shotcraft.grade.export import export_cubes
from shotcraft.grade.plan import format_grade_report, plan_grade
from tests.grade.media import COOL, CYAN_CAST, GREEN_MAGENTA, NO_GRAIN, WARM, make_cut, make_plan, plan_text, scene_frame


def _grade(tmp_path: Path, shots: dict[str, str], **plan_args):
    plan = make_plan(tmp_path, plan_text(list(shots), **plan_args))
    return plan_grade(plan, make_cut({shot: takes for shot, takes in shots.items()}, 6))


def _subject_level(frame: np.ndarray) -> float:
    sample = measure.Sample(frame[None])
    return measure.key_level(sample.pixels, measure.find_subject(sample, look_for_people=False))


def _key_hue(frame: np.ndarray) -> float:
    """Hue angle (degrees) of the mean a*b* of the key region (where the light falls)."""
    sample = measure.Sample(frame[None])
    subject = measure.find_subject(sample, look_for_people=False)
    return measure.hue_deg(ops.rgb_to_lab(sample.pixels[subject.mask]).mean(axis=0))


def _neutral_de(first: np.ndarray, second: np.ndarray) -> float:
    return float(measure.delta_e2000(measure.neutral_lab(first.reshape(-1, 3) / 255.0), measure.neutral_lab(second.reshape(-1, 3) / 255.0)))


def test_identity_grade_changes_no_pixel(tmp_path: Path, takes: dict[str, Path]) -> None:
    grade_plan = _grade(tmp_path, {"s01": takes["neutral"], "s02": takes["cyan"]}, grade="{match: false}", extra=NO_GRAIN)
    frame = scene_frame(320, 180, 3)
    for shot_id in ("s01", "s02"):
        assert np.array_equal(grade_plan.transform(shot_id, 3, frame), frame)
    assert grade_plan.shots["s02"].correction("balance") is None  # not harmonized: match is off


def test_a_planted_cyan_cast_is_neutralised_without_moving_exposure(tmp_path: Path, takes: dict[str, Path]) -> None:
    grade_plan = _grade(tmp_path, {"s01": takes["neutral"], "s02": takes["cyan"], "s03": takes["neutral"]}, extra=NO_GRAIN)
    assert grade_plan.shots["s02"].reference == "s01"  # the first shot of the light group
    neighbour, cast = scene_frame(320, 180, 2), scene_frame(320, 180, 2, CYAN_CAST)
    graded = grade_plan.transform("s02", 2, cast)
    assert _neutral_de(cast, neighbour) > 8.0
    assert _neutral_de(graded, neighbour) < 2.0, _neutral_de(graded, neighbour)
    assert abs(measure.stops_between(_subject_level(cast), _subject_level(graded))) < 0.2
    # the neutral, correctly exposed shot is left alone
    assert measure.mean_delta_e2000(grade_plan.transform("s03", 2, neighbour) / 255.0, neighbour / 255.0) < 1.0
    report = grade_plan.report()
    assert report["shots"]["s02"]["corrections"]["balance"]["applied"] > 5
    first_cut = report["continuity"][0]
    assert first_cut["after"]["neutral_de2000"] < first_cut["before"]["neutral_de2000"]
    assert not report["flags"]


def test_intended_firelight_is_kept_while_an_unintended_cast_is_removed(tmp_path: Path, takes: dict[str, Path]) -> None:
    shots = {"s01": takes["cool"], "s02": takes["warm"], "s03": takes["cool-magenta"], "s04": takes["cool"]}
    extra = NO_GRAIN.replace("charters:\n", "charters:\n  lighting:\n    color_temperature: 6500\n")
    actions = {"s02": "action: Jack's face lit by the flames of a campfire"}
    grade_plan = _grade(tmp_path, shots, extra=extra, shot_extra=actions)
    fire = grade_plan.shots["s02"]
    assert fire.light is not None and fire.light.own and "flames" in fire.light.reason
    assert fire.reference == "s02"  # harmonized only within its own light
    warm = scene_frame(320, 180, 1, WARM)
    hue_shift = abs((_key_hue(grade_plan.transform("s02", 1, warm)) - _key_hue(warm) + 180) % 360 - 180)
    assert hue_shift < 10.0, hue_shift
    daylight, magenta = scene_frame(320, 180, 1, COOL), scene_frame(320, 180, 1, shots_cast := tuple(a * b for a, b in zip(COOL, GREEN_MAGENTA, strict=True)))
    assert _neutral_de(magenta, daylight) > 5.0, shots_cast
    assert _neutral_de(grade_plan.transform("s03", 1, magenta), daylight) < 2.0
    assert grade_plan.report()["continuity"][1]["intended_change"] is True


def test_corrections_at_their_bound_are_reported_never_silent(tmp_path: Path, takes: dict[str, Path]) -> None:
    shots = {"s01": takes["neutral"], "s02": takes["dark"], "s03": takes["green"]}
    grade_plan = _grade(tmp_path, shots, extra=NO_GRAIN + "characters:\n  - id: jack\n", shot_extra={"s02": "characters: [jack]\ntype: tight-portrait"},
                        grade="{lut_size: 33}")  # fmt: skip
    flags = {(flag.shot, flag.code): flag for flag in grade_plan.flags}
    assert ("s02", "exposure-at-bound") in flags or ("s02", "exposure-headroom") in flags, flags
    assert ("s03", "balance-at-bound") in flags, flags
    assert all(flag.severity == "warning" and "relighting or regenerating" in flag.message for flag in (flags.get(("s03", "balance-at-bound")),))
    report = grade_plan.report()
    for shot_id, shot in report["shots"].items():
        for name, correction in shot["corrections"].items():
            if "limited_by" in correction:  # every correction stopped by a bound has a flag
                assert any(f["shot"] == shot_id and f["code"].startswith(name) for f in report["flags"]), (shot_id, name)
    assert "relighting or regenerating" in format_grade_report(grade_plan)
    assert report["bounds"]["exposure_stops"] == 2.0


def test_match_can_be_turned_off_per_shot(tmp_path: Path, takes: dict[str, Path]) -> None:
    grade_plan = _grade(tmp_path, {"s01": takes["neutral"], "s02": takes["cyan"]}, shot_grade={"s02": "{match: false}"}, extra=NO_GRAIN)
    assert grade_plan.shots["s02"].reference is None
    cast = scene_frame(320, 180, 1, CYAN_CAST)
    assert np.abs(grade_plan.transform("s02", 1, cast).astype(int) - cast).max() <= 1


def test_reference_not_in_the_cut_is_a_clear_error(tmp_path: Path, takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01", "s02", "s03"], grade="{reference: s03}", extra=NO_GRAIN))
    with pytest.raises(InputError, match="reference 's03'.*not in the cut"):
        plan_grade(plan, make_cut({"s01": takes["neutral"], "s02": takes["cyan"]}, 6))


def test_look_cube_is_applied_last_through_opencolorio(tmp_path: Path, takes: dict[str, Path]) -> None:
    write_cube(bake(lambda rgb: rgb[:, [2, 1, 0]], 17), tmp_path / "swap.cube")  # swaps red and blue
    grade_plan = _grade(tmp_path, {"s01": takes["neutral"]}, grade="{match: false, look: swap.cube, skin_protect: 0}", extra=NO_GRAIN)
    frame = scene_frame(320, 180, 0)
    assert np.abs(grade_plan.transform("s01", 0, frame).astype(int) - frame[..., ::-1]).max() <= 1


def test_skin_is_protected_from_the_look() -> None:
    skin = np.array([[0.80, 0.58, 0.46]])
    cool_look = lambda rgb: np.clip(rgb * np.array([0.8, 1.0, 1.25]), 0, 1)  # noqa: E731
    free = ops.ShotOps(skin_protect=0.0)(skin, cool_look)
    kept = ops.ShotOps(skin_protect=1.0)(skin, cool_look)
    original = ops.rgb_to_lab(skin)[0]
    moved = lambda rgb: np.linalg.norm(ops.rgb_to_lab(rgb)[0][1:] - original[1:])  # noqa: E731
    assert moved(kept) < 0.3 * moved(free)
    sky = np.array([[0.3, 0.5, 0.8]])  # not skin: the look applies in full
    assert np.allclose(ops.ShotOps(skin_protect=1.0)(sky, cool_look), cool_look(sky), atol=1e-6)


def test_malformed_look_cube_fails_before_any_work(tmp_path: Path, takes: dict[str, Path]) -> None:
    (tmp_path / "bad.cube").write_text("LUT_3D_SIZE 2\n0 0 0\n0 0\n")
    plan = make_plan(tmp_path, plan_text(["s01"], grade="{look: bad.cube}"))
    with pytest.raises(CubeError, match=r"bad\.cube:3:"):
        plan_grade(plan, make_cut({"s01": takes["neutral"]}, 6))


def test_grade_value_out_of_range_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        make_plan(tmp_path, plan_text(["s01"], shot_grade={"s01": "{exposure: 9}"}))
    assert "exposure" in str(caught.value)


def test_grain_is_deterministic_temporal_and_luminance_dependent(tmp_path: Path, takes: dict[str, Path]) -> None:
    plan = make_plan(tmp_path, plan_text(["s01"], grade="{match: false}", extra="charters:\n  texture:\n    grain: medium\n"))
    cut = make_cut({"s01": takes["neutral"]}, 6)
    first, second = plan_grade(plan, cut), plan_grade(plan, cut)
    assert first.shots["s01"].correction("grain").applied > 3.0  # a clean take gets nearly all the charter's grain
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


def test_export_cubes_record_writes_only_what_changed(tmp_path: Path, takes: dict[str, Path], monkeypatch) -> None:
    """With a record, a cube whose grade is unchanged and whose file is the one written is not baked again; a file
    edited or removed since, a record that names another grade, or no record, writes it; the bytes never differ."""
    import json

    import shotcraft.grade.export as export

    grade_plan = _grade(tmp_path, {"s01": takes["neutral"], "s02": takes["cyan"]})
    plain = {p.name: p.read_bytes() for p in export_cubes(grade_plan, tmp_path / "plain")}
    record, folder = tmp_path / "record.json", tmp_path / "luts"
    baked: list[str] = []
    monkeypatch.setattr(export, "write_cube", lambda lut, path: baked.append(Path(path).name) or write_cube(lut, path))

    def again() -> list[str]:
        baked.clear()
        paths = export_cubes(grade_plan, folder, record=record)
        assert {p.name: p.read_bytes() for p in paths} == plain
        return sorted(baked)

    assert again() == ["s01.cube", "s02.cube"]
    assert again() == []  # nothing changed: nothing baked or formatted
    (folder / "s02.cube").write_text("TITLE \"edited\"\n")
    assert again() == ["s02.cube"]
    (folder / "s01.cube").unlink()
    assert again() == ["s01.cube"]
    entries = json.loads(record.read_text())
    entries["s02.cube"][0] = "another grade"
    record.write_text(json.dumps(entries))
    assert again() == ["s02.cube"]
    record.write_text("not json")
    assert again() == ["s01.cube", "s02.cube"]
    baked.clear()
    export_cubes(grade_plan, folder)  # no record: every cube
    assert sorted(baked) == ["s01.cube", "s02.cube"]


def test_export_cubes_reload(tmp_path: Path, takes: dict[str, Path]) -> None:
    grade_plan = _grade(tmp_path, {"s01": takes["neutral"], "s02": takes["cyan"]}, grade="{lut_size: 33}")
    paths = export_cubes(grade_plan, tmp_path / "luts")
    assert [p.name for p in paths] == ["s01.cube", "s02.cube"]
    assert np.allclose(read_cube(paths[1]).table, grade_plan.shots["s02"].lut.table, atol=1e-6)
