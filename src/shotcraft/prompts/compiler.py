"""Compile a shot's take into the exact text each generator receives.

``compile_take`` is the contract the render engine relies on: same plan,
same families, same options -> the same bytes, on any machine (no set
iteration, no locale, numbers formatted explicitly). Take specs (label,
seed, the one varied variable) come from :func:`shotcraft.plan.resolve.resolve_shot`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from shotcraft.errors import InputError
from shotcraft.plan.resolve import ResolvedShot, TakeSpec, resolve_shot
from shotcraft.plan.schema import Film, Shot
from shotcraft.prompts.base import Family, PromptOptions
from shotcraft.prompts.budgets import budget, fit, target_for
from shotcraft.prompts.families import DEFAULT_CLIP_FAMILY, DEFAULT_KEYFRAME_FAMILY, family
from shotcraft.prompts.ingredients import format_number, gather
from shotcraft.prompts.negatives import NegativeTerm, conflicts, negative_plan
from shotcraft.prompts.tokens import estimate_tokens

#: bump when the same plan compiles to different text (settings logs record it)
COMPILER_VERSION = "2"


@dataclass(frozen=True)
class CompiledTake:
    """The four prompts of one take, what sets the take apart, and what to look at."""

    shot_id: str
    take: str
    keyframe_family: str
    clip_family: str
    keyframe_prompt: str
    keyframe_negative: str
    clip_prompt: str
    clip_negative: str
    varies: str  # "seed", "motion", "cfg" or "prompt": the one variable across this shot's takes
    variable_value: str | None  # this take's value of it, formatted ("1234", "0.45", the variant text)
    token_estimate: int  # estimated CLIP tokens of the keyframe prompt (see shotcraft.prompts.tokens)
    warnings: tuple[str, ...]
    #: (term, source) for every negative term, in negative-prompt order
    negative_sources: tuple[tuple[str, str], ...] = ()
    keyframe_budget: str = ""  # "sdxl: 150 CLIP tokens"
    clip_budget: str = ""
    #: what the budgets left out, least important first: "keyframe: texture (light film grain)"
    dropped: tuple[str, ...] = ()
    #: negative terms left out because they name what the shot shows
    negatives_dropped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in field order."""
        out: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in ("warnings", "dropped", "negatives_dropped"):
                value = list(value)
            elif field.name == "negative_sources":
                value = [{"term": term, "source": source} for term, source in value]
            out[field.name] = value
        return out


def compile_take(
    film: Film,
    shot_id: str,
    take_label: str,
    *,
    keyframe_family: str | None = None,
    clip_family: str | None = None,
    options: PromptOptions | None = None,
    keyframe_target: str | None = None,
    clip_target: str | None = None,
) -> CompiledTake:
    """Compile one take of one shot. Unknown shot, take or family -> InputError."""
    # 1. Check inputs.
    shot, index = _find_shot(film, shot_id)
    families = _families(keyframe_family, clip_family)
    resolved = resolve_shot(film, shot, index)
    take = next((spec for spec in resolved.takes if spec.label == take_label), None)
    if take is None:
        known = ", ".join(spec.label for spec in resolved.takes)
        raise InputError(f"shot {shot_id}: no take {take_label!r} (takes: {known})")
    # 2. Compile.
    return _compile(film, resolved, take, families, options or PromptOptions(), (keyframe_target, clip_target))


def compile_shot(
    film: Film,
    shot_id: str,
    *,
    keyframe_family: str | None = None,
    clip_family: str | None = None,
    options: PromptOptions | None = None,
    keyframe_target: str | None = None,
    clip_target: str | None = None,
) -> list[CompiledTake]:
    """Every take of one shot, in label order."""
    shot, index = _find_shot(film, shot_id)
    families = _families(keyframe_family, clip_family)
    resolved = resolve_shot(film, shot, index)
    targets = (keyframe_target, clip_target)
    return [_compile(film, resolved, take, families, options or PromptOptions(), targets) for take in resolved.takes]


def compile_plan(
    film: Film,
    *,
    keyframe_family: str | None = None,
    clip_family: str | None = None,
    options: PromptOptions | None = None,
    keyframe_target: str | None = None,
    clip_target: str | None = None,
) -> list[CompiledTake]:
    """Every shot x take, in plan order. ``*_target``: a budget of :data:`shotcraft.prompts.budgets.BUDGETS`
    (default: from the shot's model, else the family's)."""
    families = _families(keyframe_family, clip_family)
    options = options or PromptOptions()
    compiled = []
    for index, shot in enumerate(film.shots):
        resolved = resolve_shot(film, shot, index)
        compiled.extend(_compile(film, resolved, take, families, options, (keyframe_target, clip_target)) for take in resolved.takes)
    return compiled


def _find_shot(film: Film, shot_id: str) -> tuple[Shot, int]:
    for index, shot in enumerate(film.shots):
        if shot.id == shot_id:
            return shot, index
    known = ", ".join(shot.id for shot in film.shots)
    raise InputError(f"no shot {shot_id!r} in the plan (shots: {known})")


def _families(keyframe_family: str | None, clip_family: str | None) -> tuple[Family, Family]:
    return family(keyframe_family or DEFAULT_KEYFRAME_FAMILY), family(clip_family or DEFAULT_CLIP_FAMILY)


