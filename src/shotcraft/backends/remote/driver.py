"""Reading a remote task back: poll with backoff until it ends, download with retries. Never a create call.

Shared by the render engine's crash-safe runner (``shotcraft.render.remote``)
and a remote backend's direct ``keyframe()``/``clip()``: reads are retried
(``ProviderUnavailable``, honouring the service's ``retry_after``), the create
call never is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from shotcraft.backends.remote.protocol import ProviderUnavailable, RemoteProvider, TaskStatus

FINAL_STATES = ("succeeded", "failed", "refused")
#: consecutive failed reads before the engine gives up for this run (the task stays in flight, a later render resumes it)
MAX_READ_FAILURES = 8
#: the longest wait between two reads
MAX_BACKOFF_S = 60.0
DEFAULT_POLL_INTERVAL_S = 5.0
#: how long one run follows a task before leaving it in flight for the next render
DEFAULT_MAX_WAIT_S = 3 * 3600.0


class StillRunning(Exception):
    """The task has not ended within this run's patience; it is still the service's and a later run re-polls it."""


def poll_interval(provider: RemoteProvider) -> float:
    return float(getattr(provider, "poll_interval", DEFAULT_POLL_INTERVAL_S))


def _backoff(provider: RemoteProvider, failures: int, exc: ProviderUnavailable) -> float:
    if exc.retry_after is not None:
        return max(0.0, float(exc.retry_after))
    return min(MAX_BACKOFF_S, poll_interval(provider) * (2 ** (failures - 1)))


def wait_for(
    provider: RemoteProvider,
    task_id: str,
    *,
    on_status: Callable[[TaskStatus], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait_s: float | None = None,
) -> TaskStatus:
    """Poll ``task_id`` until it succeeds, fails or is refused; raises StillRunning or the last ProviderUnavailable."""
    limit = max_wait_s if max_wait_s is not None else float(getattr(provider, "max_wait_s", DEFAULT_MAX_WAIT_S))
    started = time.monotonic()
    failures = 0
    while True:
        try:
            status = provider.poll(task_id)
        except ProviderUnavailable as exc:
            failures += 1
            if failures >= MAX_READ_FAILURES:
                raise
            sleep(_backoff(provider, failures, exc))
            continue
        failures = 0
        if on_status is not None:
            on_status(status)
        if status.state in FINAL_STATES:
            return status
        if time.monotonic() - started > limit:
            raise StillRunning(f"task {task_id} still {status.state} after {limit:.0f} s")
        sleep(poll_interval(provider))


def download(provider: RemoteProvider, status: TaskStatus, destination: Path, *, sleep: Callable[[float], None] = time.sleep) -> None:
    """The finished output into ``destination``, retrying reads; the provider writes nothing else."""
    failures = 0
    while True:
        try:
            provider.download(status, destination)
            return
        except ProviderUnavailable as exc:
            failures += 1
            if failures >= MAX_READ_FAILURES:
                raise
            sleep(_backoff(provider, failures, exc))
