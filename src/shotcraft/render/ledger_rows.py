"""Ledger rows checked as they are read: a damaged ledger is named, never half-used.

A row edited by hand, written by a broken tool or torn by a bad disk can hold
text where JSON belongs, a word where a version number belongs, or two jobs
whose object hashes were swapped (each take would show the other's clip).
Each row type has one validation function; every failure is a
:class:`CorruptLedgerError` naming the table, the row and the field, and
pointing at ``shotcraft fsck``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from shotcraft.errors import ShotcraftError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
JOB_KINDS = ("keyframe", "clip", "import")
TAKE_SOURCES = ("render", "import")
JOB_STATES = ("pending", "running", "done", "failed")
#: the object extension each job kind writes (render/jobs.py: PNG keyframes, H.264 MP4 clips)
OBJECT_EXT = {"keyframe": "png", "clip": "mp4"}


class CorruptLedgerError(ShotcraftError):
    code = "ledger-corrupt"


def corrupt(path: Path | str, what: str) -> CorruptLedgerError:
    return CorruptLedgerError(f"{path}: corrupt ledger ({what}); run `shotcraft fsck`")


def _json(row: sqlite3.Row, column: str, where: str, path: Path, *, kind: type | None = dict, optional: bool = False) -> Any:
    text = row[column]
    if text is None:
        if optional:
            return None
        raise corrupt(path, f"{where}: {column} is empty")
    if not isinstance(text, str):
        raise corrupt(path, f"{where}: {column} is not JSON text")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise corrupt(path, f"{where}: {column} is not valid JSON") from None
    if kind is not None and not isinstance(value, kind):
        raise corrupt(path, f"{where}: {column} is {type(value).__name__}, expected {kind.__name__}")
    return value


def _typed(row: sqlite3.Row, column: str, kinds: tuple[type, ...], where: str, path: Path, *, optional: bool = True) -> Any:
    value = row[column]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise corrupt(path, f"{where}: {column} is {value!r}, expected {' or '.join(k.__name__ for k in kinds)}")
    return value


def check_job(row: sqlite3.Row, path: Path) -> dict[str, Any]:
    """The job row's fields, checked; JSON columns decoded."""
    key = row["key"]
    where = f"jobs row {str(key)[:16]}"
    _typed(row, "key", (str,), where, path, optional=False)
    if row["kind"] not in JOB_KINDS:
        raise corrupt(path, f"{where}: kind {row['kind']!r}")
    if row["state"] not in JOB_STATES:
        raise corrupt(path, f"{where}: state {row['state']!r}")
    for column in ("object_size", "frames", "width", "height", "attempts", "run_id"):
        _typed(row, column, (int,), where, path)
    for column in ("seconds", "started_at", "finished_at"):
        _typed(row, column, (int, float), where, path)
    sha, ext = row["object_sha256"], row["object_ext"]
    if sha is not None and (not isinstance(sha, str) or not SHA256.match(sha)):
        raise corrupt(path, f"{where}: object hash {str(sha)[:20]!r} is not a sha256")
    if row["state"] == "done":
        if sha is None or ext is None or row["object_size"] is None:
            raise corrupt(path, f"{where}: done without an object")
        expected = OBJECT_EXT.get(row["kind"])
        if expected is not None and ext != expected:
            raise corrupt(path, f"{where}: a {row['kind']} job records a .{ext} object")
    return {
        "settings": _json(row, "settings", where, path),
        "environment": _json(row, "environment", where, path, optional=True),
    }


def check_take(row: sqlite3.Row, path: Path) -> dict[str, Any]:
    where = f"takes row {row['shot_id']!s:.24}/{row['label']!s:.16}"
    _typed(row, "shot_id", (str,), where, path, optional=False)
    _typed(row, "label", (str,), where, path, optional=False)
    _typed(row, "clip_key", (str,), where, path, optional=False)
    _typed(row, "keyframe_key", (str,), where, path)
    _typed(row, "seed", (int,), where, path)
    if row["source"] not in TAKE_SOURCES:
        raise corrupt(path, f"{where}: source {row['source']!r}")
    return {"provenance": _json(row, "provenance", where, path, optional=True)}


def check_qa(row: sqlite3.Row, path: Path) -> dict[str, Any]:
    where = f"qa row {row['shot_id']!s:.24}/{row['label']!s:.16}"
    _typed(row, "score", (int, float), where, path, optional=False)
    return {"flags": _json(row, "flags", where, path, kind=list), "metrics": _json(row, "metrics", where, path)}


def check_version(value: Any, path: Path) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise corrupt(path, f"meta: ledger_version is {str(value)[:20]!r}, not a number") from None


def check_object(job: Any, object_path: Path, path: Path) -> None:
    """A done job against the object it names: the kind's extension and the recorded size.

    Objects are named by their hash, so a file always matches its own name; two jobs
    whose hashes were swapped each find a real object, but of the other's size (and,
    for a keyframe and a clip, of the other's kind).
    """
    expected = OBJECT_EXT.get(job.kind)
    if expected is not None and job.object_ext != expected:
        raise corrupt(path, f"job {job.key[:16]}: a {job.kind} job records a .{job.object_ext} object")
    try:
        size = object_path.stat().st_size
    except OSError:
        return  # missing: the store's own path (re-render) handles it
    if job.object_size is not None and size != job.object_size:
        raise corrupt(
            path, f"job {job.key[:16]} ({job.kind} of shot {job.shot_id} take {job.take}) names object "
            f"{object_path.name[:16]}... of {size} bytes, the job recorded {job.object_size}"
        )
