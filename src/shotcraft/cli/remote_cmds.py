"""Remote-task commands: list the tasks sent to services, resolve a submit-uncertain one. Thin shells over render.remote."""

from __future__ import annotations

from pathlib import Path

import typer

from shotcraft import files
from shotcraft.cli import app
from shotcraft.cli.common import Format, command, console, echo_json, format_option
from shotcraft.errors import InputError
from shotcraft.plan import load_plan

remote_app = typer.Typer(name="remote", help="Remote services: the tasks sent, and resolving an uncertain submission.", no_args_is_help=True)
app.add_typer(remote_app, name="remote")


def _take_job_key(project, shot: str, take: str, kind: str) -> str:
    if kind not in ("clip", "keyframe"):
        raise InputError(f"--kind: expected clip or keyframe, found {kind!r}")
    row = next((r for r in project.ledger.take_rows(shot) if r.label == take), None)
    if row is None:
        raise InputError(f"shot {shot}: no take {take!r} in the store")
    key = row.clip_key if kind == "clip" else row.keyframe_key
    if key is None:
        raise InputError(f"shot {shot} take {take}: no {kind} job")
    return key


@command(remote_app, "tasks", summary="List every task sent to a remote service: state, task id, cost, model version.",
         example="shotcraft remote tasks examples/comfyui/film.yaml")  # fmt: skip
def tasks_command(plan_path: Path = typer.Argument(..., metavar="PLAN"), output_format: Format = format_option()) -> None:
    """One line per remote task of PLAN's takes, oldest first (what was sent is in `shotcraft log`)."""
    from shotcraft.render.remote_tasks import RemoteTasks
    from shotcraft.render.store import open_project

    with files.read_only():
        project = open_project(load_plan(plan_path), read_only=True)
        tasks = RemoteTasks(project.folder / "ledger.sqlite", read_only=True)
        jobs = {j.key: j for j in project.ledger.jobs()}
        rows = [(jobs.get(k), t) for k in jobs for t in tasks.history(k)]
        tasks.close()
    rows.sort(key=lambda pair: pair[1].id)
    if output_format == "json":
        echo_json([{"shot": j.shot_id if j else None, "take": j.take if j else None, "kind": j.kind if j else None, **t.to_log()} for j, t in rows])
        return
    if not rows:
        console.print("no remote tasks")
    for job, task in rows:
        cost = f"${task.estimate['amount']:.2f}" if task.estimate else "-"
        where = f"{job.shot_id} {job.take} {job.kind}" if job else task.job_key[:12]
        console.print(f"{where}: {task.provider} {task.state} task {task.task_id or '-'} est. {cost}"
                      f"{' model ' + task.model_version if task.model_version else ''}{' (' + task.reason + ')' if task.reason else ''}", markup=False)  # fmt: skip


@command(remote_app, "resolve", summary="Resolve a submit-uncertain take: attach the task id found in the dashboard, or allow a resubmission.",
         example="shotcraft remote resolve examples/comfyui/film.yaml s01 A --task-id 2b5f...")  # fmt: skip
def resolve_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    shot: str = typer.Argument(..., metavar="SHOT"),
    take: str = typer.Argument(..., metavar="TAKE"),
    kind: str = typer.Option("clip", "--kind", help="clip or keyframe: which job of the take."),
    task_id: str = typer.Option(None, "--task-id", help="The task id the provider's dashboard shows for this job: the next render follows it."),
    resubmit: bool = typer.Option(False, "--resubmit", help="The service never received it: the next render submits again (and pays again)."),
) -> None:
    """A create call timed out or the render died during it: the service may or may not have the job. Look in its
    dashboard; attach the task id if it is there (nothing is paid twice), else allow a new submission."""
    from shotcraft.render.remote import resolve_uncertain
    from shotcraft.render.store import open_project

    if (task_id is None) == (not resubmit):
        raise InputError("remote resolve: give exactly one of --task-id ID or --resubmit")
    project = open_project(load_plan(plan_path))
    with project.lock():
        key = _take_job_key(project, shot, take, kind)
        row = resolve_uncertain(project.folder / "ledger.sqlite", key, task_id=task_id.strip() if task_id else None)
        if project.ledger.job(key) is not None and project.ledger.job(key).state == "failed":
            project.ledger.mark_pending(key, error=None)
    what = f"follows task {row.task_id}" if task_id else "submits it again"
    console.print(f"shot {shot} take {take} {kind}: the next `shotcraft render {plan_path}` {what}", markup=False)
