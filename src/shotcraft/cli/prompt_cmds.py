"""`shotcraft prompts`: print the exact prompts each take will be generated from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from shotcraft.cli import app
from shotcraft.cli.common import Format, command, format_option
from shotcraft.errors import InputError
from shotcraft.plan import load_plan
from shotcraft.plan.resolve import resolve_shot
from shotcraft.plan.schema import Film
from shotcraft.prompts import PromptOptions, compile_shot, compile_take, family_names, format_json, format_text
from shotcraft.prompts.compiler import CompiledTake


def backend_families(film: Film, shot_id: str) -> tuple[str, str]:
    """The prompt families of the keyframe and clip backends the plan chose for this shot."""
    from shotcraft.backends.capabilities import capabilities_of  # only this command needs the backends
    from shotcraft.backends.registry import get_backend

    resolved = resolve_shot(film, film.shot(shot_id))
    out = []
    for name, model in ((resolved.keyframe_backend, resolved.keyframe_model), (resolved.clip_backend, resolved.clip_model)):
        backend: Any = get_backend(name, shot_id=shot_id)
        # A backend whose family depends on the model (FLUX reads prose, SDXL tags) says so per model.
        # (No model yet: the backend's default family; render would stop and ask for the model anyway.)
        out.append(capabilities_of(backend, model).prompt_family)
    return out[0], out[1]


@command(
    app,
    "prompts",
    summary="Print the compiled keyframe and clip prompts of every shot and take.",
    example="shotcraft prompts examples/neo-noir/film.yaml --shot s04 --family prose",
)
def prompts_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml to compile."),
    shot: str | None = typer.Option(None, "--shot", help="Only this shot id."),
    take: str | None = typer.Option(None, "--take", help="Only this take label (A, B, ...); needs --shot."),
    family: str | None = typer.Option(None, "--family", help="Write both prompts in this family: sd, prose, midjourney, veo, runway, luma or kling (default: each shot's backends decide)."),
    keyframe_family: str | None = typer.Option(None, "--keyframe-family", help="Family of the keyframe prompt only."),
    clip_family: str | None = typer.Option(None, "--clip-family", help="Family of the clip prompt only."),
    weights: bool = typer.Option(False, "--weights", help="Weight the subject, '(subject:1.2)', in sd prompts."),
    output_format: Format = format_option(),
) -> None:
    """Compile PLAN's prompts per take (keyframe and clip, positive and negative) in the family each shot's backends read, or --family; byte-stable: exactly what `shotcraft render` sends. Warnings say what to fix."""
    # 1. Check the arguments.
    for option, name in (("--family", family), ("--keyframe-family", keyframe_family), ("--clip-family", clip_family)):
        if name is not None and name not in family_names():
            raise InputError(f"{option}: expected one of {', '.join(family_names())}, found {name!r}")
    if take is not None and shot is None:
        raise InputError("--take needs --shot")
    film = load_plan(plan_path).film
    if shot is not None and shot not in {s.id for s in film.shots}:
        raise InputError(f"--shot: no shot {shot!r} in {plan_path} (shots: {', '.join(s.id for s in film.shots)})")

    # 2. Compile, shot by shot, in the families asked for or those of the shot's backends.
    options = PromptOptions(weights=weights)
    compiled: list[CompiledTake] = []
    for shot_id in [shot] if shot is not None else [s.id for s in film.shots]:
        keyframe_name, clip_name = keyframe_family or family, clip_family or family
        if keyframe_name is None or clip_name is None:
            from_backends = backend_families(film, shot_id)
            keyframe_name, clip_name = keyframe_name or from_backends[0], clip_name or from_backends[1]
        families = {"keyframe_family": keyframe_name, "clip_family": clip_name, "options": options}
        if take is not None:
            compiled.append(compile_take(film, shot_id, take, **families))
        else:
            compiled.extend(compile_shot(film, shot_id, **families))

    # 3. Print: plain text, never Rich markup (prompts hold brackets and must print byte for byte).
    sys.stdout.write(format_json(compiled) if output_format == "json" else format_text(compiled))
    sys.stdout.flush()
