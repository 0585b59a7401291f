"""What the studio shows and does, as plain library calls (the web layer only turns them into HTTP).

Each thread gets its own :class:`~shotcraft.render.store.Project` (SQLite
connections are per thread); the plan is reloaded when film.yaml changes, so
an edited brief shows up on the next refresh. A pick is
``Project.set_pick``: the same ledger row ``shotcraft pick`` writes.
"""

from __future__ import annotations

import difflib
import re
import threading
from pathlib import Path
from typing import Any

from shotcraft.errors import InputError, ShotcraftError
from shotcraft.plan import LoadedPlan, load_plan
from shotcraft.render.reviews import ROLES, Reviews, current_renderings
from shotcraft.render.store import Project, TakeRecord, open_project

TAKE_ID = re.compile(r"^[0-9a-f]{16,128}$")  # a take is addressed by its clip key, never by a path


class NotFound(ShotcraftError):
    code = "not-found"


class StudioService:
    def __init__(self, plan_path: Path, *, reviewer: str | None = None) -> None:
        self.plan_path = Path(plan_path)
        self.reviewer = reviewer
        self._plan: LoadedPlan = load_plan(self.plan_path)
        self._plan_mtime = self.plan_mtime()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._objects: Any = None

    # --- plumbing ---------------------------------------------------------------------------------

    def plan_mtime(self) -> int:
        try:
            return self.plan_path.stat().st_mtime_ns
        except OSError:
            return 0

    @property
    def plan(self) -> LoadedPlan:
        mtime = self.plan_mtime()
        if mtime != self._plan_mtime:
            with self._lock:
                try:
                    self._plan, self._plan_mtime = load_plan(self.plan_path), mtime
                except ShotcraftError:
                    pass  # a half-saved plan: keep showing the last good one
        return self._plan

    @property
    def project(self) -> Project:
        plan = self.plan
        cached = getattr(self._local, "project", None)
        if cached is None or cached.plan is not plan:
            if cached is not None:
                cached.ledger.close()
            cached = open_project(plan)
            # one verified-hash memory for every thread: each object is hashed once per process, not per thread
            if self._objects is None or self._objects.folder != cached.objects.folder:
                self._objects = cached.objects
            cached.objects = self._objects
            self._local.project = cached
            self._local.reviews = Reviews(cached.ledger)
        return cached

    @property
    def reviews(self) -> Reviews:
        self.project
        return self._local.reviews

    @property
    def ledger_path(self) -> Path:
        return self.project.ledger.path

    def shot(self, shot_id: str) -> Any:
        for shot in self.plan.film.shots:
            if shot.id == shot_id:
                return shot
        raise NotFound(f"no shot {shot_id!r}")

    def take_by_id(self, take_id: str) -> TakeRecord:
        """A done take by its clip key; anything else (a path, '..', an unknown key) is NotFound."""
        if not TAKE_ID.match(take_id or ""):
            raise NotFound("no such take")
        for record in self.project.takes():
            if record.key == take_id and record.done:
                return record
        raise NotFound("no such take")

    def _take(self, shot_id: str, label: str) -> TakeRecord:
        self.shot(shot_id)
        record = self.project.take(shot_id, label)
        if record is None or not record.done:
            raise InputError(f"shot {shot_id}: no done take {label!r}")
        return record

    # --- reading -----------------------------------------------------------------------------------

    def outline(self) -> dict[str, Any]:
        """The film: its shots in film order with role, brief, verdict, QA, pick and review state."""
        plan, project, reviews = self.plan, self.project, self.reviews
        by_shot: dict[str, list[TakeRecord]] = {}
        for record in project.takes():
            by_shot.setdefault(record.shot_id, []).append(record)
        shots = []
        for index, shot in enumerate(plan.film.shots):
            takes = by_shot.get(shot.id, [])
            done = {t.label: t.key for t in takes if t.done}
            user_pick = project.ledger.pick(shot.id)
            review = reviews.shot_review(shot.id, done, user_pick if user_pick in done else None)
            picked = next((t for t in takes if t.picked), None)
            best = max((t for t in takes if t.qa), key=lambda t: t.qa["score"], default=None)
            shots.append({
                "id": shot.id,
                "index": index,
                "role": shot.role.value if shot.role is not None else None,
                "type": shot.type.value,
                "subject": shot.brief.subject,
                "duration": shot.duration,
                "takes": [t.label for t in takes],
                "done": len(done),
                "pick": picked.label if picked else None,
                "pick_reason": picked.pick_reason if picked else None,
                "verdict": picked.qa["verdict"] if picked and picked.qa else (best.qa["verdict"] if best else None),
                "score": picked.qa["score"] if picked and picked.qa else (best.qa["score"] if best else None),
                "review": review.to_dict(),
            })  # fmt: skip
        film = plan.film
        return {
            "title": film.production.title,
            "id": film.production.id,
            "fps": float(film.production.format.fps),
            "resolution": list(film.production.format.resolution),
            "mobile_aspect": film.delivery.mobile_aspect,
            "shots": shots,
            "two_reviewers": reviews.two_reviewers,
            "checklist": reviews.checklist(),
            "production_note": reviews.production_note(),
            "reviewer": self.reviewer,
        }

    def shot_detail(self, shot_id: str) -> dict[str, Any]:
        shot = self.shot(shot_id)
        project, reviews = self.project, self.reviews
        takes = project.takes(shot_id)
        done = {t.label: t.key for t in takes if t.done}
        user_pick = project.ledger.pick(shot_id)
        review = reviews.shot_review(shot_id, done, user_pick if user_pick in done else None)
        prompts = {t.label: _prompts_of(t) for t in takes}
        labels = [t.label for t in takes if t.done]
        return {
            "id": shot.id,
            "role": shot.role.value if shot.role is not None else None,
            "type": shot.type.value,
            "action": shot.action,
            "brief": {k: v for k, v in shot.brief.model_dump(mode="json").items() if v},
            "takes": [_take_view(t) for t in takes],
            "prompt_diff": prompt_diff(prompts, labels),
            "notes": [n.to_dict() for n in reviews.notes(shot_id, {(shot_id, k): v for k, v in done.items()})],
            "review": review.to_dict(),
            "user_pick": user_pick,
        }

    def context(self, shot_id: str) -> dict[str, Any]:
        """The shot between its neighbours as the cut shows them: picked takes, trimmed as the edit trims them."""
        from shotcraft.edit.build import build_timeline  # the studio sits above the edit: it asks it, never redoes it

        self.shot(shot_id)
        plan, project = self.plan, self.project
        try:
            events = build_timeline(plan, project).events
        except ShotcraftError as exc:
            raise InputError(f"shot {shot_id}: no cut to show it in yet ({exc})") from None
        index = next((k for k, e in enumerate(events) if e.shot_id == shot_id), None)
        if index is None:
            raise InputError(f"shot {shot_id}: not in the cut yet (no done take)")

        def part(event: Any) -> dict[str, Any]:
            take = project.take(event.shot_id, event.take)
            return {"shot": event.shot_id, "take": event.take, "id": take.key if take else None, "start": event.source_in, "frames": event.duration}

        return {
            "previous": part(events[index - 1]) if index > 0 else None,
            "current": part(events[index]),
            "next": part(events[index + 1]) if index + 1 < len(events) else None,
        }

    # --- deciding -------------------------------------------------------------------------------------

    def pick(self, shot_id: str, label: str | None) -> None:
        self.shot(shot_id)
        if label is None:
            self.project.clear_pick(shot_id)
        else:
            self.project.set_pick(shot_id, label)

    def reject(self, shot_id: str, label: str, *, reason: str, severity: str) -> dict[str, Any]:
        take = self._take(shot_id, label)
        self.reviews.reject(shot_id, label, take.key, reason=reason, severity=severity, reviewer=self.reviewer)
        if self.project.ledger.pick(shot_id) == label:
            self.project.clear_pick(shot_id)  # a rejected take is not the user's pick any more
        recorded = self.reviews.record_pass_if_all_rejected(shot_id, current_renderings(self.project, shot_id))
        return {"pass_recorded": recorded}

    def unreject(self, shot_id: str, label: str) -> None:
        take = self._take(shot_id, label)
        self.reviews.unreject(shot_id, label, take.key)

    def add_note(self, shot_id: str, label: str, *, frame: int, x: float, y: float, text: str) -> dict[str, Any]:
        take = self._take(shot_id, label)
        if take.frames is not None and not 0 <= frame < take.frames:
            raise InputError(f"frame: take {label} has frames 0..{take.frames - 1}, found {frame}")
        return self.reviews.add_note(shot_id, label, take.key, frame=frame, x=x, y=y, text=text, reviewer=self.reviewer).to_dict()

    def delete_note(self, note_id: int) -> None:
        if not self.reviews.delete_note(note_id):
            raise NotFound(f"no note {note_id}")

    def sign_off(self, shot_id: str, role: str, label: str | None) -> None:
        if role not in ROLES:
            raise InputError(f"role: expected one of {', '.join(ROLES)}, found {role!r}")
        if label is None:
            self.reviews.withdraw_sign_off(shot_id, role)
            return
        take = self._take(shot_id, label)
        self.reviews.sign_off(shot_id, role, label, take.key, reviewer=self.reviewer)

    def set_two_reviewers(self, on: bool) -> None:
        self.reviews.set_two_reviewers(on)

    def tick(self, item: str, done: bool) -> None:
        self.reviews.tick(item, done)

    def set_production_note(self, fields: dict[str, str]) -> None:
        self.reviews.set_production_note(**fields)


