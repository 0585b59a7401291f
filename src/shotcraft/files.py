"""The one way into a file a plan names: checked, sniffed, size-limited, hashed by content.

Every still, reference, end frame, music/ambience/cue/dialogue file, look
``.cube``, imported clip and model file goes through :func:`check_input`
(regular file, not a device or FIFO, below the kind's size limit, a suffix
of the kind, compared case-insensitively) before any reader sees it, and
enters job and step keys through :func:`content_sha256` (content, never the
path).

Hashes are remembered in ``.shotcraft/hashes.sqlite`` keyed on
(path, size, mtime_ns, inode): a re-run hashes nothing it hashed before, a
replaced file (new content at the same path) changes its stat and is hashed
again, and a copied project hashes once and then reuses everything (the
keys hold contents, the cache only says where they were read).

Read-only commands (``takes``, ``log``, ``--dry-run``...) run inside
:func:`read_only`: the cache is consulted, never created or written.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import sqlite3
import stat as stat_module
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from shotcraft.errors import InputError, ShotcraftError
from shotcraft.fsutil import atomic_path, file_sha256, user_cache_dir

T = TypeVar("T")

#: the project folder beside a plan (store, ledger, caches)
PROJECT_FOLDER = ".shotcraft"
HASH_CACHE_FILE = "hashes.sqlite"

GB = 1 << 30
MB = 1 << 20


@dataclass(frozen=True)
class FileKind:
    """What a plan may name for one purpose: its suffixes, the largest sane size, the magic its bytes start with."""

    name: str  # in messages: "still image", "music file"
    suffixes: frozenset[str] | None  # lower-case, with the dot; None: any
    max_bytes: int
    magics: tuple[bytes, ...] = ()  # any of these at offset 0 (empty: no sniff)


_IMAGE = frozenset({".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"})
_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF", b"II*\x00", b"MM\x00*", b"BM")
_AUDIO = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3"})
_AUDIO_MAGICS = (b"RIFF", b"RF64", b"fLaC", b"OggS", b"FORM", b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

KINDS: dict[str, FileKind] = {
    "image": FileKind("image", _IMAGE, 512 * MB, _IMAGE_MAGICS),
    "audio": FileKind("audio file", _AUDIO, 16 * GB, _AUDIO_MAGICS),
    "look": FileKind("look .cube", frozenset({".cube"}), 64 * MB),
    "video": FileKind("video file", frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv"}), 256 * GB),
    "model": FileKind("model file", None, 1024 * GB),
    "workflow": FileKind("workflow", frozenset({".json"}), 64 * MB, (b"{",)),
    "object": FileKind("stored object", None, 1024 * GB),
    "output": FileKind("output file", None, 1024 * GB),
}

SAFETENSORS_SUFFIX = ".safetensors"
#: a safetensors header larger than this is not one (the format caps it at 100 MB)
_SAFETENSORS_HEADER_LIMIT = 100_000_000


def check_input(path: str | Path, kind: str, *, where: str, what: str | None = None) -> os.stat_result:
    """Stat ``path`` and refuse what no reader of ``kind`` should open; one-line errors naming ``where``.

    Never opens the file (a FIFO would block), so it is safe on anything a plan names. ``what``
    names the file in messages ("still image", "music file"; default: the kind's name).
    """
    spec = KINDS[kind]
    if what is not None:
        spec = FileKind(what, spec.suffixes, spec.max_bytes, spec.magics)
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{where}: {spec.name} {path} not found", code="file-missing") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read {spec.name} {path} ({exc.strerror or exc})", code="file-unreadable") from None
    if stat_module.S_ISDIR(info.st_mode):
        raise InputError(f"{where}: {spec.name} {path} is a folder, not a file", code="file-not-regular")
    if not stat_module.S_ISREG(info.st_mode):
        raise InputError(f"{where}: {path} is not a regular file ({_special(info.st_mode)}); give a {spec.name}",
                         code="file-not-regular")  # fmt: skip
    if info.st_size > spec.max_bytes:
        raise InputError(f"{where}: {spec.name} {path} is {info.st_size / GB:.1f} GB, over the {spec.max_bytes / GB:.1f} GB "
                         f"limit for a {spec.name}", code="file-too-large")  # fmt: skip
    if spec.suffixes is not None and path.suffix.lower() not in spec.suffixes:
        raise InputError(f"{where}: {path} is not a {spec.name} (expected {', '.join(sorted(spec.suffixes))}, "
                         f"found {path.suffix or 'no extension'})", code="file-suffix")  # fmt: skip
    return info


def _special(mode: int) -> str:
    for test, name in ((stat_module.S_ISFIFO, "a FIFO"), (stat_module.S_ISCHR, "a character device"),
                       (stat_module.S_ISBLK, "a block device"), (stat_module.S_ISSOCK, "a socket")):  # fmt: skip
        if test(mode):
            return name
    return "a special file"


@contextlib.contextmanager
def open_input(path: str | Path, kind: str, *, where: str, what: str | None = None) -> Iterator[object]:
    """Open a checked input for reading; re-checks the opened descriptor (the path may have been swapped)."""
    check_input(path, kind, where=where, what=what)
    # O_NONBLOCK: if a FIFO replaced the file since the stat, open() must not block on it
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat_module.S_ISREG(info.st_mode):
            raise InputError(f"{where}: {path} is not a regular file ({_special(info.st_mode)})", code="file-not-regular")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_input(path: str | Path, kind: str, *, where: str, what: str | None = None) -> bytes:
    """A checked input's bytes (the kind's size limit bounds the memory)."""
    with open_input(path, kind, where=where, what=what) as handle:
        data = handle.read(KINDS[kind].max_bytes + 1)  # type: ignore[attr-defined]
    sniff(data[:64], path, kind, where=where)
    return data


def sniff(head: bytes, path: str | Path, kind: str, *, where: str) -> None:
    """Refuse bytes that are not what the kind's name promises (a pickle renamed .png, text named .wav)."""
    spec = KINDS[kind]
    if spec.magics and not any(head.startswith(magic) for magic in spec.magics):
        raise InputError(f"{where}: cannot read {spec.name} {path}: its bytes are not a {spec.name} (they start {head[:8]!r})",
                         code="file-content")  # fmt: skip
    if kind == "look" and b"\0" in head:
        raise InputError(f"{where}: {path} is binary, not a text .cube", code="file-content")


