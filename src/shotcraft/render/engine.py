"""`render_plan`: render exactly the jobs whose key is not done, resumably, and say what happened.

1. Check inputs and build the job graph (nothing touches the store before this passes).
2. Open the store under its lock; jobs a killed run left 'running' become pending; stray temps go.
3. Register every selected take with its current keys.
4. Skip jobs that are done with a verified object (unless ``force``), run the rest.
5. Record each result as it lands; a failed take is recorded and the others continue.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shotcraft import events, files
from shotcraft.errors import refuse_in_a_starting_worker
from shotcraft.plan.loader import LoadedPlan
from shotcraft.render.archived import archived_out_keys
from shotcraft.render.executor import Executor, LocalExecutor
from shotcraft.render.imports import import_plan_clips
from shotcraft.render.jobs import JobSpec, TakeJobs, plan_jobs
from shotcraft.render.progress import RenderProgress
from shotcraft.render.remote import RunEstimate, estimate_run, preflight
from shotcraft.render.store import Project, open_project
from shotcraft.render.work import JobResult


@dataclass(frozen=True)
class JobOutcome:
    key: str
    kind: str
    shot_id: str
    take: str
    state: str  # "rendered" | "cached" | "failed" | "planned" (dry run) | "archived" (left out of an archive on purpose)
    seconds: float | None = None
    attempts: int = 0
    error: str | None = None


@dataclass
class RenderReport:
    run_id: int
    outcomes: list[JobOutcome] = field(default_factory=list)
    seconds: float = 0.0
    film_seconds: float = 0.0  # seconds of picture the selected takes hold
    estimate: RunEstimate | None = None  # remote jobs: what they will cost (render/remote.py)

    @property
    def rendered(self) -> list[JobOutcome]:
        return [o for o in self.outcomes if o.state == "rendered"]

    @property
    def cached(self) -> list[JobOutcome]:
        return [o for o in self.outcomes if o.state == "cached"]

    @property
    def failed(self) -> list[JobOutcome]:
        return [o for o in self.outcomes if o.state == "failed"]

    @property
    def archived(self) -> list[JobOutcome]:
        """Jobs whose takes a picked-only archive left out on purpose (not rendered unless asked)."""
        return [o for o in self.outcomes if o.state == "archived"]

    @property
    def planned(self) -> list[JobOutcome]:
        """Jobs a dry run found to render."""
        return [o for o in self.outcomes if o.state == "planned"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = f"{len(self.outcomes)} jobs: {len(self.rendered)} rendered, {len(self.cached)} cached, {len(self.failed)} failed in {self.seconds:.1f} s"
        if self.archived:
            text += f" ({len(self.archived)} archived out; 'shotcraft render --shot ID --take L' renders one again)"
        return text

    def to_dict(self) -> dict:
        return {
            "run": self.run_id,
            "jobs": len(self.outcomes),
            "rendered": len(self.rendered),
            "cached": len(self.cached),
            "archived": len(self.archived),
            "planned": [{"shot": o.shot_id, "take": o.take, "kind": o.kind} for o in self.planned],
            "failed": [{"shot": o.shot_id, "take": o.take, "kind": o.kind, "error": o.error} for o in self.failed],
            "seconds": round(self.seconds, 3),
            "film_seconds": round(self.film_seconds, 3),
            **({"cost": self.estimate.to_dict()} if self.estimate is not None and self.estimate.jobs else {}),
        }


class _Recorder:
    """The executor's handler: every state change goes to the ledger at once."""

    def __init__(self, project: Project, run_id: int, progress: RenderProgress, report: RenderReport) -> None:
        self.project, self.run_id, self.bar, self.report = project, run_id, progress, report
        self.running: set[str] = set()
        self.total = 0

    def input_path(self, spec: JobSpec) -> Path | None:
        if spec.depends_on is None:
            return None
        job = self.project.ledger.job(spec.depends_on)
        if job is None or job.state != "done":
            return None
        return self.project.objects.verified(job.object_sha256, job.object_ext)

    def started(self, spec: JobSpec, attempt: int) -> None:
        self.project.ledger.mark_running(spec.key, self.run_id)
        self.running.add(spec.key)
        self.bar.start(spec, attempt)
        events.emit(events.Event("render", "note", f"{spec.title} started" + (f" (attempt {attempt})" if attempt > 1 else ""),
                                 data={"job": spec.key}))  # fmt: skip

    def progress(self, spec: JobSpec, done: int, detail: dict | None = None) -> None:
        if detail and detail.get("unit") == "steps":  # a denoising step inside a diffusion job
            self.bar.step(spec, done, int(detail.get("total") or 0))
            events.emit(events.Event("render", "progress", f"{spec.title}: denoising", done=done, total=detail.get("total"),
                                     unit="steps", data={"job": spec.key}))  # fmt: skip
            return
        self.bar.advance(spec, done)
        events.emit(events.Event("render", "progress", spec.title, done=done, total=spec.work_units, unit="frames",
                                 data={"job": spec.key}))  # fmt: skip

    def _jobs_progress(self) -> None:
        finished = len([o for o in self.report.outcomes if o.state in ("rendered", "failed")])
        events.emit(events.Event("render", "progress", "", done=finished, total=self.total, unit="jobs"))

    def finished(self, spec: JobSpec, result: JobResult) -> None:
        # the worker committed the object; verify it here before it may count as done
        if self.project.objects.verified(result.sha256, result.ext) is None:
            self.failed(spec, "object failed verification after writing", attempts=1)
            return
        self.project.ledger.mark_done(
            spec.key, self.run_id, sha256=result.sha256, ext=result.ext, size=result.size, frames=result.frames,
            rate=result.rate, width=result.width, height=result.height, seconds=result.seconds, environment=result.environment,
        )  # fmt: skip
        self.running.discard(spec.key)
        self.bar.finish(spec)
        job = self.project.ledger.job(spec.key)
        self.report.outcomes.append(
            JobOutcome(spec.key, spec.kind, spec.shot_id, spec.take, "rendered", result.seconds, job.attempts if job else 1)
        )
        self._jobs_progress()

    def failed(self, spec: JobSpec, error: str, *, attempts: int) -> None:
        self.project.ledger.mark_failed(spec.key, self.run_id, error=error, seconds=None)
        self.running.discard(spec.key)
        self.bar.finish(spec)
        self.report.outcomes.append(JobOutcome(spec.key, spec.kind, spec.shot_id, spec.take, "failed", None, attempts, error))
        events.emit(events.Event("render", "warning", f"{spec.title} failed: {error}", data={"job": spec.key}))
        self._jobs_progress()


