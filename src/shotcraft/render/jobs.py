"""The plan as a job graph: keyframe(shot, take) -> clip(shot, take), each with its key.

A job's key hashes exactly what determines its output bytes: compiled
prompts, resolved settings, seed, backend name and version, model identity,
the key of its input (the keyframe a clip animates), the drawing context and
the content hashes of any files it reads. Post-generation fields (grade,
trims, transitions, reframe, QA, notes) are not inputs: editing them
re-renders nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from shotcraft import __version__
from shotcraft.backends.capabilities import capabilities_of, clip_handle_frames
from shotcraft.backends.protocol import Backend
from shotcraft.backends.registry import get_backend
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.frame import round_size
from shotcraft.plan.model_paths import anchored_model
from shotcraft.plan.resolve import ResolvedShot, TakeSpec, resolve_shot
from shotcraft.plan.schema import Shot
from shotcraft.render.encode import TAKE_SETTINGS
from shotcraft import files
from shotcraft.render.keys import canonical, job_key
from shotcraft.timebase import format_rate

#: shot fields that only matter after generation; left out of the drawing context and the keys
POST_GENERATION_FIELDS = ("grade", "trim", "transition", "reframe", "qa", "lint_ignore", "notes")

#: how takes are stored (see render/encode.py); part of every clip key: a different encode is a different object
CLIP_ENCODING = {"encoder": "ffmpeg", **TAKE_SETTINGS}
KEYFRAME_FORMAT = "png"

JobKind = Literal["keyframe", "clip"]


@dataclass(frozen=True)
class JobSpec:
    """One unit of work, picklable, self-contained: a worker needs nothing else to run it."""

    key: str
    kind: JobKind
    shot_id: str
    take: str
    backend: str
    backend_version: str
    one_process_per_device: bool
    request: dict[str, Any]  # KeyframeRequest / ClipRequest fields (no arrays)
    settings: dict[str, Any]  # the settings log: key inputs plus what helps a human reproduce it
    depends_on: str | None = None  # the keyframe key a clip animates
    work_units: int = 1  # frames, for progress
    files: dict[str, str] = field(default_factory=dict)  # role -> absolute path read by the worker

    @property
    def title(self) -> str:
        return f"{self.shot_id} {self.take} {self.kind}"


@dataclass(frozen=True)
class TakeJobs:
    shot_id: str
    label: str
    seed: int
    keyframe: JobSpec
    clip: JobSpec


def drawing_context(plan: LoadedPlan, shot: Shot) -> dict[str, Any]:
    """Plan data a drawing backend reads (the contract with animatic and stills)."""
    film = plan.film
    shot_data = shot.model_dump(mode="json", by_alias=True)
    for name in POST_GENERATION_FIELDS:
        shot_data.pop(name, None)
    still_path, still_sha = None, None
    if shot.still is not None:
        path = plan.resolve_path(shot.still)
        still_sha = _input_file_sha(path, shot.id, "still image")
        still_path = str(path.resolve())
    return {
        "plan": {
            "production": {"id": film.production.id, "title": film.production.title},
            "shot": shot_data,
            "characters": [film.character(cid).model_dump(mode="json") for cid in shot.characters],
            "location": film.location(shot.location).model_dump(mode="json") if shot.location else None,
            "charters": film.charters.model_dump(mode="json"),
            **({"props": [film.prop(pid).model_dump(mode="json") for pid in shot.props]} if shot.props else {}),
        },
        "still_path": still_path,
        "still_sha256": still_sha,
    }


def _input_file_sha(path: Path, shot_id: str, what: str) -> str:
    """A plan-named image's content hash, through the one checked opener and the persistent hash cache."""
    return files.content_sha256(path, "image", where=f"shot {shot_id}", what=what)


