"""Render commands: render, takes, log, take add, pick, make. Each a thin shell over the library."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from shotcraft import files
from shotcraft.cli import app
from shotcraft.cli.progress_view import ProgressMode, ProgressView
from shotcraft.cli.common import Format, command, console, echo_json, err_console, format_option
from shotcraft.cli.console import styled
from shotcraft.errors import InputError, RenderError
from shotcraft.plan import load_plan

take_app = typer.Typer(name="take", help="Manage takes: add a clip made elsewhere.", no_args_is_help=True)
app.add_typer(take_app, name="take")


def _split(values: list[str] | None) -> list[str] | None:
    """`--shots s01,s02 --shots s05` -> ['s01', 's02', 's05']."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]



@command(app, "render", summary="Render the takes whose inputs changed (incremental, resumable).", example="shotcraft render examples/neo-noir/film.yaml -j 2")
def render_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml to render."),
    shots: list[str] = typer.Option(None, "--shots", help="Only these shots (comma-separated or repeated)."),
    takes: list[str] = typer.Option(None, "--takes", help="Only these take labels, e.g. A or A,B."),
    force: bool = typer.Option(False, "--force", help="Re-render the selection even when done."),
    jobs: int = typer.Option(None, "-j", "--jobs", min=1, help="Worker processes (default: one per core, at most 4)."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bars."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the jobs that would run; change nothing."),
    output_format: Format = format_option(),
    executor: str = typer.Option("local", "--executor", help="local (worker processes here) or ray (a Ray cluster)."),
    address: str = typer.Option(None, "--address", help="With --executor ray: auto, ray://HOST:10001 or HOST:6379 (default: a local Ray)."),
    budget: float = typer.Option(None, "--budget", min=0, help="Most this render may spend on remote services, USD (default: production.budget_usd)."),
    yes: bool = typer.Option(False, "--yes", help="Render even when the remote estimate is over the budget (no question asked)."),
) -> None:
    """Render every keyframe and clip job of PLAN whose key is not done; exit 1 if any take failed."""
    from shotcraft.render.engine import render_plan
    from shotcraft.render.executor import default_jobs, executor_for

    plan = load_plan(plan_path)
    runner = executor_for(executor, jobs=jobs or default_jobs(), address=address)
    report = render_plan(
        plan, shots=_split(shots), takes=_split(takes), force=force, jobs=jobs or default_jobs(),
        progress=not no_progress, dry_run=dry_run, executor=runner, budget=budget, confirm=_budget_confirm(yes),
    )  # fmt: skip
    if dry_run and output_format == "text":
        for job in report.planned:
            console.print(f"would render: shot {job.shot_id} take {job.take} {job.kind}")
        console.print(f"{len(report.planned)} jobs to render, {len(report.cached)} done")
        if report.estimate is not None and report.estimate.jobs:
            console.print("remote services (prices: docs/providers.md):", markup=False)
            for line in report.estimate.lines():
                console.print(line, markup=False)
            limit = budget if budget is not None else plan.film.production.budget_usd
            if limit is not None and report.estimate.total > limit:
                console.print(f"over the budget of ${limit:.2f}: render will ask before submitting (or refuse when not interactive)", markup=False)
        return
    if output_format == "json":
        echo_json(report.to_dict())
    else:
        console.print(report.summary())
        for failure in report.failed:
            err_console.print(f"failed: shot {failure.shot_id} take {failure.take} {failure.kind}: {failure.error}", markup=False)
    if not report.ok:
        raise RenderError(f"{len(report.failed)} job(s) failed; the other takes are in the store (see `shotcraft takes {plan_path}`)")


def _budget_confirm(yes: bool):
    """Over budget: --yes goes on, a terminal is asked, anything else refuses (with the estimate)."""
    import sys

    if yes:
        return lambda message: True
    if not sys.stdin.isatty():
        return None

    def ask(message: str) -> bool:
        err_console.print(message, markup=False)
        return typer.confirm("", default=False)

    return ask