def render_plan(
    plan: LoadedPlan,
    *,
    shots: list[str] | None = None,
    takes: list[str] | None = None,
    force: bool = False,
    jobs: int = 1,
    progress: bool = True,
    executor: Executor | None = None,
    dry_run: bool = False,
    budget: float | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> RenderReport:
    """Render the selected takes of ``plan`` into its store; returns what ran, what was cached, what failed.

    ``dry_run`` only reports which jobs would run ("planned") and their remote cost, and writes nothing.
    ``budget`` (USD, else ``production.budget_usd``): a run whose remote estimate is above it calls ``confirm``
    with the estimate and stops with BudgetExceeded unless it says yes; all before any create call.
    """
    refuse_in_a_starting_worker("render_plan")
    started = time.perf_counter()
    if dry_run:
        with files.read_only():
            return _dry_run(plan, plan_jobs(plan, shots=shots, takes=takes), force, asked=shots is not None or takes is not None)
    # 1. Inputs and graph: unknown shots, backends, missing stills fail here, store untouched.
    graph: list[TakeJobs] = plan_jobs(plan, shots=shots, takes=takes)
    import_plan_clips(plan, shots)  # clips the plan lists under shots[].clips become takes (once)
    project = open_project(plan)
    with project.lock():
        # 2. Resume: nothing a killed run left half-done counts.
        project.ledger.recover_interrupted()
        project.objects.clean_temps()
        run_id = project.ledger.start_run("render")
        report = RenderReport(run_id=run_id)
        # 3. Register takes with their current keys.
        to_run: list[JobSpec] = []
        scheduled: set[str] = set()
        # takes a picked-only archive left out: absent by choice unless asked for (or --force)
        left_out = frozenset() if force or shots is not None or takes is not None else archived_out_keys(project.folder)
        imported = {(r.shot_id, r.label) for r in project.ledger.take_rows() if r.source == "import"}
        for take in graph:
            if (take.shot_id, take.label) in imported:
                continue  # an imported take already holds this label; the plan take does not replace it
            for spec in (take.keyframe, take.clip):
                project.ledger.ensure_job(
                    key=spec.key, kind=spec.kind, shot_id=spec.shot_id, take=spec.take,
                    backend=spec.backend, backend_version=spec.backend_version, settings=spec.settings,
                )  # fmt: skip
            project.ledger.upsert_take(
                shot_id=take.shot_id, label=take.label, source="render",
                keyframe_key=take.keyframe.key, clip_key=take.clip.key, seed=take.seed,
            )  # fmt: skip
            report.film_seconds += float(take.clip.request["frames"] / take.clip.request["fps"])
            # 4. Skip what is done and verified.
            for spec in (take.keyframe, take.clip):
                job = project.ledger.job(spec.key)
                done = job is not None and job.state == "done" and project.objects.verified(job.object_sha256, job.object_ext)
                if not done and spec.key in left_out:
                    report.outcomes.append(JobOutcome(spec.key, spec.kind, spec.shot_id, spec.take, "archived"))
                elif (force or not done) and spec.key not in scheduled:
                    to_run.append(spec)
                    scheduled.add(spec.key)
                else:
                    report.outcomes.append(JobOutcome(spec.key, spec.kind, spec.shot_id, spec.take, "cached"))
        # 5. Run; record as results land.
        status = "aborted"
        show = progress and sys.stderr.isatty()
        try:
            with RenderProgress(to_run, enabled=show) as bar:
                recorder = _Recorder(project, run_id, bar, report)
                recorder.total = len(to_run)
                events.emit(events.Event("render", "progress", "", done=0, total=len(to_run), unit="jobs",
                                         data={"cached": len(report.cached)}))  # fmt: skip
                # remote jobs: checked, priced and held to the budget before any create call
                report.estimate = estimate_run(plan.root, project.folder / "ledger.sqlite", to_run, read_only=False)
                preflight(report.estimate, budget=budget if budget is not None else plan.film.production.budget_usd, confirm=confirm)
                (executor or LocalExecutor(jobs)).run(to_run, recorder, project.objects.folder)
            status = "done" if report.ok else "failed"
        finally:
            if status == "aborted":
                project.ledger.recover_interrupted()
                project.objects.clean_temps()
            report.seconds = time.perf_counter() - started
            project.ledger.finish_run(
                run_id, status=status, planned=len(report.outcomes) if status != "aborted" else len(to_run),
                rendered=len(report.rendered), cached=len(report.cached), failed=len(report.failed),
            )  # fmt: skip
    return report


def _dry_run(plan: LoadedPlan, graph: list[TakeJobs], force: bool, *, asked: bool = False) -> RenderReport:
    """Which jobs a render would run, read from the ledger without creating or changing anything."""
    report = RenderReport(run_id=0)
    project = open_project(plan, read_only=True)
    left_out = frozenset() if force or asked else archived_out_keys(project.folder)
    planned: list[JobSpec] = []
    for take in graph:
        report.film_seconds += float(take.clip.request["frames"] / take.clip.request["fps"])
        for spec in (take.keyframe, take.clip):
            job = project.ledger.job(spec.key)
            done = job is not None and job.state == "done" and project.objects.verified(job.object_sha256, job.object_ext)
            state = "archived" if not done and spec.key in left_out else ("planned" if force or not done else "cached")
            report.outcomes.append(JobOutcome(spec.key, spec.kind, spec.shot_id, spec.take, state))
            if state == "planned":
                planned.append(spec)
    ledger = project.folder / "ledger.sqlite"
    report.estimate = estimate_run(plan.root, ledger if ledger.is_file() else None, planned, read_only=True)
    return report


def stale_takes(plan: LoadedPlan) -> set[tuple[str, str]]:
    """Rendered takes whose stored keys no longer match the plan (edited since the last render). Read-only."""
    with files.read_only():
        project = open_project(plan, read_only=True)
        rows = {(r.shot_id, r.label): r for r in project.ledger.take_rows() if r.source == "render"}
        if not rows:
            return set()
        stale = set()
        for take in plan_jobs(plan):
            row = rows.get((take.shot_id, take.label))
            if row is not None and (row.clip_key != take.clip.key or row.keyframe_key != take.keyframe.key):
                stale.add((take.shot_id, take.label))
    return stale