#: shot fields that reach a job through its request (motion, seed, cfg, prompt variant of each take), so the
#: key's copy of the shot leaves them out: adding take C re-renders neither A nor B
TAKE_FIELDS = ("takes",)
#: shot fields that shape the clip, never the keyframe: changing them re-renders clips only
CLIP_STAGE_FIELDS = ("motion", "clip", "end_frame", "duration", "triggers", "role", "transition")
#: shot fields that name files: their content hashes are keyed instead (a renamed or moved file keeps its key)
FILE_FIELDS = ("still", "clips")


def _context_for_key(context: dict[str, Any], *, drop: tuple[str, ...] = TAKE_FIELDS) -> dict[str, Any]:
    """The drawing context as a key holds it: no file paths (their hashes are keyed), no dropped shot fields."""
    keyed = {k: v for k, v in context.items() if k != "still_path"}
    plan = dict(keyed["plan"])
    shot = {k: v for k, v in plan["shot"].items() if k not in drop + FILE_FIELDS}
    if "end_frame" in shot and isinstance(shot["end_frame"], dict):
        shot["end_frame"] = {k: v for k, v in shot["end_frame"].items() if k != "still"}
    plan["shot"] = shot
    plan["characters"] = [{k: v for k, v in c.items() if k != "references"} for c in plan.get("characters") or []]
    keyed["plan"] = plan
    return keyed


def _keyframe_context_for_key(context: dict[str, Any], capabilities: Any) -> dict[str, Any] | None:
    """What of the plan reaches a keyframe beyond its prompt, seed, size, model, settings and references.

    Only a backend that draws from the plan (``keyframe_reads_plan``, the animatic) reads the context,
    and then never the clip's fields (duration, camera move, beats, role, motion).
    """
    if not getattr(capabilities, "keyframe_reads_plan", False):
        return {"still_sha256": context.get("still_sha256")}
    keyed = _context_for_key(context, drop=TAKE_FIELDS + CLIP_STAGE_FIELDS)
    shot = dict(keyed["plan"]["shot"])
    if isinstance(shot.get("camera"), dict):
        shot["camera"] = {k: v for k, v in shot["camera"].items() if k not in ("move", "justification")}
    keyed["plan"] = {**keyed["plan"], "shot": shot}
    return keyed


def _backend_block(backend: Backend, model: Any, shot_id: str) -> dict[str, Any]:
    try:
        identity = backend.identity(model)
    except Exception as exc:  # noqa: BLE001 - a backend's own failure, reported with the shot
        if hasattr(exc, "exit_code"):
            raise
        raise InputError(f"shot {shot_id}: backend {backend.name!r} cannot identify its model ({exc})") from None
    block = {"name": backend.name, "version": str(backend.version), "model": canonical(identity, where=f"{shot_id}.model")}
    if not _capabilities(backend, model).deterministic:
        # a declared non-deterministic backend: the key says so (a re-render is a new take, not the same bytes)
        block["deterministic"] = False
    return block


def _capabilities(backend: Backend, model: Any) -> Any:
    return capabilities_of(backend, model)


def is_remote(backend: Backend) -> bool:
    """A backend over a remote service (backends/remote): its jobs run through render.remote."""
    return getattr(backend, "provider", None) is not None


def anchored_service(plan: LoadedPlan, backend: Backend, service: Any, shot_id: str, stage: str) -> Any:
    """The shot's service block with its workflow resolved against the plan's folder and checked; the model named."""
    from shotcraft.plan.schema import ServiceSettings

    service = service if service is not None else ServiceSettings()
    where = f"shot {shot_id}: {stage}.service"
    try:
        backend.model_name(service)  # type: ignore[attr-defined]
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if service.workflow is not None:
        path = plan.resolve_path(service.workflow)
        files.check_input(path, "workflow", where=f"{where}.workflow")
        service = service.model_copy(update={"workflow": path.resolve()})
    return service


