"""Atomic file writes: temp file in the same folder, fsync, rename.

A reader never sees a half-written file under the final name, and a crash
(SIGKILL included) leaves at worst a stray ``.tmp-*`` file that is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


#: every temp file atomic_path makes is named TEMP_PREFIX + writer pid + "-" + random part
TEMP_PREFIX = ".tmp-"
#: a temp file without a pid in its name (older shotcraft) is stale once untouched this long
STALE_TEMP_SECONDS = 3600.0
_OUR_TEMP = re.compile(r"^\.tmp-(?:(\d+)-)?[A-Za-z0-9_]{8}(\.[A-Za-z0-9]+)?$")


def sweep_stale_temps(folder: str | Path, *, skip: tuple[str, ...] = (".shotcraft",)) -> list[Path]:
    """Remove the temp files a killed writer left under ``folder`` (a killed finishing leaves
    ``.tmp-*`` files of 100 MB). Only ours: names atomic_path makes; only stale: the pid in
    the name is not running, or (no pid) untouched for STALE_TEMP_SECONDS. Returns what went."""
    import time

    removed: list[Path] = []
    root = Path(folder)
    if not root.is_dir():
        return removed
    for path in root.rglob(f"{TEMP_PREFIX}*"):
        if any(part in skip for part in path.relative_to(root).parts[:-1]):
            continue
        match = _OUR_TEMP.match(path.name)
        if match is None or not path.is_file() or path.is_symlink():
            continue
        pid = match.group(1)
        try:
            stale = not _running(int(pid)) if pid else time.time() - path.stat().st_mtime > STALE_TEMP_SECONDS
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # vanished meanwhile, or not ours to remove
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, another user's
    return True


@contextlib.contextmanager
def atomic_path(target: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success fsync it and rename it into place.

    The temp name keeps the target's extension (encoders pick the container from it).
    """
    from shotcraft.errors import output_error

    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix if suffix is not None else target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:  # read-only folder, disk full: said as such, with the path
        raise (output_error(exc, target) or exc) from None
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files 0600; deliverables are shared
            os.replace(tmp, target)
        except OSError as exc:
            raise (output_error(exc, target) or exc) from None
        fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(target: str | Path, data: bytes) -> Path:
    """``data`` into ``target`` atomically; a file that already holds exactly these bytes is left as it is.

    Leaving it costs a read instead of two fsyncs (a one-shot edit rewrites dozens of unchanged CDLs, timelines and
    records), and keeps its modification time, so an editing application watching the folder sees only real changes.
    """
    target = Path(target)
    if _holds(target, data):
        return target
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def _holds(target: Path, data: bytes) -> bool:
    """Whether ``target`` is a regular file whose bytes are ``data`` (its size first: most changes change it)."""
    try:
        if target.is_symlink() or target.stat().st_size != len(data):
            return False
        with open(target, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except OSError:
        return False


def write_text(target: str | Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | Path, data: Any, *, compact: bool = False) -> Path:
    """``data`` as JSON, atomically; indented for people to read, or ``compact`` for a file only shotcraft reads (five
    times faster to write: Python's C encoder does not indent)."""
    if compact:
        return write_text(target, json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
    return write_text(target, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """sha256 (hex) of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def user_cache_dir() -> Path:
    """This user's cache of what shotcraft derives once per machine (not per project): ``$XDG_CACHE_HOME/shotcraft``,
    else ``~/.cache/shotcraft``. Whatever goes there is named by what it was derived from, so it is exact or absent."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shotcraft"


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort where the OS refuses directory fsync)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
