"""Remote task receipts: the ``remote_tasks`` table of the film's ledger, written before and after each create call.

A receipt row is committed (``synchronous=FULL``: fsync'd) with state
``submitting`` before the create call is made, and carries the provider's task
id the moment the call returns. A render killed at any point therefore finds
one of: no row (nothing was sent), ``submitting`` (the call may have reached
the service: it becomes ``submit-uncertain``, never re-sent), or a task id (it
is polled again, never re-sent).

States: submitting -> submitted -> downloaded, or failed / refused (final for
that attempt; the next render submits a new one), or submit-uncertain (until
the user resolves it: attach the task id, or allow a new submission:
``abandoned``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shotcraft.errors import InputError

TABLE = "remote_tasks"
STATES = ("submitting", "submitted", "downloaded", "failed", "refused", "submit-uncertain", "abandoned")
#: states after which the job needs a new submission
CLOSED = ("failed", "refused", "abandoned")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_key TEXT NOT NULL,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    payload TEXT NOT NULL,              -- JSON: exactly what was sent (files by content hash, no credentials)
    estimate TEXT,                      -- JSON: the price-table estimate {{amount, currency, basis}}
    model_version TEXT,                 -- what the service says it used
    reason TEXT,                        -- the service's words for a failure or refusal, scrubbed
    details TEXT,                       -- JSON: what the service reported worth keeping
    output_sha256 TEXT,                 -- the downloaded original, committed to the store
    output_ext TEXT,
    created_at REAL NOT NULL,
    submitted_at REAL,
    finished_at REAL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS remote_tasks_by_job ON {TABLE} (job_key, id);
"""


@dataclass(frozen=True)
class TaskRow:
    id: int
    job_key: str
    provider: str
    state: str
    task_id: str | None
    payload: dict[str, Any]
    estimate: dict[str, Any] | None
    model_version: str | None
    reason: str | None
    details: dict[str, Any] | None
    output_sha256: str | None
    output_ext: str | None
    created_at: float
    submitted_at: float | None
    finished_at: float | None

    def to_log(self) -> dict[str, Any]:
        """The settings log's view (timings as seconds from the create call)."""
        waited = round(self.finished_at - self.submitted_at, 3) if self.finished_at and self.submitted_at else None
        return {"provider": self.provider, "state": self.state, "task_id": self.task_id, "payload": self.payload,
                "estimate": self.estimate, "model_version": self.model_version, "reason": self.reason, "details": self.details,
                "output": f"{self.output_sha256}.{self.output_ext}" if self.output_sha256 else None,
                "created_at": self.created_at, "submitted_at": self.submitted_at, "finished_at": self.finished_at,
                "seconds_at_service": waited}  # fmt: skip


class RemoteTasks:
    """The receipts of one film. Each process opens its own connection; every write is one fsync'd transaction."""

    def __init__(self, ledger_path: Path, *, read_only: bool = False) -> None:
        self.path = Path(ledger_path)
        self.read_only = read_only
        if read_only:
            from shotcraft.render.ledger import _connect_read_only  # the ledger's one read-only opener

            self._db = _connect_read_only(self.path) if self.path.is_file() else sqlite3.connect(":memory:", isolation_level=None)
        else:
            self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a receipt must survive a power cut, not only a crash
            self._db.executescript(_SCHEMA)
        self._db.row_factory = sqlite3.Row

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, args: tuple) -> int:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            cursor = self._db.execute(sql, args)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return int(cursor.lastrowid or 0)

    def _rows(self, sql: str, args: tuple = ()) -> list[TaskRow]:
        try:
            rows = self._db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # a ledger from before remote jobs (read-only): no receipts
                return []
            raise
        return [_row(r) for r in rows]

    # --- reads ---

    def history(self, job_key: str) -> list[TaskRow]:
        return self._rows(f"SELECT * FROM {TABLE} WHERE job_key = ? ORDER BY id", (job_key,))

    def current(self, job_key: str) -> TaskRow | None:
        """The job's open receipt (not failed, refused or abandoned), if any."""
        rows = [r for r in self.history(job_key) if r.state not in CLOSED]
        return rows[-1] if rows else None

    def uncertain(self) -> list[TaskRow]:
        """Receipts whose create call may have been received: marked so, or left 'submitting' by a dead run."""
        return self._rows(f"SELECT * FROM {TABLE} WHERE state IN ('submit-uncertain', 'submitting') ORDER BY id")

    # --- writes ---

    def begin(self, job_key: str, provider: str, payload: dict[str, Any], estimate: dict[str, Any] | None) -> int:
        """The receipt committed before the create call."""
        now = time.time()
        return self._write(
            f"INSERT INTO {TABLE} (job_key, provider, state, payload, estimate, created_at, updated_at) VALUES (?, ?, 'submitting', ?, ?, ?, ?)",
            (job_key, provider, json.dumps(payload, sort_keys=True), _dumps(estimate), now, now),
        )

    def submitted(self, row_id: int, task_id: str) -> None:
        now = time.time()
        self._write(f"UPDATE {TABLE} SET state = 'submitted', task_id = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
                    (task_id, now, now, row_id))  # fmt: skip

    def mark(self, row_id: int, state: str, *, reason: str | None = None, model_version: str | None = None,
             details: dict[str, Any] | None = None) -> None:  # fmt: skip
        if state not in STATES:
            raise ValueError(state)
        now = time.time()
        finished = now if state in ("failed", "refused", "downloaded") else None
        self._write(
            f"UPDATE {TABLE} SET state = ?, reason = COALESCE(?, reason), model_version = COALESCE(?, model_version),"
            f" details = COALESCE(?, details), finished_at = COALESCE(?, finished_at), updated_at = ? WHERE id = ?",
            (state, reason, model_version, _dumps(details), finished, now, row_id),
        )

    def downloaded(self, row_id: int, sha256: str, ext: str, *, model_version: str | None, details: dict[str, Any]) -> None:
        self.mark(row_id, "downloaded", model_version=model_version, details=details)
        self._write(f"UPDATE {TABLE} SET output_sha256 = ?, output_ext = ? WHERE id = ?", (sha256, ext, row_id))

    def resolve(self, job_key: str, *, task_id: str | None) -> TaskRow:
        """A submit-uncertain receipt: attach the task id the user found (it is polled next), or allow a new submission."""
        row = self.current(job_key)
        if row is None or row.state != "submit-uncertain":
            raise InputError(f"job {job_key[:12]}: no submit-uncertain task to resolve")
        if task_id is not None:
            now = time.time()
            self._write(f"UPDATE {TABLE} SET state = 'submitted', task_id = ?, submitted_at = COALESCE(submitted_at, ?),"
                        f" reason = NULL, updated_at = ? WHERE id = ?", (task_id, now, now, row.id))  # fmt: skip
        else:
            self.mark(row.id, "abandoned", reason="the user allowed a new submission (shotcraft remote resolve --resubmit)")
        updated = self.history(job_key)
        return next(r for r in updated if r.id == row.id)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _row(row: sqlite3.Row) -> TaskRow:
    return TaskRow(
        id=row["id"], job_key=row["job_key"], provider=row["provider"], state=row["state"], task_id=row["task_id"],
        payload=_loads(row["payload"]) or {}, estimate=_loads(row["estimate"]), model_version=row["model_version"],
        reason=row["reason"], details=_loads(row["details"]), output_sha256=row["output_sha256"], output_ext=row["output_ext"],
        created_at=row["created_at"], submitted_at=row["submitted_at"], finished_at=row["finished_at"],
    )  # fmt: skip
