"""Executors run a job graph and report to a handler; the engine never knows where a job ran.

:class:`Executor` is the seam a cluster executor (Ray) would implement: take
the jobs, respect ``depends_on``, call the handler from the calling thread.
:class:`LocalExecutor` runs in this process (``jobs=1``) or in ``N`` worker
processes; backends that declare ``one_process_per_device`` get one
long-lived worker of their own so their model stays loaded between jobs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import Protocol

from shotcraft.errors import InputError
from shotcraft.render.jobs import JobSpec
from shotcraft.render.work import JobFailed, JobResult, TransientJobError, run_job

#: attempts per job for transient failures (the first try included)
MAX_ATTEMPTS = 3
RETRY_BACKOFF_S = 0.5


def default_jobs() -> int:
    """Worker processes by default: one per core, at most 4 (encoders are threaded too)."""
    return max(1, min(4, os.cpu_count() or 1))


EXECUTORS = ("local", "ray")


def executor_for(kind: str, *, jobs: int | None = None, address: str | None = None) -> "Executor":
    """The executor a command asked for: ``local`` (processes here) or ``ray`` (a Ray cluster)."""
    if kind == "local":
        if address:
            raise InputError("--address: only with --executor ray")
        return LocalExecutor(jobs)
    if kind == "ray":
        from shotcraft.render.executor_ray import RayExecutor

        return RayExecutor(address)
    raise InputError(f"--executor: expected one of {', '.join(EXECUTORS)}, found {kind!r}")


class JobHandler(Protocol):
    """What an executor calls back (always from the thread that called ``run``)."""

    def input_path(self, spec: JobSpec) -> Path | None: ...
    def started(self, spec: JobSpec, attempt: int) -> None: ...
    def progress(self, spec: JobSpec, done: int, detail: dict | None = None) -> None: ...
    def finished(self, spec: JobSpec, result: JobResult) -> None: ...
    def failed(self, spec: JobSpec, error: str, *, attempts: int) -> None: ...


class Executor(ABC):
    @abstractmethod
    def run(self, jobs: list[JobSpec], handler: JobHandler, objects_folder: Path) -> None:
        """Run every job (dependencies first). Store errors (disk full) propagate and stop the run."""


@dataclass
class _Graph:
    """Ready/waiting bookkeeping shared by both execution modes."""

    jobs: list[JobSpec]
    done: set[str] = field(default_factory=set)
    dead: set[str] = field(default_factory=set)  # failed for good

    def __post_init__(self) -> None:
        self.pending = list(self.jobs)
        self.keys = {job.key for job in self.jobs}

    def ready(self) -> list[JobSpec]:
        out = [j for j in self.pending if j.depends_on is None or j.depends_on not in self.keys or j.depends_on in self.done]
        for job in out:
            self.pending.remove(job)
        return out

    def fail_orphans(self, handler: JobHandler) -> None:
        """Jobs whose input failed for good fail too, without running (and so do theirs, on the next call)."""
        out = [j for j in self.pending if j.depends_on in self.dead]
        for job in out:
            self.pending.remove(job)
            self.failed(handler, job, f"its keyframe failed ({job.depends_on[:12]})", attempts=0)

    def failed(self, handler: JobHandler, spec: JobSpec, error: str, *, attempts: int) -> None:
        """A job failed for good: reported once, and the jobs that need it fail without running."""
        handler.failed(spec, error, attempts=attempts)
        self.dead.add(spec.key)

    def given_up(self, handler: JobHandler, spec: JobSpec, error: object, attempt: int) -> None:
        """A transient failure on the last attempt: failed for good, saying how many attempts it had."""
        self.failed(handler, spec, f"{error} (after {attempt} attempts)", attempts=attempt)

    def finished(self, handler: JobHandler, spec: JobSpec, result: JobResult) -> None:
        handler.finished(spec, result)
        self.done.add(spec.key)


class LocalExecutor(Executor):
    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = default_jobs() if jobs is None else max(1, int(jobs))

    def run(self, jobs: list[JobSpec], handler: JobHandler, objects_folder: Path) -> None:
        graph = _Graph(list(jobs))
        if self.jobs == 1:
            self._run_here(graph, handler, objects_folder)
        else:
            self._run_pooled(graph, handler, objects_folder)

    # --- in this process -------------------------------------------------------------

    def _run_here(self, graph: _Graph, handler: JobHandler, objects_folder: Path) -> None:
        while True:
            graph.fail_orphans(handler)
            ready = graph.ready()
            if not ready:
                return
            for spec in ready:
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    handler.started(spec, attempt)
                    try:
                        result = run_job(spec, objects_folder, handler.input_path(spec), lambda n, d=None, s=spec: handler.progress(s, n, d))
                    except TransientJobError as exc:
                        if attempt < MAX_ATTEMPTS:
                            time.sleep(RETRY_BACKOFF_S * attempt)
                            continue
                        graph.given_up(handler, spec, exc, attempt)
                    except JobFailed as exc:
                        graph.failed(handler, spec, str(exc), attempts=attempt)
                    else:
                        graph.finished(handler, spec, result)
                    break

    # --- worker processes ----------------------------------------------------------------

    def _run_pooled(self, graph: _Graph, handler: JobHandler, objects_folder: Path) -> None:
        progress_queue = multiprocessing.get_context("spawn").Queue()
        pools = _WorkerPools({False: self.jobs, True: 1}, progress_queue)
        capacity = pools.capacity
        running: dict[Future, tuple[JobSpec, int]] = {}
        attempts: dict[str, int] = {}
        waiting: list[JobSpec] = []
        by_key = {job.key: job for job in graph.jobs}

        def submit(spec: JobSpec) -> None:
            attempts[spec.key] = attempts.get(spec.key, 0) + 1
            handler.started(spec, attempts[spec.key])
            future = pools.submit(spec.one_process_per_device, _worker_run, spec, str(objects_folder), handler.input_path(spec))
            running[future] = (spec, attempts[spec.key])

        def retry_or_give_up(spec: JobSpec, attempt: int, exc: TransientJobError) -> None:
            if attempt < MAX_ATTEMPTS:
                waiting.append(spec)
            else:
                graph.given_up(handler, spec, exc, attempt)

        try:
            while True:
                graph.fail_orphans(handler)
                waiting.extend(graph.ready())
                for device in (False, True):
                    busy = sum(1 for spec, _ in running.values() if spec.one_process_per_device == device)
                    for spec in [w for w in waiting if w.one_process_per_device == device][: max(0, capacity[device] - busy)]:
                        waiting.remove(spec)
                        submit(spec)
                if not running:
                    return
                finished, _ = wait(list(running), timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(progress_queue, handler, by_key)
                for future in finished:
                    spec, attempt = running.pop(future)
                    broke = False
                    try:
                        result = future.result()
                    except (TransientJobError, BrokenProcessPool, CancelledError) as exc:
                        if not isinstance(exc, TransientJobError):  # its pool broke (a worker died): a fresh one
                            broke = True
                            exc = TransientJobError("a worker process died")
                        retry_or_give_up(spec, attempt, exc)
                    except JobFailed as exc:
                        graph.failed(handler, spec, str(exc), attempts=attempt)
                    else:
                        graph.finished(handler, spec, result)
                    for lost in pools.ended(future, broke=broke):  # jobs the broken pool will never run nor fail
                        lost_spec, lost_attempt = running.pop(lost)
                        retry_or_give_up(lost_spec, lost_attempt, TransientJobError("a worker process died"))
        except BaseException:
            pools.terminate()  # Ctrl-C or a store error: stop the workers now rather than let them finish long jobs
            raise
        finally:
            pools.shutdown()
            progress_queue.close()


class _WorkerPools:
    """The worker process pools of one run, one per kind (shared, or one process per device), made on first use.

    A pool breaks when one of its workers dies (a crash, the OOM killer). The futures it was running fail with
    :class:`BrokenProcessPool` and their jobs are retried; a job submitted after the death but before those failures
    were seen must not fail with them, so it goes to a fresh pool (a race a loaded machine hits).
    """

    def __init__(self, capacity: dict[bool, int], progress_queue: multiprocessing.Queue) -> None:
        from shotcraft.backends.registry import registered_specs

        self.capacity = capacity
        self._context = multiprocessing.get_context("spawn")  # no fork: backends may hold threads or CUDA state
        self._initargs = (progress_queue, registered_specs(), os.getpid())
        self._pools: dict[bool, ProcessPoolExecutor] = {}
        self._owners: dict[Future, ProcessPoolExecutor] = {}

    def submit(self, device: bool, fn, /, *args) -> Future:
        try:
            future = self._pool(device).submit(fn, *args)
        except BrokenProcessPool:
            self._retire(self._pools[device])
            future = self._pool(device).submit(fn, *args)
        self._owners[future] = self._pools[device]
        return future

    def ended(self, future: Future, *, broke: bool = False) -> list[Future]:
        """``future`` was seen done; ``broke``: its pool broke (a worker died), so no more work goes to that pool (a
        fresh pool made since is kept). Resubmitted work goes out after this, on the next turn of the loop.

        Returns the broken pool's futures that are not done, now forgotten: their jobs are lost and must be retried.
        Once a pool is broken it reads no more results, and a job submitted in the instant it broke is never run nor
        failed (CPython 3.11's ``terminate_broken`` marks the pool broken without the lock ``submit`` holds, then fails
        the pending jobs it has: one added in between waits for ever; seen as a `make` hung after a worker died)."""
        owner = self._owners.pop(future, None)
        if not broke or owner is None:
            return []
        self._retire(owner)
        lost = [other for other, pool in self._owners.items() if pool is owner and not other.done()]
        for other in lost:
            del self._owners[other]
        return lost

    def _retire(self, broken: ProcessPoolExecutor) -> None:
        for device, pool in list(self._pools.items()):
            if pool is broken:
                del self._pools[device]
                broken.shutdown(wait=False)  # its other futures still end, with BrokenProcessPool, and are retried

    def terminate(self) -> None:
        for executor in self._pools.values():
            _terminate(executor)
        self._pools.clear()

    def shutdown(self) -> None:
        for executor in self._pools.values():
            executor.shutdown(wait=True, cancel_futures=True)
        self._pools.clear()

    def _pool(self, device: bool) -> ProcessPoolExecutor:
        if device not in self._pools:
            self._pools[device] = ProcessPoolExecutor(
                self.capacity[device], mp_context=self._context, initializer=_init_worker, initargs=self._initargs
            )
        return self._pools[device]


def _drain(progress_queue: multiprocessing.Queue, handler: JobHandler, by_key: dict[str, JobSpec]) -> None:
    with contextlib.suppress(queue.Empty, OSError, EOFError):
        while True:
            key, done, detail = progress_queue.get_nowait()
            if key in by_key:
                handler.progress(by_key[key], done, detail)


_progress_queue: multiprocessing.Queue | None = None


def _init_worker(progress_queue: multiprocessing.Queue, backend_specs: dict[str, str], parent_pid: int) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    _init_plain_worker(parent_pid)
    from shotcraft.backends.registry import register_backend

    for name, spec in backend_specs.items():
        register_backend(name, spec)


def _init_plain_worker(parent_pid: int) -> None:
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died while this worker was starting: nobody will send work
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now (an error or Ctrl-C in the parent), not after the work they hold."""
    for process in list(getattr(pool, "_processes", {}).values()):  # no public way before Python 3.14
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def can_fork() -> bool:
    """Whether worker processes may be forked from this process now: on Linux, and with no Python thread but this one.

    A fork copies only the calling thread: a lock another thread held (logging's, a console's, one of shotcraft's)
    would stay held in the child for ever. The native libraries' idle pools (OpenBLAS, OpenCV) reset in the child (tried:
    OpenCV's calls run there single-threaded), and FFmpeg's decoder threads live only while a file is decoded. macOS's
    system frameworks are not fork-safe: spawned there."""
    return sys.platform == "linux" and threading.active_count() == 1


@contextlib.contextmanager
def worker_pool(workers: int, *, fork: bool = False) -> Iterator[ProcessPoolExecutor]:
    """``workers`` processes for work that is not a render job (QA's analyses): spawned (each imports what it needs,
    0.6 s), or with ``fork`` (only where :func:`can_fork`) forked, starting at once with this process's modules and
    what it has loaded. Like the render's workers, they die with this process and leave Ctrl-C to it; on an error or
    an interrupt they are stopped at once."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                               initializer=_init_plain_worker, initargs=(os.getpid(),))  # fmt: skip
    try:
        yield pool
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)


def _worker_run(spec: JobSpec, objects_folder: str, keyframe_path: Path | None) -> JobResult:
    def report(done: int, detail: dict | None = None) -> None:
        if _progress_queue is not None:
            with contextlib.suppress(Exception):
                _progress_queue.put_nowait((spec.key, done, detail))

    return run_job(spec, Path(objects_folder), keyframe_path, report)


def _die_with_parent() -> None:
    """Linux: a worker is killed when the render process dies (SIGKILL included)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
