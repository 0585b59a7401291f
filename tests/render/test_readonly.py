"""Reads are read-only: takes, log, show, qa --dry-run and render --dry-run create nothing and change no ledger byte."""

from __future__ import annotations

import gc
import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.render.engine import render_plan
from tests.render.helpers import plan_text, write_plan

READS = [
    ["takes"],
    ["takes", "--check", "--format", "json"],
    ["log", "{plan}", "s01", "A"],
    ["show"],
    ["render", "--dry-run"],
    ["qa", "--dry-run"],
    ["gc", "--dry-run"],
    ["fsck", "--dry-run"],
]


def _argv(read: list[str], plan: Path) -> list[str]:
    if "{plan}" in read:
        return [part.replace("{plan}", str(plan)) for part in read]
    return [read[0], str(plan), *read[1:]]


def _tree(folder: Path) -> dict[str, str]:
    """Every file's hash; SQLite's -shm (the WAL index in shared memory, where every reader of a live
    WAL database records its read marks by design) is not ledger data and is left out."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*")) if not p.name.endswith("-shm")}  # fmt: skip


@pytest.mark.parametrize("read", READS, ids=lambda r: " ".join(r))
def test_reads_on_a_never_rendered_plan_create_nothing(tmp_path, test_backends, read):
    plan = write_plan(tmp_path / "film", plan_text()).path
    before = _tree(tmp_path)
    result = CliRunner().invoke(app, _argv(read, plan))
    assert _tree(tmp_path) == before, result.output
    assert "Traceback" not in result.output
    if read[0] in ("takes", "log") and "json" not in read:
        assert "not rendered yet" in result.output


@pytest.fixture(scope="module")
def rendered_film(tmp_path_factory):
    from shotcraft.backends import registry
    from tests.render.helpers import TEST_BACKENDS

    registry.register_backend("test-solid", TEST_BACKENDS["test-solid"])
    plan = write_plan(tmp_path_factory.mktemp("ro") / "film", plan_text())
    assert render_plan(plan, jobs=1, progress=False).ok
    yield plan
    registry.unregister_backend("test-solid")


@pytest.mark.parametrize("read", READS, ids=lambda r: " ".join(r))
def test_reads_on_a_rendered_plan_leave_the_ledger_and_store_untouched(rendered_film, read):
    gc.collect()  # the render's own writer connection closes (and checkpoints) now, not in the middle of a read
    folder = rendered_film.root
    before = _tree(folder)
    result = CliRunner().invoke(app, _argv(read, rendered_film.path))
    assert result.exit_code in (0, 1), result.output  # qa exits 1 when it rejects a take
    assert _tree(folder) == before, result.output
