"""6xx: backend capabilities: each shot checked against what the backends it names can do.

The rules read only declared capabilities (:mod:`shotcraft.backends.capabilities`):
the backend object comes from the registry, its ``capabilities`` (refined for the
model where the backend says so) and, for a remote service, its
``provider_capabilities``. No weights are loaded and no service is called; a
model named by hub id without a ``family`` is judged on the backend's general
capabilities (telling its family would need the hub). A backend that cannot be
loaded here is reported once (SC601) and the other 6xx rules skip it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from shotcraft.backends.capabilities import (
    capabilities_of,
    clip_handle_frames,
    frame_count_allowed,
    nearest_frame_count,
    provider_capabilities_of,
)
from shotcraft.backends.protocol import Capabilities
from shotcraft.backends.registry import available_backends, get_backend
from shotcraft.backends.remote.durations import requested_duration
from shotcraft.backends.remote.protocol import ProviderCapabilities
from shotcraft.errors import ShotcraftError
from shotcraft.lint.context import LintContext
from shotcraft.lint.registry import Edit, Hit, Path_, Severity, rule
from shotcraft.plan.frame import round_size
from shotcraft.plan.model_paths import anchored_model
from shotcraft.plan.resolve import ResolvedShot
from shotcraft.timebase import format_rate, frames_to_seconds

ROLES = ("keyframe", "clip")


@dataclass(frozen=True)
class Side:
    """One backend as one shot uses it (its keyframe or its clip)."""

    role: str  # "keyframe" or "clip"
    name: str
    path: Path_  # where the plan names it (the shot's field, the defaults', or the shot itself)
    shot_level: bool  # named by the shot itself (not inherited from the defaults)
    capabilities: Capabilities | None  # None: the backend cannot be loaded here
    provider: ProviderCapabilities | None
    problem: str | None = None


def _load(ctx: LintContext, name: str) -> tuple[Any, str | None]:
    """The backend object, or why it cannot be had here (unknown, unimportable, not a backend)."""

    def load() -> tuple[Any, str | None]:
        try:
            return get_backend(name), None
        except ShotcraftError as exc:
            return None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a third-party backend's own import or constructor failure
            return None, f"backend {name!r} fails to load ({type(exc).__name__}: {exc})"

    return ctx.memo(("backend", name), load)


def _model_for_capabilities(ctx: LintContext, model: Any) -> Any:
    """The model as capabilities may read it without the network: local paths anchored, hub ids only with a family."""
    if model is None or (model.path is None and not model.family):
        return None
    return anchored_model(ctx.plan, model)


def side(ctx: LintContext, index: int, role: str) -> Side:
    return ctx.memo(("side", index, role), lambda: _side(ctx, index, role))


def _side(ctx: LintContext, index: int, role: str) -> Side:
    resolved = ctx.resolved[index]
    shot = resolved.shot
    name = resolved.keyframe_backend if role == "keyframe" else resolved.clip_backend
    own = ctx.shot_path(index, role, "backend")
    defaults = ("defaults", role, "backend")
    if ctx.explicit(own):
        path, shot_level = own, True
    elif shot.still is not None and name == "stills":
        path, shot_level = ctx.shot_path(index, "still"), True
    elif ctx.explicit(defaults):
        path, shot_level = defaults, False
    else:  # the built-in default: said on each shot
        path, shot_level = ctx.shot_path(index), True
    backend, problem = _load(ctx, name)
    if backend is None:
        return Side(role, name, path, shot_level, None, None, problem)
    model = resolved.keyframe_model if role == "keyframe" else resolved.clip_model
    try:
        capabilities = capabilities_of(backend, _model_for_capabilities(ctx, model))
    except ShotcraftError:  # a model problem is render's to report; judge the backend's general abilities
        capabilities = backend.capabilities
    return Side(role, name, path, shot_level, capabilities, provider_capabilities_of(backend))


def _sides(ctx: LintContext, *roles: str) -> Iterator[tuple[int, ResolvedShot, Side]]:
    """(shot index, resolved shot, side) for every loadable backend a shot uses in ``roles``."""
    for index, resolved in enumerate(ctx.resolved):
        for role in roles:
            found = side(ctx, index, role)
            if found.capabilities is not None:
                yield index, resolved, found


def _once(hits: Iterator[tuple[Side, Hit]]) -> Iterator[Hit]:
    """A finding about a backend the defaults name is said once, at the defaults, not on every shot."""
    seen: set[tuple[Path_, str]] = set()
    for found, hit in hits:
        if found.shot_level:
            yield hit
            continue
        key = (found.path, found.name + found.role)
        if key not in seen:
            seen.add(key)
            yield Hit(found.path, hit.message, hit.fix, None, edits=hit.edits)


def _who(resolved: ResolvedShot, found: Side, *, film_level: bool = False) -> str:
    if film_level and not found.shot_level:
        return f"the {found.role} backend {found.name!r}"
    return f"shot {resolved.id}: the {found.role} backend {found.name!r}"


def _seconds(value: float | Fraction) -> str:
    return f"{float(value):g} s"


# --- the backend itself -------------------------------------------------------------------


@rule(
    "SC601",
    "backend-unavailable",
    Severity.ERROR,
    lesson="Step 3, choose the tools before the shots: a plan names backends it can run",
    summary="a shot's keyframe or clip backend that is unknown, or cannot be loaded here",
)
def backend_unavailable(ctx: LintContext) -> Iterator[Hit]:
    def hits() -> Iterator[tuple[Side, Hit]]:
        for index, resolved in enumerate(ctx.resolved):
            for role in ROLES:
                found = side(ctx, index, role)
                if found.problem is None:
                    continue
                problem = found.problem.split(": ", 1)[1] if found.problem.startswith("shot ") else found.problem
                yield found, Hit(
                    found.path,
                    f"{_who(resolved, found, film_level=True)} cannot be used here: {problem}",
                    "install the package that declares it (entry point group 'shotcraft.backends'), or name one of: "
                    + ", ".join(available_backends()),
                    resolved.id,
                )

    yield from _once(hits())


# --- local capabilities -------------------------------------------------------------------


def _clip_frames(resolved: ResolvedShot, capabilities: Capabilities) -> tuple[int, int]:
    """(frames requested from the clip backend, handle frames each side), as render.jobs asks for them."""
    handles = clip_handle_frames(resolved, capabilities)
    return resolved.frames + 2 * handles, handles


@rule(
    "SC602",
    "frame-count-not-allowed",
    Severity.WARNING,
    lesson="Part 4, clip length: a model generates the frame counts it was trained on",
    summary="a clip whose frame count (duration and handles at the shot's rate) the backend's frame rule does not allow",
)
def frame_count_not_allowed(ctx: LintContext) -> Iterator[Hit]:
    for index, resolved, found in _sides(ctx, "clip"):
        capabilities = found.capabilities
        assert capabilities is not None
        rule_text = capabilities.frame_counts
        frames, handles = _clip_frames(resolved, capabilities)
        if frame_count_allowed(rule_text, frames):
            continue
        nearest = nearest_frame_count(rule_text, frames)
        # the fix shortens to the allowed count below: lengthening could push a shot past the seed's 3-5 s
        shorter = max((n for n in range(1, frames) if frame_count_allowed(rule_text, n) and n > 2 * handles), default=None)
        target = shorter if shorter is not None else nearest
        duration = round(float(frames_to_seconds(target - 2 * handles, resolved.fps)), 4)
        with_handles = f" with {handles} handle frames each side" if handles else ""
        yield Hit(
            ctx.shot_path(index, "duration"),
            f"{_who(resolved, found)} makes clips of {rule_text} frames; {_seconds(resolved.shot.duration)} at "
            f"{format_rate(resolved.fps)} fps{with_handles} is {frames} frames, not one of them (the nearest is "
            f"{nearest}): the clip is conformed to the plan",
            f"set the duration to {duration:g} s ({target} frames), or accept the conform",
            resolved.id,
            edits=(Edit(ctx.shot_path(index, "duration"), "set", duration),),
        )


@rule(
    "SC603",
    "rate-not-native",
    Severity.INFO,
    lesson="Part 4, clip settings: 24 fps; a model trained at another rate is conformed",
    summary="a clip rate the backend or service does not generate at natively (the clip is conformed)",
)
def rate_not_native(ctx: LintContext) -> Iterator[Hit]:
    def hits() -> Iterator[tuple[Side, Hit]]:
        for index, resolved, found in _sides(ctx, "clip"):
            assert found.capabilities is not None
            rates = found.provider.native_rates if found.provider is not None and found.provider.native_rates else found.capabilities.native_rates
            if not rates or resolved.fps in rates:
                continue
            native = ", ".join(format_rate(rate) for rate in rates)
            yield found, Hit(
                found.path,
                f"{_who(resolved, found, film_level=True)} generates at {native} fps; the clip is conformed to "
                f"{format_rate(resolved.fps)} fps (motion is retimed, frames repeated or blended)",
                f"accept the conform, or generate at {format_rate(rates[0])} fps (clip.fps, with an fps_override saying why) "
                "and let the edit conform once",
                resolved.id,
            )

    yield from _once(hits())


@rule(
    "SC604",
    "size-off-backend-multiple",
    Severity.WARNING,
    lesson="Step 4, keyframes: the size the model is given is the size it draws",
    summary="a keyframe size or film resolution off the backend's required multiple (the engine rounds it)",
)
def size_off_backend_multiple(ctx: LintContext) -> Iterator[Hit]:
    def hits() -> Iterator[tuple[Side, Hit]]:
        for index, resolved, found in _sides(ctx, *ROLES):
            assert found.capabilities is not None
            multiple = found.capabilities.resolution_multiple
            if found.role == "keyframe":
                # only a size the plan asks for: a default keyframe size is the engine's own, made on the multiple
                size = (resolved.keyframe_width, resolved.keyframe_height)
                path = next(
                    (p for p in (ctx.shot_path(index, "keyframe", "resolution"), ("defaults", "keyframe", "resolution")) if ctx.explicit(p)),
                    None,
                )
                what = "keyframe size"
            else:
                size = (resolved.width, resolved.height)
                path = ("production", "format", "resolution")
                what = "film resolution"
            if path is None or multiple <= 1 or (size[0] % multiple == 0 and size[1] % multiple == 0):
                continue
            rounded = round_size(size, multiple)
            text = f"{rounded[0]}x{rounded[1]}"
            level = path[0] == "shots"
            outcome = f"so it is generated at {text}" if found.role == "keyframe" else "and the backend may refuse it"
            hit = Hit(
                path,
                f"{_who(resolved, found, film_level=not level)} needs sizes on a multiple of {multiple}; the {what} "
                f"{size[0]}x{size[1]} is not, {outcome}",
                f"set it to {text}",
                resolved.id if level else None,
                edits=(Edit(path, "set", text),),
            )
            yield Side(found.role, found.name, path, level, found.capabilities, found.provider), hit

    yield from _once(hits())


def _has_last_frame(capabilities: Capabilities, provider: ProviderCapabilities | None) -> bool:
    return provider.last_frame if provider is not None else capabilities.first_last_frame


@rule(
    "SC605",
    "last-frame-unsupported",
    Severity.WARNING,
    lesson="Part 4, first-last-frame interpolation: only some models take an end frame",
    summary="an end frame still given to a clip backend or service that cannot end on it",
)
def last_frame_unsupported(ctx: LintContext) -> Iterator[Hit]:
    for index, resolved, found in _sides(ctx, "clip"):
        end = resolved.shot.end_frame
        if end is None or end.still is None:
            continue
        assert found.capabilities is not None
        if _has_last_frame(found.capabilities, found.provider):
            continue
        yield Hit(
            ctx.shot_path(index, "end_frame", "still"),
            f"{_who(resolved, found)} cannot end a clip on a given frame; the end frame still is "
            + ("refused at render" if found.capabilities.image_to_video and not found.capabilities.previz else "not used"),
            "use a clip backend or model with first-last-frame support (Wan, LTX-Video), or remove end_frame.still",
            resolved.id,
            edits=(Edit(ctx.shot_path(index, "end_frame", "still"), "remove"),),
        )


@rule(
    "SC606",
    "clip-backend-cannot-animate",
    Severity.ERROR,
    lesson="Step 4, keyframes then clips: every clip starts from its locked keyframe",
    summary="a clip backend or service that cannot animate an image (no image-to-video)",
)
def clip_backend_cannot_animate(ctx: LintContext) -> Iterator[Hit]:
    def hits() -> Iterator[tuple[Side, Hit]]:
        for _index, resolved, found in _sides(ctx, "clip"):
            assert found.capabilities is not None
            able = found.provider.image_to_video if found.provider is not None else found.capabilities.image_to_video
            if able:
                continue
            yield found, Hit(
                found.path,
                f"{_who(resolved, found, film_level=True)} cannot animate a keyframe (no image-to-video), so no clip can start from it",
                "name an image-to-video backend for clips (diffusers-video, animatic, stills, or an image-to-video service)",
                resolved.id,
            )

    yield from _once(hits())


@rule(
    "SC607",
    "keyframe-backend-cannot-draw",
    Severity.ERROR,
    lesson="Step 4, keyframes: the keyframe is drawn from the prompt and locked",
    summary="a keyframe backend or service that cannot make an image from text, for a shot with no still",
)
def keyframe_backend_cannot_draw(ctx: LintContext) -> Iterator[Hit]:
    def hits() -> Iterator[tuple[Side, Hit]]:
        for _index, resolved, found in _sides(ctx, "keyframe"):
            assert found.capabilities is not None
            if found.provider is not None:
                able = found.provider.text_to_image
            else:
                able = found.capabilities.text_to_image or (resolved.shot.still is not None and found.capabilities.image_to_image)
            if able:
                continue
            yield found, Hit(
                found.path,
                f"{_who(resolved, found, film_level=True)} cannot draw an image from a prompt, and the shot has no still",
                "name a text-to-image backend for keyframes (diffusers-image, animatic), or give the shot a still",
                resolved.id,
            )

    yield from _once(hits())


@rule(
    "SC608",
    "transition-without-handles",
    Severity.INFO,
    lesson="Step 5, editing: a dissolve needs frames beyond the cut on both sides",
    summary="a dissolve or dip into a shot whose clip backend (or the previous shot's) draws no handles",
)
def transition_without_handles(ctx: LintContext) -> Iterator[Hit]:
    if ctx.film.defaults.handles == 0:
        return
    for index, resolved in enumerate(ctx.resolved):
        transition = resolved.shot.transition
        if transition.type == "cut" or index == 0:
            continue
        short = []
        for neighbour in (index - 1, index):
            found = side(ctx, neighbour, "clip")
            if found.capabilities is not None and not found.capabilities.handles:
                short.append(f"{ctx.resolved[neighbour].id} ({found.name})")
        if not short:
            continue
        yield Hit(
            ctx.shot_path(index, "transition"),
            f"shot {resolved.id}: the {_seconds(transition.duration)} {transition.type} overlaps clips with no handles "
            f"({', '.join(short)}): it comes out of the planned moments, which play shorter",
            "use a clip backend that draws handles for these shots, lengthen them by the transition, or cut",
            resolved.id,
        )


# --- remote services ----------------------------------------------------------------------


def _remote(ctx: LintContext, *roles: str) -> Iterator[tuple[int, ResolvedShot, Side, ProviderCapabilities]]:
    for index, resolved, found in _sides(ctx, *roles):
        if found.provider is not None:
            yield index, resolved, found, found.provider


def _handle_seconds(ctx: LintContext, resolved: ResolvedShot, found: Side) -> float:
    assert found.capabilities is not None
    return float(frames_to_seconds(resolved.handle_frames, resolved.fps)) if found.capabilities.handles else 0.0


@rule(
    "SC610",
    "shot-longer-than-service",
    Severity.ERROR,
    lesson="Part 4, clip length: 3-5 s shots; a service makes one clip of a fixed length",
    summary="a shot longer than the longest clip its service can make",
)
def shot_longer_than_service(ctx: LintContext) -> Iterator[Hit]:
    for index, resolved, found, provider in _remote(ctx, "clip"):
        handle = _handle_seconds(ctx, resolved, found)
        choice = requested_duration(float(resolved.shot.duration), handle, provider.durations)
        if choice is None or choice.fits:
            continue
        offered = ", ".join(f"{d:g}" for d in sorted(provider.durations))
        # the longest shot whose handles fit too (else the longest clip itself)
        longest = round(choice.requested - 2 * handle, 4) if choice.requested - 2 * handle >= 0.04 else choice.requested
        yield Hit(
            ctx.shot_path(index, "duration"),
            f"{_who(resolved, found)} makes clips of {offered} s; the {_seconds(resolved.shot.duration)} shot does not fit in one",
            f"shorten it to {longest:g} s (with its handles, {choice.requested:g} s), or split it into two shots",
            resolved.id,
            edits=(Edit(ctx.shot_path(index, "duration"), "set", longest),),
        )


@rule(
    "SC611",
    "service-duration-trimmed",
    Severity.INFO,
    lesson="Part 4, clip length: what a service generates beyond the shot is paid for and cut",
    summary="a shot whose service duration differs from its length plus handles: what is requested, and what is trimmed",
)
def service_duration_trimmed(ctx: LintContext) -> Iterator[Hit]:
    for index, resolved, found, provider in _remote(ctx, "clip"):
        handle = _handle_seconds(ctx, resolved, found)
        choice = requested_duration(float(resolved.shot.duration), handle, provider.durations)
        if choice is None or not choice.fits or math.isclose(choice.requested, choice.needed, abs_tol=1e-6):
            continue
        with_handles = f" + 2 x {handle:g} s handles" if handle else ""
        if choice.trimmed > 0:
            outcome = f"{choice.trimmed:g} s of it is generated and trimmed"
        else:
            outcome = f"the handles shrink by {choice.handles_lost:g} s"
        longest = choice.requested - 2 * handle  # the duration that uses exactly what is requested
        fix = f"set the duration to {longest:g} s to use every second requested" if longest >= 0.04 else "accept the trim"
        edits = (Edit(ctx.shot_path(index, "duration"), "set", round(longest, 4)),) if longest >= 0.04 else ()
        yield Hit(
            ctx.shot_path(index, "duration"),
            f"{_who(resolved, found)} is asked for {choice.requested:g} s ({_seconds(resolved.shot.duration)}{with_handles} "
            f"= {choice.needed:g} s needed; offered {', '.join(f'{d:g}' for d in sorted(provider.durations))} s): {outcome}",
            fix,
            resolved.id,
            edits=edits,
        )


def _aspect_text(width: int, height: int) -> str:
    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def _aspect_value(text: str) -> float | None:
    width, _, height = text.partition(":")
    try:
        return float(width) / float(height)
    except (ValueError, ZeroDivisionError):
        return None


@rule(
    "SC612",
    "aspect-not-offered",
    Severity.WARNING,
    lesson="Step 6, delivery: the film's frame is decided once; a service draws only its own aspects",
    summary="a film aspect a service cannot generate (the clip is generated at its nearest aspect and cropped)",
)
def aspect_not_offered(ctx: LintContext) -> Iterator[Hit]:
    def hits() -> Iterator[tuple[Side, Hit]]:
        for _index, resolved, found, provider in _remote(ctx, *ROLES):
            if not provider.aspect_ratios:
                continue
            film = resolved.width / resolved.height
            offered = {text: _aspect_value(text) for text in provider.aspect_ratios}
            if any(value is not None and math.isclose(value, film, rel_tol=0.01) for value in offered.values()):
                continue
            nearest = min((t for t, v in offered.items() if v is not None), key=lambda t: abs(math.log(offered[t] / film)))
            yield found, Hit(
                found.path,
                f"{_who(resolved, found, film_level=True)} draws {', '.join(provider.aspect_ratios)}; the film's "
                f"{_aspect_text(resolved.width, resolved.height)} frame is generated at {nearest} and cropped to fit",
                f"frame the film at one of {', '.join(provider.aspect_ratios)}, or compose each shot for the crop",
                resolved.id,
            )

    yield from _once(hits())


def _explicit_seed(ctx: LintContext, index: int) -> Path_ | None:
    """Where the plan itself asks for a seed for this shot (a seed, or takes that vary the seed)."""
    for path in (ctx.shot_path(index, "keyframe", "seed"), ("defaults", "keyframe", "seed"), ctx.shot_path(index, "takes", "vary")):
        if ctx.explicit(path):
            if path[-1] == "vary" and ctx.shots[index].takes is not None and ctx.shots[index].takes.vary != "seed":
                continue
            return path
    return None


@rule(
    "SC613",
    "seed-ignored-by-service",
    Severity.WARNING,
    lesson="Step 4, keyframes with fixed seeds: a take is reproducible only where the seed is honoured",
    summary="a seed set in the plan for a shot whose service takes no seed",
)
def seed_ignored_by_service(ctx: LintContext) -> Iterator[Hit]:
    told: set[int] = set()  # once per shot, whichever of its backends is remote
    for index, resolved, found, provider in _remote(ctx, *ROLES):
        if index in told:
            continue
        if provider.seed:
            continue
        path = _explicit_seed(ctx, index)
        if path is None:
            continue
        told.add(index)
        yield Hit(
            path,
            f"{_who(resolved, found)} takes no seed: the plan's seed is not sent, so a take cannot be re-made "
            "and takes differ by chance, not by their seed",
            "remove the seed (the service cannot honour it; the takes' files are the record) and vary takes by prompt or "
            "motion instead of seed, or use a service that takes a seed",
            resolved.id,
        )


@rule(
    "SC614",
    "too-many-references",
    Severity.WARNING,
    lesson="Step 2, locked character sheets: every reference image is part of the lock",
    summary="more reference images for a shot than its service accepts (the rest are not sent)",
)
def too_many_references(ctx: LintContext) -> Iterator[Hit]:
    told: set[int] = set()  # once per shot, whichever of its backends is remote
    for index, resolved, found, provider in _remote(ctx, *ROLES):
        if index in told:
            continue
        shot = resolved.shot
        references = [(cid, r) for cid in shot.characters for r in ctx.film.character(cid).references]
        if len(references) <= provider.references:
            continue
        sent = references[: provider.references]
        dropped = references[provider.references:]
        told.add(index)
        yield Hit(
            ctx.shot_path(index, "characters"),
            f"{_who(resolved, found)} takes {provider.references} reference image(s); this shot has {len(references)} "
            f"({', '.join(sorted({cid for cid, _ in references}))}), so {len(dropped)} {'is' if len(dropped) == 1 else 'are'} not sent"
            + (f" (sent: {', '.join(str(r) for _, r in sent)})" if sent else ""),
            f"keep at most {provider.references} reference(s) for this shot's characters (the most telling first), "
            "or fewer characters in the shot",
            resolved.id,
        )


@rule(
    "SC615",
    "negative-prompt-ignored",
    Severity.INFO,
    lesson="Prohibitions: a service with no negative prompt never reads them",
    summary="prohibitions for a shot whose service takes no negative prompt",
)
def negative_prompt_ignored(ctx: LintContext) -> Iterator[Hit]:
    told: set[int] = set()  # once per shot, whichever of its backends is remote
    for index, resolved, found, provider in _remote(ctx, *ROLES):
        if index in told:
            continue
        if provider.negative_prompt:
            continue
        negatives = ctx.negative_texts(index)
        if not negatives:
            continue
        words = "; ".join(text.value for text in negatives)
        told.add(index)
        yield Hit(
            negatives[-1].path,
            f"{_who(resolved, found)} takes no negative prompt: the prohibitions ({words}) are not sent",
            "say what the shot shows instead in its brief (\"an empty street\" rather than \"no people\"), "
            "or use a service that reads a negative prompt",
            resolved.id,
        )
