"""The grade's per-take measurement cache: exact or absent, keyed by content, never a path."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from shotcraft.grade.plan import GradePlan, plan_grade
from shotcraft.grade.take_cache import CACHE_FOLDER
from tests.grade.media import make_cut, make_plan, plan_text, scene_frame, write_take

SHOTS = ("s01", "s02", "s03")


def _graded(grade_plan: GradePlan) -> bytes:
    """The grade's results as bytes: the full report and every shot's graded frame (LUT and grain)."""
    frame = scene_frame(320, 180, 2)
    pictures = b"".join(grade_plan.transform(shot_id, 2, frame).tobytes() for shot_id in grade_plan.shots)
    return json.dumps(grade_plan.report(), sort_keys=True).encode() + pictures


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory, takes: dict[str, Path]):
    """A project (with its .shotcraft folder), three shots on three takes, graded once without the cache."""
    root = tmp_path_factory.mktemp("grade-cache-film")
    (root / ".shotcraft").mkdir()
    clips = {shot: shutil.copy(takes[name], root / f"{shot}.mp4") for shot, name in zip(SHOTS, ("neutral", "cyan", "warm"), strict=True)}
    plan = make_plan(root, plan_text(list(SHOTS), shot_extra={"s02": "characters: []"}))
    uncached = plan_grade(plan, make_cut(clips, 6), cache=False)
    return root, plan, {shot: Path(path) for shot, path in clips.items()}, _graded(uncached)


def test_a_warm_grade_measures_nothing_and_is_byte_identical(film) -> None:
    root, plan, clips, reference = film
    shutil.rmtree(root / ".shotcraft" / CACHE_FOLDER, ignore_errors=True)
    cold = plan_grade(plan, make_cut(clips, 6))
    assert (cold.takes_measured, cold.takes_reused) == (3, 0)
    assert (cold.stats_measured, cold.stats_reused) == (3, 0)
    assert len(list((root / ".shotcraft" / CACHE_FOLDER).glob("*.npz"))) == 3
    warm = plan_grade(plan, make_cut(clips, 6))
    assert (warm.takes_measured, warm.takes_reused) == (0, 3)
    assert (warm.stats_measured, warm.stats_reused) == (0, 3)  # the graded statistics too: no decision changed
    assert _graded(cold) == reference
    assert _graded(warm) == reference


def test_a_changed_take_or_trim_re_measures_only_that_shot(film, tmp_path: Path) -> None:
    root, plan, clips, _ = film
    plan_grade(plan, make_cut(clips, 6))  # warm
    changed = dict(clips, s02=write_take(root / "s02-new.mp4", 6, cast=(1.1, 1.0, 0.9)))
    again = plan_grade(plan, make_cut(changed, 6))
    assert (again.takes_measured, again.takes_reused) == (1, 2)
    assert _graded(again) == _graded(plan_grade(plan, make_cut(changed, 6), cache=False))
    # a shorter trim of every shot is another measurement (the frames measured are in the key)
    trimmed = plan_grade(plan, make_cut(clips, 5))
    assert (trimmed.takes_measured, trimmed.takes_reused) == (3, 0)


def test_the_grade_reports_thumbnails_are_drawn_once_per_take_and_grade(film, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-shot edit decodes and bakes that shot's thumbnails only; the page is the same as one drawn uncached."""
    from shotcraft.grade import report

    root, plan, clips, _ = film
    timeline = make_cut(clips, 6)
    uncached = report.render_grade_report(plan_grade(plan, timeline, cache=False), timeline, title="t")
    drawn: list[str] = []
    original = report._thumbnails
    monkeypatch.setattr(report, "_thumbnails", lambda event, grade: (drawn.append(event.shot_id), original(event, grade))[1])
    graded = plan_grade(plan, timeline)
    first = report.render_grade_report(graded, timeline, title="t")
    assert report.render_grade_report(graded, timeline, title="t") == first == uncached
    drawn.clear()
    assert report.render_grade_report(plan_grade(plan, timeline), timeline, title="t") == uncached and drawn == []
    shots = list(plan.film.shots)
    shots[2] = shots[2].model_copy(update={"grade": shots[2].grade.model_copy(update={"exposure": 0.5})})  # s03's grade only
    regraded = plan_grade(dataclasses.replace(plan, film=plan.film.model_copy(update={"shots": shots})), timeline)
    report.render_grade_report(regraded, timeline, title="t")
    assert drawn == ["s03"]


