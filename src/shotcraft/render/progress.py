"""Rich progress for a render: one overall bar (work units = frames) and one bar per running job."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from shotcraft.render.jobs import JobSpec


class RenderProgress:
    """Context manager; the engine calls ``start``/``advance``/``finish`` per job."""

    def __init__(self, jobs: list[JobSpec], *, enabled: bool = True, console: Console | None = None) -> None:
        self.enabled = enabled and bool(jobs)
        self._units = {job.key: job.work_units for job in jobs}
        self._done: dict[str, int] = {}
        self._tasks: dict[str, TaskID] = {}
        self._progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
            disable=not self.enabled,
        )
        self._overall = self._progress.add_task("render", total=sum(self._units.values()) or 1)

    def __enter__(self) -> RenderProgress:
        if self.enabled:  # a disabled Progress still printed a blank line on stop() (rich 13.0, non-TTY stderr)
            self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.enabled:
            self._progress.stop()

    def start(self, spec: JobSpec, attempt: int) -> None:
        label = spec.title + (f" (attempt {attempt})" if attempt > 1 else "")
        if spec.key in self._tasks:
            self._progress.update(self._tasks[spec.key], description=f"  {label}", completed=0)
        else:
            self._tasks[spec.key] = self._progress.add_task(f"  {label}", total=spec.work_units)
        self._set(spec, 0)

    def advance(self, spec: JobSpec, done: int) -> None:
        if spec.key in self._tasks:
            self._progress.update(self._tasks[spec.key], completed=done)
        self._set(spec, done)

    def step(self, spec: JobSpec, step: int, total: int) -> None:
        """A denoising step of a diffusion job: shown on its line (its frames come after the steps)."""
        if spec.key in self._tasks:
            self._progress.update(self._tasks[spec.key], description=f"  {spec.title} step {step}/{total}")

    def finish(self, spec: JobSpec) -> None:
        self._set(spec, spec.work_units)
        task = self._tasks.pop(spec.key, None)
        if task is not None:
            self._progress.remove_task(task)

    def _set(self, spec: JobSpec, done: int) -> None:
        self._done[spec.key] = min(done, spec.work_units)
        self._progress.update(self._overall, completed=sum(self._done.values()))
