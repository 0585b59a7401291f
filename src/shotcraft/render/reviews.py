"""Review state in the ledger: rejections, frame-pinned notes, review passes, sign-offs, checklist, production note.

What a reviewer decides in the studio lives beside the takes in the same
``ledger.sqlite`` (its own tables, created on first use), so ``shotcraft
takes`` lists it and the edit exports the notes as OTIO markers. The pick
itself is not here: it is the ledger's ``picks`` row, the same one
``shotcraft pick`` writes.

Rejections and notes belong to one rendering of a take (its clip key): a
re-rendered take starts clean, as its QA score does.

The rejection rule (the seeds: "if a major defect remains after 2 passes,
regenerate"): a *review pass* is recorded when every done take of a shot has
been rejected by the reviewer; one pass per distinct set of renderings. After
one pass with a major defect the shot needs a targeted correction; after
:data:`PASSES_BEFORE_REGENERATION` it is marked for regeneration, with the
reasons.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shotcraft.errors import InputError
from shotcraft.render.ledger import Ledger

PASSES_BEFORE_REGENERATION = 2
SEVERITIES = ("major", "minor")
ROLES = ("narrative", "visual")  # the two-reviewer rule: one judges the story, one the visual credibility
NOTE_MAX = 2000

#: the seeds' publication checklist (the same lines as shotcraft.qa.checklist measures; a test keeps them equal)
CHECKLIST = (
    "3 minimum consistent shots",
    "no major visible artifact",
    "natural skin texture",
    "stable motivated light",
    "contextualized sound",
    "clear narrative CTA if ad format",
    "validated mobile version",
    "archived source file",
)
#: the production note's three questions
NOTE_FIELDS = ("worked", "broke", "reuse")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS review_rejections (
    shot_id TEXT NOT NULL, label TEXT NOT NULL, clip_key TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('major', 'minor')), reason TEXT NOT NULL,
    reviewer TEXT, at REAL NOT NULL, PRIMARY KEY (shot_id, label, clip_key)
);
CREATE TABLE IF NOT EXISTS review_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, shot_id TEXT NOT NULL, label TEXT NOT NULL, clip_key TEXT NOT NULL,
    frame INTEGER NOT NULL, x REAL NOT NULL, y REAL NOT NULL, text TEXT NOT NULL, reviewer TEXT, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS review_notes_by_shot ON review_notes (shot_id, label);
CREATE TABLE IF NOT EXISTS review_passes (
    shot_id TEXT NOT NULL, renderings TEXT NOT NULL, major INTEGER NOT NULL, reasons TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (shot_id, renderings)
);
CREATE TABLE IF NOT EXISTS review_signoffs (
    shot_id TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('narrative', 'visual')), label TEXT NOT NULL,
    clip_key TEXT NOT NULL, reviewer TEXT, at REAL NOT NULL, PRIMARY KEY (shot_id, role)
);
CREATE TABLE IF NOT EXISTS review_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)
"""


@dataclass(frozen=True)
class Rejection:
    label: str
    clip_key: str
    severity: str
    reason: str
    reviewer: str | None


@dataclass(frozen=True)
class Note:
    id: int
    shot_id: str
    label: str
    clip_key: str
    frame: int
    x: float  # position in the frame, 0..1 from the left
    y: float  # 0..1 from the top
    text: str
    reviewer: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "shot": self.shot_id, "take": self.label, "frame": self.frame, "x": self.x, "y": self.y,
                "text": self.text, "reviewer": self.reviewer}  # fmt: skip


@dataclass(frozen=True)
class ShotReview:
    """Everything decided about one shot, and the state it puts the shot in."""

    shot_id: str
    state: str  # to review | picked | signed off | to correct | to regenerate
    reason: str
    rejections: tuple[Rejection, ...]
    passes: int
    signoffs: dict[str, str]  # role -> take label

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "reason": self.reason,
            "passes": self.passes,
            "rejected": {r.label: {"severity": r.severity, "reason": r.reason, "reviewer": r.reviewer} for r in self.rejections},
            "signoffs": dict(self.signoffs),
        }