@command(app, "takes", summary="List the takes in the store with state, seed, QA and pick.", example="shotcraft takes examples/neo-noir/film.yaml --format json")
def takes_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    shot: str = typer.Option(None, "--shot", help="Only this shot."),
    check: bool = typer.Option(False, "--check", help="Also mark takes the plan has changed since they were rendered."),
    output_format: Format = format_option(),
) -> None:
    """List every take of PLAN's shots in plan order: state, source, seed, frames, QA verdict, pick."""
    from shotcraft.render.engine import stale_takes
    from shotcraft.render.reviews import review_cell, take_reviews
    from shotcraft.render.store import open_project

    plan = load_plan(plan_path)
    with files.read_only():  # a listing never creates, locks or changes anything
        project = open_project(plan, read_only=True)
        records = project.takes(shot)
        stale = stale_takes(plan) if check else set()
        reviews = take_reviews(project, records)
    if output_format == "json":
        echo_json([{**_take_dict(r), "review": reviews[(r.shot_id, r.label)], **({"stale": (r.shot_id, r.label) in stale} if check else {})} for r in records])
        return
    table = Table(show_edge=False, pad_edge=False)
    for column in ("shot", "take", "state", "source", "seed", "frames", "qa", "pick", "review", "key"):
        table.add_column(column)
    for r in records:
        qa = f"{r.qa['verdict']} {r.qa['score']:.2f}" if r.qa else "-"
        pick = f"* {r.pick_reason}" if r.picked else ""
        state = f"{r.state} (stale)" if (r.shot_id, r.label) in stale else r.state
        review = reviews[(r.shot_id, r.label)]
        pick = f"{pick} ({review['shot_state']})" if pick else ""
        table.add_row(r.shot_id, r.label, state, r.source, "-" if r.seed is None else str(r.seed), str(r.frames or "-"), qa, pick, escape(review_cell(review)), r.key[:12])
    console.print(table)
    if not records:
        what = "not rendered yet" if not project.rendered else "no takes yet"
        console.print(styled(f"{what}: run ", (f"shotcraft render {plan_path}", "bold")))
    elif stale:
        console.print(styled(f"{len(stale)} take(s) changed in the plan since rendered: run ", (f"shotcraft render {plan_path}", "bold")))
    for r in records:  # a remote create call that may have been received: how to resolve it
        if r.state == "submit-uncertain":
            console.print(f"{r.shot_id} {r.label}: submit-uncertain: {r.error}", markup=False)
    for r in records:  # where each imported take came from and how it was conformed
        provenance = r.provenance or {}
        if r.source == "import" and provenance:
            conformed = provenance.get("conformed", {})
            console.print(f"{r.shot_id} {r.label}: from {provenance.get('source') or provenance.get('file')}: {conformed.get('method', '')}", markup=False)
            for line in [*conformed.get("steps", []), *(f"warning: {w}" for w in conformed.get("warnings", []))]:
                console.print(f"    {line}", markup=False)


def _take_dict(r) -> dict:
    return {
        "shot": r.shot_id,
        "take": r.label,
        "state": r.state,
        "source": r.source,
        "key": r.key,
        "seed": r.seed,
        "frames": r.frames,
        "rate": str(r.rate) if r.rate is not None else None,
        "width": r.width,
        "height": r.height,
        "clip": str(r.clip_path) if r.clip_path else None,
        "keyframe": str(r.keyframe_path) if r.keyframe_path else None,
        "qa": r.qa,
        "picked": r.picked,
        "pick_reason": r.pick_reason,
        "error": r.error,
        "provenance": r.provenance if r.source == "import" else None,
    }


@command(app, "log", summary="Print one take's full settings log (prompts, seed, backend, versions).", example="shotcraft log examples/neo-noir/film.yaml s04 A")
def log_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    shot: str = typer.Argument(..., metavar="SHOT"),
    take: str = typer.Argument(..., metavar="TAKE"),
) -> None:
    """Print everything recorded to reproduce SHOT's TAKE: compiled prompts, settings, seed, model identity, library versions, timings."""
    from shotcraft.render.store import open_project

    with files.read_only():
        project = open_project(load_plan(plan_path), read_only=True)
        if not project.rendered:
            raise InputError(f"{plan_path}: not rendered yet (run `shotcraft render {plan_path}`)")
        log = project.settings_log(shot, take)
    typer.echo(json.dumps(log, indent=2, ensure_ascii=False))


