"""`shotcraft make`: every stage that exists, in order, writing DIR/manifest.json after each.

The step list below is the whole chain in one place (only this module and
the CLI know it). A step that fails stops the make with its own one-line
error; the manifest written so far says which step failed.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from shotcraft.errors import InputError, RenderError, refuse_in_a_starting_worker
from shotcraft.fsutil import sweep_stale_temps, write_json
from shotcraft.manifest import Manifest, ManifestEntry
from shotcraft.plan.loader import LoadedPlan
from shotcraft import events, files
from shotcraft.render.keys import canonical, code_identity, job_key

T = TypeVar("T")
S = TypeVar("S")


@dataclass
class MakeContext:
    plan: LoadedPlan
    out_dir: Path
    manifest: Manifest
    jobs: int  # decided once by make(): render workers, and from two the finish's lanes and the cut beside it
    progress: bool
    state: dict[str, Any]  # what a stage hands to the next (the timeline, the render report)
    stage: events.Stage | None = None  # the running step's progress handle
    executor: Any = None  # a render Executor (Ray...); None: local worker processes
    record_lock: threading.RLock = field(default_factory=threading.RLock)  # the step record, for steps running at once


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[MakeContext], None]
    #: with two jobs or more the step runs on a worker beside the steps after it, and is done before this one starts
    until: str | None = None


def _render(ctx: MakeContext) -> None:
    from shotcraft.render.engine import render_plan

    report = render_plan(ctx.plan, jobs=ctx.jobs, progress=ctx.progress, executor=ctx.executor)
    ctx.state["render"] = report
    ctx.manifest.checks["render"] = report.to_dict()
    _summary(ctx, f"{len(report.rendered)} job(s) rendered, {len(report.cached)} cached, {len(report.failed)} failed",
             reused=not report.rendered and not report.failed)  # fmt: skip
    if not report.ok:
        first = report.failed[0]
        raise RenderError(
            f"{len(report.failed)} render job(s) failed, first: shot {first.shot_id} take {first.take}: {first.error}"
        )


def _qa(ctx: MakeContext) -> None:
    """Score every take; the proposals it records drive the picks the cut uses (a user's pick wins)."""
    from shotcraft.qa.run import run_qa
    from shotcraft.render.store import open_project

    # scored here, written once by the report step (with the checklist closed) and only when it changed
    result = run_qa(ctx.plan, open_project(ctx.plan), jobs=ctx.jobs)
    ctx.state["qa"] = result
    ctx.manifest.checks["qa"] = result.summary()
    takes = [take for shot in result.shots for take in shot.takes]
    rejects = sum(1 for take in takes if take.report.verdict == "reject")
    _summary(ctx, f"{len(takes)} take(s) scored, {rejects} rejected")


def _edit(ctx: MakeContext) -> None:
    """Decide the cut (picks, trims, transitions, handles, or a conformed edit): the timeline sound is laid on."""
    from shotcraft.edit.build import build_timeline
    from shotcraft.render.store import open_project

    project = open_project(ctx.plan)
    # one reading of the store: the picks the cut takes, and the attention list's (nothing in the make changes them after)
    picked = ctx.state["picks"] = {record.shot_id: (record.label, record.pick_reason) for record in project.takes() if record.picked}
    missing = [s.id for s in ctx.plan.film.shots if s.id not in picked]
    if missing:
        raise InputError(f"{ctx.plan.file}: no done take to cut for shot(s) {', '.join(missing)} (run `shotcraft render`)")
    # the cut QA checked continuity on, built from the same picks a moment ago (else built here)
    timeline = ctx.state["timeline"] = getattr(ctx.state.get("qa"), "timeline", None) or build_timeline(ctx.plan, project)
    _summary(ctx, f"{len(timeline.events)} shot(s), {timeline.seconds:.1f} s")


def _cut(ctx: MakeContext) -> None:
    """Write the hand-off: media folder, rough cut with the mix, timelines with the mix and stems.

    It runs after sound (which needs only the timeline) so the rough cut is encoded once with its
    sound, never re-muxed in place, and every timeline can point at the mix and stems. Nothing later
    reads what it writes: with two jobs it runs beside the finish (one encode lane each on a one-shot edit).
    """
    from shotcraft.edit.export import export_cut
    from shotcraft.media.video import probe
    from shotcraft.render.store import open_project

    timeline = ctx.state["timeline"]
    bundle = "otioz" in ctx.state["kinds"]
    sound = [("mix", ctx.state["mix"])] + [(e.extra.get("name", Path(e.path).stem), ctx.out_dir / e.path) for e in ctx.state.get("stems", [])]
    # the takes are content-addressed, so the timeline's data names every input pixel; the sound by its bytes
    inputs = {"step": "cut", "timeline": timeline_key_data(timeline), "sound": [(name, _output_sha(ctx, path)) for name, path in sound],
              "media": ctx.plan.film.delivery.editing_media, "shotcraft": code_identity()}  # fmt: skip
    key = job_key({**inputs, "bundle": bundle})
    entries = _reuse(ctx, "cut", key)
    _summary(ctx, f"{len(timeline.events)} shot(s), {timeline.seconds:.1f} s", reused=entries is not None)
    if entries is None:
        # its own reading of the store (the studio's review markers): a store connection belongs to one thread
        cut = export_cut(ctx.plan, open_project(ctx.plan, read_only=True), ctx.out_dir, timeline=timeline, sound=sound, bundle=bundle)
        info = probe(cut.rough_cut)
        entries = [ManifestEntry("rough-cut", ctx.manifest.relative(cut.rough_cut), duration=info.duration, frames=info.frames, codec=info.codec)]
        for kind, path in cut.interchange.items():
            entries.append(ManifestEntry(kind, ctx.manifest.relative(path), duration=timeline.seconds, frames=timeline.duration))
        entries += [ManifestEntry("media", ctx.manifest.relative(path), codec=ctx.plan.film.delivery.editing_media) for path in cut.media]
        _left_out(ctx, "cut", job_key(inputs), entries)
        _remember(ctx, "cut", key, entries)
    else:
        _left_out(ctx, "cut", job_key(inputs), entries)
    for entry in entries:
        ctx.manifest.add(entry)
    _draw_qa_pictures(ctx)


def _draw_qa_pictures(ctx: MakeContext) -> None:
    """The QA report's take pictures, drawn by the cut's lane once the cut is written, beside the finish's encodes: a
    one-shot edit's cut ends seconds before the finish, whose side lane drew them last, alone with the master's
    assembly and check (its lane shares the takes through :func:`_picture_claims`). Only ahead of time: a take this
    fails to draw is drawn, or its error raised, by the report step."""
    from shotcraft.qa.report import draw_pictures

    if ctx.state.get("qa") is None:
        return
    try:
        draw_pictures(ctx.state["qa"], ctx.out_dir / "qa", claim=_picture_claims(ctx))
    except Exception:  # noqa: BLE001 - the report step draws what is missing and says why it cannot
        return


def _picture_claims(ctx: MakeContext) -> Callable[[str], bool]:
    """The make's one claim on each take's pictures: True for the first lane that asks for a key, False after."""
    with ctx.record_lock:
        if "picture_claims" not in ctx.state:
            lock, taken = threading.Lock(), set()

            def claim(key: str) -> bool:
                with lock:
                    fresh = key not in taken
                    taken.add(key)
                    return fresh

            ctx.state["picture_claims"] = claim
        return ctx.state["picture_claims"]


def _sound(ctx: MakeContext) -> None:
    """Lay and mix the sound on the cut: ambience per location, cues, music, dialogue, to loudness targets."""
    timeline = ctx.state["timeline"]
    key = job_key({"step": "sound", "timeline": _sound_view(ctx, timeline), "sound": sound_key_data(ctx.plan),
                   "platforms": [p.value for p in ctx.plan.film.production.platforms], "shotcraft": code_identity()})  # fmt: skip
    entries = _reuse(ctx, "sound", key)
    _summary(ctx, "mix and stems", reused=entries is not None)
    if entries is None:
        from shotcraft.sound.mix import mix_film  # scipy's import alone is seconds: only when mixing

        result = mix_film(ctx.plan, timeline, ctx.out_dir / "sound")
        entries = result.manifest_entries(ctx.out_dir)
        _remember(ctx, "sound", key, entries, checks=result.to_dict(ctx.out_dir))
    ctx.state["mix"] = ctx.out_dir / next(e.path for e in entries if e.kind == "mix")
    ctx.state["stems"] = [e for e in entries if e.kind == "stem"]
    ctx.manifest.checks["sound"] = _state_of(ctx)["sound"]["checks"]
    for entry in entries:
        ctx.manifest.add(entry)


def _sound_view(ctx: MakeContext, timeline: Any) -> dict[str, Any]:
    """What the mix reads of the cut: timing, shots and locations; the takes' pictures only matter
    when their own sound is mixed (production sound), so a re-rendered picture does not re-mix."""
    production = ctx.plan.film.sound.production_sound
    return {"rate": str(timeline.rate), "events": [
        {"shot": e.shot_id, "record_in": e.record_in, "duration": e.duration, "source_in": e.source_in, "planned_in": e.planned_in, "location": e.location,
         "transition": [e.transition, e.transition_frames], "audio_offset": e.audio_offset_frames,
         "take": files.content_sha256(e.clip_path, "video", where=f"shot {e.shot_id}") if production else None}
        for e in timeline.events]}  # fmt: skip


def _finish(ctx: MakeContext) -> None:
    """Grade across shots (baked LUTs + grain), then master, distribution, mobile, stills, each conformance-checked."""
    from shotcraft.deliver.deliver import deliver
    from shotcraft.grade.export import export_grade
    from shotcraft.grade.plan import plan_grade
    from shotcraft.qa.graded import graded_cut_checks
    from shotcraft.qa.report import draw_pictures

    film, timeline, mix = ctx.plan.film, ctx.state["timeline"], ctx.state.get("mix")
    kinds = tuple(k for k in ctx.state["kinds"] if k != "otioz")  # the bundle is the cut's
    inputs = {"step": "finish", "timeline": timeline_key_data(timeline), "grade": _without(film.grade.model_dump(mode="json"), "look"),
              "shot_grades": {s.id: s.grade.model_dump(mode="json") for s in film.shots},
              "texture": film.charters.texture.model_dump(mode="json"), "delivery": film.delivery.model_dump(mode="json"),
              "reframe": {s.id: s.reframe.model_dump(mode="json") for s in film.shots},
              "look": files.content_sha256(ctx.plan.resolve_path(film.grade.look), "look", where=f"{ctx.plan.file}: grade.look")
                      if film.grade.look else None,
              "mix": _output_sha(ctx, mix) if mix else None, "shotcraft": code_identity()}  # fmt: skip
    key = job_key({**inputs, "kinds": kinds})
    entries = _reuse(ctx, "finish", key)
    reused = entries is not None
    if entries is None:
        if ctx.stage is not None:
            ctx.stage.note("grading")
        grade_plan = ctx.state["grade_plan"] = plan_grade(ctx.plan, timeline)
        if ctx.stage is not None:
            ctx.stage.note("encoding deliverables (grade files, graded cuts and QA charts beside)")

        def grade_files(stop: threading.Event) -> list[ManifestEntry]:
            written = export_grade(grade_plan, timeline, ctx.out_dir, film.production.id, title=film.production.title)  # CDL, graded EDL, report
            # the QA report's cuts judged as graded and its takes' pictures, made now and cached for the report step
            graded_cut_checks(ctx.plan, timeline, grade_plan.with_own_tables(), cache_dir=ctx.out_dir / "qa", stop=stop)
            draw_pictures(ctx.state["qa"], ctx.out_dir / "qa", stop=stop, claim=_picture_claims(ctx))
            return written

        entries, grade_entries = _beside(
            lambda: deliver(ctx.plan, timeline, grade_plan, ctx.out_dir, None, audio=mix, kinds=kinds, jobs=min(ctx.jobs, 2)), grade_files)
        entries += grade_entries
        _left_out(ctx, "finish", job_key(inputs), entries)
        _remember(ctx, "finish", key, entries, checks=grade_plan.report(), hash_later=True)
    else:
        _left_out(ctx, "finish", job_key(inputs), entries)
    ctx.manifest.checks["grade"] = _record(ctx, "finish")["checks"]
    _summary(ctx, f"{len(entries)} deliverable(s)", reused=reused)
    conformance = {e.path: e.extra["conformance"].get("ok") for e in entries if "conformance" in e.extra}
    ctx.manifest.checks["conformance"] = conformance
    for entry in entries:
        ctx.manifest.add(entry)
    failed = [path for path, ok in conformance.items() if not ok]
    if failed:
        raise RenderError(f"conformance failed for {', '.join(failed)} (see manifest.json checks)")


def _beside(work: Callable[[], T], side: Callable[[threading.Event], S]) -> tuple[T, S]:
    """``work()`` here while ``side(stop)`` runs on a worker thread; both results once both are done.

    The finish step's encodes and stream copies are ffmpeg's work; Python's (the grade's files, the QA report's graded
    cuts and pictures) runs beside them on the core a one-shot edit leaves idle. When ``work`` fails or the wait is
    interrupted (Ctrl-C), ``stop`` is set and the error is raised once the side work has ended; the side's own failure
    is raised after ``work`` ends.
    """
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shotcraft-beside") as lane:
        future = lane.submit(contextvars.copy_context().run, side, stop)  # the make's hash cache and event stage
        try:
            result = work()
            return result, future.result()
        except BaseException:  # Ctrl-C while waiting for the side work too
            stop.set()
            raise


def _report(ctx: MakeContext) -> None:
    """Close the QA report with what the later stages measured (graded cuts, loudness, deliverables' conformance)."""
    from shotcraft.qa.checklist import close_checklist
    from shotcraft.qa.report import write_plan_report

    from shotcraft.qa.graded import grade_continuity

    result = ctx.state["qa"]
    # keyed before the expensive part: the QA data as scored, and the keys of the steps whose results close it
    # (finish: grade and conformance; sound: loudness). Paths inside the film's folder are made relative.
    scored = json.dumps(result.to_dict(), default=str, sort_keys=True).replace(str(ctx.plan.root), "<film>")
    key = job_key({"step": "report", "qa": scored, "finish": _record(ctx, "finish").get("key"),
                   "sound": _record(ctx, "sound").get("key"), "shotcraft": code_identity()})  # fmt: skip
    entries = _reuse(ctx, "report", key)
    _summary(ctx, "QA report and checklist", reused=entries is not None)
    if entries is None:
        grade_continuity(result, ctx.plan, ctx.state.get("timeline"), ctx.state.get("grade_plan"), cache_dir=ctx.out_dir / "qa")  # cuts judged as graded
        result.checklist = close_checklist(result.checklist, sound=ctx.manifest.checks.get("sound"),
                                           conformance=ctx.manifest.checks.get("conformance"))  # fmt: skip
        html, data = write_plan_report(result, ctx.out_dir / "qa")
        entries = [ManifestEntry("qa-report", ctx.manifest.relative(html)), ManifestEntry("qa-json", ctx.manifest.relative(data))]
        _remember(ctx, "report", key, entries, checks=result.checklist)
    else:
        result.checklist = _state_of(ctx)["report"]["checks"] or result.checklist  # as closed last time
    for entry in entries:
        ctx.manifest.add(entry)
    ctx.manifest.checks["checklist"] = {item["item"]: item["status"] for item in result.checklist}
    _attention(ctx)


def _attention(ctx: MakeContext) -> None:
    """What needs the filmmaker's eyes (rejects, risky picks, sound and grade warnings), each with its command."""
    from shotcraft.attention import attention_items

    items = attention_items(ctx.plan.path, ctx.out_dir, ctx.manifest.checks, ctx.state.get("qa"), ctx.state["picks"])
    ctx.manifest.checks["attention"] = [item.to_dict() for item in items]
    # one event for front ends that keep the stream (JSON lines); the CLI prints the list itself at the end
    events.emit(events.Event("summary", "note", f"{len(items)} item(s) need attention",
                             data={"items": [item.to_dict() for item in items]}))  # fmt: skip


def _run_step(ctx: MakeContext, step: Step) -> str:
    """``step`` inside its progress stage; its outcome ("done", or "reused" when its inputs did not change)."""
    with events.stage(step.name) as ctx.stage:
        step.run(ctx)
    return ctx.stage.outcome


def _ended(ctx: MakeContext, name: str, outcome: str) -> None:
    ctx.manifest.checks["stages"][name] = "done"
    if outcome == "reused":
        ctx.manifest.checks["reused"].append(name)
    ctx.manifest.write(progress=True)


@dataclass
class _Running:
    """A step running on the make's worker (:attr:`Step.until`)."""

    step: Step
    ctx: MakeContext  # the make's, with a manifest of its own: merged into the make's at `at` once done
    at: int
    started: float
    future: Future[str] = field(init=False)
    seconds: float = 0.0


def _started(ctx: MakeContext, step: Step, lane: ThreadPoolExecutor) -> _Running:
    own = replace(ctx, manifest=Manifest(ctx.out_dir, ctx.manifest.title, ctx.manifest.plan), stage=None)
    running = _Running(step, own, len(ctx.manifest.entries), time.perf_counter())

    def work() -> str:
        try:
            return _run_step(own, step)
        finally:
            running.seconds = time.perf_counter() - running.started

    running.future = lane.submit(contextvars.copy_context().run, work)  # the make's hash cache
    return running


def _joined(ctx: MakeContext, running: _Running) -> None:
    """Wait for a step on the worker; its entries take its place among the make's (the manifest reads in step order)."""
    name = running.step.name
    try:
        outcome = running.future.result()
    except BaseException:
        ctx.manifest.checks["stages"][name] = "failed"
        raise
    finally:
        ctx.manifest.checks["stage_seconds"][name] = round(running.seconds, 3)
    ctx.manifest.merge(running.ctx.manifest, at=running.at)
    _ended(ctx, name, outcome)


def _summary(ctx: MakeContext, text: str, *, reused: bool = False) -> None:
    """The step's one-line summary (and whether it reused its last result) for the closing event."""
    if ctx.stage is None:
        return
    ctx.stage.finish(text)
    if reused:
        ctx.stage.reused(f"{text} (unchanged, reused)")


# --- step reuse: a step whose inputs are unchanged and whose outputs are intact is not redone ---

STATE_FILE = ".shotcraft-make.json"


def _load_state(out_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _state_of(ctx: MakeContext) -> dict[str, Any]:
    """The make's record of its steps, read once per make (the steps' reuse checks and results read it often)."""
    with ctx.record_lock:
        if "make_record" not in ctx.state:
            ctx.state["make_record"] = _load_state(ctx.out_dir)
        return ctx.state["make_record"]


def _reuse(ctx: MakeContext, step: str, key: str) -> list[ManifestEntry] | None:
    """The entries a previous make wrote for this step, if its key matches and every file hashes as recorded."""
    record = _state_of(ctx).get(step)
    if not record or record.get("key") != key:
        return None
    for relative, digest in record.get("files", {}).items():
        path = ctx.out_dir / relative
        if not path.is_file() or _output_sha(ctx, path) != digest:
            return None
    return [ManifestEntry(kind=e["kind"], path=e["path"], duration=e.get("duration"), frames=e.get("frames"),
                          codec=e.get("codec"), extra=e.get("extra", {})) for e in record["entries"]]  # fmt: skip


def _remember(ctx: MakeContext, step: str, key: str, entries: list[ManifestEntry], *, checks: Any = None,
              hash_later: bool = False) -> None:  # fmt: skip
    """Record what ``step`` wrote (its key, checks, entries and each file's sha256) in the make's step record.

    ``hash_later``: the files are hashed on a worker thread while the next steps run and the record is written when
    they are (:func:`_settle`, at the make's end; the finish's videos are found in the hash cache, hashed by `deliver`
    beside their conformance check). Until then the step has no record, on disk or here: a make stopped before is not reused.
    """
    record = {"key": key, "checks": checks,
              "entries": [{"kind": e.kind, "path": e.path, "duration": e.duration, "frames": e.frames, "codec": e.codec, "extra": e.extra}
                          for e in entries]}  # fmt: skip
    state = _state_of(ctx)
    if hash_later:
        with ctx.record_lock:
            state.pop(step, None)  # an earlier make's record of this step no longer describes the folder
            if "hashing" not in ctx.state:
                ctx.state["hashing"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shotcraft-hash")
            digests = ctx.state["hashing"].submit(contextvars.copy_context().run, _digests, ctx, entries)
            ctx.state.setdefault("pending", {})[step] = (record, digests)
        return
    digests = _digests(ctx, entries)
    with ctx.record_lock:
        state[step] = {**record, "files": digests}
        write_json(ctx.out_dir / STATE_FILE, state, compact=True)


def _digests(ctx: MakeContext, entries: list[ManifestEntry]) -> dict[str, str]:
    return {e.path: _output_sha(ctx, ctx.out_dir / e.path) for e in entries}


def _record(ctx: MakeContext, step: str) -> dict[str, Any]:
    """The step's record in this make: still being hashed (pending), or in the step record; empty if neither."""
    pending = ctx.state.get("pending", {}).get(step)
    return pending[0] if pending else (_state_of(ctx).get(step) or {})


def _settle(ctx: MakeContext, *, failed: bool) -> None:
    """Write the records of the steps whose files were hashed in the background (once hashed); stop the worker.

    After a failed step the steps that succeeded are still recorded (their files are whole); a hashing error is then
    dropped (the step is done again next time) so the step's own error is the one raised."""
    with ctx.record_lock:
        pending = ctx.state.pop("pending", {})
        hashing = ctx.state.pop("hashing", None)
    try:
        state = _state_of(ctx)
        for step, (record, digests) in pending.items():
            try:
                result = digests.result()
            except Exception:
                if not failed:
                    raise
                continue
            with ctx.record_lock:
                state[step] = {**record, "files": result}
        if pending:
            with ctx.record_lock:
                write_json(ctx.out_dir / STATE_FILE, state, compact=True)
    finally:
        if hashing is not None:
            hashing.shutdown(wait=True)


def _left_out(ctx: MakeContext, step: str, shows: str, entries: list[ManifestEntry]) -> None:
    """Name the files an earlier make wrote for ``step`` from other inputs and this make did not write (a kind it
    skipped, a shot no longer in the film): they stay in the folder, listed under ``checks.stale`` and on the
    attention list, never taken for this cut. ``shows``: the key of the step's inputs, whatever was chosen."""
    with ctx.record_lock:
        written = _state_of(ctx).setdefault("written", {})  # output path -> [step, the inputs it shows]
        for entry in entries:
            written[entry.path] = [step, shows]
        current = {entry.path for entry in entries}
        stale = ctx.manifest.checks.setdefault("stale", [])
        for path, (owner, inputs) in sorted(written.items()):
            if owner != step or path in current:
                continue
            if not (ctx.out_dir / path).is_file():
                del written[path]  # removed since: nothing to name
            elif inputs != shows:
                stale.append(path)
        stale.sort()  # the same list whichever step ended first


def _output_sha(ctx: MakeContext, path: Path) -> str:
    """An output's hash through the persistent cache: a warm make stats its outputs, it does not re-read them."""
    return files.content_sha256(path, "output", where=f"{ctx.out_dir}")


def _without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


def timeline_key_data(timeline: Any) -> Any:
    """The cut as a key holds it: every event's take by its content (store objects are named by their sha256)."""
    from dataclasses import asdict

    events = []
    for event in timeline.events:
        data = {k: v for k, v in asdict(event).items() if k != "clip_path"}
        data["clip"] = _clip_identity(Path(event.clip_path))
        events.append(data)
    # conformed_from is where an .otio was read: the events already hold what it said
    data = {k: v for k, v in asdict(timeline).items() if k not in ("events", "conformed_from")}
    data["events"] = events
    return canonical(data, where="timeline")


def _clip_identity(path: Path) -> str:
    name = path.name.split(".", 1)[0]
    if len(name) == 64 and all(c in "0123456789abcdef" for c in name):
        return name  # a store object: its name is its content hash
    return files.content_sha256(path, "video", where="timeline")


def sound_key_data(plan: LoadedPlan) -> Any:
    """The sound section with every file it names replaced by the file's content hash (paths move, bytes count)."""
    sound = plan.film.sound.model_dump(mode="json")
    where = f"{plan.file}: sound"

    def hashed(item: dict[str, Any], field: str) -> dict[str, Any]:
        value = item.get("file")
        if value is None:
            return item
        sha = files.content_sha256(plan.resolve_path(Path(value)), "audio", where=f"{where}.{field}.file")
        return {**item, "file": {"sha256": sha}}

    sound["ambience"] = {k: hashed(v, f"ambience.{k}") for k, v in (sound.get("ambience") or {}).items()}
    sound["cues"] = [hashed(c, f"cues[{i}]") for i, c in enumerate(sound.get("cues") or [])]
    sound["dialogue"] = [hashed(d, f"dialogue[{i}]") for i, d in enumerate(sound.get("dialogue") or [])]
    if sound.get("music"):
        sound["music"] = hashed(sound["music"], "music")
    return sound


#: the whole chain, in order
STEPS: list[Step] = [
    Step("render", _render),
    Step("qa", _qa),
    Step("edit", _edit),
    Step("sound", _sound),
    Step("cut", _cut, until="report"),
    Step("finish", _finish),
    Step("report", _report),
]


@contextlib.contextmanager
def _older_objects_left_alone():
    """Python's cyclic garbage collector skips what existed before the make (imported modules, a long-lived process's
    earlier work) until it ends: each full collection walked all of it, 0.05-0.09 s with every thread stopped, one or
    two per one-shot edit (measured). What the make allocates is collected as usual; afterwards all of it is again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def make(plan: LoadedPlan, out_dir: str | Path, *, jobs: int | None = 1, progress: bool = True, executor: Any = None,
         only: list[str] | None = None, skip: list[str] | None = None) -> Manifest:  # fmt: skip
    """Run every stage that exists on ``plan``; deliverables and manifest.json land in ``out_dir``.

    ``only`` / ``skip``: deliverable kinds (or aliases: web, vertical) to make or leave out while iterating.
    ``jobs``: render workers; from two, the finish encodes in two lanes and the cut runs beside it. None: one per core
    (at most 4), as `shotcraft make` without ``-j``.
    """
    from shotcraft.outputs import check_output_folder
    from shotcraft.render.executor import default_jobs

    refuse_in_a_starting_worker("make")
    jobs = jobs or default_jobs()  # the one place the default is decided (0 and None alike, as the render took them)
    out_dir = check_output_folder(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    sweep_stale_temps(out_dir)  # what a killed make left behind
    manifest = Manifest(out_dir=out_dir, title=plan.film.production.title, plan=str(plan.path))
    from shotcraft.deliver.deliver import select_kinds

    # the deliverables, decided once (before any stage runs, so a bad --only/--skip fails naming the option)
    ctx = MakeContext(plan, out_dir, manifest, jobs, progress, {"kinds": select_kinds(plan.film, only, skip)}, executor)
    stages: dict[str, str] = {}
    timings: dict[str, float] = {}  # seconds per stage (wall clock)
    manifest.checks["stages"] = stages
    manifest.checks["stage_seconds"] = timings
    reused: list[str] = []
    manifest.checks["reused"] = reused
    beside = jobs > 1
    running: dict[str, _Running] = {}  # steps on the worker, by name
    with _older_objects_left_alone(), files.project_hashes(plan.root / files.PROJECT_FOLDER), \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="shotcraft-step") as lane:
        try:
            for step in STEPS:
                for name in [name for name, r in running.items() if r.step.until == step.name]:
                    _joined(ctx, running.pop(name))
                stages[step.name] = "running"
                timings[step.name] = 0.0  # its place in the order, whichever thread ends it
                if step.until and beside:
                    running[step.name] = _started(ctx, step, lane)
                    continue
                started = time.perf_counter()
                try:
                    outcome = _run_step(ctx, step)
                except BaseException:
                    stages[step.name] = "failed"
                    raise
                finally:
                    timings[step.name] = round(time.perf_counter() - started, 3)
                _ended(ctx, step.name, outcome)
            for name in list(running):
                _joined(ctx, running.pop(name))
        except BaseException:
            for name in list(running):  # a step beside the failed one ends first (its work, if whole, is kept)
                with contextlib.suppress(BaseException):
                    _joined(ctx, running.pop(name))
            try:
                _settle(ctx, failed=True)  # first: the finished steps' checksums go into the manifest
            finally:
                manifest.write()
            raise
        ctx.stage = None
        _settle(ctx, failed=False)
    manifest.write()
    return manifest
