"""What the grade measures on a take, remembered by content in ``.shotcraft/grade-cache/``.

The grade plan decides each shot against its neighbours, but what it
*measures* on a take depends on the take alone: the decoded sample frames,
where the subject is (faces, skin or the key region), the take's neutral
estimates and its own grain. Those are kept here, so rewording one shot
re-measures only the takes that changed.

The key holds everything that determines the measurement and nothing else:
the take's content sha256 (never its path or name: a copied project keeps
its cache), the frame range measured, the sample count and size, whether
people are looked for, the grain crop, :data:`MEASURE_VERSION`, the bytes of
the code that measures (:data:`CODE_FILES`) and the versions of the decoder,
OpenCV (faces, gradients, noise) and NumPy. An entry
is exact or absent: it carries its own key and a sha256 of its arrays, and
one that does not read back whole is measured again and rewritten.

The statistics of the *graded* take (what the report shows after the grade and what
the next shots are harmonized to) depend on the take's measurement, the shot's decided
colour operations and the look: they are kept too (:meth:`TakeCache.load_stats`), keyed
by the measurement's key, every operation's exact value (``float.hex``) and the look's
content, so a shot whose decisions did not change measures nothing after its grade either.

Entries are named ``<take sha256 prefix>-<key>.npz``: ``shotcraft gc`` drops
those of takes no current take uses (see ``render.store``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotcraft import files
from shotcraft.fsutil import write_bytes
from shotcraft.html import PHOTO_JPEG_QUALITY
from shotcraft.render.keys import job_key, source_digest

#: bump when anything in measure.sample_take / find_subject / neutral_estimates / grain_of changes its numbers
MEASURE_VERSION = 1
CACHE_FOLDER = "grade-cache"
FOUND_BY = ("faces", "skin", "key region")


@dataclass(frozen=True)
class TakeMeasure:
    """Everything the grade measures on one take's used frames (inputs to every later decision)."""

    frames: np.ndarray  # (K, H, W, 3) uint8 sample
    mask: np.ndarray  # (K*H*W,) bool subject mask
    found_by: str
    faces: int
    estimates: np.ndarray  # (3, 3) neutral estimates of every other sample frame
    grain: float  # the take's own grain (8-bit sigma)


#: the source files whose code computes what is cached (decoding, subject, statistics, colour operations, look):
#: their bytes are in every key, so an edit to any of them can never be answered by an old entry
CODE_FILES = ("grade/measure.py", "grade/ops.py", "grade/cdl.py", "grade/lut.py", "grade/plan.py", "grade/take_cache.py", "media/video.py")


@functools.cache
def _library_versions() -> dict[str, str]:
    import av
    import cv2

    return {"av": av.__version__, "cv2": cv2.__version__, "numpy": np.__version__, "code": source_digest(CODE_FILES)}


def measure_key(take_sha256: str, source_in: int, duration: int, *, count: int, size: tuple[int, int],
                look_for_people: bool, grain_crop: int) -> str:  # fmt: skip
    """The cache key of one measurement: content and settings only, never a path."""
    return job_key({"step": "grade-measure", "version": MEASURE_VERSION, "take": take_sha256, "source_in": source_in,
                    "duration": duration, "count": count, "size": list(size), "people": look_for_people,
                    "grain_crop": grain_crop, "libraries": _library_versions()})[:32]  # fmt: skip


def _digest(key: str, measured: TakeMeasure) -> str:
    digest = hashlib.sha256(key.encode())
    for array in (measured.frames, measured.mask, measured.estimates):
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr((measured.found_by, measured.faces, float(measured.grain))).encode())
    return digest.hexdigest()


