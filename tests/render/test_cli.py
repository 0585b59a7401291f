"""The render commands through the real CLI (typer's CliRunner): thin shells with one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.render.helpers import plan_text, write_plan
from shotcraft.cli import app
from shotcraft.cli.common import COMMANDS

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_render_takes_log_pick_round_trip(solid_plan):
    plan = solid_plan.root / "film.yaml"
    result = _run("render", plan, "--no-progress", "-j", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rendered"] == 12

    again = _run("render", plan, "--no-progress", "-j", "1")
    assert again.exit_code == 0 and "0 rendered, 12 cached" in again.stdout

    listing = _run("takes", plan, "--format", "json")
    takes = json.loads(listing.stdout)
    assert [(t["shot"], t["take"], t["state"]) for t in takes][:2] == [("s01", "A", "done"), ("s01", "B", "done")]
    assert takes[0]["picked"] and takes[0]["pick_reason"] == "default"

    table = _run("takes", plan)
    assert table.exit_code == 0 and "s03" in table.stdout

    log = _run("log", plan, "s02", "B")
    data = json.loads(log.stdout)
    assert data["clip"]["settings"]["inputs"]["kind"] == "clip"
    assert data["clip"]["environment"]["numpy"] and data["keyframe"]["settings"]["prompts"]

    picked = _run("pick", plan, "s02", "B")
    assert picked.exit_code == 0 and "take B (user)" in picked.stdout
    assert _run("pick", plan, "s02", "--clear").exit_code == 0


def test_errors_are_one_line_with_nonzero_exit(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text(extra_shot=", clip: {backend: sora-9}")).root / "film.yaml"
    result = _run("render", plan, "--no-progress")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "shot s01: unknown backend 'sora-9'" in result.stderr
    assert "Traceback" not in result.output

    missing = _run("take", "add", plan, "s01", tmp_path / "nope.mp4")
    assert missing.exit_code == 2 and "nope.mp4: no such file" in missing.stderr

    pick = _run("pick", plan, "s01", "A")
    assert pick.exit_code == 2 and "no take 'A'" in pick.stderr


def test_failed_takes_exit_1(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text("test-broken")).root / "film.yaml"
    result = _run("render", plan, "--no-progress", "-j", "1")
    assert result.exit_code == 1
    assert "failed: shot s02 take A clip" in result.stderr and "kernel exploded" in result.stderr


def test_every_render_command_is_documented_with_an_example():
    names = {doc.name for doc in COMMANDS}
    assert {"render", "takes", "log", "take add", "pick", "make", "gc"} <= names
    for doc in COMMANDS:
        if doc.name in {"render", "takes", "log", "take add", "pick", "make"}:
            assert doc.example.startswith("shotcraft ") and doc.summary
    help_text = _run("take", "add", "--help").stdout
    assert "Example" in help_text


def test_missing_still_and_full_disk_exit_nonzero_with_one_line(tmp_path, test_backends, monkeypatch):
    import errno

    from tests.render.helpers import store_snapshot
    from shotcraft.plan import load_plan
    from shotcraft.render import store as store_module

    still = write_plan(tmp_path / "still", plan_text(extra_shot=", still: door.png")).root / "film.yaml"
    result = _run("render", still, "--no-progress", "-j", "1")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "shot s01: still image" in result.stderr and "door.png not found" in result.stderr

    plan = write_plan(tmp_path / "full", plan_text())

    def full(handle, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_copy_into", full)
    result = _run("render", plan.root / "film.yaml", "--no-progress", "-j", "1")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "disk full" in result.stderr
    assert store_snapshot(load_plan(plan.root / "film.yaml"))["objects"] == []


def test_dry_run_lists_what_would_run_and_changes_nothing(solid_plan):
    plan = solid_plan.root / "film.yaml"
    result = _run("render", plan, "--dry-run", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["planned"]) == 12
    assert not (solid_plan.root / ".shotcraft").exists()
    _run("render", plan, "--no-progress", "-j", "1", "--shots", "s01")
    text = _run("render", plan, "--dry-run").stdout
    assert "would render: shot s02 take A keyframe" in text and "8 jobs to render, 4 done" in text


def test_takes_check_marks_takes_the_plan_changed(solid_plan):
    plan = solid_plan.root / "film.yaml"
    _run("render", plan, "--no-progress", "-j", "1")
    fresh = json.loads(_run("takes", plan, "--check", "--format", "json").stdout)
    assert not any(t["stale"] for t in fresh)
    plan.write_text(plan.read_text().replace("Ana in shot 3", "Ana leaving in shot 3"))
    stale = json.loads(_run("takes", plan, "--check", "--format", "json").stdout)
    assert [(t["shot"], t["take"]) for t in stale if t["stale"]] == [("s03", "A"), ("s03", "B")]
    text = _run("takes", plan, "--check").stdout
    assert "done (stale)" in text and "2 take(s) changed" in text
