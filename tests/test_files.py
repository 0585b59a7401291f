"""The one checked file opener and the persistent content-hash cache (shotcraft.files)."""

from __future__ import annotations

import json
import os
import struct

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from shotcraft import files
from shotcraft.backends.diffusers_sources import UnsafeCheckpointError, refuse_pickle_file, resolve_source
from shotcraft.errors import InputError
from shotcraft.plan.schema import ModelSource


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "coffee.png"
    cv2.imwrite(str(path), cv2.cvtColor(skdata.coffee(), cv2.COLOR_RGB2BGR))
    return path


def _one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


def test_devices_fifos_and_folders_are_refused_without_reading(tmp_path):
    with pytest.raises(InputError) as info:
        files.content_sha256("/dev/zero", "image", where="shot s01", what="still image")
    assert "shot s01: /dev/zero is not a regular file (a character device)" in _one_line(info)
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="a FIFO"):  # no writer: an open() would block forever
        files.read_input(fifo, "image", where="still")
    with pytest.raises(InputError, match="is a folder"):
        files.check_input(tmp_path, "audio", where="sound.music.file")
    with pytest.raises(InputError, match="not found"):
        files.check_input(tmp_path / "absent.wav", "audio", where="sound.music.file")


def test_size_limits_per_kind_and_suffixes_case_insensitive(tmp_path, photo, monkeypatch):
    upper = tmp_path / "COFFEE.PNG"
    upper.write_bytes(photo.read_bytes())
    assert files.content_sha256(upper, "image", where="still") == files.content_sha256(photo, "image", where="still")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(InputError, match=r"not a image \(expected .*\.png.*found \.txt\)"):
        files.check_input(text, "image", where="still")
    look = tmp_path / "look.cube"
    look.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 8)
    monkeypatch.setitem(files.KINDS, "look", files.FileKind("look .cube", frozenset({".cube"}), 16))
    with pytest.raises(InputError, match="over the .* limit for a look .cube"):
        files.read_input(look, "look", where="grade.look")


def test_content_is_sniffed_before_any_reader(tmp_path):
    fake = tmp_path / "still.png"
    fake.write_text("this is not a picture")
    with pytest.raises(InputError, match="cannot read image .*its bytes are not a image"):
        files.content_sha256(fake, "image", where="still")
    fake_wav = tmp_path / "music.WAV"
    fake_wav.write_bytes(b"\x80\x04\x95" + b"\0" * 64)  # a pickle named .WAV
    with pytest.raises(InputError, match="cannot read audio file .*its bytes are not"):
        files.check_content(fake_wav, "audio", where="sound.music.file")


def _safetensors(path, tensors: dict[str, np.ndarray]) -> None:
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        blob = array.astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def test_one_safetensors_decision_refuses_a_renamed_pickle_before_any_loader(tmp_path):
    import torch

    real = tmp_path / "unet.SAFETENSORS"
    _safetensors(real, {"conv.weight": np.ones((2, 2))})
    assert files.is_safetensors(real)
    impostor = tmp_path / "impostor" / "unet.SAFETENSORS"
    impostor.parent.mkdir()
    torch.save({"conv.weight": torch.ones(2, 2)}, impostor)  # a pickle (zip) under a safe-looking name
    assert not files.is_safetensors(impostor)
    for allow in (False, True):  # even with allow_pickle: a file must be what its name says
        with pytest.raises(UnsafeCheckpointError, match="named .safetensors but its bytes are not"):
            refuse_pickle_file(impostor, allow)
    from shotcraft.backends.diffusers_common import _load_with_denoiser_file_into
    from shotcraft.backends.diffusers_sources import ResolvedSource

    loaded = []
    monkeypatch_load = torch.load
    try:
        torch.load = lambda *a, **k: loaded.append(a)  # must never be reached
        resolved = ResolvedSource("single-file", str(impostor), None, "sd15", file_layout="denoiser", allow_pickle=True)
        with pytest.raises(UnsafeCheckpointError):
            _load_with_denoiser_file_into(None, resolved, "unet", torch.float32)
    finally:
        torch.load = monkeypatch_load
    assert loaded == []
    base = tmp_path / "base"
    base.mkdir()
    with pytest.raises(UnsafeCheckpointError):
        resolve_source(ModelSource(path=impostor, base=str(base), family="sd15"), expect="image")
    with pytest.raises(InputError, match="not a regular file"):
        refuse_pickle_file(__import__("pathlib").Path("/dev/null"), False)


