"""One progress protocol for every stage: the library emits events, a front end renders them.

A stage reports through :func:`stage` (start, progress, notes, warnings, done
with its time, or reused when its inputs did not change); the CLI listens
with a Rich view on a terminal, plain lines otherwise, or JSON lines
(``--progress json``); tests listen to the list of events. Nothing here
prints: with no listener an event costs a function call.

Inside a render worker the current job's denoising steps are reported
through :func:`report_steps` (backends call it from diffusers'
``callback_on_step_end``); the worker forwards them to the main process.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EventKind = Literal["start", "progress", "note", "warning", "done", "reused", "failed"]


@dataclass(frozen=True)
class Event:
    stage: str  # "render", "qa", "cut", "sound", "finish", "report", ...
    kind: EventKind
    message: str = ""
    done: float | None = None  # progress: units done of total
    total: float | None = None
    unit: str = ""  # "frames", "takes", "steps", "files"
    seconds: float | None = None  # done / reused / failed: the stage's wall time
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "", {})}


Listener = Callable[[Event], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def emit(event: Event) -> None:
    """Send an event to every listener (a listener's failure never breaks the stage)."""
    for listener in list(_listeners):
        with contextlib.suppress(Exception):
            listener(event)


@contextlib.contextmanager
def listen(listener: Listener) -> Iterator[Listener]:
    """Receive every event emitted while inside (from any thread of this process)."""
    with _lock:
        _listeners.append(listener)
    try:
        yield listener
    finally:
        with _lock:
            _listeners.remove(listener)


class Stage:
    """A running stage: progress, notes and warnings, then one closing event with its time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.perf_counter()
        self.summary = ""
        self.outcome: EventKind = "done"
        self.data: dict[str, Any] = {}

    def progress(self, done: float, total: float | None = None, unit: str = "", message: str = "") -> None:
        emit(Event(self.name, "progress", message, done=done, total=total, unit=unit))

    def note(self, message: str, **data: Any) -> None:
        emit(Event(self.name, "note", message, data=data))

    def warning(self, message: str, **data: Any) -> None:
        emit(Event(self.name, "warning", message, data=data))

    def reused(self, summary: str = "unchanged, reused") -> None:
        """The stage's inputs did not change: nothing was redone."""
        self.outcome, self.summary = "reused", summary

    def finish(self, summary: str, **data: Any) -> None:
        self.summary = summary
        self.data.update(data)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


@contextlib.contextmanager
def stage(name: str, message: str = "") -> Iterator[Stage]:
    """Emit ``start``, yield the :class:`Stage`, then ``done``/``reused`` (or ``failed``) with the wall time."""
    current = Stage(name)
    emit(Event(name, "start", message))
    try:
        yield current
    except BaseException as error:
        emit(Event(name, "failed", str(error).splitlines()[0] if str(error) else type(error).__name__, seconds=current.seconds))
        raise
    emit(Event(name, current.outcome, current.summary, seconds=current.seconds, data=current.data))


# --- denoising steps inside a render job ---------------------------------------------------------------

StepHook = Callable[[int, int], None]
_step_hook: StepHook | None = None


@contextlib.contextmanager
def step_reporting(hook: StepHook | None) -> Iterator[None]:
    """While inside, :func:`report_steps` calls ``hook(step, total)`` (set by the worker around one job)."""
    global _step_hook
    previous, _step_hook = _step_hook, hook
    try:
        yield
    finally:
        _step_hook = previous


def report_steps(step: int, total: int) -> None:
    """A backend's denoising loop finished ``step`` of ``total`` steps."""
    hook = _step_hook
    if hook is not None:
        with contextlib.suppress(Exception):
            hook(step, total)
