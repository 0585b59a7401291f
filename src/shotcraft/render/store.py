"""The takes store: content-addressed objects plus the ledger, under ``<plan folder>/.shotcraft/``.

Layout::

    .shotcraft/
      ledger.sqlite          jobs, takes, QA, picks (see ledger.py)
      objects/ab/abcdef....mp4  one file per artifact, named by the sha256 of its bytes
      objects/.tmp/          work in progress; anything here is garbage after a crash
      lock                   held by a running render

An object is written under a temp name, fsynced, hashed, then renamed to its
hash; it is recorded done in the ledger only after that. Reading verifies the
hash again (once per process per file state), so a corrupt or truncated file
is never served as a take.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from shotcraft.errors import InputError, ShotcraftError
from shotcraft.fsutil import file_sha256, fsync_dir
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import take_count
from shotcraft.plan.presets import TAKE_LABELS
from shotcraft.render.ledger import JobRow, Ledger, TakeRow
from shotcraft.render.ledger_rows import check_object
from shotcraft.timebase import parse_rate

PROJECT_FOLDER = ".shotcraft"


class StoreError(ShotcraftError):
    code = "store"


class CorruptObjectError(StoreError):
    code = "corrupt-object"


class DiskFullError(StoreError):
    code = "disk-full"
    exit_code = 1


class ProjectBusyError(StoreError):
    code = "busy"


@dataclass
class TakeRecord:
    """One take of one shot as the rest of the pipeline sees it."""

    shot_id: str
    label: str
    key: str
    state: str  # pending | running | done | failed
    clip_path: Path | None  # verified object: H.264 .mp4 at the film's resolution and the shot's fps
    keyframe_path: Path | None  # verified PNG
    seed: int | None
    frames: int | None
    rate: Fraction | None
    width: int | None
    height: int | None
    source: str  # "render" | "import"
    settings: dict[str, Any]
    qa: dict[str, Any] | None
    picked: bool
    error: str | None
    pick_reason: str | None = None  # "user" | "qa" | "default" when picked
    keyframe_key: str | None = None
    provenance: dict[str, Any] | None = None
    keyframe_settings: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.state == "done" and self.clip_path is not None


# --- objects ---------------------------------------------------------------------------


def _copy_into(handle: Any, data: bytes) -> None:
    """The one place object bytes hit the disk (tests patch it to simulate a full disk)."""
    handle.write(data)


class ObjectStore:
    """Files named by the sha256 of their content."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.temp_folder = self.folder / ".tmp"
        self._verified: dict[Path, tuple[int, int]] = {}

    def path_for(self, sha256: str, ext: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.{ext}"

    @contextlib.contextmanager
    def temp_path(self, ext: str) -> Iterator[Path]:
        """A fresh temp file in the store's own folder (same filesystem: rename is atomic)."""
        self.temp_folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="obj-", suffix=f".{ext}", dir=self.temp_folder)
        os.close(fd)
        path = Path(name)
        try:
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def commit(self, temp: Path, ext: str) -> tuple[str, Path, int]:
        """fsync, hash and rename a finished temp file into place; returns (sha256, path, size)."""
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        sha256 = file_sha256(temp)
        target = self.path_for(sha256, ext)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = temp.stat().st_size
        if target.exists() and self._matches(target, sha256):
            temp.unlink()
        else:
            os.replace(temp, target)
            fsync_dir(target.parent)
        self._remember(target)
        return sha256, target, size

    def put_bytes(self, data: bytes, ext: str) -> tuple[str, Path, int]:
        with self.temp_path(ext) as temp:
            try:
                with open(temp, "wb") as handle:
                    _copy_into(handle, data)
            except OSError as exc:
                raise _disk_error(exc, temp) from None
            return self.commit(temp, ext)

    def verified(self, sha256: str | None, ext: str | None) -> Path | None:
        """The object's path if present and its bytes hash to its name; else None."""
        if not sha256 or not ext:
            return None
        path = self.path_for(sha256, ext)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        if self._verified.get(path) == (stat.st_size, stat.st_mtime_ns):
            return path
        if not self._matches(path, sha256):
            return None
        self._verified[path] = (stat.st_size, stat.st_mtime_ns)
        return path

    def clean_temps(self) -> int:
        """Remove work-in-progress files a killed process left (call only under the project lock)."""
        removed = 0
        if self.temp_folder.is_dir():
            for stray in self.temp_folder.iterdir():
                with contextlib.suppress(OSError):
                    stray.unlink()
                    removed += 1
        return removed

    def all_objects(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("??/*") if p.is_file())

    def fsck(self) -> list[Path]:
        """Objects whose bytes do not hash to their name."""
        return [p for p in self.all_objects() if not self._matches(p, p.name.split(".", 1)[0])]

    def _matches(self, path: Path, sha256: str) -> bool:
        try:
            return file_sha256(path) == sha256
        except OSError:
            return False

    def _remember(self, path: Path) -> None:
        stat = path.stat()
        self._verified[path] = (stat.st_size, stat.st_mtime_ns)


