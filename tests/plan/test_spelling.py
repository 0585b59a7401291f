"""Forgiving vocabulary: the seeds' spellings are understood, typos are refused with the nearest value."""

from __future__ import annotations

import pytest

from shotcraft.errors import PlanError
from shotcraft.lint import lint_plan
from shotcraft.plan import load_plan_text
from shotcraft.plan.presets import Role, ShotType
from shotcraft.plan.schema import CameraMove
from shotcraft.plan.spelling import camera_move, role, shot_type


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("wide ambience", ShotType.WIDE_AMBIENCE),
        ("Wide ambience shot", ShotType.WIDE_AMBIENCE),
        ("Tight portrait", ShotType.TIGHT_PORTRAIT),
        ("ECU", ShotType.EXTREME_CLOSE_UP),
        ("ECUs", ShotType.EXTREME_CLOSE_UP),
        ("extreme close up", ShotType.EXTREME_CLOSE_UP),
        ("close up", ShotType.TIGHT_PORTRAIT),
        ("two shot", ShotType.PROFILE_TWO_SHOT),
        ("Object detail shot", ShotType.OBJECT_DETAIL),
        ("medium_action", ShotType.MEDIUM_ACTION),
        ("establishing", ShotType.ESTABLISHING),
    ],
)
def test_shot_types_as_the_seeds_write_them(written: str, value: ShotType) -> None:
    assert shot_type(written) == value


def test_camera_moves_and_roles() -> None:
    assert camera_move("Push in") == CameraMove.PUSH_IN
    assert camera_move("handheld") == CameraMove.HANDHELD_DRIFT
    assert role("Set up") == Role.SETUP and role("hook") == Role.SETUP


@pytest.mark.parametrize(("typo", "nearest"), [("tigth portrait", "tight-portrait"), ("establising", "establishing"), ("insrt", "insert")])
def test_typos_are_refused_with_the_nearest_value(typo: str, nearest: str) -> None:
    with pytest.raises(ValueError, match=f"did you mean '{nearest}'"):
        shot_type(typo)


PLAN = """schema_version: 2
production: {{id: x, title: X}}
shots:
  - {{id: s1, type: {type}, camera: {camera}, role: {role}}}
"""


def test_the_plan_reads_them_and_the_linter_notes_each_one() -> None:
    plan = load_plan_text(PLAN.format(type="Wide ambience", camera="push in", role="Setup"))
    shot = plan.film.shots[0]
    assert (shot.type, shot.camera.move, shot.role) == (ShotType.WIDE_AMBIENCE, CameraMove.PUSH_IN, Role.SETUP)
    notes = [f for f in lint_plan(plan, select="SC510")]
    assert {f.path for f in notes} == {("shots", 0, "type"), ("shots", 0, "role"), ("shots", 0, "camera")}
    assert any("'Wide ambience' read as 'wide-ambience'" in f.message for f in notes)


def test_a_typo_in_the_plan_is_a_located_error() -> None:
    with pytest.raises(PlanError) as error:
        load_plan_text(PLAN.format(type="wyde", camera="static", role="setup"))
    assert "did you mean 'wide-ambience'" in str(error.value)


@pytest.mark.parametrize(
    ("written", "move"),
    [("slow push in", CameraMove.PUSH_IN), ("Very slow pan left", CameraMove.PAN_LEFT), ("gentle tilt up", CameraMove.TILT_UP),
     ("slow zoom out", CameraMove.PULL_OUT), ("smooth dolly right", CameraMove.DOLLY_RIGHT)],
)
def test_a_speed_word_before_a_move_is_read_as_the_move(written: str, move: CameraMove) -> None:
    assert camera_move(written) == move


@pytest.mark.parametrize("written", ["tracking", "Tracking shot", "slow zoom", "pan", "follow"])
def test_a_word_that_says_several_moves_is_refused_with_the_choices(written: str) -> None:
    with pytest.raises(ValueError, match="says several moves: write one of") as error:
        camera_move(written)
    assert "did you mean" not in str(error.value)


def test_slow_alone_is_still_a_typo_not_a_move() -> None:
    with pytest.raises(ValueError, match="unknown camera move"):
        camera_move("slow")
