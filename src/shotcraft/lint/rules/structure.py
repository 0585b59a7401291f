"""5xx: delivery and structure: shot count, roles and arc, ad CTA, takes discipline."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shotcraft.lint.context import LintContext
from shotcraft.lint.registry import Edit, Hit, Severity, rule
from shotcraft.lint.vocab import vocabulary
from shotcraft.plan import presets
from shotcraft.plan.presets import ROLE_ORDER
from shotcraft.plan.spelling import MANNER_WORDS

MIN_SHOTS = 3


@rule(
    "SC501",
    "too-few-shots",
    Severity.ERROR,
    lesson="Pro publication checklist: 3 minimum consistent shots",
    summary="a film with fewer than 3 shots",
)
def too_few_shots(ctx: LintContext) -> Iterator[Hit]:
    if len(ctx.shots) < MIN_SHOTS:
        yield Hit(
            ("shots",),
            f"{len(ctx.shots)} shot(s); a sequence needs at least {MIN_SHOTS} consistent shots",
            "plan at least setup, tension and consequence shots",
        )


@rule(
    "SC502",
    "shot-without-role",
    Severity.WARNING,
    lesson="Absent structure: each shot must have a mission",
    summary="a shot with no role in the arc",
)
def shot_without_role(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        if shot.role is None:
            yield Hit(
                ctx.shot_path(index),
                f"shot {shot.id} has no role (setup, tension, decision or consequence)",
                "give it a role, or cut it: a shot that adds neither information nor emotion dilutes the film",
                shot.id,
            )


@rule(
    "SC503",
    "incomplete-arc",
    Severity.WARNING,
    lesson="Step 5, narrative editing: setup, tension, decision, consequence",
    summary="an arc missing one of setup, tension, decision or consequence",
)
def incomplete_arc(ctx: LintContext) -> Iterator[Hit]:
    arc = ctx.film.production.arc
    missing = [role.value for role in ROLE_ORDER if not getattr(arc, role.value)]
    if missing:
        yield Hit(
            ("production", "arc"),
            f"the arc has no {' or '.join(missing)} line",
            "write one line each for setup, tension, decision and consequence",
        )
    roles = {shot.role for shot in ctx.shots if shot.role is not None}
    if roles:  # shots without any role are SC502's business
        absent = [role.value for role in ROLE_ORDER if role not in roles]
        if absent:
            yield Hit(
                ("shots",),
                f"no shot plays the {' or '.join(absent)} part of the arc",
                "give at least one shot each role; a film without a consequence ends on nothing",
            )


@rule(
    "SC504",
    "roles-out-of-order",
    Severity.WARNING,
    lesson="Step 5, narrative editing (the structure runs in order)",
    summary="a shot whose role goes back in the arc",
)
def roles_out_of_order(ctx: LintContext) -> Iterator[Hit]:
    furthest, furthest_shot = -1, None
    for index, shot in enumerate(ctx.shots):
        if shot.role is None:
            continue
        position = ROLE_ORDER.index(shot.role)
        if position < furthest:
            yield Hit(
                ctx.shot_path(index, "role"),
                f"shot {shot.id} plays {shot.role.value} after shot {furthest_shot} already reached {ROLE_ORDER[furthest].value}",
                "reorder the shots, or correct the role",
                shot.id,
            )
        elif position > furthest:
            furthest, furthest_shot = position, shot.id


@rule(
    "SC505",
    "ad-without-call-to-action",
    Severity.ERROR,
    lesson="Pro publication checklist: clear narrative CTA if ad format",
    summary="an ad whose last shot is not a call to action",
    vocabularies=("call_to_action",),
)
def ad_without_call_to_action(ctx: LintContext) -> Iterator[Hit]:
    if ctx.film.production.kind != "ad" or not ctx.shots:
        return
    index = len(ctx.shots) - 1
    words = vocabulary("call_to_action")
    if not any(words.find(text.value) for text in ctx.prompt_texts(index)):
        shot = ctx.shots[index]
        yield Hit(
            ctx.shot_path(index),
            f"ad ends on shot {shot.id}, which is no call to action",
            "end on a visual CTA: a packshot or end card with the product and the one thing to do",
            shot.id,
        )


@rule(
    "SC506",
    "too-many-kept-takes",
    Severity.WARNING,
    lesson="Step 4, strict selection: 1 version A, 1 version B maximum",
    summary="more than two kept versions of a shot",
)
def too_many_kept_takes(ctx: LintContext) -> Iterator[Hit]:
    limit = presets.MAX_KEPT_TAKES
    defaults_takes = ctx.film.defaults.takes
    if defaults_takes > limit:
        yield Hit(
            ("defaults", "takes"), f"every shot keeps {defaults_takes} takes by default", f"takes: {limit} (A and B)",
            edits=(Edit(("defaults", "takes"), "set", limit),),
        )
    for index, shot in enumerate(ctx.shots):
        takes = shot.takes
        if takes is None:
            continue
        if takes.keep is not None and takes.keep > limit:
            path = ctx.shot_path(index, "takes", "keep")
            yield Hit(path, f"shot {shot.id} keeps {takes.keep} takes", f"keep: {limit}", shot.id, edits=(Edit(path, "set", limit),))
        elif takes.keep is None and takes.count > limit and ctx.explicit(ctx.shot_path(index, "takes")):
            yield Hit(
                ctx.shot_path(index, "takes"),
                f"shot {shot.id} renders {takes.count} takes and keeps them all",
                f"set takes.keep: {limit} (explore, then lock A and B)",
                shot.id,
                edits=(Edit(ctx.shot_path(index, "takes"), "set", {**takes.model_dump(mode="json", exclude_defaults=True), "count": takes.count, "keep": limit}),),
            )


def _clauses(variant: str) -> list[str]:
    return [re.sub(r"\s+", " ", part.strip().lower()) for part in re.split(r"[,;]", variant) if part.strip()]


def _differences(first: list[str], second: list[str]) -> int:
    if len(first) == len(second):
        return sum(a != b for a, b in zip(first, second))
    return max(len(set(first) - set(second)), len(set(second) - set(first)))


@rule(
    "SC507",
    "takes-vary-several-variables",
    Severity.WARNING,
    lesson="Testing everything at the same time: one variable per iteration",
    summary="takes of one shot that differ in more than one thing",
)
def takes_vary_several_variables(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        takes = shot.takes
        if takes is None or takes.vary != "prompt" or len(takes.values) < 2:
            continue
        variants = [_clauses(str(value)) for value in takes.values]
        worst = max(_differences(variants[0], other) for other in variants[1:])
        if worst > 1:
            yield Hit(
                ctx.shot_path(index, "takes", "values"),
                f"shot {shot.id}: prompt variants differ in {worst} places; you will not know which change helped",
                "change one clause per variant (or vary seed, motion or cfg alone)",
                shot.id,
            )


#: the five answers to set "before generating a single pixel", as the seed words them
INTENTION_QUESTIONS = {
    "feeling": "what the character feels",
    "understanding": "what the viewer must understand",
    "light_source": "where the dominant light source is",
    "camera_movement": "which camera movement is plausible",
    "emotional_detail": "which visual detail carries the emotion",
}


@rule(
    "SC508",
    "incomplete-intention",
    Severity.WARNING,
    lesson="The real starting point: set these 5 answers",
    summary="an intention missing some of its five answers",
)
def incomplete_intention(ctx: LintContext) -> Iterator[Hit]:
    intention = ctx.film.intention
    missing = [question for field, question in INTENTION_QUESTIONS.items() if not getattr(intention, field)]
    if missing:
        yield Hit(
            ("intention",),
            f"the intention does not say {'; '.join(missing)}",
            "answer all five before generating: vague answers give a vague render",
        )


@rule(
    "SC509",
    "unused-lint-ignore",
    Severity.INFO,
    lesson="(linter hygiene, like ruff's unused-noqa)",
    summary="a lint_ignore entry that silences nothing",
)
def unused_lint_ignore(ctx: LintContext) -> Iterator[Hit]:
    return iter(())  # computed by the runner, which knows what was silenced


def _spellings(ctx: LintContext, index: int) -> Iterator[tuple[tuple, str, str]]:
    """(path, as written, canonical) for each vocabulary value of a shot the plan spells another way."""
    raw = ctx.plan.raw.get("shots", [])
    if index >= len(raw) or not isinstance(raw[index], dict):
        return
    shot, written = ctx.shots[index], raw[index]
    candidates = [(("type",), written.get("type"), shot.type), (("role",), written.get("role"), shot.role)]
    camera = written.get("camera")
    if isinstance(camera, str):
        candidates.append((("camera",), camera, shot.camera.move))
    elif isinstance(camera, dict):
        candidates.append((("camera", "move"), camera.get("move"), shot.camera.move))
    if isinstance(written.get("end_frame"), dict) and shot.end_frame is not None:
        candidates.append((("end_frame", "type"), written["end_frame"].get("type"), shot.end_frame.type))
    for fields, as_written, value in candidates:
        if isinstance(as_written, str) and value is not None and as_written != value.value:
            yield ctx.shot_path(index, *fields), as_written, value.value


@rule(
    "SC510",
    "non-canonical-spelling",
    Severity.INFO,
    lesson="(plan hygiene: the seeds' spellings are understood, and the plan says which value was read)",
    summary="a shot type, camera move or role written another way than its canonical value",
)
def non_canonical_spelling(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        for path, as_written, canonical in _spellings(ctx, index):
            manner = [word for word in as_written.casefold().split()[:-1] if word in MANNER_WORDS]
            speed = f" ({' '.join(manner)!r}: a move's speed is the shot's motion strength, not its name)" if manner else ""
            yield Hit(
                path,
                f"shot {shot.id}: {as_written!r} read as {canonical!r}{speed}",
                f"write {canonical!r}",
                shot.id,
                edits=(Edit(path, "set", canonical),),
            )