def _disk_error(exc: OSError, where: Path) -> ShotcraftError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"{where.parent}: disk full while writing an object (nothing was recorded)")
    return StoreError(f"{where.parent}: cannot write an object ({exc.strerror or exc})")


# --- the project -----------------------------------------------------------------------


class Project:
    """A film's store: objects, ledger, takes, picks. Open with :func:`open_project`."""

    def __init__(self, plan: LoadedPlan) -> None:
        self.plan = plan
        self.folder = plan.root / PROJECT_FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.objects = ObjectStore(self.folder / "objects")
        self.ledger = Ledger(self.folder / "ledger.sqlite")
        self._lock_handle: Any = None

    # --- locking (one render at a time per film) ---

    @contextlib.contextmanager
    def lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """The project's writer lock; waits up to ``wait_seconds`` for another writer, then refuses."""
        handle = open(self.folder / "lock", "a+")
        try:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ProjectBusyError(
                            f"{self.folder}: another shotcraft command (render, take add) is writing to this film; "
                            "nothing was changed, run it again when that one finishes"
                        ) from None
                    time.sleep(0.2)
            yield
        finally:
            handle.close()  # closing releases the lock; a killed process releases it too

    # --- takes ---

    def takes(self, shot_id: str | None = None) -> list[TakeRecord]:
        """Takes of the plan's shots, in plan order then label."""
        film = self.plan.film
        shot_ids = [s.id for s in film.shots] if shot_id is None else [self._check_shot(shot_id)]
        records: list[TakeRecord] = []
        for sid in shot_ids:
            rows = [row for row in self.ledger.take_rows(sid) if self._current(row)]
            picked = self._effective_pick(sid, rows)
            for row in rows:
                records.append(self._record(row, picked))
        return records

    def take(self, shot_id: str, label: str) -> TakeRecord | None:
        for record in self.takes(shot_id):
            if record.label == label:
                return record
        return None

    def picked_take(self, shot_id: str) -> TakeRecord | None:
        """The user's pick, else the QA proposal, else the first done take (A); only done takes."""
        for record in self.takes(shot_id):
            if record.picked:
                return record
        return None

    def set_pick(self, shot_id: str, label: str) -> None:
        self._check_shot(shot_id)
        record = self.take(shot_id, label)
        if record is None:
            known = ", ".join(r.label for r in self.takes(shot_id)) or "none yet"
            raise InputError(f"shot {shot_id}: no take {label!r} (takes: {known})")
        if not record.done:
            raise InputError(f"shot {shot_id}: take {label} is {record.state}, only a done take can be picked")
        self.ledger.set_pick(shot_id, label)

    def clear_pick(self, shot_id: str) -> None:
        self.ledger.set_pick(self._check_shot(shot_id), None)

    def record_qa(self, shot_id: str, label: str, *, verdict: str, score: float, flags: list[dict], metrics: dict) -> None:
        row = self._row(shot_id, label)
        self.ledger.record_qa(shot_id, label, row.clip_key, verdict=verdict, score=score, flags=flags, metrics=metrics)

    def set_qa_proposal(self, shot_id: str, label: str | None, reason: str | None) -> None:
        self._check_shot(shot_id)
        if label is not None:
            self._row(shot_id, label)
        self.ledger.set_proposal(shot_id, label, reason)

    def settings_log(self, shot_id: str, label: str) -> dict[str, Any]:
        """Everything recorded about one take: keyframe and clip jobs, provenance, QA, pick."""
        row = self._row(shot_id, label)
        record = self._record(row, self._effective_pick(shot_id, self.ledger.take_rows(shot_id)))
        log: dict[str, Any] = {"shot": shot_id, "take": label, "source": row.source, "state": record.state}
        for name, key in (("keyframe", row.keyframe_key), ("clip", row.clip_key)):
            job = self.ledger.job(key) if key else None
            if job is not None:
                log[name] = _job_log(job)
        if row.provenance:
            log["provenance"] = row.provenance
        log["qa"] = record.qa
        log["picked"] = record.picked
        log["pick_reason"] = record.pick_reason
        return log

    def collect_garbage(self, *, dry_run: bool = False) -> tuple[int, int]:
        """Delete objects no current take uses (old renders kept as cache); returns (files, bytes).

        Safe by construction: a job whose object is gone no longer counts as done, so reverting
        the plan to an old version simply renders those jobs again.
        """
        keep: set[str] = set()
        shot_ids = {s.id for s in self.plan.film.shots}
        for row in self.ledger.take_rows():
            if row.shot_id not in shot_ids or not self._current(row):
                continue
            for key in (row.keyframe_key, row.clip_key):
                job = self.ledger.job(key) if key else None
                if job is not None and job.object_sha256:
                    keep.add(job.object_sha256)
        files = size = 0
        with self.lock():
            for path in self.objects.all_objects():
                if path.name.split(".", 1)[0] in keep:
                    continue
                files += 1
                size += path.stat().st_size
                if not dry_run:
                    path.unlink()
        return files, size

    # --- helpers ---

    def _check_shot(self, shot_id: str) -> str:
        if shot_id not in {s.id for s in self.plan.film.shots}:
            known = ", ".join(s.id for s in self.plan.film.shots)
            raise InputError(f"{self.plan.file}: no shot {shot_id!r} (shots: {known})")
        return shot_id

    def _row(self, shot_id: str, label: str) -> TakeRow:
        self._check_shot(shot_id)
        for row in self.ledger.take_rows(shot_id):
            if row.label == label:
                return row
        raise InputError(f"shot {shot_id}: no take {label!r} in the store (render it or `shotcraft take add` it)")

    def _current(self, row: TakeRow) -> bool:
        """Rendered takes beyond the plan's current take count are history, not takes."""
        if row.source == "import":
            return True
        shot = self.plan.film.shot(row.shot_id)
        return row.label in TAKE_LABELS[: take_count(self.plan.film, shot)]

    def _effective_pick(self, shot_id: str, rows: list[TakeRow]) -> tuple[str, str] | None:
        done = [row.label for row in rows if self._row_done(row)]
        if not done:
            return None
        user = self.ledger.pick(shot_id)
        if user in done:
            return user, "user"
        proposal = self.ledger.proposal(shot_id)
        if proposal is not None and proposal[0] in done:
            return proposal[0], "qa"
        return done[0], "default"

    def _row_done(self, row: TakeRow) -> bool:
        job = self.ledger.job(row.clip_key)
        return job is not None and job.state == "done" and self.objects.verified(job.object_sha256, job.object_ext) is not None

    def _record(self, row: TakeRow, picked: tuple[str, str] | None) -> TakeRecord:
        clip = self.ledger.job(row.clip_key)
        keyframe = self.ledger.job(row.keyframe_key) if row.keyframe_key else None
        state = clip.state if clip is not None else "pending"
        clip_path = None
        error = clip.error if clip is not None else None
        if clip is not None and clip.state == "done":
            clip_path = self.objects.verified(clip.object_sha256, clip.object_ext)
            if clip_path is not None:
                check_object(clip, clip_path, self.ledger.path)
            if clip_path is None:
                # missing or corrupt on disk: never serve it; the next render redoes it
                state, error = "pending", "object missing or corrupt in the store"
                self.ledger.mark_pending(clip.key, error=error)
        if keyframe is not None and keyframe.state == "failed" and state != "done":
            state, error = "failed", keyframe.error
        keyframe_path = None
        if keyframe is not None and keyframe.state == "done":
            keyframe_path = self.objects.verified(keyframe.object_sha256, keyframe.object_ext)
            if keyframe_path is not None:
                check_object(keyframe, keyframe_path, self.ledger.path)
        is_picked = picked is not None and picked[0] == row.label and state == "done"
        settings = clip.settings if clip is not None else {}
        return TakeRecord(
            shot_id=row.shot_id,
            label=row.label,
            key=row.clip_key,
            state=state,
            clip_path=clip_path,
            keyframe_path=keyframe_path,
            seed=row.seed,
            frames=clip.frames if clip is not None and state == "done" else None,
            rate=parse_rate(clip.rate) if clip is not None and clip.rate and state == "done" else None,
            width=clip.width if clip is not None and state == "done" else None,
            height=clip.height if clip is not None and state == "done" else None,
            source=row.source,
            settings=settings,
            qa=self.ledger.qa(row.shot_id, row.label, row.clip_key),
            picked=is_picked,
            error=error if state != "done" else None,
            pick_reason=picked[1] if is_picked and picked else None,
            keyframe_key=row.keyframe_key,
            provenance=row.provenance,
            keyframe_settings=keyframe.settings if keyframe is not None else None,
        )


def _job_log(job: JobRow) -> dict[str, Any]:
    return {
        "key": job.key,
        "state": job.state,
        "backend": job.backend,
        "backend_version": job.backend_version,
        "object": f"{job.object_sha256}.{job.object_ext}" if job.object_sha256 else None,
        "frames": job.frames,
        "rate": job.rate,
        "size": [job.width, job.height] if job.width else None,
        "attempts": job.attempts,
        "seconds": round(job.seconds, 3) if job.seconds is not None else None,
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "run": job.run_id,
        "error": job.error,
        "settings": job.settings,
        "environment": job.environment,
    }


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def open_project(plan: LoadedPlan) -> Project:
    """Open (creating if needed) the store of a loaded plan: ``plan.root/.shotcraft``."""
    try:
        return Project(plan)
    except OSError as exc:
        raise StoreError(f"{plan.root / PROJECT_FOLDER}: cannot open the store ({exc.strerror or exc})") from None
