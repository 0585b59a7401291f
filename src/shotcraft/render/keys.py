"""Job keys: a sha256 over a canonical JSON serialisation of everything that sets a job's output.

ComfyUI's cache silently stops working when an input cannot be hashed; ours
raises :class:`UnhashableInputError` naming the field instead, so a key is
either exact or absent, never quietly wrong.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import math
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any

from shotcraft.errors import ShotcraftError

KEY_VERSION = 2  # bump when the canonical form changes: every key changes with it


class UnhashableInputError(ShotcraftError):
    """A job input has no canonical form (an array, an open file, an arbitrary object)."""

    code = "unhashable-input"


def canonical(value: Any, *, where: str = "key") -> Any:
    """Plain JSON data with one spelling per value: sorted keys, exact rates, finite floats."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value, where=where)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnhashableInputError(f"job key input {where!r} is {value!r}, which has no canonical form")
        # integral floats and ints must not give two keys for one setting (4 vs 4.0)
        return int(value) if value.is_integer() else value
    if isinstance(value, Fraction):
        return {"fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, PurePath):
        # a path says where a file was, not what it holds: keys take its content hash instead
        raise UnhashableInputError(
            f"job key input {where!r} is a bare path ({value.as_posix()}); give the file's content hash "
            "(shotcraft.files.content_sha256) so that a changed file changes the key and a moved one does not"
        )
    if isinstance(value, dict):
        out = {}
        for key in value:
            if not isinstance(key, str):
                raise UnhashableInputError(f"job key input {where!r} has a non-text key {key!r}")
            out[key] = canonical(value[key], where=f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [canonical(item, where=f"{where}[{index}]") for index, item in enumerate(value)]
    if hasattr(value, "model_dump") and callable(value.model_dump):  # pydantic models
        return canonical(value.model_dump(mode="json", by_alias=True), where=where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return canonical({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, where=where)
    raise UnhashableInputError(
        f"job key input {where!r} of type {type(value).__name__} cannot be hashed (give plain data or a file hash)"
    )


def canonical_json(value: Any, *, where: str = "key") -> str:
    return json.dumps(canonical(value, where=where), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def job_key(inputs: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical form of a job's inputs."""
    text = canonical_json({"key_version": KEY_VERSION, "inputs": inputs}, where="inputs")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def source_digest(names: tuple[str, ...]) -> str:
    """sha256 of these source files' bytes (paths relative to the package): the code that computes a cached result,
    in its key, so an edit to any of them can never be answered by an old entry."""
    package = Path(__file__).resolve().parents[1]
    return hashlib.sha256(b"".join((package / name).read_bytes() for name in names)).hexdigest()


def installed_versions(distributions: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each of these distributions that is installed, from its metadata (no import: cheap
    enough for a key). An absent one is left out: one of two wheels of a library (opencv-python and its headless
    build, dlib and dlib-bin); a required library that is missing fails where it is imported."""
    from importlib import metadata

    versions = {}
    for name in distributions:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


#: the distributions whose code shapes what shotcraft makes from the takes: decoding (av), pixels (numpy, OpenCV,
#: Pillow), sound (scipy, soundfile, pyloudnorm), the reports' charts and pages (matplotlib, Jinja2), the timelines
#: (OpenTimelineIO), and the ffmpeg binary's package (imageio-ffmpeg)
TOOL_DISTRIBUTIONS = ("av", "numpy", "opencv-python-headless", "opencv-python", "pillow", "scipy", "soundfile", "pyloudnorm",
                      "matplotlib", "jinja2", "opentimelineio", "imageio-ffmpeg")  # fmt: skip


@functools.cache
def tools_identity() -> dict[str, Any]:
    """The tools shotcraft drives to make its outputs: the installed versions of :data:`TOOL_DISTRIBUTIONS` and a
    sha256 of what the ffmpeg binary it runs says it is (version, build configuration, its libraries' versions:
    ``ffmpeg -version``, 0.03 s once a process; hashing the 170 MB binary itself would cost 0.1 s and say no more).

    An upgraded ffmpeg or library can change an encoded byte or a mixed sample: what the old one made is then made
    again, never spliced beside what the new one makes.
    """
    import subprocess

    from shotcraft.media.video import ffmpeg_banner, ffmpeg_exe

    try:
        banner = ffmpeg_banner(ffmpeg_exe())
    except (OSError, subprocess.SubprocessError) as exc:
        from shotcraft.errors import InputError

        raise InputError(f"ffmpeg could not say its version ({exc}); reinstall imageio-ffmpeg or fix IMAGEIO_FFMPEG_EXE") from None
    return {"libraries": installed_versions(TOOL_DISTRIBUTIONS), "ffmpeg": hashlib.sha256(banner).hexdigest()}


@functools.cache
def code_identity() -> dict[str, Any]:
    """This shotcraft and the tools it drives: its version, the sha256 of every file of the package as installed
    (``__pycache__`` aside) and :func:`tools_identity`.

    In the key of each output made from the takes by shotcraft's own code (the cut, the mix, the finish, the report,
    each encoded segment): another shotcraft, a release or a checkout a commit apart with the same version number,
    or another ffmpeg or library underneath it, makes them again instead of reusing what the other code made. Not in
    the takes' keys: a generation is paid for and depends on its backend, not on this code (see ``render.jobs``).
    """
    from shotcraft import __version__

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    return {"version": __version__, "source": digest.hexdigest(), "tools": tools_identity()}