def check_content(path: str | Path, kind: str, *, where: str, what: str | None = None) -> os.stat_result:
    """check_input plus a sniff of the first bytes (opened without blocking)."""
    info = check_input(path, kind, where=where, what=what)
    if KINDS[kind].magics or kind == "look":
        with open_input(path, kind, where=where) as handle:
            sniff(handle.read(64), path, kind, where=where)  # type: ignore[attr-defined]
    return info


# --- the safetensors decision: one answer for every loader ----------------------------------------


def safetensors_header(path: str | Path) -> dict | None:
    """The JSON header of a real safetensors file, or None if the bytes are anything else (pickle, zip, text)."""
    try:
        with open_input(path, "model", where=str(path)) as handle:
            raw = handle.read(8)  # type: ignore[attr-defined]
            if len(raw) != 8:
                return None
            (length,) = struct.unpack("<Q", raw)
            if length < 2 or length > _SAFETENSORS_HEADER_LIMIT:
                return None
            text = handle.read(length)  # type: ignore[attr-defined]
    except (OSError, InputError):
        return None
    if len(text) != length or not text.lstrip().startswith(b"{"):
        return None
    try:
        header = json.loads(text)
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


def is_safetensors(path: str | Path) -> bool:
    """The one routing decision: named ``.safetensors`` (any case) AND its bytes are a safetensors header.

    A pickle renamed ``unet.SAFETENSORS`` answers False, so no loader treats it as safe.
    """
    return Path(path).suffix.lower() == SAFETENSORS_SUFFIX and safetensors_header(path) is not None


