"""Every QA and SND code has its page; docs/qa is what the generator writes; `shotcraft rules QA112` prints it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.qa.codes import BY_CODE, generated
from shotcraft.qa.model import CHECK_NAMES
from shotcraft.qa.thresholds import TABLE

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_is_documented() -> None:
    assert set(CHECK_NAMES) <= set(BY_CODE)
    emitted = set(re.findall(r'"(SND1\d\d)"', "".join(p.read_text() for p in (ROOT / "src/shotcraft/sound").glob("*.py"))))
    assert emitted and emitted <= set(BY_CODE)
    assert {row.key.split(".")[0] for row in TABLE if row.key.startswith("QA")} <= set(BY_CODE)


def test_docs_folder_is_in_sync_with_the_generator() -> None:
    folder = ROOT / "docs" / "qa"
    expected = generated()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    stale = sorted(name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name))
    assert not stale, f"run `python -m shotcraft.qa.codes docs/qa` (stale: {stale})"
    for row in TABLE:
        assert f"| {row.key} | {row.value:g} |" in expected["README.md"]


def test_rules_prints_a_qa_page_and_rejects_unknown_codes() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["rules", "QA112"])
    assert result.exit_code == 0
    assert "# QA112 face-instability" in result.stdout and "## Fix" in result.stdout and "QA112.identity" in result.stdout
    result = runner.invoke(app, ["rules", "SND102"])
    assert result.exit_code == 0 and "mix-loudness" in result.stdout
    result = runner.invoke(app, ["rules", "QA999"])
    assert result.exit_code == 2 and "QA999" in result.stderr