def take_jobs(plan: LoadedPlan, resolved: ResolvedShot, spec: TakeSpec, context: dict[str, Any]) -> TakeJobs:
    """The keyframe and clip jobs of one take."""
    from shotcraft.prompts import compile_take  # the prompts stage sits beside render, not below plan

    shot = resolved.shot
    keyframe_backend = get_backend(resolved.keyframe_backend, shot_id=shot.id)
    clip_backend = get_backend(resolved.clip_backend, shot_id=shot.id)
    keyframe_model = anchored_model(plan, resolved.keyframe_model)
    clip_model = anchored_model(plan, resolved.clip_model)
    if is_remote(keyframe_backend):  # a remote service's "model" is the plan's service block (backends/remote)
        keyframe_model = anchored_service(plan, keyframe_backend, resolved.keyframe_service, shot.id, "keyframe")
    if is_remote(clip_backend):
        clip_model = anchored_service(plan, clip_backend, resolved.clip_service, shot.id, "clip")
    keyframe_capabilities = _capabilities(keyframe_backend, keyframe_model)
    keyframe_family = keyframe_capabilities.prompt_family
    clip_family = _capabilities(clip_backend, clip_model).prompt_family
    compiled = compile_take(plan.film, shot.id, spec.label, keyframe_family=keyframe_family, clip_family=clip_family)
    prompts_log = compiled.to_dict()
    key_context = _context_for_key(context)

    files: dict[str, str] = {}
    references = []
    for cid in shot.characters:
        for reference in plan.film.character(cid).references:
            path = plan.resolve_path(reference)
            references.append({"sha256": _input_file_sha(path, shot.id, f"reference image of {cid}")})
            files[f"reference:{len(references) - 1}"] = str(path.resolve())
    init_sha = None
    if shot.still is not None and keyframe_capabilities.image_to_image and not keyframe_capabilities.keyframe_is_still:
        init_sha = context["still_sha256"]
        files["init_image"] = context["still_path"]

    # the film's aspect at the seed's budget, on the keyframe backend's multiple (shotcraft.plan.frame)
    keyframe_size = round_size((resolved.keyframe_width, resolved.keyframe_height), _capabilities(keyframe_backend, keyframe_model).resolution_multiple)
    keyframe_request = {
        "shot_id": shot.id,
        "take": spec.label,
        "prompt": compiled.keyframe_prompt,
        "negative_prompt": compiled.keyframe_negative,
        "width": keyframe_size[0],
        "height": keyframe_size[1],
        "seed": spec.seed,
        "steps": resolved.steps,
        "cfg": spec.cfg,
        "sampler": resolved.sampler,
        "denoise": resolved.denoise,
        "model": keyframe_model,
    }
    keyframe_inputs = {
        "kind": "keyframe",
        "backend": _backend_block(keyframe_backend, keyframe_model, shot.id),
        # shot and take ids are request fields a backend may draw (the animatic's caption does): keyed too
        "request": {k: v for k, v in keyframe_request.items() if k != "model"},
        "prompt_family": keyframe_family,
        "references": references,
        "init_image_sha256": init_sha,
        "context": _keyframe_context_for_key(context, keyframe_capabilities),
        "output": {"format": KEYFRAME_FORMAT},
    }
    keyframe_key = job_key(keyframe_inputs)
    keyframe_job = JobSpec(
        key=keyframe_key,
        kind="keyframe",
        shot_id=shot.id,
        take=spec.label,
        backend=keyframe_backend.name,
        backend_version=str(keyframe_backend.version),
        one_process_per_device=keyframe_backend.capabilities.one_process_per_device,
        request={**keyframe_request, "context": context},
        settings={**_settings_log(plan, keyframe_inputs, prompts_log, spec), "files": _files_log(files, context)},
        files=files,
    )

    width, height = resolved.width, resolved.height
    last_sha = None
    clip_files: dict[str, str] = {}
    if shot.end_frame is not None and shot.end_frame.still is not None:
        path = plan.resolve_path(shot.end_frame.still)
        last_sha = _input_file_sha(path, shot.id, "end frame still")
        clip_files["last_frame"] = str(path.resolve())
    # edit handles: extra frames each side of the planned moment, where the backend can draw them
    handles = clip_handle_frames(resolved, _capabilities(clip_backend, clip_model))
    clip_request = {
        "shot_id": shot.id,
        "take": spec.label,
        "prompt": compiled.clip_prompt,
        "negative_prompt": compiled.clip_negative,
        "width": width,
        "height": height,
        "fps": resolved.fps,
        "frames": resolved.frames + 2 * handles,
        "handles": handles,
        "motion": spec.motion,
        "seed": spec.seed,
        "camera_move": shot.camera.move.value,
        "cfg": None,
        "model": clip_model,
    }
    clip_inputs = {
        "kind": "clip",
        "backend": _backend_block(clip_backend, clip_model, shot.id),
        "request": {k: v for k, v in clip_request.items() if k != "model"},
        "prompt_family": clip_family,
        "keyframe": keyframe_key,
        "last_frame_sha256": last_sha,
        "context": key_context,
        "output": {**CLIP_ENCODING, "width": width, "height": height, "rate": format_rate(resolved.fps)},
    }
    clip_job = JobSpec(
        key=job_key(clip_inputs),
        kind="clip",
        shot_id=shot.id,
        take=spec.label,
        backend=clip_backend.name,
        backend_version=str(clip_backend.version),
        one_process_per_device=clip_backend.capabilities.one_process_per_device,
        request={**clip_request, "context": context},
        settings={**_settings_log(plan, clip_inputs, prompts_log, spec), "files": _files_log(clip_files, context)},
        depends_on=keyframe_key,
        work_units=resolved.frames + 2 * handles,
        files=clip_files,
    )
    return TakeJobs(shot.id, spec.label, spec.seed, keyframe_job, clip_job)