class Reviews:
    """The review tables of one ledger. Every write is one short transaction."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._db = ledger._db  # the ledger's own connection: same file, same WAL, no second writer
        with ledger.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    # --- rejections --------------------------------------------------------------------------

    def reject(self, shot_id: str, label: str, clip_key: str, *, reason: str, severity: str = "major", reviewer: str | None = None) -> None:
        reason = _text(reason, "reason")
        if severity not in SEVERITIES:
            raise InputError(f"severity: expected one of {', '.join(SEVERITIES)}, found {severity!r}")
        with self.ledger.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO review_rejections (shot_id, label, clip_key, severity, reason, reviewer, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (shot_id, label, clip_key, severity, reason, reviewer, time.time()),
            )

    def unreject(self, shot_id: str, label: str, clip_key: str) -> None:
        with self.ledger.transaction() as db:
            db.execute("DELETE FROM review_rejections WHERE shot_id = ? AND label = ? AND clip_key = ?", (shot_id, label, clip_key))

    def rejections(self, shot_id: str, current: dict[str, str]) -> list[Rejection]:
        """Rejections of the current renderings (``current``: label -> clip key) of a shot."""
        rows = self._db.execute("SELECT * FROM review_rejections WHERE shot_id = ? ORDER BY label", (shot_id,))
        return [
            Rejection(row["label"], row["clip_key"], row["severity"], row["reason"], row["reviewer"])
            for row in rows
            if current.get(row["label"]) == row["clip_key"]
        ]

    # --- notes ---------------------------------------------------------------------------------

    def add_note(self, shot_id: str, label: str, clip_key: str, *, frame: int, x: float, y: float, text: str, reviewer: str | None = None) -> Note:
        text = _text(text, "note")
        if not isinstance(frame, int) or frame < 0:
            raise InputError(f"frame: expected a frame number >= 0, found {frame!r}")
        for name, value in (("x", x), ("y", y)):
            if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
                raise InputError(f"{name}: expected a position between 0 and 1, found {value!r}")
        with self.ledger.transaction() as db:
            cursor = db.execute(
                "INSERT INTO review_notes (shot_id, label, clip_key, frame, x, y, text, reviewer, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (shot_id, label, clip_key, frame, float(x), float(y), text, reviewer, time.time()),
            )
            note_id = int(cursor.lastrowid)
        return Note(note_id, shot_id, label, clip_key, frame, float(x), float(y), text, reviewer)

    def delete_note(self, note_id: int) -> bool:
        with self.ledger.transaction() as db:
            return db.execute("DELETE FROM review_notes WHERE id = ?", (note_id,)).rowcount > 0

    def notes(self, shot_id: str | None = None, current: dict[tuple[str, str], str] | None = None) -> list[Note]:
        """Notes in (shot, take, frame) order; with ``current`` ((shot, label) -> clip key) only those of current renderings."""
        if shot_id is None:
            rows = self._db.execute("SELECT * FROM review_notes ORDER BY shot_id, label, frame, id")
        else:
            rows = self._db.execute("SELECT * FROM review_notes WHERE shot_id = ? ORDER BY label, frame, id", (shot_id,))
        notes = [
            Note(row["id"], row["shot_id"], row["label"], row["clip_key"], row["frame"], row["x"], row["y"], row["text"], row["reviewer"])
            for row in rows
        ]
        if current is not None:
            notes = [n for n in notes if current.get((n.shot_id, n.label)) == n.clip_key]
        return notes

    # --- passes and the rejection rule ------------------------------------------------------------

    def record_pass_if_all_rejected(self, shot_id: str, current: dict[str, str]) -> bool:
        """Record a review pass when every current rendering of the shot is rejected (once per set of renderings)."""
        rejected = self.rejections(shot_id, current)
        if not current or {r.label for r in rejected} != set(current):
            return False
        renderings = json.dumps(sorted(current.items()))
        major = any(r.severity == "major" for r in rejected)
        reasons = "; ".join(f"{r.label}: {r.reason}" for r in rejected)
        with self.ledger.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO review_passes (shot_id, renderings, major, reasons, at) VALUES (?, ?, ?, ?, ?)",
                (shot_id, renderings, int(major), reasons, time.time()),
            )
        return cursor.rowcount > 0

    def passes(self, shot_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM review_passes WHERE shot_id = ? ORDER BY at", (shot_id,))
        return [{"major": bool(row["major"]), "reasons": row["reasons"], "at": row["at"]} for row in rows]

    # --- sign-offs (the two-reviewer rule) ------------------------------------------------------------

    def sign_off(self, shot_id: str, role: str, label: str, clip_key: str, *, reviewer: str | None = None) -> None:
        if role not in ROLES:
            raise InputError(f"role: expected one of {', '.join(ROLES)}, found {role!r}")
        with self.ledger.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO review_signoffs (shot_id, role, label, clip_key, reviewer, at) VALUES (?, ?, ?, ?, ?, ?)",
                (shot_id, role, label, clip_key, reviewer, time.time()),
            )

    def withdraw_sign_off(self, shot_id: str, role: str) -> None:
        with self.ledger.transaction() as db:
            db.execute("DELETE FROM review_signoffs WHERE shot_id = ? AND role = ?", (shot_id, role))

    def signoffs(self, shot_id: str, current: dict[str, str]) -> dict[str, str]:
        rows = self._db.execute("SELECT * FROM review_signoffs WHERE shot_id = ?", (shot_id,))
        return {row["role"]: row["label"] for row in rows if current.get(row["label"]) == row["clip_key"]}

    # --- film-level settings: two-reviewer rule, checklist, production note -------------------------------

    def _setting(self, name: str) -> Any:
        row = self._db.execute("SELECT value FROM review_settings WHERE name = ?", (name,)).fetchone()
        return json.loads(row["value"]) if row else None

    def _set(self, name: str, value: Any) -> None:
        with self.ledger.transaction() as db:
            db.execute("INSERT OR REPLACE INTO review_settings (name, value) VALUES (?, ?)", (name, json.dumps(value, sort_keys=True)))

    @property
    def two_reviewers(self) -> bool:
        return bool(self._setting("two_reviewers"))

    def set_two_reviewers(self, on: bool) -> None:
        self._set("two_reviewers", bool(on))

    def checklist(self) -> dict[str, bool]:
        ticked = self._setting("checklist") or {}
        return {item: bool(ticked.get(item)) for item in CHECKLIST}

    def tick(self, item: str, done: bool) -> None:
        if item not in CHECKLIST:
            raise InputError(f"checklist: no item {item!r} (items: {', '.join(CHECKLIST)})")
        ticked = self.checklist()
        ticked[item] = bool(done)
        self._set("checklist", ticked)

    def production_note(self) -> dict[str, str]:
        stored = self._setting("production_note") or {}
        return {name: str(stored.get(name, "")) for name in NOTE_FIELDS}

    def set_production_note(self, **fields: str) -> None:
        unknown = sorted(set(fields) - set(NOTE_FIELDS))
        if unknown:
            raise InputError(f"production note: unknown field(s) {', '.join(unknown)} (fields: {', '.join(NOTE_FIELDS)})")
        note = self.production_note()
        for name, value in fields.items():
            if not isinstance(value, str) or len(value) > NOTE_MAX:
                raise InputError(f"production note.{name}: expected text of at most {NOTE_MAX} characters")
            note[name] = value
        self._set("production_note", note)

    # --- the shot's state ----------------------------------------------------------------------------

    def shot_review(self, shot_id: str, current: dict[str, str], user_pick: str | None) -> ShotReview:
        """The state of a shot from its current renderings (label -> clip key) and the user's pick."""
        rejections = tuple(self.rejections(shot_id, current))
        passes = self.passes(shot_id)
        signoffs = self.signoffs(shot_id, current)
        rejected = {r.label for r in rejections}
        state, reason = decide_state(
            current=list(current), rejected=rejected, user_pick=user_pick,
            major_passes=sum(1 for p in passes if p["major"]), last_reasons=passes[-1]["reasons"] if passes else "",
            two_reviewers=self.two_reviewers, signoffs=signoffs,
        )  # fmt: skip
        return ShotReview(shot_id, state, reason, rejections, len(passes), signoffs)