def test_the_hash_cache_persists_sees_replacements_and_ignores_touches(tmp_path, photo, monkeypatch):
    project = tmp_path / ".shotcraft"
    project.mkdir()
    reads = []
    real_hash = files._hash_open
    monkeypatch.setattr(files, "_hash_open", lambda *a: reads.append(a[0]) or real_hash(*a))
    monkeypatch.setattr(files, "_PROCESS_MEMO", {})
    first = files.content_sha256(photo, "image", where="still", cache=files.HashCache(project))
    second = files.content_sha256(photo, "image", where="still", cache=files.HashCache(project))  # a new process
    assert first == second and len(reads) == 1 and (project / files.HASH_CACHE_FILE).is_file()
    stat = photo.stat()
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes
    assert files.content_sha256(photo, "image", where="still", cache=files.HashCache(project)) == first
    cv2.imwrite(str(photo), cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR))  # new content, same path
    assert files.content_sha256(photo, "image", where="still", cache=files.HashCache(project)) != first


def test_a_forked_worker_hashes_through_its_own_connection_never_the_parents(tmp_path, photo):
    """SQLite connections do not survive a fork: a QA worker forked from a make opens the hash cache again (the same
    file, the same answers) and leaves the make's connection alone."""
    import multiprocessing

    project = tmp_path / ".shotcraft"
    project.mkdir()
    cache = files.HashCache(project)
    digest = files.content_sha256(photo, "image", where="still", cache=cache)
    parents = cache._db
    key = files.stat_key(photo, photo.stat())

    def child(answers) -> None:
        cache._memo.clear()  # asked of the file, not of what the parent remembered
        answers.put((cache.lookup(key), cache._db is not None and cache._db is not parents))

    answers = multiprocessing.get_context("fork").SimpleQueue()
    worker = multiprocessing.get_context("fork").Process(target=child, args=(answers,))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0 and answers.get() == (digest, True)
    assert cache._db is parents and cache.lookup(key) == digest  # the parent's connection still serves


def test_read_only_hashing_creates_no_cache(tmp_path, photo):
    project = tmp_path / "ro" / ".shotcraft"
    project.mkdir(parents=True)
    with files.read_only():
        files.content_sha256(photo, "image", where="still", cache=files.HashCache(project))
    assert list(project.iterdir()) == []
    absent = tmp_path / "never" / ".shotcraft"
    files.content_sha256(photo, "image", where="still", cache=files.HashCache(absent))
    assert not absent.exists()  # hashing never makes the project folder


def test_what_is_derived_once_per_machine_is_kept_by_the_sources_content(tmp_path, monkeypatch) -> None:
    """Built once and read back; another source content is another copy; a torn copy is built again, written whole."""
    from shotcraft.files import derived_once_per_machine

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights one")
    builds: list[bytes] = []

    def derive() -> bytes:
        builds.append(source.read_bytes())
        return source.read_bytes().upper()

    def make() -> bytes:
        return derived_once_per_machine("kept/derived-{digest}.txt", source, read=lambda kept: kept.read_bytes(), build=derive,
                                        write=lambda value, temporary: temporary.write_bytes(value))  # fmt: skip

    assert make() == b"WEIGHTS ONE" and make() == b"WEIGHTS ONE" and len(builds) == 1
    [kept] = (tmp_path / "cache" / "shotcraft" / "kept").glob("derived-*.txt")
    source.write_bytes(b"weights two")  # the same name, other content: never the old copy
    assert make() == b"WEIGHTS TWO" and len(builds) == 2
    assert len(list(kept.parent.glob("derived-*.txt"))) == 2

    def torn(kept_path):
        raise ValueError("torn")

    assert derived_once_per_machine("kept/derived-{digest}.txt", source, read=torn, build=derive,
                                    write=lambda value, temporary: temporary.write_bytes(value)) == b"WEIGHTS TWO"  # fmt: skip
    assert len(builds) == 3
