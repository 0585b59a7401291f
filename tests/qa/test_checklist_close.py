"""The publication checklist is closed from what the sound and delivery stages measured."""

from __future__ import annotations

from shotcraft.qa.checklist import close_checklist

OPEN = [
    {"item": "contextualized sound", "status": "check", "evidence": "by ear"},
    {"item": "validated mobile version", "status": "check", "evidence": "by eye"},
    {"item": "archived source file", "status": "ok", "evidence": "stored"},
]
SOUND = {"integrated_lufs": -14.02, "target_lufs": -14.0, "true_peak_dbtp": -1.3, "ceiling_dbtp": -1.0,
         "checks": [{"code": "SND102", "ok": True, "severity": "error", "message": "mix on target"}]}  # fmt: skip


def test_measured_sound_and_conforming_mobile_are_ticked() -> None:
    items = close_checklist(OPEN, sound=SOUND, conformance={"film_mobile_9x16.mp4": True, "film_master.mov": True})
    assert [i["status"] for i in items] == ["ok", "check", "ok"]
    assert "-14.02 LUFS" in items[0]["evidence"] and "conforms" in items[1]["evidence"]
    assert OPEN[0]["status"] == "check"  # the input is not modified


def test_a_missed_loudness_target_or_broken_mobile_export_fails() -> None:
    failing = {**SOUND, "checks": [{"code": "SND102", "ok": False, "severity": "error", "message": "mix -9.0 LUFS, target -14.0"}]}
    items = close_checklist(OPEN, sound=failing, conformance={"film_mobile_9x16.mp4": False})
    assert [i["status"] for i in items[:2]] == ["fail", "fail"]
    assert "mix -9.0 LUFS" in items[0]["evidence"]


def test_nothing_measured_leaves_the_lines_open() -> None:
    assert close_checklist(OPEN, sound=None, conformance=None) == OPEN