def claims_safetensors(path: str | Path) -> bool:
    """The file's name says safetensors (any case); pair with :func:`is_safetensors` to catch impostors."""
    return Path(path).suffix.lower() == SAFETENSORS_SUFFIX


# --- content hashing with a persistent cache ------------------------------------------------------------

_READ_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("shotcraft_read_only", default=False)
_PROJECT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("shotcraft_hash_project", default=None)


@contextlib.contextmanager
def read_only() -> Iterator[None]:
    """Inside: no cache or project file is created or written (reads stay reads)."""
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def is_read_only() -> bool:
    return _READ_ONLY.get()


@contextlib.contextmanager
def project_hashes(project_folder: Path) -> Iterator[None]:
    """Hash inputs through ``project_folder``'s persistent cache while inside."""
    token = _PROJECT.set(Path(project_folder))
    try:
        yield
    finally:
        _PROJECT.reset(token)


class HashCache:
    """sha256 by (path, size, mtime_ns, inode) in ``<project>/.shotcraft/hashes.sqlite``.

    Not created until something writes (a read-only command never creates it). A damaged
    cache file is ignored: the worst case is hashing again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / HASH_CACHE_FILE
        self._db: sqlite3.Connection | None = None
        self._writable = False
        self._memo: dict[tuple[str, int, int, int], str] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _connect(self, write: bool) -> sqlite3.Connection | None:
        if self._pid != os.getpid():  # in a forked worker: SQLite connections do not survive a fork; never use or close the parent's
            self._db, self._writable, self._pid = None, False, os.getpid()
        if self._db is not None and (self._writable or not write):
            return self._db
        try:
            if write:
                if not self.folder.is_dir():
                    return None  # the project folder is made by a render, never by hashing
                db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
                db.execute("CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER NOT NULL,"
                           " mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, sha256 TEXT NOT NULL)")  # fmt: skip
            else:
                if not self.path.is_file():
                    return None
                from urllib.parse import quote

                db = sqlite3.connect(f"file:{quote(self.path.as_posix())}?mode=ro", uri=True, timeout=30.0, isolation_level=None,
                                     check_same_thread=False)  # fmt: skip
        except sqlite3.Error:
            return None
        if self._db is not None:
            self._db.close()
        self._db, self._writable = db, write
        return db

    def lookup(self, key: tuple[str, int, int, int]) -> str | None:
        if key in self._memo:
            return self._memo[key]
        with self._lock:
            db = self._connect(write=False)
            if db is None:
                return None
            try:
                row = db.execute("SELECT sha256 FROM hashes WHERE path = ? AND size = ? AND mtime_ns = ? AND inode = ?", key).fetchone()
            except sqlite3.Error:
                return None
        if row is not None:
            self._memo[key] = row[0]
        return row[0] if row else None

    def store(self, key: tuple[str, int, int, int], digest: str) -> None:
        self._memo[key] = digest
        if is_read_only():
            return
        with self._lock:
            db = self._connect(write=True)
            if db is None:
                return
            with contextlib.suppress(sqlite3.Error):
                db.execute("INSERT OR REPLACE INTO hashes (path, size, mtime_ns, inode, sha256) VALUES (?, ?, ?, ?, ?)",
                           (*key, digest))  # fmt: skip

    def forget(self, path: Path) -> None:
        resolved = str(Path(path).resolve())
        self._memo = {k: v for k, v in self._memo.items() if k[0] != resolved}
        if is_read_only():
            return
        with self._lock:
            db = self._connect(write=True)
            if db is not None:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("DELETE FROM hashes WHERE path = ?", (resolved,))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


_CACHES: dict[Path, HashCache] = {}
_PROCESS_MEMO: dict[tuple[str, int, int, int], str] = {}


def hash_cache(project_folder: Path) -> HashCache:
    """The process's cache object for one project folder (one SQLite connection per folder)."""
    folder = Path(project_folder).resolve()
    if folder not in _CACHES:
        _CACHES[folder] = HashCache(folder)
    return _CACHES[folder]