def _counting_decisions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from shotcraft.grade import plan as grade_plan_module

    decided: list[str] = []
    original = grade_plan_module._grade_shot
    monkeypatch.setattr(grade_plan_module, "_grade_shot", lambda *args: (decided.append(args[2].id), original(*args))[1])
    return decided


def _with_exposure(plan, index: int, stops: float):
    shots = list(plan.film.shots)
    shots[index] = shots[index].model_copy(update={"grade": shots[index].grade.model_copy(update={"exposure": stops})})
    return dataclasses.replace(plan, film=plan.film.model_copy(update={"shots": shots}))


def test_a_warm_grade_decides_nothing_and_a_changed_shot_is_decided_alone(film, monkeypatch: pytest.MonkeyPatch) -> None:
    root, plan, clips, reference = film
    shutil.rmtree(root / ".shotcraft" / CACHE_FOLDER, ignore_errors=True)
    decided = _counting_decisions(monkeypatch)
    assert _graded(plan_grade(plan, make_cut(clips, 6))) == reference and decided == list(SHOTS)
    decided.clear()
    assert _graded(plan_grade(plan, make_cut(clips, 6))) == reference and decided == []  # every decision from the cache
    changed = _with_exposure(plan, 2, 0.5)  # s03's own trim: its decisions only (no shot is matched to s03)
    again = plan_grade(changed, make_cut(clips, 6))
    assert decided == ["s03"]
    assert _graded(again) == _graded(plan_grade(changed, make_cut(clips, 6), cache=False))


def test_a_damaged_decision_entry_is_decided_again(film, monkeypatch: pytest.MonkeyPatch) -> None:
    root, plan, clips, reference = film
    shutil.rmtree(root / ".shotcraft" / CACHE_FOLDER, ignore_errors=True)
    plan_grade(plan, make_cut(clips, 6))
    entries = [p for p in sorted((root / ".shotcraft" / CACHE_FOLDER).glob("*.json")) if "ops" in json.loads(p.read_text())["data"]]
    assert len(entries) == 3
    entry = json.loads(entries[0].read_text())
    entry["data"]["ops"]["contrast"] += 0.01  # a plausible, wrong number: the entry's digest refuses it
    entries[0].write_text(json.dumps(entry))
    decided = _counting_decisions(monkeypatch)
    assert _graded(plan_grade(plan, make_cut(clips, 6))) == reference
    assert len(decided) == 1


def test_a_moved_project_reuses_its_measurements(film, tmp_path: Path) -> None:
    root, plan, clips, reference = film
    plan_grade(plan, make_cut(clips, 6))  # warm
    moved = tmp_path / "moved"
    shutil.copytree(root, moved)
    moved_plan = make_plan(moved, plan.path.read_text())
    again = plan_grade(moved_plan, make_cut({shot: moved / path.name for shot, path in clips.items()}, 6))
    assert (again.takes_measured, again.takes_reused) == (0, 3)
    assert _graded(again) == reference


