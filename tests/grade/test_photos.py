"""The grade on real photographs (scikit-image's astronaut, coffee, chelsea, rocket) used as takes.

One cut, graded once: a correctly exposed portrait (the reference), a coffee insert, the same insert with a
planted cyan cast, a cat, the portrait planted two stops under, and a night launch pad wide.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data

from shotcraft.grade import measure
from shotcraft.grade.plan import GradePlan, plan_grade
from tests.grade.media import CYAN_CAST, make_cut, make_plan, plan_text, with_cast, write_still_take

SIZE = (384, 216)
SHOT_LINES = {
    "s01": "type: tight-portrait\ncharacters: [eileen]",
    "s02": "type: insert",
    "s03": "type: insert",
    "s04": "type: medium-action",
    "s05": "type: tight-portrait\ncharacters: [eileen]",
    "s06": "type: establishing",
}


def _frame(image: np.ndarray, top: int | None = None) -> np.ndarray:
    """A 16:9 crop (centred, or from ``top``) at the sample size."""
    import cv2

    height, width = image.shape[:2]
    crop = int(width * 9 / 16)
    y = (height - crop) // 2 if top is None else top
    return cv2.resize(image[y : y + crop], SIZE, interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    astronaut, coffee = _frame(skimage.data.astronaut(), top=0), _frame(skimage.data.coffee())
    return {"s01": astronaut, "s02": coffee, "s03": with_cast(coffee, CYAN_CAST), "s04": _frame(skimage.data.chelsea()),
            "s05": with_cast(astronaut, (0.25, 0.25, 0.25)), "s06": _frame(skimage.data.rocket())}  # fmt: skip


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, photos: dict[str, np.ndarray]) -> GradePlan:
    folder = tmp_path_factory.mktemp("photos")
    takes = {shot: write_still_take(folder / f"{shot}.mp4", image, 6) for shot, image in photos.items()}
    text = plan_text(list(photos), extra="characters:\n  - id: eileen\ncharters:\n  texture:\n    grain: none\n", shot_extra=SHOT_LINES)
    plan = make_plan(folder, text.replace("description: a street\n", "description: a street\n    time_of_day: day\n"))
    return plan_grade(plan, make_cut(takes, 6, width=SIZE[0], height=SIZE[1]))


def _neutral_de(first: np.ndarray, second: np.ndarray) -> float:
    return float(measure.delta_e2000(measure.neutral_lab(first.reshape(-1, 3) / 255.0), measure.neutral_lab(second.reshape(-1, 3) / 255.0)))


def test_the_face_is_found_and_measured_as_the_subject(graded: GradePlan) -> None:
    portrait = graded.shots["s01"]
    assert portrait.subject == "faces" and portrait.intent is not None and portrait.intent.subject == "face"
    assert graded.shots["s04"].subject == "key region"  # no character in the shot: the cat is lit, not a face


def test_no_subject_moves_more_than_one_and_a_half_stops_unless_measured_wrong_for_its_intent(graded: GradePlan) -> None:
    for shot_id, grade in graded.shots.items():
        moved = graded.report()["shots"][shot_id]["exposure_stops"]
        exposure = grade.correction("exposure")
        assert exposure is not None
        if exposure.wanted == 0:  # within its intent: exposure is left alone
            assert abs(moved) < 0.2, (shot_id, moved)
        assert abs(moved) <= 1.5 or exposure.wanted != 0, (shot_id, moved)


def test_an_underexposed_portrait_is_brought_to_a_skin_exposure(graded: GradePlan) -> None:
    dark = graded.shots["s05"]
    assert dark.before is not None and dark.after is not None and dark.intent is not None
    assert dark.before.level < dark.intent.low
    assert dark.intent.low <= dark.after.level <= dark.intent.high
    assert graded.report()["shots"]["s05"]["exposure_stops"] > 0.5


def test_a_planted_cyan_cast_on_a_photograph_is_removed_without_moving_exposure(graded: GradePlan, photos: dict[str, np.ndarray]) -> None:
    clean, cast = photos["s02"], photos["s03"]
    after = graded.transform("s03", 0, cast)
    assert _neutral_de(cast, clean) > 5.0
    assert _neutral_de(after, clean) < 2.0
    sample = measure.Sample(cast[None])
    subject = measure.find_subject(sample, look_for_people=False)
    level = lambda frame: measure.key_level(frame.reshape(-1, 3) / 255.0, subject)  # noqa: E731
    assert abs(measure.stops_between(level(cast), level(after))) < 0.2


def test_a_correct_portrait_is_left_alone_and_the_cut_jumps_less(graded: GradePlan, photos: dict[str, np.ndarray]) -> None:
    portrait = photos["s01"]
    assert measure.mean_delta_e2000(graded.transform("s01", 0, portrait) / 255.0, portrait / 255.0) < 1.0
    casts = [(row["before"]["cast_de2000"], row["after"]["cast_de2000"]) for row in graded.continuity]
    assert sum(after for _, after in casts) < sum(before for before, _ in casts)
    assert all(after <= before + 0.5 for before, after in casts), casts
