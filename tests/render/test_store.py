"""The takes store: objects verified on read, picks and QA through the public Project API."""

from __future__ import annotations

import sqlite3

import pytest

from shotcraft.errors import InputError
from shotcraft.render.engine import render_plan
from shotcraft.render.store import TakeRecord, open_project


def test_open_project_creates_the_folder_and_a_versioned_wal_ledger(solid_plan):
    project = open_project(solid_plan)
    assert (solid_plan.root / ".shotcraft" / "ledger.sqlite").is_file()
    assert project.ledger.version == 1
    with sqlite3.connect(solid_plan.root / ".shotcraft" / "ledger.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert project.takes() == []
    assert project.picked_take("s01") is None


def test_takes_in_plan_order_with_verified_objects(solid_plan):
    render_plan(solid_plan, progress=False)
    project = open_project(solid_plan)
    takes = project.takes()
    assert [(t.shot_id, t.label) for t in takes] == [(s, l) for s in ("s01", "s02", "s03") for l in "AB"]
    first = takes[0]
    assert isinstance(first, TakeRecord)
    assert first.state == "done" and first.source == "render" and first.error is None
    assert first.clip_path.suffix == ".mp4"
    assert first.keyframe_path.suffix == ".png"
    assert (first.width, first.height, first.frames, first.rate) == (160, 96, 12, 24)
    assert first.settings["inputs"]["kind"] == "clip"
    assert project.take("s02", "B").seed == takes[3].seed
    assert project.take("s02", "Z") is None


def test_object_names_are_their_sha256(solid_plan):
    import hashlib

    render_plan(solid_plan, progress=False)
    for take in open_project(solid_plan).takes():
        for path in (take.clip_path, take.keyframe_path):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name.split(".")[0]


def test_a_corrupt_object_is_never_served_and_the_next_render_redoes_it(solid_plan):
    render_plan(solid_plan, progress=False)
    project = open_project(solid_plan)
    victim = project.take("s01", "A")
    data = bytearray(victim.clip_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.clip_path.write_bytes(bytes(data))
    fresh = open_project(solid_plan)  # a new process: no verification cache
    again = fresh.take("s01", "A")
    assert again.state == "pending" and again.clip_path is None and "corrupt" in again.error
    assert fresh.picked_take("s01").label == "B"  # the first *done* take
    report = render_plan(solid_plan, progress=False)
    assert [(o.shot_id, o.take, o.kind) for o in report.rendered] == [("s01", "A", "clip")]
    assert open_project(solid_plan).take("s01", "A").state == "done"


def test_pick_order_user_then_qa_proposal_then_take_a(solid_plan):
    render_plan(solid_plan, progress=False)
    project = open_project(solid_plan)
    assert (project.picked_take("s02").label, project.picked_take("s02").pick_reason) == ("A", "default")
    project.set_qa_proposal("s02", "B", "sharper, less flicker")
    assert (project.picked_take("s02").label, project.picked_take("s02").pick_reason) == ("B", "qa")
    project.set_pick("s02", "A")
    assert (project.picked_take("s02").label, project.picked_take("s02").pick_reason) == ("A", "user")
    assert [t.picked for t in project.takes("s02")] == [True, False]
    project.clear_pick("s02")
    assert project.picked_take("s02").label == "B"


def test_set_pick_refuses_unknown_or_unfinished_takes(solid_plan):
    project = open_project(solid_plan)
    with pytest.raises(InputError, match="s01: no take 'A'"):
        project.set_pick("s01", "A")
    with pytest.raises(InputError, match="no shot 's99'"):
        project.set_pick("s99", "A")
    render_plan(solid_plan, progress=False)
    project.ledger.mark_failed(project.take("s01", "B").key, 0, error="boom", seconds=None)
    with pytest.raises(InputError, match="take B is failed"):
        project.set_pick("s01", "B")


def test_qa_scores_belong_to_one_rendering_of_a_take(solid_plan, tmp_path):
    render_plan(solid_plan, progress=False)
    project = open_project(solid_plan)
    flags = [{"code": "QA101", "frames": [3, 7], "value": 0.3}]
    project.record_qa("s01", "A", verdict="warn", score=0.62, flags=flags, metrics={"flicker": 0.3})
    qa = project.take("s01", "A").qa
    assert (qa["verdict"], qa["score"], qa["flags"], qa["metrics"]) == ("warn", 0.62, flags, {"flicker": 0.3})
    # editing the shot re-renders it: the old score does not stick to the new pixels
    text = (solid_plan.root / "film.yaml").read_text().replace("Ana in shot 1", "Ana alone in shot 1")
    (solid_plan.root / "film.yaml").write_text(text)
    from shotcraft.plan import load_plan

    edited = load_plan(solid_plan.root / "film.yaml")
    render_plan(edited, progress=False)
    assert open_project(edited).take("s01", "A").qa is None


def test_fewer_takes_in_the_plan_hide_the_extra_ones(solid_plan):
    render_plan(solid_plan, progress=False)
    from shotcraft.plan import load_plan

    text = (solid_plan.root / "film.yaml").read_text().replace("takes: 2", "takes: 1")
    (solid_plan.root / "film.yaml").write_text(text)
    one = load_plan(solid_plan.root / "film.yaml")
    assert [t.label for t in open_project(one).takes("s01")] == ["A"]
    assert render_plan(one, progress=False).rendered == []


def test_a_damaged_or_newer_ledger_is_a_clear_error(solid_plan):
    from shotcraft.render.ledger import LEDGER_VERSION, LedgerError

    folder = solid_plan.root / ".shotcraft"
    folder.mkdir()
    (folder / "ledger.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="not a usable shotcraft ledger"):
        open_project(solid_plan)
    (folder / "ledger.sqlite").unlink()
    project = open_project(solid_plan)
    project.ledger._db.execute("UPDATE meta SET value = ? WHERE name = 'ledger_version'", (str(LEDGER_VERSION + 1),))
    with pytest.raises(LedgerError, match="newer than this shotcraft reads"):
        open_project(solid_plan)


def test_garbage_collection_keeps_current_takes_and_old_renders_come_back_on_revert(solid_plan):
    from shotcraft.plan import load_plan

    render_plan(solid_plan, progress=False)
    path = solid_plan.root / "film.yaml"
    original = path.read_text()
    path.write_text(original.replace("Ana in shot 1", "Ana waiting in shot 1"))
    edited = load_plan(path)
    render_plan(edited, progress=False)
    project = open_project(edited)
    assert project.collect_garbage(dry_run=True)[0] == 4  # s01's old keyframes and clips
    files, size = project.collect_garbage()
    assert files == 4 and size > 0
    assert all(t.done for t in open_project(edited).takes())
    path.write_text(original)
    reverted = load_plan(path)
    report = render_plan(reverted, progress=False)
    assert sorted((o.shot_id, o.kind) for o in report.rendered) == [("s01", "clip"), ("s01", "clip"), ("s01", "keyframe"), ("s01", "keyframe")]
