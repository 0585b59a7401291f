"""A damaged ledger is named, never half-used; a take is never lost to another writer (#18 items 2 and 10)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.render.engine import render_plan
from shotcraft.render.ledger import TakeExistsError
from shotcraft.render.ledger_rows import CorruptLedgerError
from shotcraft.render.store import open_project
from tests.render.helpers import store_snapshot

runner = CliRunner()


@pytest.fixture
def rendered(solid_plan):
    render_plan(solid_plan, progress=False)
    return solid_plan


def _sql(plan, statement: str, *args) -> None:
    with sqlite3.connect(plan.root / ".shotcraft" / "ledger.sqlite") as db:
        db.execute(statement, args)


CORRUPTIONS = [
    ("settings not JSON", "UPDATE jobs SET settings = '{oops' WHERE rowid = 1", r"jobs row [0-9a-f]+: settings is not valid JSON"),
    ("settings not an object", "UPDATE jobs SET settings = '[1, 2]' WHERE rowid = 1", r"settings is list, expected dict"),
    ("environment not JSON", "UPDATE jobs SET environment = 'x' WHERE state = 'done'", r"environment is not valid JSON"),
    ("version not a number", "UPDATE meta SET value = 'one' WHERE name = 'ledger_version'", r"meta: ledger_version is 'one', not a number"),
    ("frames not a number", "UPDATE jobs SET frames = 'many' WHERE kind = 'clip'", r"frames is 'many', expected int"),
    ("provenance not JSON", "UPDATE takes SET provenance = '{' WHERE rowid = 1", r"takes row s01/A: provenance is not valid JSON"),
    ("hash not a sha256", "UPDATE jobs SET object_sha256 = 'zz' WHERE kind = 'clip'", r"object hash 'zz' is not a sha256"),
    ("keyframe recorded as mp4", "UPDATE jobs SET object_ext = 'mp4' WHERE kind = 'keyframe'", r"a keyframe job records a \.mp4 object"),
]


@pytest.mark.parametrize(("label", "statement", "message"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corrupt_rows_are_a_clear_error_pointing_at_fsck(rendered, label, statement, message) -> None:
    _sql(rendered, statement)
    result = runner.invoke(app, ["takes", str(rendered.path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"shotcraft: {rendered.root / '.shotcraft' / 'ledger.sqlite'}: corrupt ledger (")
    assert result.stderr.rstrip().endswith("); run `shotcraft fsck`") and result.stderr.count("\n") == 1
    import re

    assert re.search(message, result.stderr), result.stderr


def test_swapped_object_hashes_are_detected_not_used(rendered) -> None:
    """Two clips' hashes swapped: each names a real object, the other take's clip; the recorded sizes tell."""
    with sqlite3.connect(rendered.root / ".shotcraft" / "ledger.sqlite") as db:
        (a, sha_a), (b, sha_b) = db.execute(
            "SELECT key, object_sha256 FROM jobs WHERE kind = 'clip' AND state = 'done' ORDER BY shot_id, take LIMIT 2").fetchall()
        db.execute("UPDATE jobs SET object_sha256 = ? WHERE key = ?", (sha_b, a))
        db.execute("UPDATE jobs SET object_sha256 = ? WHERE key = ?", (sha_a, b))
    with pytest.raises(CorruptLedgerError, match=r"corrupt ledger \(job [0-9a-f]+ \(clip of shot s01 take A\) names object .* bytes, the job recorded \d+\); run `shotcraft fsck`"):
        open_project(rendered).takes()


def test_a_second_insert_of_a_label_fails_loudly_and_keeps_the_first(rendered) -> None:
    ledger = open_project(rendered).ledger
    first = dict(shot_id="s01", label="Z", source="import", keyframe_key=None, clip_key="k1", seed=None, provenance={"file": "one"})
    ledger.insert_take(**first)
    with pytest.raises(TakeExistsError, match="shot s01: take Z already exists; nothing was replaced"):
        ledger.insert_take(**(first | {"clip_key": "k2", "provenance": {"file": "two"}}))
    with pytest.raises(TakeExistsError, match="already held by another source"):
        ledger.upsert_take(**(first | {"source": "render", "clip_key": "k3"}))  # a render never replaces an import
    row = next(r for r in ledger.take_rows("s01") if r.label == "Z")
    assert (row.clip_key, row.provenance) == ("k1", {"file": "one"})


def test_the_import_label_is_chosen_under_the_lock(rendered, tmp_path) -> None:
    """The lost-import race, made deterministic: while one writer holds the project lock, a second
    `take add` waits; the label it gets is decided after the first one's take is in the ledger."""
    from tests.render.test_imports import _frames, _write
    from shotcraft.render.imports import add_take

    clip_one = _write(tmp_path / "one.mp4", "libx264", 24, _frames(6, 160, 96))
    clip_two = _write(tmp_path / "two.mp4", "libx264", 24, _frames(6, 160, 96)[::-1])
    project = open_project(rendered)
    results = {}
    with project.lock():
        waiting = threading.Thread(target=lambda: results.setdefault("second", add_take(rendered, "s01", clip_two)))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # blocked on the lock, label not chosen yet
        # meanwhile the first import lands (as the holder of the lock would write it)
        project.ledger.insert_take(shot_id="s01", label="C", source="import", keyframe_key=None, clip_key="first", seed=None, provenance={"file": str(clip_one)})
    waiting.join(60)
    assert results["second"].label == "D"
    labels = {r.label: r.clip_key for r in open_project(rendered).ledger.take_rows("s01")}
    assert labels["C"] == "first" and "D" in labels
    before = store_snapshot(rendered)
    with pytest.raises(Exception, match="take D already exists"):
        add_take(rendered, "s01", clip_one, label="D")
    assert store_snapshot(rendered) == before
