"""The ledger: one SQLite file recording every job, take, QA score and pick of a film.

WAL mode so readers (the `takes` listing, a QA run) never block the render
writing; every state change is one short transaction. The schema is
versioned in ``meta``; a ledger from a newer shotcraft is refused, not
guessed at.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shotcraft.errors import ShotcraftError
from shotcraft.render.ledger_rows import check_job, check_qa, check_take, check_version

LEDGER_VERSION = 1

JOB_STATES = ("pending", "running", "done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL DEFAULT 'running',
    jobs_planned INTEGER NOT NULL DEFAULT 0,
    jobs_rendered INTEGER NOT NULL DEFAULT 0,
    jobs_cached INTEGER NOT NULL DEFAULT 0,
    jobs_failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                 -- keyframe | clip | import
    shot_id TEXT NOT NULL,
    take TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    backend TEXT,
    backend_version TEXT,
    settings TEXT NOT NULL,             -- JSON: the full settings log (reproduce from this alone)
    object_sha256 TEXT,
    object_ext TEXT,
    object_size INTEGER,
    frames INTEGER,
    rate TEXT,
    width INTEGER,
    height INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    run_id INTEGER,
    started_at REAL,
    finished_at REAL,
    seconds REAL,
    environment TEXT,                   -- JSON: library versions measured where the job ran
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_shot ON jobs (shot_id, take);
CREATE TABLE IF NOT EXISTS job_runs (
    run_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    seconds REAL,
    error TEXT,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS takes (
    shot_id TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('render', 'import')),
    keyframe_key TEXT,
    clip_key TEXT NOT NULL,
    seed INTEGER,
    provenance TEXT,                    -- JSON, imports: source, original file facts, note
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (shot_id, label)
);
CREATE TABLE IF NOT EXISTS qa (
    shot_id TEXT NOT NULL,
    label TEXT NOT NULL,
    clip_key TEXT NOT NULL,             -- a score belongs to one rendering of the take
    verdict TEXT NOT NULL,
    score REAL NOT NULL,
    flags TEXT NOT NULL,
    metrics TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    PRIMARY KEY (shot_id, label, clip_key)
);
CREATE TABLE IF NOT EXISTS picks (shot_id TEXT PRIMARY KEY, label TEXT NOT NULL, picked_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (shot_id TEXT PRIMARY KEY, label TEXT, reason TEXT, proposed_at REAL NOT NULL);
"""


class LedgerError(ShotcraftError):
    code = "ledger"


class TakeExistsError(LedgerError):
    """A take label is already taken: an insert never overwrites another take."""

    code = "take-exists"


@dataclass(frozen=True)
class JobRow:
    key: str
    kind: str
    shot_id: str
    take: str
    state: str
    backend: str | None
    backend_version: str | None
    settings: dict[str, Any]
    object_sha256: str | None
    object_ext: str | None
    object_size: int | None
    frames: int | None
    rate: str | None
    width: int | None
    height: int | None
    attempts: int
    error: str | None
    run_id: int | None
    seconds: float | None
    environment: dict[str, Any] | None
    started_at: float | None = None  # unix time
    finished_at: float | None = None


@dataclass(frozen=True)
class TakeRow:
    shot_id: str
    label: str
    source: str
    keyframe_key: str | None
    clip_key: str
    seed: int | None
    provenance: dict[str, Any] | None