@command(take_app, "add", summary="Import a clip made elsewhere (MP4/MOV/WebM/PNG sequence) as a take.", example="shotcraft take add examples/neo-noir/film.yaml s05 veo.mp4 --source 'Veo 3' --label C")
def take_add_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    shot: str = typer.Argument(..., metavar="SHOT"),
    file: str = typer.Argument(..., metavar="FILE", help="A video file, a folder of PNG frames, or a quoted glob ('frames/*.png')."),
    label: str = typer.Option(None, "--label", help="Take label (default: the next free letter)."),
    source: str = typer.Option(None, "--source", help="Where it came from: 'Runway Gen-4', 'ComfyUI graph v3'..."),
    seed: int = typer.Option(None, "--seed", help="The seed the other tool used, if known."),
    note: str = typer.Option(None, "--note"),
    fit: str = typer.Option("cover", "--fit", help="cover (fill, crop the overflow), contain (keep it all, pad) or crop (fill, keep --position)."),
    pad: str = typer.Option("black", "--pad", help="With --fit contain: blur, black, white, grey or #rrggbb."),
    position: str = typer.Option("center", "--position", help="With --fit crop: center, top, bottom, left, right, x,y (0-1) or face (follow the detected faces)."),
    fps: str = typer.Option(None, "--fps", help="Frame rate of a PNG sequence (default: the shot's)."),
    length: str = typer.Option("keep", "--length", help="A clip shorter than the shot: keep, hold (last frame) or slow (to fit)."),
) -> None:
    """Decode FILE, conform it to the film's resolution and the shot's fps, and store it as a take with its provenance."""
    from shotcraft.render.fit import parse_fit
    from shotcraft.render.imports import add_take
    from shotcraft.timebase import parse_rate

    try:
        rate = parse_rate(fps) if fps is not None else None
    except ValueError as exc:
        raise InputError(f"--fps: {exc}") from None
    record = add_take(load_plan(plan_path), shot, file, label=label, source=source, seed=seed, note=note,
                      fit=parse_fit(fit, pad, position), fps=rate, length=length)  # fmt: skip
    console.print(f"shot {record.shot_id}: take {record.label} added ({record.frames} frames at {record.rate} fps, {record.width}x{record.height})")
    conformed = (record.provenance or {}).get("conformed", {})
    for step in conformed.get("steps", []):
        console.print(f"  conform: {step}", markup=False)
    for warning in conformed.get("warnings", []):
        console.print(f"  warning: {warning}", markup=False)


@command(app, "pick", summary="Choose the take the cut uses for a shot.", example="shotcraft pick examples/neo-noir/film.yaml s04 B")
def pick_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    shot: str = typer.Argument(..., metavar="SHOT"),
    take: str = typer.Argument(None, metavar="TAKE", help="Take label; omit with --clear."),
    clear: bool = typer.Option(False, "--clear", help="Forget the pick (QA proposes again from its scores, else take A)."),
    force: bool = typer.Option(False, "--force", help="Pick a take that QA or a reviewer rejected."),
) -> None:
    """Pick TAKE for SHOT (a done take). Without a pick the cut uses the QA proposal, else take A.
    A take rejected by QA or in review needs --force."""
    from shotcraft.qa import picking
    from shotcraft.render.store import open_project

    project = open_project(load_plan(plan_path))
    if clear:
        picking.clear(project, shot)
    elif take is None:
        raise InputError("pick: give a TAKE label, or --clear")
    else:
        overridden = picking.pick(project, shot, take, force=force)
        if overridden is not None:
            console.print(f"warning: shot {shot}: take {take} was {overridden}; picked with --force", markup=False)
    current = project.picked_take(shot)
    console.print(f"shot {shot}: {'take ' + current.label + f' ({current.pick_reason})' if current else 'no done take yet'}")


@command(app, "gc", summary="Delete stored objects no current take uses (old renders).", example="shotcraft gc examples/neo-noir/film.yaml --dry-run")
def gc_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be deleted."),
) -> None:
    """Free disk space: remove objects of earlier renders that no take of the current plan uses (they re-render if needed)."""
    from shotcraft.render.store import open_project

    plan = load_plan(plan_path)
    if dry_run:
        with files.read_only():
            count, size = open_project(plan, read_only=True).collect_garbage(dry_run=True)
    else:
        count, size = open_project(plan).collect_garbage()
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {count} file(s) (old objects, stale QA cache), {size / 1e6:.1f} MB")