def _settings_log(plan: LoadedPlan, inputs: dict[str, Any], prompts: dict[str, Any], spec: TakeSpec) -> dict[str, Any]:
    """What the ledger keeps: the key inputs verbatim plus the context a human needs to reproduce it."""
    return {
        "inputs": canonical(inputs, where="inputs"),
        "prompts": canonical(prompts, where="prompts"),
        "take": {"label": spec.label, "seed": spec.seed, "varies": spec.varies, "motion": spec.motion, "cfg": spec.cfg,
                 "prompt_variant": spec.prompt_variant},
        "plan": {"file": plan.file, "production": plan.film.production.id},
        "shotcraft": __version__,
    }


def _files_log(files: dict[str, str], context: dict[str, Any]) -> dict[str, str]:
    """Where the files a job read lived (their hashes are in the key; paths help a human find them)."""
    out = dict(sorted(files.items()))
    if context.get("still_path"):
        out["still"] = context["still_path"]
    return out


def plan_jobs(plan: LoadedPlan, *, shots: list[str] | None = None, takes: list[str] | None = None) -> list[TakeJobs]:
    """Every selected take of the plan as jobs, in plan order then take label. Input checks first."""
    film = plan.film
    known = [s.id for s in film.shots]
    if shots:
        unknown = [s for s in shots if s not in known]
        if unknown:
            raise InputError(f"{plan.file}: no shot {unknown[0]!r} (shots: {', '.join(known)})")
    selected = [s for s in film.shots if not shots or s.id in shots]
    with files.project_hashes(plan.root / files.PROJECT_FOLDER):
        result = _plan_selected(plan, selected, shots, takes)
    if takes and not result:
        raise InputError(f"{plan.file}: no shot has a take {', '.join(takes)}")
    return result


def _plan_selected(plan: LoadedPlan, selected: list[Shot], shots: list[str] | None, takes: list[str] | None) -> list[TakeJobs]:
    film = plan.film
    result: list[TakeJobs] = []
    for shot in selected:
        resolved = resolve_shot(film, shot)
        if takes:
            labels = [t.label for t in resolved.takes]
            if not any(label in labels for label in takes) and shots:
                raise InputError(f"shot {shot.id}: no take {takes[0]!r} in the plan (takes: {', '.join(labels)})")
        context = drawing_context(plan, shot)
        for spec in resolved.takes:
            if takes and spec.label not in takes:
                continue
            result.append(take_jobs(plan, resolved, spec, context))
    return result