def decide_state(
    *,
    current: Sequence[str],
    rejected: set[str],
    user_pick: str | None,
    major_passes: int,
    last_reasons: str,
    two_reviewers: bool,
    signoffs: dict[str, str],
) -> tuple[str, str]:
    """(state, reason) of a shot: the rejection rule, the pick, and the optional two-reviewer rule."""
    if current and rejected >= set(current):
        if major_passes >= PASSES_BEFORE_REGENERATION:
            return "to regenerate", f"major defect after {major_passes} passes: {last_reasons}"
        if major_passes:
            return "to correct", f"pass {major_passes} rejected: {last_reasons}; do a targeted correction pass"
        return "to review", "every take rejected for minor defects: pick the least bad or re-render"
    if user_pick is not None and user_pick in current and user_pick not in rejected:
        if not two_reviewers:
            return "picked", f"take {user_pick} picked"
        agreed = [signoffs.get(role) for role in ROLES]
        if all(label == user_pick for label in agreed):
            return "signed off", f"take {user_pick}: narrative and visual sign-offs agree"
        missing = [role for role, label in zip(ROLES, agreed, strict=True) if label != user_pick]
        return "picked", f"take {user_pick} picked; awaiting {' and '.join(missing)} sign-off"
    return "to review", "no pick yet"


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{name}: expected some text")
    if len(value) > NOTE_MAX:
        raise InputError(f"{name}: at most {NOTE_MAX} characters, found {len(value)}")
    return value.strip()