def stat_key(path: Path, info: os.stat_result) -> tuple[str, int, int, int]:
    return (str(path.resolve()), info.st_size, info.st_mtime_ns, info.st_ino)


def content_sha256(path: str | Path, kind: str, *, where: str, what: str | None = None,
                   cache: HashCache | None = None) -> str:  # fmt: skip
    """sha256 of a checked input's bytes; the persistent cache answers when the file's stat is unchanged."""
    path = Path(path)
    info = check_content(path, kind, where=where, what=what)
    key = stat_key(path, info)
    if cache is None:
        project = _PROJECT.get()
        cache = hash_cache(project) if project is not None else None
    known = cache.lookup(key) if cache is not None else _PROCESS_MEMO.get(key)
    if known is not None:
        return known
    digest = _hash_open(path, kind, where)
    _PROCESS_MEMO[key] = digest
    if cache is not None:
        cache.store(key, digest)
    return digest


def _hash_open(path: Path, kind: str, where: str) -> str:
    digest = hashlib.sha256()
    with open_input(path, kind, where=where) as handle:
        while block := handle.read(1 << 22):  # type: ignore[attr-defined]
            digest.update(block)
    return digest.hexdigest()


def file_identity(path: str | Path, kind: str, *, where: str, what: str | None = None) -> dict[str, str]:
    """How a file enters a key: its content hash (the path stays out: a moved project keeps its keys)."""
    return {"sha256": content_sha256(path, kind, where=where, what=what)}


def json_digest(value: object) -> str:
    """sha256 of a JSON-able record (keys sorted, anything else by its str): cache keys of loaded models and QA results.

    Job keys are stricter (:func:`shotcraft.render.keys.job_key` refuses paths and floats it cannot keep exact);
    this is for in-process and cache keys whose inputs are already content-hashed.
    """
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode("utf-8")).hexdigest()


# --- what is derived once per machine from an installed file ---------------------------------------


def derived_once_per_machine(name: str, source: Path, *, read: Callable[[Path], T], build: Callable[[], T],
                             write: Callable[[T, Path], None]) -> T:  # fmt: skip
    """What ``build`` derives from ``source`` (a file an installed package ships: a model, a library), kept in the user's
    cache as ``name`` with ``{digest}`` replaced by the source's sha256 (remembered by the file's stat in the cache's
    hash table, so a large file is not hashed again): another source is another file, exact or absent. ``read`` gives
    the kept copy back; any failure to read it means build again and ``write`` it whole (atomically). One process builds
    while others wait on a lock and read its copy; where the cache cannot hold it, built each time. Raises OSError when
    ``source`` cannot be read."""
    try:
        folder = user_cache_dir()
    except RuntimeError:  # no home folder: nowhere to keep it
        return build()
    cache = hash_cache(folder)
    key = stat_key(source, source.stat())
    digest = cache.lookup(key)
    if digest is None:
        digest = file_sha256(source)
        cache.store(key, digest)
    kept = folder / name.format(digest=digest[:32])
    found = _read_kept(kept, read)
    if found is not None:
        return found
    with _building(kept):
        found = _read_kept(kept, read)  # kept by the process this one waited for
        if found is not None:
            return found
        made = build()
        with contextlib.suppress(OSError, ShotcraftError):  # a read-only or full cache: built again next time
            with atomic_path(kept) as temporary:
                write(made, temporary)
        return made


def _read_kept(kept: Path, read: Callable[[Path], T]) -> T | None:
    if not kept.is_file():
        return None
    try:
        return read(kept)
    except Exception:  # a torn or foreign copy, whatever the reader raises: built again
        return None


@contextlib.contextmanager
def _building(kept: Path) -> Iterator[None]:
    """A lock beside the kept file while one process builds it; none where the cache folder cannot hold one."""
    from filelock import FileLock, Timeout

    lock: FileLock | None = None
    with contextlib.suppress(OSError):
        kept.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(kept) + ".lock", timeout=300)
        try:
            lock.acquire()
        except (Timeout, OSError):
            lock = None
    try:
        yield
    finally:
        if lock is not None:
            lock.release()