def _prompts_of(take: TakeRecord) -> dict[str, str]:
    prompts = (take.settings or {}).get("prompts") or {}
    out = {name: prompts.get(name) for name in ("keyframe_prompt", "clip_prompt", "keyframe_negative", "clip_negative")}
    out["varies"] = prompts.get("varies")
    out["variable_value"] = prompts.get("variable_value")
    if take.provenance:
        out["source"] = take.provenance.get("source")
        out["note"] = take.provenance.get("note")
    return {k: v for k, v in out.items() if v is not None}


def _take_view(take: TakeRecord) -> dict[str, Any]:
    return {
        "label": take.label,
        "id": take.key if take.done else None,
        "state": take.state,
        "source": take.source,
        "seed": take.seed,
        "frames": take.frames,
        "rate": float(take.rate) if take.rate else None,
        "width": take.width,
        "height": take.height,
        "picked": take.picked,
        "pick_reason": take.pick_reason,
        "error": take.error,
        "qa": take.qa and {"verdict": take.qa["verdict"], "score": take.qa["score"], "flags": take.qa["flags"]},
        "provenance": take.provenance and {k: take.provenance.get(k) for k in ("source", "note")},
    }


_WORDS = re.compile(r"\S+|\s+")


def prompt_diff(prompts: dict[str, dict[str, str]], labels: list[str]) -> dict[str, Any]:
    """Each take's prompts cut into segments, ``changed`` where it differs from the first take (word by word).

    The seeds change one variable per iteration: the highlight shows which one did (the seed, which is
    not in the text, is reported apart by ``varies``).
    """
    if not labels:
        return {"base": None, "takes": {}}
    base = labels[0]
    out: dict[str, Any] = {}
    for label in labels:
        fields: dict[str, list[dict[str, Any]]] = {}
        for name in ("keyframe_prompt", "clip_prompt", "keyframe_negative", "clip_negative"):
            text = prompts.get(label, {}).get(name)
            if text is None:
                continue
            other = prompts.get(base, {}).get(name) or ""
            fields[name] = _segments(other, text) if label != base else [{"text": text, "changed": False}]
        out[label] = {"fields": fields, "varies": prompts.get(label, {}).get("varies"),
                      "value": prompts.get(label, {}).get("variable_value"), "source": prompts.get(label, {}).get("source")}  # fmt: skip
    return {"base": base, "takes": out}


def _segments(old: str, new: str) -> list[dict[str, Any]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    segments: list[dict[str, Any]] = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if j1 == j2:
            continue
        text = "".join(b[j1:j2])
        changed = tag != "equal"
        if segments and segments[-1]["changed"] == changed:
            segments[-1]["text"] += text
        else:
            segments.append({"text": text, "changed": changed})
    return segments

