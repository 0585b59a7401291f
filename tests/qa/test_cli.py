"""`shotcraft qa FILE...`: the JSON shape (validated against the documented schema) and exit codes."""

from __future__ import annotations

import json
import shutil

import jsonschema
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.qa import load_schema

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["qa", *args], terminal_width=200)


def test_clean_file_passes_exit_0_and_matches_the_schema(clips) -> None:
    result = _run(str(clips.get("clean")), str(clips.get("handheld")), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    jsonschema.validate(data, load_schema())
    assert [d["verdict"] for d in data] == ["pass", "pass"]
    assert data[0]["file"] == str(clips.get("clean"))


def test_a_rejected_file_exits_1_with_its_flags(clips) -> None:
    blank, start, end = clips.get("blank")
    result = _run(str(clips.get("clean")), str(blank), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    jsonschema.validate(data, load_schema())
    flag = next(f for f in data[1]["flags"] if f["code"] == "QA103")
    assert (flag["start_frame"], flag["end_frame"]) == (start, end)
    assert set(flag) == {"code", "severity", "start_frame", "end_frame", "value", "threshold", "message"}


def test_warn_is_still_exit_0(clips) -> None:
    result = _run(str(clips.get("soft")), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["verdict"] == "warn"


def test_unreadable_input_exits_2_one_line_each_and_others_still_analysed(clips, tmp_path) -> None:
    text_file = tmp_path / "notes.mp4"
    text_file.write_text("not a video\n")
    missing = tmp_path / "missing.mp4"
    result = runner.invoke(app, ["qa", str(text_file), str(clips.get("clean")), str(missing), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [d["file"] for d in data] == [str(clips.get("clean"))]
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 2 and all(line.startswith("shotcraft: ") for line in errors)
    assert str(text_file) in errors[0] and str(missing) in errors[1]
    assert "Traceback" not in result.output


def test_truncated_mp4_is_unreadable_input(clips) -> None:
    result = _run(str(clips.get("truncated")), "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == []


def test_text_output_and_report_folder(clips, tmp_path) -> None:
    path, _, _ = clips.get("flicker")
    result = _run(str(path), "--report", str(tmp_path / "qa"))
    assert result.exit_code == 1
    assert "QA101" in result.stdout and "reject" in result.stdout
    html = (tmp_path / "qa" / "report.html").read_text()
    assert "QA101" in html and "data:image/png;base64," in html
    report = json.loads((tmp_path / "qa" / "report.json").read_text())
    jsonschema.validate(report, load_schema())


def test_bad_format_is_a_clean_error(clips) -> None:
    result = _run(str(clips.get("clean")), "--format", "xml")
    assert result.exit_code == 2
    assert "--format" in result.stderr


def test_plan_and_files_cannot_be_mixed(clips, tmp_path) -> None:
    plan = tmp_path / "film.yaml"
    shutil.copy(clips.get("clean"), tmp_path / "x.mp4")
    plan.write_text("x: 1\n")
    result = _run(str(plan), str(tmp_path / "x.mp4"))
    assert result.exit_code == 2 and "one film plan" in result.stderr


def test_a_fifo_or_a_device_is_refused_without_opening_it(tmp_path) -> None:
    """#18 item 4: a FIFO given to `qa` blocked forever in the decoder's open; a device would read forever."""
    import os

    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)  # no writer: opening it would block
    result = runner.invoke(app, ["qa", str(fifo), "/dev/zero", "--format", "json"])
    assert result.exit_code == 2 and json.loads(result.stdout) == []
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors == [f"shotcraft: {fifo}: not a regular file (a FIFO, device or socket); give a video file",
                      "shotcraft: /dev/zero: not a regular file (a FIFO, device or socket); give a video file"]
