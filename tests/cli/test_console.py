"""Plan text and file names print verbatim: no Rich markup, no emoji codes (#18 items 8 and 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.cli.console import console, styled
from tests.conftest import EXAMPLE

runner = CliRunner()
SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")
TITLE = "Night [/] Return [bold]x[/bold] :100: :smile:"


def test_show_prints_markup_and_emoji_codes_in_plan_text_verbatim(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text(EXAMPLE.read_text().replace("title: Night Return", f'title: "{TITLE}"', 1).replace(
        "parks in the empty street", "parks in [red]the[/] street (:fire:)", 1))
    result = runner.invoke(app, ["show", str(plan)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(TITLE)
    assert "parks in [red]the[/] street (:fire:)" in result.stdout
    assert "💯" not in result.stdout and "🔥" not in result.stdout


def test_init_in_a_folder_with_brackets_and_colons_reports_it_verbatim(tmp_path: Path) -> None:
    folder = tmp_path / "a[/]b:100:"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Created {folder / 'film.yaml'}. Next: edit it, then shotcraft check {folder / 'film.yaml'}.")
    assert (folder / "film.yaml").is_file()


def test_a_finding_on_line_100_keeps_its_file_line_col(tmp_path: Path) -> None:
    """Rich read ':100:' as the emoji code for 💯: `line100.yaml💯14:` broke FILE:LINE:COL parsers."""
    plan = tmp_path / "line100.yaml"
    plan.write_text("schema_version: 2\n" + "#\n" * 98 + "x: !!str 1\n")
    done = subprocess.run([SHOTCRAFT, "check", str(plan)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{plan}:100:4: x: YAML tag '!!str' is not allowed"), done.stderr
    assert "💯" not in done.stderr


def test_the_console_never_interprets_text() -> None:
    with console.capture() as captured:
        console.print("a[/]b.mp4 :100: [bold]")
        console.print(styled(("[x]", "bold"), " :smile:"))
    assert captured.get() == "a[/]b.mp4 :100: [bold]\n[x] :smile:\n"