@command(app, "fsck", summary="Verify every stored object's hash; quarantine bad ones so they re-render.", example="shotcraft fsck examples/neo-noir/film.yaml")
def fsck_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only report; move nothing."),
) -> None:
    """Re-read every object of the store and check it hashes to its name. A bad object is moved to
    .shotcraft/quarantine/ and the jobs that made it go back to pending (the next render redoes them);
    exit 1 when anything was wrong."""
    from shotcraft.render.store import open_project

    plan = load_plan(plan_path)
    project = open_project(plan, read_only=dry_run) if dry_run else open_project(plan)
    if not project.rendered:
        console.print("not rendered yet: nothing to check")
        return
    report = project.fsck(repair=not dry_run)
    for line in report.lines():
        console.print(line, markup=False)
    if not report.ok:
        raise typer.Exit(1)


@command(app, "make", summary="Run every stage end to end and write DIR/manifest.json.", example="shotcraft make examples/neo-noir/film.yaml --out out/neo-noir")
def make_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    out: Path = typer.Option(..., "--out", help="Output folder for the deliverables."),
    jobs: int = typer.Option(None, "-j", "--jobs", min=1, help="Render worker processes (default: one per core, at most 4)."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No live progress (the closing lines still print)."),
    progress_mode: ProgressMode = typer.Option(ProgressMode.auto, "--progress", case_sensitive=False,
                                               help="auto (Rich on a terminal, plain lines otherwise), rich, plain, json (JSON lines on stderr) or none."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    executor: str = typer.Option("local", "--executor", help="local (worker processes here) or ray (a Ray cluster)."),
    address: str = typer.Option(None, "--address", help="With --executor ray: auto, ray://HOST:10001 or HOST:6379 (default: a local Ray)."),
    only: str = typer.Option(None, "--only", help="Deliver only these, comma-separated: master, web, vertical, feed, square, poster, contact-sheet, luts, otioz."),
    skip: str = typer.Option(None, "--skip", help="Leave these deliverables out while iterating (e.g. --skip master)."),
) -> None:
    """Render what changed, QA, cut, sound, finishing and the report; one line per stage with its time, then
    what needs your attention (QA rejects, risky picks, sound and grade warnings, files from an earlier cut) with the
    command to look at each."""
    from shotcraft.events import listen
    from shotcraft.pipeline import make
    from shotcraft.render.executor import default_jobs, executor_for

    chosen = progress_mode.value
    mode = "none" if quiet else ("plain" if no_progress and chosen == "auto" else chosen)
    runner = executor_for(executor, jobs=jobs or default_jobs(), address=address)
    view = ProgressView(mode)
    try:
        with listen(view):
            manifest = make(load_plan(plan_path), out, jobs=jobs, progress=mode in ("rich", "auto") and not no_progress,
                            executor=runner, only=only.split(",") if only else None,
                            skip=skip.split(",") if skip else None)  # fmt: skip
    finally:
        view.close()
    if quiet or mode == "json":
        return
    for line in deliverable_lines(manifest.entries, out):
        console.print(line, markup=False)
    attention = manifest.checks.get("attention") or []
    if attention:
        console.print(f"needs attention ({len(attention)}):", markup=False)
        for item in attention:
            console.print(f"  {item['message']}\n      {item['command']}", markup=False)
    console.print(f"manifest: {out / 'manifest.json'}", markup=False)


#: files of one kind in one folder listed one per line up to this many; more are one line (a film's 45 CDLs and
#: 45 editing media would otherwise push what needs attention off the screen after every make)
LISTED_ONE_PER_LINE = 3


def deliverable_lines(entries: list, out: Path) -> list[str]:
    """What `make` wrote, one line per file, or one line per kind and folder when it holds more than
    :data:`LISTED_ONE_PER_LINE` of them, in the manifest's order (where the kind first appears)."""
    groups: dict[tuple[str, Path], list[Path]] = {}
    for entry in entries:
        path = out / entry.path
        groups.setdefault((entry.kind, path.parent), []).append(path)
    width = max([12, *(len(kind) for kind, _ in groups)])  # one column, also past a long kind ("contact-sheet")
    lines = []
    for (kind, folder), paths in groups.items():
        if len(paths) <= LISTED_ONE_PER_LINE:
            lines += [f"  {kind:<{width}} {path}" for path in paths]
        else:
            lines.append(f"  {kind:<{width}} {len(paths)} files in {folder}{os.sep} ({paths[0].name} ... {paths[-1].name})")
    return lines
