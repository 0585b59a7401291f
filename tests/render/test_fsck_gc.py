"""fsck re-hashes the store and quarantines what is bad; gc drops old objects and stale QA cache; the store is the engine's."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.errors import InputError
from shotcraft.pipeline import make
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project


def test_fsck_quarantines_a_corrupt_object_and_the_next_render_redoes_its_job(solid_plan):
    render_plan(solid_plan, jobs=1, progress=False)
    victim = open_project(solid_plan).take("s02", "B").clip_path
    data = bytearray(victim.read_bytes())
    data[len(data) // 3] ^= 0x55
    victim.write_bytes(bytes(data))
    dry = CliRunner().invoke(app, ["fsck", str(solid_plan.path), "--dry-run"])
    assert dry.exit_code == 1 and "1 corrupt" in dry.output and victim.exists()
    result = CliRunner().invoke(app, ["fsck", str(solid_plan.path)])
    assert result.exit_code == 1 and "quarantined" in result.output
    assert not victim.exists() and (solid_plan.root / ".shotcraft" / "quarantine" / victim.name).exists()
    again = render_plan(solid_plan, jobs=1, progress=False)
    assert [(o.shot_id, o.take, o.kind) for o in again.rendered] == [("s02", "B", "clip")]
    clean = CliRunner().invoke(app, ["fsck", str(solid_plan.path)])
    assert clean.exit_code == 0 and "0 corrupt" in clean.output


def test_gc_drops_stale_qa_cache_entries_and_keeps_current_ones(solid_plan):
    render_plan(solid_plan, jobs=1, progress=False)
    cache = solid_plan.root / ".shotcraft" / "qa-cache"
    cache.mkdir()
    current = open_project(solid_plan).take("s01", "A").key
    (cache / f"{current[:16]}-{'a' * 32}.json").write_text("{}")
    (cache / f"{'0' * 16}-{'b' * 32}.json").write_text("{}")  # a take no longer in the plan
    (cache / f"{'c' * 32}.json").write_text("{}")  # the old unprefixed naming
    dry = CliRunner().invoke(app, ["gc", str(solid_plan.path), "--dry-run"])
    assert "would delete 2 file(s)" in dry.output and len(list(cache.iterdir())) == 3
    CliRunner().invoke(app, ["gc", str(solid_plan.path)])
    assert [p.name[:16] for p in cache.iterdir()] == [current[:16]]


def test_gc_drops_grade_measurements_of_takes_no_longer_current(solid_plan):
    render_plan(solid_plan, jobs=1, progress=False)
    cache = solid_plan.root / ".shotcraft" / "grade-cache"
    cache.mkdir()
    take_sha = open_project(solid_plan).take("s01", "A").clip_path.name.split(".", 1)[0]  # the object's content sha256
    (cache / f"{take_sha[:16]}-{'a' * 32}.npz").write_bytes(b"entry")
    (cache / f"{'0' * 16}-{'b' * 32}.npz").write_bytes(b"entry")  # a take no current shot uses
    dry = CliRunner().invoke(app, ["gc", str(solid_plan.path), "--dry-run"])
    assert "would delete 1 file(s)" in dry.output and len(list(cache.iterdir())) == 2
    CliRunner().invoke(app, ["gc", str(solid_plan.path)])
    assert [p.name[:16] for p in cache.iterdir()] == [take_sha[:16]]


def test_an_out_folder_inside_the_store_is_refused(solid_plan):
    with pytest.raises(InputError, match="inside a .shotcraft takes store"):
        make(solid_plan, solid_plan.root / ".shotcraft" / "out", progress=False)
