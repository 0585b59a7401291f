"""The grade's baked tables under threads: each baked once, never while another shot's frames wait, and a copy
(`with_own_tables`, the QA's graded cuts beside the encodes) takes the tables its plan holds without evicting them."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from shotcraft.grade import plan as plan_module
from shotcraft.grade.plan import plan_grade
from tests.grade.media import make_cut, make_plan, plan_text, scene_frame

SHOTS = ("s01", "s02", "s03")


@pytest.fixture
def graded(tmp_path: Path, takes: dict[str, Path]):
    shots = {"s01": takes["neutral"], "s02": takes["cyan"], "s03": takes["warm"]}
    plan = make_plan(tmp_path, plan_text(list(shots)))
    return plan_grade(plan, make_cut(shots, 6))


class Bakes(list):
    """Every table baked, by its LUT's bytes (the real bake runs), and the most bakes of one table at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[bytes, int] = {}
        self.most_at_once = 0
        self.lock = threading.Lock()


@pytest.fixture
def bakes(monkeypatch) -> Bakes:
    baked = Bakes()
    bake = plan_module.expand_to_table

    def counted(lut, weight=None):
        name = lut.table.tobytes()
        with baked.lock:
            baked.append(name)
            baked.running[name] = baked.running.get(name, 0) + 1
            baked.most_at_once = max(baked.most_at_once, baked.running[name])
        try:
            return bake(lut, weight)
        finally:
            with baked.lock:
                baked.running[name] -= 1

    monkeypatch.setattr(plan_module, "expand_to_table", counted)
    return baked


def _serial(graded, frame: np.ndarray) -> dict[str, np.ndarray]:
    return {shot: graded.transform(shot, 2, frame) for shot in SHOTS}


def test_threads_grading_the_same_shots_get_the_frames_of_one_thread_and_bake_each_table_once(graded, takes, bakes) -> None:
    frame = scene_frame(320, 180, 2)
    expected = _serial(graded.with_own_tables(), frame)  # a fresh cache (and a parent holding nothing)
    bakes.clear()
    start = threading.Barrier(4)
    results: dict[tuple[int, str], np.ndarray] = {}

    def grade(worker: int) -> None:
        start.wait()
        for shot in SHOTS[worker % 2 :] + SHOTS[: worker % 2]:  # two orders: shots asked at the same moment
            results[(worker, shot)] = graded.transform(shot, 2, frame)

    workers = [threading.Thread(target=grade, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for (_, shot), frame_out in results.items():
        assert np.array_equal(frame_out, expected[shot]), shot
    assert len(results) == 12
    assert bakes.most_at_once == 1  # a thread asking for a table being baked waits for it
    assert set(bakes) == {graded.shots[shot].lut.table.tobytes() for shot in SHOTS}


def test_a_copy_takes_the_tables_its_plan_holds_and_evicts_none_of_them(graded, bakes) -> None:
    frame = scene_frame(320, 180, 1)
    held = graded.transform("s02", 1, frame)
    before = list(graded._tables)
    bakes.clear()
    copy = graded.with_own_tables()
    assert np.array_equal(copy.transform("s02", 1, frame), held)
    assert bakes == []  # taken from the plan, not baked again
    for shot in SHOTS:
        copy.transform(shot, 1, frame)
    assert list(graded._tables) == before  # the encoders' tables stay where they were
    assert len(bakes) == 2  # the copy baked the two it did not find


def test_a_copy_waits_for_a_table_its_plan_is_baking_instead_of_baking_it_too(graded, monkeypatch) -> None:
    frame = scene_frame(320, 180, 4)
    bake = plan_module.expand_to_table
    baking, release, calls = threading.Event(), threading.Event(), []

    def slow(lut, weight=None):
        calls.append(threading.current_thread().name)
        baking.set()
        release.wait(10)
        return bake(lut, weight)

    monkeypatch.setattr(plan_module, "expand_to_table", slow)
    encoder = threading.Thread(target=graded.transform, args=("s03", 4, frame), name="encoder")
    encoder.start()
    assert baking.wait(10)
    copy = graded.with_own_tables()
    out: list[np.ndarray] = []
    side = threading.Thread(target=lambda: out.append(copy.transform("s03", 4, frame)), name="side")
    side.start()
    release.set()
    encoder.join(10)
    side.join(10)
    assert calls == ["encoder"]
    assert np.array_equal(out[0], graded.transform("s03", 4, frame))


def test_a_failed_bake_fails_the_threads_that_waited_for_it_and_is_tried_again(graded, monkeypatch) -> None:
    frame = scene_frame(320, 180, 0)
    bake = plan_module.expand_to_table
    baking, release = threading.Event(), threading.Event()

    def failing(lut, weight=None):
        baking.set()
        release.wait(10)
        raise MemoryError("no room for the table")

    monkeypatch.setattr(plan_module, "expand_to_table", failing)
    errors: list[BaseException] = []

    def grade() -> None:
        try:
            graded.transform("s01", 0, frame)
        except MemoryError as exc:
            errors.append(exc)

    first = threading.Thread(target=grade)
    first.start()
    assert baking.wait(10)
    second = threading.Thread(target=grade)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert len(errors) == 2
    monkeypatch.setattr(plan_module, "expand_to_table", bake)
    assert graded.transform("s01", 0, frame).shape == frame.shape  # nothing half-baked was kept