def _compile(
    film: Film,
    resolved: ResolvedShot,
    take: TakeSpec,
    families: tuple[Family, Family],
    options: PromptOptions,
    targets: tuple[str | None, str | None] = (None, None),
) -> CompiledTake:
    keyframe_family, clip_family = families
    shot = resolved.shot
    # 1. Gather the family-neutral ingredients.
    parts = gather(film, shot, take)
    # 2. Word them per family, within each family's budget (least important ingredients dropped first).
    keyframe_budget = budget(targets[0] or target_for(keyframe_family.name, resolved.keyframe_model))
    clip_budget = budget(targets[1] or target_for(clip_family.name, resolved.clip_model))
    keyframe_fit = fit(parts, lambda p: keyframe_family.keyframe(p, options), keyframe_budget)
    clip_fit = fit(parts, lambda p: clip_family.clip(p, options), clip_budget)
    keyframe_prompt, clip_prompt = keyframe_fit.text, clip_fit.text
    # 3. Negatives: one term list (with sources) for both prompts, worded per family; a term
    #    that names what the shot shows is dropped for this shot, with a note.
    positive = keyframe_prompt + "\n" + clip_prompt
    plan = negative_plan(film, shot, positive)
    terms = plan.kept
    term_texts = [term.term for term in terms]
    keyframe_negative = keyframe_family.negative(term_texts)
    clip_negative = clip_family.negative(term_texts)
    finish_notes: list[str] = []
    if keyframe_family.finish is not None:
        keyframe_prompt, keyframe_negative, notes = keyframe_family.finish(parts, "keyframe", keyframe_prompt, keyframe_negative)
        finish_notes += notes
    if clip_family.finish is not None:
        clip_prompt, clip_negative, notes = clip_family.finish(parts, "clip", clip_prompt, clip_negative)
        finish_notes += notes
    dropped = [f"{label}: {name} ({text})" for label, fitted in (("keyframe", keyframe_fit), ("clip", clip_fit)) for name, text in fitted.dropped]

    # 3. What the director should look at: length, negations, contradictions, missing values.
    warnings: list[str] = []
    warnings += keyframe_family.check(parts, "keyframe prompt", keyframe_prompt)
    warnings += keyframe_family.check(parts, "keyframe negative", keyframe_negative)
    warnings += clip_family.check(parts, "clip prompt", clip_prompt)
    warnings += clip_family.check(parts, "clip negative", clip_negative)
    warnings += _conflict_warnings(shot.id, terms, positive)
    warnings += [dropped_term.note(shot.id) for dropped_term in plan.dropped]
    warnings += finish_notes
    for label, fitted, limit in (("keyframe prompt", keyframe_fit, keyframe_budget), ("clip prompt", clip_fit, clip_budget)):
        if fitted.dropped:
            names = ", ".join(name for name, _text in fitted.dropped)
            warnings.append(f"shot {shot.id} take {take.label}: {label} fits {limit.describe()} only without: {names}")
        if fitted.over:
            warnings.append(
                f"shot {shot.id} take {take.label}: {label} is ~{fitted.size} {limit.unit}, over {limit.describe()} "
                "even without place, light and texture: shorten the subject, action or beats"
            )
    for beat in parts.repeated_beats:
        warnings.append(f"shot {shot.id}: the trigger at {format_number(beat.at)} s is already in the action; said once")
    if resolved.seed is None:
        warnings.append(f"shot {shot.id}: no seed (none set and derive_seeds is off): takes cannot be reproduced")
    value = _variable_value(resolved, take)
    if value is None and take.varies != "seed":
        warnings.append(f"shot {shot.id} take {take.label}: takes vary {take.varies} but this take has no value")
    return CompiledTake(
        shot_id=shot.id,
        take=take.label,
        keyframe_family=keyframe_family.name,
        clip_family=clip_family.name,
        keyframe_prompt=keyframe_prompt,
        keyframe_negative=keyframe_negative,
        clip_prompt=clip_prompt,
        clip_negative=clip_negative,
        varies=take.varies,
        variable_value=value,
        token_estimate=estimate_tokens(keyframe_prompt),
        warnings=tuple(_unique(warnings)),
        negative_sources=tuple((term.term, term.source) for term in terms),
        keyframe_budget=keyframe_budget.describe(),
        clip_budget=clip_budget.describe(),
        dropped=tuple(dropped),
        negatives_dropped=tuple(dropped_term.note(shot.id) for dropped_term in plan.dropped),
    )


def _variable_value(resolved: ResolvedShot, take: TakeSpec) -> str | None:
    """This take's value of the varied variable; None when the plan gives none."""
    shot = resolved.shot
    if take.varies == "seed":
        return None if resolved.seed is None else str(take.seed)
    values = list(shot.takes.values) if shot.takes is not None else []
    number = ord(take.label) - ord("A")
    if number >= len(values):
        return None
    if take.varies == "motion":
        return format_number(take.motion)
    if take.varies == "cfg":
        return format_number(take.cfg)
    return take.prompt_variant


def _conflict_warnings(shot_id: str, terms: tuple[NegativeTerm, ...], positive: str) -> list[str]:
    sources = {term.term: term.source for term in terms}
    return [
        f"shot {shot_id}: the positive prompt says {term!r}, also a negative term ({sources[term]}): "
        "CLIP and T5 read the word, not the negation around it"
        for term in conflicts(terms, positive)
    ]


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
