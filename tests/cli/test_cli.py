"""The CLI skeleton: version, help with examples, init, show, schema."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from shotcraft import __version__
from shotcraft.cli import app
from shotcraft.cli.common import COMMANDS
from tests.conftest import EXAMPLE

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"shotcraft {__version__}"


def test_help_lists_every_command_with_summary_and_example() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    names = {doc.name for doc in COMMANDS}
    assert {"check", "show", "init", "schema", "render", "take add", "make", "qa", "cut", "loudness"} <= names
    flat_output = " ".join(result.output.split())  # rich wraps long lines
    for doc in COMMANDS:
        assert doc.summary and doc.example.startswith("shotcraft "), doc
        assert " ".join(doc.example.split()) in flat_output, doc.name


def test_every_command_help_ends_with_its_example() -> None:
    for doc in COMMANDS:
        args = doc.name.split() + ["--help"]
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 0, (doc.name, result.output)
        assert "Example" in result.output and doc.example.split()[1] in result.output


def test_init_then_check_and_refuse_overwrite(tmp_path) -> None:
    target = tmp_path / "my-film"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "film.yaml").is_file()
    assert (target / "film.yaml").read_text().startswith("# yaml-language-server: $schema=./film.schema.json")
    assert json.loads((target / "film.schema.json").read_text())["title"] == "shotcraft film plan"
    assert runner.invoke(app, ["check", str(target / "film.yaml")]).exit_code in (0, 1)
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_show_summary_json() -> None:
    result = runner.invoke(app, ["show", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total_frames"] == 1104 and len(data["shots"]) == 12


def test_show_text_has_arc_and_running_time() -> None:
    result = runner.invoke(app, ["show", str(EXAMPLE)], terminal_width=200)
    assert result.exit_code == 0
    assert "consequence" in result.output and "46.00 s" in result.output


def test_schema_command_prints_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.output)["title"] == "shotcraft film plan"


def test_invalid_plan_exits_2_with_located_lines(tmp_path) -> None:
    bad = tmp_path / "film.yaml"
    bad.write_text("production: {id: x, title: T}\nshots:\n  - {id: a, type: bogus}\n")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.output and "Traceback" not in result.output


def test_make_lists_many_files_of_a_kind_as_one_line(tmp_path) -> None:
    """A 45-shot film's editing media and CDLs are one line each, so what needs attention stays on the screen."""
    from shotcraft.cli.render_cmds import deliverable_lines
    from shotcraft.manifest import ManifestEntry

    entries = [ManifestEntry("rough-cut", "film-rough-cut.mp4"), ManifestEntry("stem", "sound/stems/ambience.wav"),
               ManifestEntry("stem", "sound/stems/score.wav")]
    entries += [ManifestEntry("media", f"media/s{n:02d}_A.mov") for n in range(1, 46)]
    entries += [ManifestEntry("master", "film_master.mov")] + [ManifestEntry("cdl", f"luts/s{n:02d}.cdl") for n in range(1, 46)]
    lines = deliverable_lines(entries, tmp_path)
    assert lines == [
        f"  rough-cut    {tmp_path / 'film-rough-cut.mp4'}",
        f"  stem         {tmp_path / 'sound/stems/ambience.wav'}",
        f"  stem         {tmp_path / 'sound/stems/score.wav'}",
        f"  media        45 files in {tmp_path / 'media'}/ (s01_A.mov ... s45_A.mov)",
        f"  master       {tmp_path / 'film_master.mov'}",
        f"  cdl          45 files in {tmp_path / 'luts'}/ (s01.cdl ... s45.cdl)",
    ]
    # a kind longer than the column widens it for every line: the paths stay one column (make demo's contact sheet)
    lines = deliverable_lines([ManifestEntry("master", "film_master.mov"), ManifestEntry("contact-sheet", "film_contact_sheet.png")], tmp_path)
    assert lines == [f"  master        {tmp_path / 'film_master.mov'}", f"  contact-sheet {tmp_path / 'film_contact_sheet.png'}"]
