"""Running one job where it lands (this process or a worker): generate, conform, encode, commit.

Everything here writes only into the store's temp folder and then commits a
finished, hashed object; the ledger is written by the engine alone, after the
object exists. A job killed half way leaves a temp file and no record.
"""

from __future__ import annotations

import errno
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft import __version__, events
from shotcraft.backends.camera import cover_resize
from shotcraft.backends.protocol import ClipRequest, KeyframeRequest
from shotcraft.backends.registry import get_backend
from shotcraft.errors import ShotcraftError
from shotcraft.media.video import probe
from shotcraft.render.encode import EncodeError, TakeEncoder
from shotcraft.render.jobs import KEYFRAME_FORMAT, JobSpec
from shotcraft.render.store import DiskFullError, ObjectStore, StoreError
from shotcraft.timebase import format_rate

#: ``report(done)`` counts frames written; ``report(step, {"unit": "steps", "total": n})`` a denoising step
ProgressFn = Callable[..., None]


class TransientJobError(Exception):
    """A backend raises this for a failure worth retrying (a busy device, a flaky mount)."""


class JobFailed(ShotcraftError):
    """A job's own permanent failure: its take is marked failed, the other takes go on."""

    code = "job-failed"
    exit_code = 1


@dataclass(frozen=True)
class JobResult:
    key: str
    sha256: str
    ext: str
    size: int
    frames: int | None
    rate: str | None
    width: int
    height: int
    seconds: float
    environment: dict[str, Any]


def environment() -> dict[str, Any]:
    """Library versions where the job ran (torch and diffusers only when a backend loaded them)."""
    import av

    versions: dict[str, Any] = {
        "shotcraft": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "av": av.__version__,
        "ffmpeg": {name: ".".join(map(str, v)) for name, v in sorted(av.library_versions.items())},
    }
    for name in ("torch", "diffusers", "transformers", "accelerate", "safetensors", "PIL"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", "unknown")
    torch = sys.modules.get("torch")
    if torch is not None and getattr(torch, "cuda", None) is not None and torch.cuda.is_available():
        versions["cuda"] = torch.version.cuda
        versions["device"] = torch.cuda.get_device_name(0)
    return versions


def run_job(spec: JobSpec, objects_folder: Path, keyframe_path: Path | None, report: ProgressFn | None = None) -> JobResult:
    """Execute one job and commit its object. Raises JobFailed, TransientJobError or a store error."""
    started = time.perf_counter()
    store = ObjectStore(objects_folder)
    steps = (lambda step, total: report(step, {"unit": "steps", "total": total})) if report is not None else None
    with events.step_reporting(steps):
        return _run(spec, objects_folder, keyframe_path, report, store, started)


def _run(spec: JobSpec, objects_folder: Path, keyframe_path: Path | None, report: ProgressFn | None, store: ObjectStore,
         started: float) -> JobResult:  # fmt: skip
    try:
        backend = get_backend(spec.backend, shot_id=spec.shot_id)
        if getattr(backend, "provider", None) is not None:  # a remote service: submitted once, resumable (render/remote.py)
            from shotcraft.render.remote import run_remote

            sha, size, frames, rate, width, height, ext = run_remote(spec, backend, store, keyframe_path, report)
        elif spec.kind == "keyframe":
            sha, size, frames, rate, width, height, ext = _keyframe(spec, backend, store)
        else:
            sha, size, frames, rate, width, height, ext = _clip(spec, backend, store, keyframe_path, report)
    except (TransientJobError, StoreError):
        raise
    except EncodeError as exc:
        if "No space left" in str(exc) or "Disk quota" in str(exc):
            raise DiskFullError(f"{objects_folder}: disk full while encoding {spec.title}") from None
        raise JobFailed(f"shot {spec.shot_id} take {spec.take} {spec.kind}: {exc}") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(f"{objects_folder}: disk full while rendering {spec.title}") from None
        raise TransientJobError(f"{type(exc).__name__}: {exc}") from None
    except MemoryError:
        raise TransientJobError("out of memory") from None
    except ShotcraftError as exc:
        raise JobFailed(f"shot {spec.shot_id} take {spec.take} {spec.kind}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a backend bug is that take's failure, not the film's
        raise JobFailed(f"shot {spec.shot_id} take {spec.take} {spec.kind}: {spec.backend} failed ({type(exc).__name__}: {exc})") from None
    return JobResult(spec.key, sha, ext, size, frames, rate, width, height, time.perf_counter() - started, environment())


def _keyframe(spec: JobSpec, backend: Any, store: ObjectStore) -> tuple:
    request = dict(spec.request)
    references = tuple(Path(spec.files[k]) for k in sorted(spec.files) if k.startswith("reference:"))
    init_image = read_rgb(Path(spec.files["init_image"])) if "init_image" in spec.files else None
    image = backend.keyframe(KeyframeRequest(**request, references=references, init_image=init_image))
    image = conform_image(check_frame(image, spec), request["width"], request["height"])
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise JobFailed(f"shot {spec.shot_id} take {spec.take}: PNG encoding failed")
    sha, _, size = store.put_bytes(encoded.tobytes(), KEYFRAME_FORMAT)
    return sha, size, None, None, image.shape[1], image.shape[0], KEYFRAME_FORMAT


def _clip(spec: JobSpec, backend: Any, store: ObjectStore, keyframe_path: Path | None, report: ProgressFn | None) -> tuple:
    if keyframe_path is None:
        raise JobFailed(f"shot {spec.shot_id} take {spec.take}: its keyframe is not in the store")
    request = dict(spec.request)
    keyframe = read_rgb(keyframe_path)
    last_frame = read_rgb(Path(spec.files["last_frame"])) if "last_frame" in spec.files else None
    clip_request = ClipRequest(**request, keyframe=keyframe, last_frame=last_frame)
    width, height, expected = request["width"], request["height"], request["frames"]
    with store.temp_path("mp4") as temp:
        count = 0
        with TakeEncoder(temp, width, height, request["fps"]) as writer:
            for frame in backend.clip(clip_request):
                if count >= expected:
                    raise JobFailed(f"shot {spec.shot_id} take {spec.take}: {spec.backend} yielded more than {expected} frames")
                writer.write(conform_image(check_frame(frame, spec), width, height))
                count += 1
                if report is not None and (count % 6 == 0 or count == expected):
                    report(count)
        if count != expected:
            raise JobFailed(f"shot {spec.shot_id} take {spec.take}: {spec.backend} yielded {count} frames, expected {expected}")
        info = probe(temp)  # the file decodes and holds every frame before it may be committed
        if info.frames != expected:
            raise TransientJobError(f"encoded clip holds {info.frames} frames, expected {expected}")
        sha, _, size = store.commit(temp, "mp4")
    return sha, size, expected, format_rate(request["fps"]), width, height, "mp4"


def check_frame(frame: Any, spec: JobSpec) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
        shape = getattr(frame, "shape", type(frame).__name__)
        raise JobFailed(f"shot {spec.shot_id} take {spec.take}: {spec.backend} returned {shape}, expected an HxWx3 image")
    if frame.dtype != np.uint8:
        raise JobFailed(f"shot {spec.shot_id} take {spec.take}: {spec.backend} returned {frame.dtype} pixels, expected uint8")
    return frame


def conform_image(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Cover-fit (centre crop to the target aspect, then resize): never letterboxes, never stretches."""
    if image.shape[:2] == (height, width):
        return np.ascontiguousarray(image)
    return cover_resize(image, (width, height))  # the one cover-fit of the project


def read_rgb(path: Path) -> np.ndarray:
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise JobFailed(f"{path}: not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
