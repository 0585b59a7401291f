"""The takes store: content-addressed objects plus the ledger, under ``<plan folder>/.shotcraft/``.

Layout::

    .shotcraft/
      ledger.sqlite          jobs, takes, QA, picks (see ledger.py)
      objects/ab/abcdef....mp4  one file per artifact, named by the sha256 of its bytes
      objects/.tmp/          work in progress; anything here is garbage after a crash
      lock                   held by a running render

An object is written under a temp name, fsynced, hashed, then renamed to its
hash; it is recorded done in the ledger only after that. Reading verifies an
object by its stat (size, mtime, inode) against the hash recorded at commit in
the persistent hash cache (``hashes.sqlite``): an unchanged object is served
without reading a byte, a file whose stat changed is hashed again, so a corrupt
or truncated file is never served as a take. ``shotcraft fsck`` re-hashes
everything.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from shotcraft import files
from shotcraft.errors import InputError, ShotcraftError
from shotcraft.fsutil import file_sha256, fsync_dir
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import take_count
from shotcraft.plan.presets import TAKE_LABELS
from shotcraft.render.archived import archived_out_keys
from shotcraft.render.ledger import JobRow, Ledger, TakeRow
from shotcraft.render.ledger_rows import check_object
from shotcraft.timebase import parse_rate

PROJECT_FOLDER = files.PROJECT_FOLDER
QUARANTINE_FOLDER = "quarantine"


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
    state: str  # pending | running | done | failed | submit-uncertain (a remote create call that may have been received)
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

    def __init__(self, folder: Path, cache: files.HashCache | None = None, *, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.read_only = read_only
        self.temp_folder = self.folder / ".tmp"
        self.cache = cache if cache is not None else files.hash_cache(self.folder.parent)
        self._verified: dict[Path, tuple[int, int, int]] = {}

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
        if self._verified.get(path) == (stat.st_size, stat.st_mtime_ns, stat.st_ino):
            return path
        key = files.stat_key(path, stat)
        known = self.cache.lookup(key)
        if known is None:  # never seen in this state: read it once and remember
            try:
                known = file_sha256(path)
            except OSError:
                return None
            if not self.read_only:
                self.cache.store(key, known)
        if known != sha256:
            return None
        self._verified[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
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
        """Objects whose bytes do not hash to their name (every byte read; the cache is refreshed)."""
        bad = []
        for path in self.all_objects():
            try:
                digest = file_sha256(path)
            except OSError:
                bad.append(path)
                continue
            if not self.read_only:
                self.cache.store(files.stat_key(path, path.stat()), digest)
            if digest != path.name.split(".", 1)[0]:
                bad.append(path)
        return bad

    def quarantine(self, path: Path) -> Path:
        """Move a bad object out of the store (kept for inspection, never served)."""
        target = self.folder.parent / QUARANTINE_FOLDER / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        self._verified.pop(path, None)
        return target

    def _matches(self, path: Path, sha256: str) -> bool:
        try:
            return file_sha256(path) == sha256
        except OSError:
            return False

    def _remember(self, path: Path) -> None:
        stat = path.stat()
        self._verified[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        self.cache.store(files.stat_key(path, stat), path.name.split(".", 1)[0])


def _disk_error(exc: OSError, where: Path) -> ShotcraftError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"{where.parent}: disk full while writing an object (nothing was recorded)")
    return StoreError(f"{where.parent}: cannot write an object ({exc.strerror or exc})")


# --- the project -----------------------------------------------------------------------


class Project:
    """A film's store: objects, ledger, takes, picks. Open with :func:`open_project`."""

    def __init__(self, plan: LoadedPlan, *, read_only: bool = False) -> None:
        self.plan = plan
        self.read_only = read_only
        self.folder = plan.root / PROJECT_FOLDER
        ledger_path = self.folder / "ledger.sqlite"
        if read_only:
            # a read creates nothing: a film never rendered reads as an empty ledger held in memory
            self.ledger = Ledger(ledger_path, read_only=True) if ledger_path.is_file() else Ledger.empty()
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.ledger = Ledger(ledger_path)
        self.objects = ObjectStore(self.folder / "objects", read_only=read_only)

    @property
    def rendered(self) -> bool:
        """Whether the film has a ledger on disk (something was rendered or imported)."""
        return (self.folder / "ledger.sqlite").is_file()

    # --- locking (one render at a time per film) ---

    @contextlib.contextmanager
    def lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """The project's writer lock (the filelock package: portable; the OS releases it when a process dies);
        waits up to ``wait_seconds`` for another writer, then refuses."""
        from filelock import FileLock, Timeout

        if self.read_only:
            raise StoreError(f"{self.folder}: opened read-only; this command cannot change the store")
        lock = FileLock(str(self.folder / "lock"))
        try:
            lock.acquire(timeout=wait_seconds, poll_interval=0.2)
        except Timeout:
            raise ProjectBusyError(
                f"{self.folder}: another shotcraft command (render, take add) is writing to this film; "
                "nothing was changed, run it again when that one finishes"
            ) from None
        try:
            yield
        finally:
            lock.release()

    # --- takes ---

    def takes(self, shot_id: str | None = None) -> list[TakeRecord]:
        """Takes of the plan's shots, in plan order then label."""
        film = self.plan.film
        shot_ids = [s.id for s in film.shots] if shot_id is None else [self._check_shot(shot_id)]
        records: list[TakeRecord] = []
        self._uncertain = self._uncertain_remote()
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
        remote = self._remote_log(row)
        if remote:
            log["remote"] = remote
        if row.provenance:
            log["provenance"] = row.provenance
        log["qa"] = record.qa
        log["picked"] = record.picked
        log["pick_reason"] = record.pick_reason
        return log

    def _uncertain_remote(self) -> set[str]:
        """Job keys whose remote create call may have been received (render/remote_tasks.py): marked so, or left
        'submitting' by a render that is no longer running (one still running is inside its create call)."""
        from shotcraft.render.remote_tasks import RemoteTasks

        if not self.rendered:
            return set()
        tasks = RemoteTasks(self.folder / "ledger.sqlite", read_only=True)
        try:
            rows = tasks.uncertain()
        finally:
            tasks.close()
        alive = any(r.state == "submitting" for r in rows) and self.writer_active()
        return {r.job_key for r in rows if r.state == "submit-uncertain" or not alive}

    def writer_active(self) -> bool:
        """Whether a render (or another writer) holds the project lock now; creates nothing (reads the lock file)."""
        try:
            import fcntl
        except ImportError:  # not POSIX: assume a writer may be active
            return True
        try:
            fd = os.open(self.folder / "lock", os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing releases a lock taken here
        return False

    def _remote_log(self, row: TakeRow) -> dict[str, Any]:
        """Every remote task of the take's jobs: what was sent, the task id, model version, timings, cost."""
        from shotcraft.render.remote_tasks import RemoteTasks

        if not self.rendered:
            return {}
        tasks = RemoteTasks(self.folder / "ledger.sqlite", read_only=True)
        try:
            return {name: [t.to_log() for t in tasks.history(key)] for name, key in (("keyframe", row.keyframe_key), ("clip", row.clip_key))
                    if key and tasks.history(key)}  # fmt: skip
        finally:
            tasks.close()

    def collect_garbage(self, *, dry_run: bool = False) -> tuple[int, int]:
        """Delete objects no current take uses (old renders kept as cache) and QA cache entries of takes
        no longer current; returns (files, bytes).

        Safe by construction: a job whose object is gone no longer counts as done, so reverting
        the plan to an old version simply renders those jobs again. Only ``objects/``,
        ``qa-cache/`` and ``grade-cache/`` are ever touched.
        """
        keep: set[str] = set()
        current_clips: set[str] = set()
        shot_ids = {s.id for s in self.plan.film.shots}
        for row in self.ledger.take_rows():
            if row.shot_id not in shot_ids or not self._current(row):
                continue
            current_clips.add(row.clip_key)
            for key in (row.keyframe_key, row.clip_key):
                job = self.ledger.job(key) if key else None
                if job is not None and job.object_sha256:
                    keep.add(job.object_sha256)
        doomed = [p for p in self.objects.all_objects() if p.name.split(".", 1)[0] not in keep]
        doomed += [p for p in sorted((self.folder / "qa-cache").glob("*.json")) if not _qa_entry_current(p, current_clips)]
        # the grade's per-take measurements (grade/take_cache.py), named by the take object's sha256 prefix
        doomed += [p for p in sorted((self.folder / "grade-cache").glob("*.*")) if not any(sha.startswith(p.name.split("-", 1)[0]) for sha in keep)]
        size = sum(p.stat().st_size for p in doomed)
        if dry_run:
            return len(doomed), size
        with self.lock():
            for path in doomed:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        return len(doomed), size

    def fsck(self, *, repair: bool = True) -> FsckReport:
        """Hash every object; a bad one is quarantined and the jobs that point at it go back to pending.

        Also reports done jobs whose object is missing. Returns what was found and done.
        """
        report = FsckReport(checked=len(self.objects.all_objects()))
        bad = self.objects.fsck()
        bad_names = {p.name.split(".", 1)[0] for p in bad}
        present = {p.name.split(".", 1)[0] for p in self.objects.all_objects()}
        jobs = [j for j in self.ledger.jobs() if j.state == "done" and j.object_sha256]
        if repair:
            with self.lock():
                for path in bad:
                    report.quarantined.append(str(self.objects.quarantine(path)))
                for job in jobs:
                    if job.object_sha256 in bad_names or job.object_sha256 not in present:
                        self.ledger.mark_pending(job.key, error="object failed fsck (missing or corrupt)")
                        report.reset_jobs.append(job.key)
        else:
            report.quarantined = [str(p) for p in bad]
            report.reset_jobs = [j.key for j in jobs if j.object_sha256 in bad_names or j.object_sha256 not in present]
        report.bad = [str(p) for p in bad]
        report.repaired = repair
        return report

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
                if clip.key in archived_out_keys(self.folder):  # left out of a picked-only archive on purpose
                    error = f"archived out (not in the picked-only archive); 'shotcraft render --shot {row.shot_id} --take {row.label}' renders it again"
                if not self.read_only:
                    self.ledger.mark_pending(clip.key, error=error)
        if keyframe is not None and keyframe.state == "failed" and state != "done":
            state, error = "failed", keyframe.error
        for job in (keyframe, clip):  # a remote create call that may have been received: the user resolves it
            if job is not None and state != "done" and job.key in getattr(self, "_uncertain", ()):
                state, error = "submit-uncertain", job.error or f"{job.kind}: the create call may have reached {job.backend}"
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


def _qa_entry_current(path: Path, current_clips: set[str]) -> bool:
    """QA cache entries are named ``<clip key prefix>-<analysis key>.json``; older names are stale."""
    prefix, dash, _ = path.stem.partition("-")
    return bool(dash) and any(key.startswith(prefix) for key in current_clips)


@dataclass
class FsckReport:
    checked: int = 0
    bad: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    reset_jobs: list[str] = field(default_factory=list)
    repaired: bool = True

    @property
    def ok(self) -> bool:
        return not self.bad and not self.reset_jobs

    def lines(self) -> list[str]:
        out = [f"{self.checked} object(s) checked, {len(self.bad)} corrupt, {len(self.reset_jobs)} job(s) without a good object"]
        verb = "quarantined" if self.repaired else "would quarantine"
        out += [f"  {verb}: {path}" for path in self.quarantined]
        if self.reset_jobs:
            verb = "back to pending (the next render redoes them)" if self.repaired else "would go back to pending"
            out.append(f"  {len(self.reset_jobs)} job(s) {verb}")
        return out


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


def open_project(plan: LoadedPlan, *, read_only: bool = False) -> Project:
    """Open (creating if needed) the store of a loaded plan: ``plan.root/.shotcraft``.

    ``read_only``: nothing is created or written (SQLite ``mode=ro``); a film never rendered has no takes.
    """
    try:
        return Project(plan, read_only=read_only)
    except OSError as exc:
        raise StoreError(f"{plan.root / PROJECT_FOLDER}: cannot open the store ({exc.strerror or exc})") from None