def test_a_damaged_graded_statistics_entry_is_ignored_and_rewritten(film) -> None:
    root, plan, clips, reference = film
    shutil.rmtree(root / ".shotcraft" / CACHE_FOLDER, ignore_errors=True)
    plan_grade(plan, make_cut(clips, 6))  # warm
    target = next(p for p in sorted((root / ".shotcraft" / CACHE_FOLDER).glob("*.json")) if "after" in json.loads(p.read_text())["data"])
    entry = json.loads(target.read_text())
    entry["data"]["after"]["level"] += 1.0  # a plausible, wrong number: the digest refuses it
    target.write_text(json.dumps(entry))
    again = plan_grade(plan, make_cut(clips, 6))
    assert (again.takes_measured, again.stats_measured, again.stats_reused) == (0, 1, 2)
    assert _graded(again) == reference
    assert json.loads(target.read_text())["data"]["after"]["level"] == entry["data"]["after"]["level"] - 1.0


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "other-key"])
def test_a_damaged_entry_is_ignored_and_rewritten(film, damage: str) -> None:
    root, plan, clips, reference = film
    shutil.rmtree(root / ".shotcraft" / CACHE_FOLDER, ignore_errors=True)
    plan_grade(plan, make_cut(clips, 6))  # warm: exactly this cut's three entries
    for decided in (root / ".shotcraft" / CACHE_FOLDER).glob("*.json"):
        decided.unlink()  # the exposure, decisions and statistics: so the measurement itself is read again
    current = sorted((root / ".shotcraft" / CACHE_FOLDER).glob("*.npz"))
    target = current[0]
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "flip":  # one byte inside the stored frames: the zip CRC or the entry's own digest catches it
        middle = bytearray(data)
        middle[len(middle) // 3] ^= 0x40
        target.write_bytes(bytes(middle))
    elif damage == "garbage":
        target.write_bytes(b"not a cache entry")
    else:  # another take's entry under this name: its stored key does not match
        target.write_bytes(current[1].read_bytes())
    again = plan_grade(plan, make_cut(clips, 6))
    assert (again.takes_measured, again.takes_reused) == (1, 2)
    assert _graded(again) == reference
    assert target.read_bytes() != b"not a cache entry" and np.load(target, allow_pickle=False)["key"].item() in target.name


@pytest.mark.slow
def test_make_with_the_cache_present_delivers_the_same_bytes(tmp_path: Path) -> None:
    """A make measures every take; a second finish (a fresh output folder) measures none and delivers the same bytes."""
    from shotcraft.pipeline import make
    from tests.render.helpers import plan_text as engine_plan, write_plan

    plan = write_plan(tmp_path / "film", engine_plan("animatic", shots=3, takes=2, resolution="320x180"))
    make(plan, tmp_path / "cold", jobs=1, progress=False, only=["distribution", "luts"])
    cache = plan.root / ".shotcraft" / CACHE_FOLDER
    written = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len(written) == 15  # per shot of the cut: its take's measurement, exposure, decisions, graded statistics, thumbnails
    make(plan, tmp_path / "warm", jobs=1, progress=False, only=["distribution", "luts"])
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == written  # nothing measured or rewritten
    cold = {p.relative_to(tmp_path / "cold"): p.read_bytes() for p in sorted((tmp_path / "cold").rglob("*")) if p.is_file()}
    warm = {p.relative_to(tmp_path / "warm"): p.read_bytes() for p in sorted((tmp_path / "warm").rglob("*")) if p.is_file()}
    graded = [path for path in cold if path.suffix in (".mp4", ".cube", ".cdl", ".edl")]
    assert graded and all(cold[path] == warm[path] for path in graded), graded
    cold_grade = json.loads(cold[Path("manifest.json")])["checks"]["grade"]
    assert cold_grade == json.loads(warm[Path("manifest.json")])["checks"]["grade"]


def test_every_input_of_the_measurement_is_in_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from shotcraft.grade import take_cache

    base = {"take_sha256": "a" * 64, "source_in": 0, "duration": 96, "count": 6, "size": (384, 216), "look_for_people": True, "grain_crop": 512}
    key = take_cache.measure_key(**base)
    for field, other in (("take_sha256", "b" * 64), ("source_in", 1), ("duration", 95), ("count", 5), ("size", (192, 108)),
                         ("look_for_people", False), ("grain_crop", 256)):  # fmt: skip
        assert take_cache.measure_key(**{**base, field: other}) != key, field
    take_cache._library_versions.cache_clear()
    monkeypatch.setattr(take_cache, "CODE_FILES", take_cache.CODE_FILES[:-1])  # other code bytes: another key
    assert take_cache.measure_key(**base) != key
    monkeypatch.undo()
    take_cache._library_versions.cache_clear()
    assert take_cache.measure_key(**base) == key


def test_a_shots_identity_is_its_own_grade_and_the_look(film) -> None:
    """Encoded segments and graded cut checks are keyed by GradePlan.shot_identity (beside the code's identity, which
    holds the code that renders a grade): each shot's own decisions, grain, table size and the look's content."""
    root, plan, clips, _ = film
    grade_plan = plan_grade(plan, make_cut(clips, 6))
    identities = {shot: grade_plan.shot_identity(shot) for shot in SHOTS}
    assert grade_plan.shot_identity("nope") is None
    assert len({json.dumps(identity, sort_keys=True) for identity in identities.values()}) == 3  # each shot's own grade
    assert all(set(identity) == {"ops", "grain", "lut_size", "look"} for identity in identities.values())
    assert {shot: grade_plan.shot_identity(shot) for shot in SHOTS} == identities
