"""`shotcraft archive` / `shotcraft restore`: the film in one file a user can keep, and back.

The archive is a plain uncompressed tar (the takes are already compressed
video; any tool can list or open it), written deterministically (sorted
members, zero times and owners) with a manifest first:

- ``shotcraft-archive.json``: format version, shotcraft version, production,
  the takes it holds (shot, label, picked, object hashes), every member's
  sha256 and size;
- ``plan/``: the plan file and every file it names (stills, references,
  imported clips, a look .cube, sound files, local model weights), by
  their paths relative to the plan folder;
- ``store/ledger.sqlite``: the settings log (every job's key inputs, prompts,
  seeds, QA records, picks), a consistent SQLite snapshot;
- ``store/cut.json``: a conformed edit, if any;
- ``store/objects/``: the keyframe and clip of each picked take (the default,
  as the hand-off asks: "the picked takes, optionally every take"), or of every
  current take with ``all_takes``;
- ``store/archived-out.json``: the job keys of the current takes left out, so
  the engine treats them as absent by choice (:mod:`shotcraft.render.archived`):
  ``make`` after a restore renders nothing, and ``render --shot S --take L``
  brings one back;
- ``output/``: the output folder's manifest.json and step record (grade,
  mix and conformance parameters and measurements), when given.

Restore checks every member before writing anything (regular files only, no
absolute path, no ``..``, the manifest's hash for each), into an empty folder.
The plan's own text (grade, sound, edit settings) travels in ``plan/``, so
``make`` after a restore finds every job done and writes the same files.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel

from shotcraft import __version__
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path, file_sha256
from shotcraft.plan.loader import LoadedPlan
from shotcraft.render.archived import ARCHIVED_OUT, archived_out_record

ARCHIVE_VERSION = 1
MANIFEST_NAME = "shotcraft-archive.json"
PROJECT_FOLDER = ".shotcraft"
#: what restore writes where: archive prefix -> folder under the restore target
_PREFIXES = {"plan/": "", "store/": f"{PROJECT_FOLDER}/", "output/": f"{PROJECT_FOLDER}/archived-output/"}


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    members: int
    takes: int
    bytes: int


def plan_files(plan: LoadedPlan) -> list[Path]:
    """The plan file and every file or folder its fields name, resolved (files only, folders walked)."""
    found: set[Path] = {plan.path.resolve()}

    def walk(value: Any) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, Path):
            path = plan.resolve_path(value).resolve()
            if path.is_dir():
                found.update(p.resolve() for p in path.rglob("*") if p.is_file())
            elif path.is_file():
                found.add(path)

    walk(plan.film)
    schema = plan.root / "film.schema.json"  # the editor's schema init wrote beside the plan
    if schema.is_file():
        found.add(schema.resolve())
    return sorted(found)


def archive_plan(plan: LoadedPlan, target: str | Path, *, output: str | Path | None = None, all_takes: bool = False) -> ArchiveResult:
    """Write the archive of ``plan`` to ``target`` (a .tar), atomically. See the module docstring."""
    from shotcraft.render.store import open_project

    target = Path(target)
    root = plan.root.resolve()
    members: dict[str, Path | bytes] = {}
    for path in plan_files(plan):
        try:
            relative = path.relative_to(root)
        except ValueError:
            raise InputError(f"{plan.file}: {path} lies outside the plan folder; move it inside to archive the film") from None
        members[f"plan/{relative.as_posix()}"] = path
    project = open_project(plan)
    takes, left_out = [], []
    for record in project.takes():
        if not record.done:
            continue
        if not all_takes and not record.picked:
            row = next(r for r in project.ledger.take_rows(record.shot_id) if r.label == record.label and r.clip_key == record.key)
            left_out.append({"shot": record.shot_id, "take": record.label, "keys": [k for k in (row.keyframe_key, row.clip_key) if k]})
            continue
        entry: dict[str, Any] = {"shot": record.shot_id, "take": record.label, "picked": record.picked, "objects": []}
        for path in (record.keyframe_path, record.clip_path):
            if path is not None:
                relative = Path(path).resolve().relative_to(project.objects.folder.resolve()).as_posix()
                members[f"store/objects/{relative}"] = Path(path)
                entry["objects"].append(relative)
        takes.append(entry)
    if not takes:
        raise InputError(f"{plan.file}: no finished take to archive (run 'shotcraft render' first)")
    members["store/ledger.sqlite"] = _ledger_snapshot(project.folder / "ledger.sqlite")
    if left_out:
        members[f"store/{ARCHIVED_OUT}"] = archived_out_record(left_out)
    cut = project.folder / "cut.json"
    if cut.is_file():
        members["store/cut.json"] = cut
    if output is not None:
        output = Path(output)
        for name in ("manifest.json", ".shotcraft-make.json"):
            if (output / name).is_file():
                members[f"output/{name}"] = output / name
    files = {name: _digest(value) for name, value in sorted(members.items())}
    manifest = {
        "archive_version": ARCHIVE_VERSION,
        "shotcraft": __version__,
        "production": plan.film.production.id,
        "title": plan.film.production.title,
        "plan": f"plan/{plan.path.resolve().relative_to(root).as_posix()}",
        "picked_only": not all_takes,
        "left_out": [{"shot": t["shot"], "take": t["take"]} for t in left_out],
        "takes": takes,
        "files": {name: {"sha256": sha, "size": size} for name, (sha, size) in files.items()},
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    total = 0
    with atomic_path(target) as temp:
        with tarfile.open(temp, "w", format=tarfile.PAX_FORMAT) as tar:
            _add(tar, MANIFEST_NAME, manifest_bytes)
            for name, value in sorted(members.items()):
                total += _add(tar, name, value)
    return ArchiveResult(target, len(members) + 1, len(takes), total + len(manifest_bytes))


def _ledger_snapshot(path: Path) -> bytes:
    """A consistent copy of the ledger (SQLite's online backup: safe while another process reads it)."""
    if not path.is_file():
        raise InputError(f"{path}: no render ledger to archive (run 'shotcraft render' first)")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "ledger.sqlite"
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        destination = sqlite3.connect(str(copy))
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return copy.read_bytes()


def _digest(value: Path | bytes) -> tuple[str, int]:
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest(), len(value)
    return file_sha256(value), value.stat().st_size


def _add(tar: tarfile.TarFile, name: str, value: Path | bytes) -> int:
    """One regular file, with no time, owner or mode that depends on the machine it was written on."""
    info = tarfile.TarInfo(name)
    info.mode, info.mtime, info.uid, info.gid, info.uname, info.gname = 0o644, 0, 0, 0, "", ""
    if isinstance(value, bytes):
        info.size = len(value)
        tar.addfile(info, io.BytesIO(value))
    else:
        info.size = value.stat().st_size
        with open(value, "rb") as handle:
            tar.addfile(info, handle)
    return info.size


# --- restore ---------------------------------------------------------------------------------------------


def _safe_name(name: str, archive: Path) -> str:
    """Refuse a member that would land outside the restore folder (absolute, ``..``, odd prefixes)."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith(("/", "\\")) or ":" in pure.parts[0] or "\\" in name:
        raise InputError(f"{archive}: member {name!r} has an absolute path; nothing was restored")
    if any(part in ("..", "") for part in name.split("/")):
        raise InputError(f"{archive}: member {name!r} climbs out of the folder ('..'); nothing was restored")
    if name != MANIFEST_NAME and not any(name.startswith(prefix) for prefix in _PREFIXES):
        raise InputError(f"{archive}: member {name!r} is not part of a shotcraft archive; nothing was restored")
    return name


def restore_archive(archive: str | Path, folder: str | Path) -> Path:
    """Unpack ``archive`` into the empty (or new) ``folder``; returns the restored plan file's path."""
    archive, folder = Path(archive), Path(folder)
    if not archive.is_file():
        raise InputError(f"{archive}: archive not found")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder}: restore needs an empty folder")
    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"{archive}: not a readable archive ({exc})") from None
    with tar:
        # 1. check every member before anything is written
        members = tar.getmembers()
        for member in members:
            _safe_name(member.name, archive)
            if not member.isfile():
                raise InputError(f"{archive}: member {member.name!r} is not a regular file (links and devices are refused); nothing was restored")
        by_name = {m.name: m for m in members}
        if MANIFEST_NAME not in by_name:
            raise InputError(f"{archive}: no {MANIFEST_NAME}; not a shotcraft archive")
        try:
            manifest = json.loads(_read(tar, by_name[MANIFEST_NAME], archive))
            files = manifest["files"]
            plan_member = manifest["plan"]
            if manifest.get("archive_version") != ARCHIVE_VERSION:
                raise ValueError(f"archive_version {manifest.get('archive_version')!r}, expected {ARCHIVE_VERSION}")
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{archive}: unreadable {MANIFEST_NAME} ({exc})") from None
        listed = set(files)
        present = set(by_name) - {MANIFEST_NAME}
        if listed != present:
            odd = sorted(listed ^ present)[0]
            raise InputError(f"{archive}: member {odd!r} is {'missing' if odd in listed else 'not in the manifest'}; nothing was restored")
        for name in sorted(files):
            _safe_name(name, archive)
        # 2. write, checking each member's hash as it lands; a failure leaves the folder empty again
        folder.mkdir(parents=True, exist_ok=True)
        try:
            _write_members(tar, by_name, files, folder, archive)
        except BaseException:
            for child in list(folder.iterdir()):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            raise
    return folder / plan_member[len("plan/") :]


def _write_members(tar: tarfile.TarFile, by_name: dict[str, tarfile.TarInfo], files: dict[str, Any], folder: Path, archive: Path) -> None:
    for name in sorted(files):
        prefix = next(p for p in _PREFIXES if name.startswith(p))
        destination = folder / _PREFIXES[prefix] / name[len(prefix) :]
        with atomic_path(destination) as temp:
            digest = hashlib.sha256()
            source = tar.extractfile(by_name[name])
            assert source is not None  # a regular file, checked above
            with source, open(temp, "wb") as sink:
                while block := source.read(1 << 20):
                    digest.update(block)
                    sink.write(block)
            if digest.hexdigest() != files[name]["sha256"]:
                raise InputError(f"{archive}: member {name!r} does not match its sha256 in the manifest (damaged archive); nothing was restored")


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo, archive: Path) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise InputError(f"{archive}: member {member.name!r} cannot be read")
    with handle:
        return handle.read()