def current_renderings(project: Any, shot_id: str) -> dict[str, str]:
    """label -> clip key of a shot's done takes (what a review is about)."""
    return {t.label: t.key for t in project.takes(shot_id) if t.done}


def review_markers(project: Any) -> dict[tuple[str, str], list[Note]]:
    """(shot, take) -> the reviewer's notes on its current rendering, for the edit's OTIO markers.

    Projects without a ledger (the edit's stand-ins) have no notes.
    """
    ledger = getattr(project, "ledger", None)
    if not isinstance(ledger, Ledger):
        return {}
    current = {(t.shot_id, t.label): t.key for t in project.takes() if t.done}
    markers: dict[tuple[str, str], list[Note]] = {}
    for note in Reviews(ledger).notes(current=current):
        markers.setdefault((note.shot_id, note.label), []).append(note)
    return markers


def take_reviews(project: Any, records: Sequence[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(shot, take) -> what the reviewers decided about it, for ``shotcraft takes``: shot state, rejection, notes."""
    reviews = Reviews(project.ledger)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    shots: dict[str, ShotReview] = {}
    for record in records:
        if record.shot_id not in shots:
            current = {r.label: r.key for r in records if r.shot_id == record.shot_id and r.done}
            user_pick = project.ledger.pick(record.shot_id)
            shots[record.shot_id] = reviews.shot_review(record.shot_id, current, user_pick if user_pick in current else None)
        shot = shots[record.shot_id]
        rejection = next((r for r in shot.rejections if r.label == record.label), None)
        notes = [n for n in reviews.notes(record.shot_id) if n.label == record.label and n.clip_key == record.key]
        out[(record.shot_id, record.label)] = {
            "shot_state": shot.state,
            "reason": shot.reason,
            "rejected": {"severity": rejection.severity, "reason": rejection.reason} if rejection else None,
            "notes": len(notes),
            "signoffs": sorted(role for role, label in shot.signoffs.items() if label == record.label),
        }
    return out


def review_cell(review: dict[str, Any]) -> str:
    """One short line for the takes table."""
    parts = [f"rejected ({review['rejected']['severity']}): {review['rejected']['reason']}"] if review["rejected"] else []
    if review["notes"]:
        parts.append(f"{review['notes']} note(s)")
    if review["signoffs"]:
        parts.append("signed: " + ", ".join(review["signoffs"]))
    return "; ".join(parts) or "-"