def exact(value: object) -> object:
    """Numbers as ``float.hex`` (exact, never rounded), through dicts, lists and tuples: for keys of decided values."""
    if isinstance(value, dict):
        return {str(k): exact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [exact(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return float(value).hex()  # type: ignore[arg-type]


def stats_key(measure_key: str, ops: object, look_sha256: str | None) -> str:
    """The key of a graded take's statistics: its measurement, the shot's exact colour operations, the look's content."""
    from dataclasses import asdict

    operations = exact(asdict(ops))  # type: ignore[call-overload]
    return job_key({"step": "grade-stats", "version": MEASURE_VERSION, "measure": measure_key, "ops": operations, "look": look_sha256,
                    "libraries": _library_versions()})[:32]  # fmt: skip


def thumbnail_key(frame: int, size: tuple[int, int], ops: object, look_sha256: str | None, lut_size: int) -> str:
    """The key of a shot's report thumbnails (its take's frame, ungraded and graded): the frame, the size, the exact
    colour operations, the look's content and the table size (the graded one goes through the baked table), and how
    they are encoded (PNG until 2026-12: an entry of the other format is another entry)."""
    from dataclasses import asdict

    return job_key({"step": "grade-thumbnails", "encoding": ["jpeg", PHOTO_JPEG_QUALITY], "frame": frame, "size": list(size), "ops": exact(asdict(ops)),  # type: ignore[call-overload]
                    "look": look_sha256, "lut_size": lut_size, "libraries": _library_versions()})[:32]  # fmt: skip


#: the code that decides a shot's grade from its measurement (beside :data:`CODE_FILES`): in every decision key
DECISION_CODE_FILES = ("grade/correct.py", "grade/intent.py", "grade/grain.py")


def decision_key(measure_key: str, inputs: dict) -> str:
    """The key of one shot's grade decisions: its take's measurement and every other input, exact (``float.hex``)."""
    return job_key({"step": "grade-decision", "version": MEASURE_VERSION, "measure": measure_key, "inputs": exact(inputs),
                    "libraries": _library_versions(), "code": source_digest(DECISION_CODE_FILES)})[:32]  # fmt: skip


class TakeCache:
    """Measurements by key in ``<project>/.shotcraft/grade-cache/``; counts what it measured and reused."""

    def __init__(self, project_folder: Path | None) -> None:
        self.folder = Path(project_folder) / CACHE_FOLDER if project_folder is not None else None
        self.hashes = files.hash_cache(Path(project_folder)) if project_folder is not None else None
        self.measured = 0
        self.reused = 0
        self.stats_measured = 0  # graded statistics computed / reused
        self.stats_reused = 0

    def take_sha256(self, clip: Path, shot_id: str) -> str:
        return files.content_sha256(clip, "video", where=f"grade: shot {shot_id!r}", cache=self.hashes)

    def _path(self, take_sha256: str, key: str, suffix: str = ".npz") -> Path | None:
        return self.folder / f"{take_sha256[:16]}-{key}{suffix}" if self.folder is not None and key else None

    def load(self, take_sha256: str, key: str) -> TakeMeasure | None:
        """The entry, exactly as written, or None (absent, damaged, or not this key's)."""
        path = self._path(take_sha256, key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as data:
                measured = TakeMeasure(frames=data["frames"], mask=data["mask"], found_by=str(data["found_by"]),
                                       faces=int(data["faces"]), estimates=data["estimates"], grain=float(data["grain"]))  # fmt: skip
                stored_key, stored_digest = str(data["key"]), str(data["digest"])
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
            return None
        frames, mask = measured.frames, measured.mask
        well_formed = (frames.dtype == np.uint8 and frames.ndim == 4 and frames.shape[3] == 3 and mask.dtype == np.bool_
                       and mask.shape == (frames.shape[0] * frames.shape[1] * frames.shape[2],)
                       and measured.estimates.shape == (3, 3) and measured.found_by in FOUND_BY)  # fmt: skip
        if not well_formed or stored_key != key or stored_digest != _digest(key, measured):
            return None
        self.reused += 1
        return measured

    def load_stats(self, take_sha256: str, key: str) -> dict | None:
        """A graded-statistics entry (JSON: floats round-trip exactly), or None (absent, damaged, not this key's)."""
        data = self.load_json(take_sha256, key)
        if data is not None:
            self.stats_reused += 1
        return data

    def store_stats(self, take_sha256: str, key: str, data: dict) -> None:
        self.stats_measured += 1
        self.store_json(take_sha256, key, data)

    def load_json(self, take_sha256: str, key: str) -> dict | None:
        """A JSON entry exactly as written under ``key``, or None (absent, damaged, or not this key's)."""
        path = self._path(take_sha256, key, ".json")
        if path is None or not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            data, digest = entry["data"], entry["digest"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(data, dict) or data.get("key") != key or digest != files.json_digest(data):
            return None
        return data

    def store_json(self, take_sha256: str, key: str, data: dict) -> None:
        """Write a JSON entry atomically; nothing is written read-only or outside a project."""
        path = self._path(take_sha256, key, ".json")
        if path is None or files.is_read_only() or not path.parent.parent.is_dir():
            return
        data = {**data, "key": key}
        try:
            path.parent.mkdir(exist_ok=True)
            write_bytes(path, json.dumps({"data": data, "digest": files.json_digest(data)}, sort_keys=True).encode())
        except OSError:
            pass

    def store(self, take_sha256: str, key: str, measured: TakeMeasure) -> None:
        """Write the entry atomically; nothing is written read-only or outside a project."""
        self.measured += 1
        path = self._path(take_sha256, key)
        if path is None or files.is_read_only() or not path.parent.parent.is_dir():
            return  # the project folder is made by a render, never by grading
        buffer = io.BytesIO()
        np.savez(buffer, frames=measured.frames, mask=measured.mask, found_by=np.array(measured.found_by), faces=np.array(measured.faces),
                 estimates=measured.estimates, grain=np.array(measured.grain, dtype=np.float64), key=np.array(key),
                 digest=np.array(_digest(key, measured)))  # fmt: skip
        try:
            path.parent.mkdir(exist_ok=True)
            write_bytes(path, buffer.getvalue())
        except OSError:
            pass  # a cache that cannot be written costs time, never a result