class Ledger:
    """Typed access to ledger.sqlite. One connection per process; short transactions."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._jobs_seen: dict[str, tuple[tuple[Any, ...], JobRow]] = {}
        try:
            if read_only:
                self._db = _connect_read_only(self.path)
                self._db.row_factory = sqlite3.Row
                self._check_version(self._db)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise (_write_fault(exc, self.path) or LedgerError(f"{self.path}: not a usable shotcraft ledger ({exc})")) from None

    @classmethod
    def empty(cls) -> Ledger:
        """An in-memory ledger with the schema and no rows: what a never-rendered film reads as (no file made)."""
        ledger = cls.__new__(cls)
        ledger.path, ledger.read_only = Path(":memory:"), True
        ledger._jobs_seen = {}
        ledger._db = sqlite3.connect(":memory:", isolation_level=None)
        ledger._db.row_factory = sqlite3.Row
        ledger._migrate()
        return ledger

    def _check_version(self, db: sqlite3.Connection) -> None:
        row = db.execute("SELECT value FROM meta WHERE name = 'ledger_version'").fetchone()
        if row is not None and check_version(row["value"], self.path) > LEDGER_VERSION:
            raise LedgerError(f"{self.path}: ledger version {row['value']} is newer than this shotcraft reads ({LEDGER_VERSION})")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise (_write_fault(exc, self.path) or exc) from None
        except BaseException:
            self._rollback()
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise (_write_fault(exc, self.path) or exc) from None

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _migrate(self) -> None:
        with self.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE name = 'ledger_version'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (name, value) VALUES ('ledger_version', ?)", (str(LEDGER_VERSION),))
            elif check_version(row["value"], self.path) > LEDGER_VERSION:
                raise LedgerError(
                    f"{self.path}: ledger version {row['value']} is newer than this shotcraft reads ({LEDGER_VERSION})"
                )

    @property
    def version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'ledger_version'").fetchone()
        return check_version(row["value"] if row is not None else None, self.path)

    # --- runs ---------------------------------------------------------------------

    def start_run(self, command: str) -> int:
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, time.time()))
            return int(cursor.lastrowid)

    def finish_run(self, run_id: int, *, status: str, planned: int, rendered: int, cached: int, failed: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, jobs_planned = ?, jobs_rendered = ?, jobs_cached = ?,"
                " jobs_failed = ? WHERE id = ?",
                (time.time(), status, planned, rendered, cached, failed, run_id),
            )

    def runs(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._db.execute("SELECT * FROM runs ORDER BY id")]

    def jobs_run_in(self, run_id: int) -> list[dict[str, Any]]:
        """Jobs a run actually executed (cached jobs are not listed)."""
        rows = self._db.execute(
            "SELECT job_runs.key, job_runs.state, job_runs.attempts, job_runs.seconds, job_runs.error, jobs.kind, jobs.shot_id, jobs.take FROM job_runs JOIN jobs USING (key)"
            " WHERE job_runs.run_id = ? ORDER BY jobs.shot_id, jobs.take, jobs.kind",
            (run_id,),
        )
        return [dict(row) for row in rows]

    # --- jobs ---------------------------------------------------------------------

    def recover_interrupted(self) -> int:
        """Jobs left 'running' by a killed process go back to 'pending'; their runs are marked killed."""
        with self.transaction() as db:
            count = db.execute(
                "UPDATE jobs SET state = 'pending', updated_at = ? WHERE state = 'running'", (time.time(),)
            ).rowcount
            db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        return count

    def ensure_job(
        self, *, key: str, kind: str, shot_id: str, take: str, backend: str | None, backend_version: str | None, settings: dict[str, Any]
    ) -> JobRow:
        """Insert a pending job if its key is new; return the row either way."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO jobs (key, kind, shot_id, take, state, backend, backend_version, settings,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                (key, kind, shot_id, take, backend, backend_version, json.dumps(settings, sort_keys=True), now, now),
            )
        job = self.job(key)
        assert job is not None
        return job

    def job(self, key: str) -> JobRow | None:
        row = self._db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        # a make asks for the same jobs thousands of times (every listing of takes); checking and decoding a
        # row is most of that, so an unchanged row (the same column values) gives back the row it gave before
        values = tuple(row)
        known = self._jobs_seen.get(key)
        if known is not None and known[0] == values:
            return known[1]
        job = _job_row(row, self.path)
        self._jobs_seen[key] = (values, job)
        return job

    def jobs(self, *, shot_id: str | None = None) -> list[JobRow]:
        if shot_id is None:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY shot_id, take, kind")
        else:
            rows = self._db.execute("SELECT * FROM jobs WHERE shot_id = ? ORDER BY take, kind", (shot_id,))
        return [_job_row(row, self.path) for row in rows]

    def done_renders(self) -> dict[str, int]:
        """Per shot, the clip renders and imports done, superseded ones included (QA's count of passes)."""
        rows = self._db.execute("SELECT shot_id, COUNT(*) FROM jobs WHERE kind IN ('clip', 'import') AND state = 'done' GROUP BY shot_id")
        return {shot_id: count for shot_id, count in rows}

    def mark_running(self, key: str, run_id: int) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, run_id = ?, started_at = ?, error = NULL,"
                " updated_at = ? WHERE key = ?",
                (run_id, now, now, key),
            )

    def mark_pending(self, key: str, *, error: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'pending', error = ?, object_sha256 = NULL, updated_at = ? WHERE key = ?",
                (error, time.time(), key),
            )

    def mark_done(
        self,
        key: str,
        run_id: int,
        *,
        sha256: str,
        ext: str,
        size: int,
        frames: int | None,
        rate: str | None,
        width: int,
        height: int,
        seconds: float,
        environment: dict[str, Any],
    ) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'done', object_sha256 = ?, object_ext = ?, object_size = ?, frames = ?,"
                " rate = ?, width = ?, height = ?, seconds = ?, environment = ?, error = NULL, finished_at = ?,"
                " updated_at = ? WHERE key = ?",
                (sha256, ext, size, frames, rate, width, height, seconds, json.dumps(environment, sort_keys=True), now, now, key),
            )
            self._log_job_run(db, run_id, key, "done", seconds, None)

    def mark_failed(self, key: str, run_id: int, *, error: str, seconds: float | None) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'failed', error = ?, seconds = ?, finished_at = ?, updated_at = ? WHERE key = ?",
                (error, seconds, now, now, key),
            )
            self._log_job_run(db, run_id, key, "failed", seconds, error)

    def _log_job_run(self, db: sqlite3.Connection, run_id: int, key: str, state: str, seconds: float | None, error: str | None) -> None:
        attempts = db.execute("SELECT attempts FROM jobs WHERE key = ?", (key,)).fetchone()["attempts"]
        db.execute(
            "INSERT OR REPLACE INTO job_runs (run_id, key, state, attempts, seconds, error) VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, key, state, attempts, seconds, error),
        )

    # --- takes --------------------------------------------------------------------

    def upsert_take(
        self,
        *,
        shot_id: str,
        label: str,
        source: str,
        keyframe_key: str | None,
        clip_key: str,
        seed: int | None,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO takes (shot_id, label, source, keyframe_key, clip_key, seed, provenance, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shot_id, label) DO UPDATE SET source = excluded.source,"
                " keyframe_key = excluded.keyframe_key, clip_key = excluded.clip_key, seed = excluded.seed,"
                " provenance = excluded.provenance, updated_at = excluded.updated_at"
                # a rendered take never replaces an imported one (or the reverse)
                " WHERE takes.source = excluded.source",
                (shot_id, label, source, keyframe_key, clip_key, seed, _dumps(provenance), now, now),
            )
            if db.execute("SELECT changes()").fetchone()[0] == 0:
                raise TakeExistsError(f"shot {shot_id}: take {label} is already held by another source; nothing was replaced")

    def insert_take(
        self,
        *,
        shot_id: str,
        label: str,
        source: str,
        keyframe_key: str | None,
        clip_key: str,
        seed: int | None,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        """Add a new take; the (shot, label) key makes a second writer of the same label fail loudly."""
        now = time.time()
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO takes (shot_id, label, source, keyframe_key, clip_key, seed, provenance, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (shot_id, label, source, keyframe_key, clip_key, seed, _dumps(provenance), now, now),
                )
        except sqlite3.IntegrityError:
            raise TakeExistsError(f"shot {shot_id}: take {label} already exists; nothing was replaced") from None

    def remove_takes(self, shot_id: str, labels: list[str]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM takes WHERE shot_id = ? AND label = ?", [(shot_id, label) for label in labels])

    def take_rows(self, shot_id: str | None = None) -> list[TakeRow]:
        if shot_id is None:
            rows = self._db.execute("SELECT * FROM takes ORDER BY shot_id, label")
        else:
            rows = self._db.execute("SELECT * FROM takes WHERE shot_id = ? ORDER BY label", (shot_id,))
        return [
            TakeRow(
                shot_id=row["shot_id"],
                label=row["label"],
                source=row["source"],
                keyframe_key=row["keyframe_key"],
                clip_key=row["clip_key"],
                seed=row["seed"],
                provenance=check_take(row, self.path)["provenance"],
            )
            for row in rows
        ]

    # --- QA and picks -----------------------------------------------------------------

    def record_qa(self, shot_id: str, label: str, clip_key: str, *, verdict: str, score: float, flags: list[dict], metrics: dict) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO qa (shot_id, label, clip_key, verdict, score, flags, metrics, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (shot_id, label, clip_key, verdict, float(score), json.dumps(flags, sort_keys=True), json.dumps(metrics, sort_keys=True), time.time()),
            )

    def qa(self, shot_id: str, label: str, clip_key: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM qa WHERE shot_id = ? AND label = ? AND clip_key = ?", (shot_id, label, clip_key)
        ).fetchone()
        if row is None:
            return None
        decoded = check_qa(row, self.path)
        return {
            "verdict": row["verdict"],
            "score": row["score"],
            "flags": decoded["flags"],
            "metrics": decoded["metrics"],
            "recorded_at": row["recorded_at"],
        }

    def set_pick(self, shot_id: str, label: str | None) -> None:
        with self.transaction() as db:
            if label is None:
                db.execute("DELETE FROM picks WHERE shot_id = ?", (shot_id,))
            else:
                db.execute("INSERT OR REPLACE INTO picks (shot_id, label, picked_at) VALUES (?, ?, ?)", (shot_id, label, time.time()))

    def pick(self, shot_id: str) -> str | None:
        row = self._db.execute("SELECT label FROM picks WHERE shot_id = ?", (shot_id,)).fetchone()
        return row["label"] if row else None

    def set_proposal(self, shot_id: str, label: str | None, reason: str | None) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO proposals (shot_id, label, reason, proposed_at) VALUES (?, ?, ?, ?)",
                (shot_id, label, reason, time.time()),
            )

    def proposal(self, shot_id: str) -> tuple[str | None, str | None] | None:
        row = self._db.execute("SELECT label, reason FROM proposals WHERE shot_id = ?", (shot_id,)).fetchone()
        return (row["label"], row["reason"]) if row else None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can neither write the ledger nor create files beside it.

    ``mode=ro`` on a WAL database still creates ``-wal``/``-shm`` files when no writer has them
    open; when no ``-wal`` exists, no writer is connected (SQLite removes it on the last close),
    so the file is opened ``immutable`` and nothing is created. With a writer running, plain
    ``mode=ro`` shares its WAL and reads a consistent snapshot.
    """
    if not path.is_file():
        raise LedgerError(f"{path}: no ledger (nothing rendered yet)")
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    from urllib.parse import quote

    return sqlite3.connect(f"file:{quote(path.resolve().as_posix())}?{mode}", uri=True, timeout=30.0, isolation_level=None)


def _write_fault(exc: sqlite3.Error, path: Path) -> LedgerError | None:
    """SQLite's own words for a full disk or a read-only folder, said as such (the ledger is intact)."""
    text = str(exc).lower()
    if "disk is full" in text or "disk i/o error" in text:
        error = LedgerError(f"{path}: disk full while writing the ledger; nothing was recorded (free space, then run again)")
        error.code = "disk-full"
        return error
    if "readonly database" in text or "read-only" in text:
        return LedgerError(f"{path}: the ledger's folder is read-only; nothing was recorded")
    return None


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _job_row(row: sqlite3.Row, path: Path) -> JobRow:
    decoded = check_job(row, path)
    return JobRow(
        key=row["key"],
        kind=row["kind"],
        shot_id=row["shot_id"],
        take=row["take"],
        state=row["state"],
        backend=row["backend"],
        backend_version=row["backend_version"],
        settings=decoded["settings"],
        object_sha256=row["object_sha256"],
        object_ext=row["object_ext"],
        object_size=row["object_size"],
        frames=row["frames"],
        rate=row["rate"],
        width=row["width"],
        height=row["height"],
        attempts=row["attempts"],
        error=row["error"],
        run_id=row["run_id"],
        seconds=row["seconds"],
        environment=decoded["environment"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )
