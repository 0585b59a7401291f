"""Atomic writes: a file that already holds the bytes is left alone (no fsync, same modification time)."""

from __future__ import annotations

import os
from pathlib import Path

from shotcraft.fsutil import write_bytes, write_json, write_text


def test_the_same_bytes_leave_the_file_as_it_is(tmp_path: Path) -> None:
    target = write_text(tmp_path / "s01.cdl", "<ColorDecisionList/>\n")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    before = target.stat()
    write_text(target, "<ColorDecisionList/>\n")
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_other_bytes_of_the_same_length_replace_the_file(tmp_path: Path) -> None:
    target = write_bytes(tmp_path / "a.bin", b"abcd")
    write_bytes(target, b"abce")
    assert target.read_bytes() == b"abce"
    write_json(target, {"x": 1})
    assert target.read_text() == '{\n  "x": 1\n}\n'
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_a_link_holding_the_bytes_is_replaced_by_a_file(tmp_path: Path) -> None:
    """The write never goes through a link (its target could be anywhere): the name becomes a file of its own."""
    elsewhere = write_bytes(tmp_path / "elsewhere.txt", b"same")
    link = tmp_path / "link.txt"
    link.symlink_to(elsewhere)
    write_bytes(link, b"same")
    assert not link.is_symlink() and link.read_bytes() == b"same"
