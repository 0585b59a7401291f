"""Conformance checks on files made here, and the deliver-check command."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.deliver.conformance import check_deliverable, check_file, Expectation
from shotcraft.deliver.encode import PROFILES, open_writer
from shotcraft.media.video import VideoWriter

runner = CliRunner()


def _write(path: Path, frames: int, audio_samples: int, kind: str = "distribution") -> Path:
    """A deliverable with ``frames`` of picture and exactly ``audio_samples`` of 48 kHz sound (drift when unequal)."""
    with open_writer(path, PROFILES[kind], (64, 36), Fraction(24), audio=None, seconds=Fraction(audio_samples, 48000)) as writer:
        for index in range(frames):
            writer.write(np.full((36, 64, 3), index * 10, dtype=np.uint8))
    return path


def test_a_good_file_passes_every_check(tmp_path: Path) -> None:
    path = _write(tmp_path / "film_distribution.mp4", 24, 48000)
    report = check_deliverable(path, "distribution", rate=Fraction(24), frames=24, width=64, height=36)
    assert report.ok, report.failures
    names = {check.name for check in report.checks}
    assert {"codec", "profile", "pixel format", "frame rate", "frame count", "duration", "audio present",
            "a/v drift under one frame", "bt709 tags", "faststart"} <= names


def test_drift_wrong_count_and_wrong_rate_are_caught(tmp_path: Path) -> None:
    path = _write(tmp_path / "drift.mp4", 24, 48000 + 4800)  # 100 ms of extra audio: 2.4 frames of drift
    report = check_deliverable(path, "distribution", rate=Fraction(25), frames=23, width=64, height=36)
    failed = {check.name for check in report.failures}
    assert {"a/v drift under one frame", "frame rate", "frame count"} <= failed


def test_missing_audio_fails(tmp_path: Path) -> None:
    path = tmp_path / "silent.mp4"
    with VideoWriter(path, 64, 36, Fraction(24), encoder="h264") as writer:
        for _ in range(5):
            writer.write(np.zeros((36, 64, 3), dtype=np.uint8))
    report = check_file(path, Expectation(bt709=False))
    assert [check.name for check in report.failures] == ["audio present"]


def test_deliver_check_command(tmp_path: Path) -> None:
    good = _write(tmp_path / "film_master.mov", 12, 24000, kind="prores")
    result = runner.invoke(app, ["deliver-check", str(good), "--fps", "24", "--frames", "12"])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "prores" in result.output
    bad = _write(tmp_path / "film_mobile.mp4", 12, 36000)
    result = runner.invoke(app, ["deliver-check", str(bad), "--format", "json"])
    assert result.exit_code == 1 and '"a/v drift under one frame"' in result.output
    result = runner.invoke(app, ["deliver-check", str(tmp_path / "none.mp4")])
    assert result.exit_code == 2 and "no such file" in result.output
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    result = runner.invoke(app, ["deliver-check", str(tmp_path / "junk.mp4")])
    assert result.exit_code == 2 and "not a readable video" in result.output
