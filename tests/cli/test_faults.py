"""Faults said as such, and nothing half-written (#18 items 9, 11, 14).

A read-only output folder and a full disk are real: a read-only bind mount and
a 256 KB tmpfs where the machine allows mounting (root in a container), plain
chmod otherwise; tests that need neither skip with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.fsutil import atomic_path, sweep_stale_temps
from shotcraft.grade.lut import CubeError, read_cube
from tests.render.helpers import plan_text

runner = CliRunner()
SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """A two-shot animatic film rendered once (a few seconds), shared by the tests that need takes."""
    folder = tmp_path_factory.mktemp("faults") / "film"
    folder.mkdir()
    plan = folder / "film.yaml"
    plan.write_text(plan_text("animatic", shots=2, takes=1, resolution="160x96"), encoding="utf-8")
    result = runner.invoke(app, ["render", str(plan), "--no-progress", "-j", "1"])
    assert result.exit_code == 0, result.output
    return plan


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SHOTCRAFT, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


@contextlib.contextmanager
def _read_only(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root without mount: a read-only folder cannot be made")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@contextlib.contextmanager
def _full_disk(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here to fill")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def _one_clean_line(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("shotcraft: "), done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def test_read_only_output_folder_is_reported_with_the_path(rendered: Path, tmp_path: Path) -> None:
    with _read_only(tmp_path / "ro") as folder:
        for args in (["cut", str(rendered), "--out", str(folder / "cut")],
                     ["mix", str(rendered), "--cut", "plan", "--out", str(folder / "sound")],
                     ["grade", str(rendered), "--export-luts", str(folder / "luts")]):
            done = _run(*args)
            assert done.returncode in (1, 2), (args, done.stderr)
            _one_clean_line(done, str(folder))
            assert any(words in done.stderr for words in ("read-only file system", "permission denied", "Read-only", "Permission")), done.stderr
        assert not any(folder.rglob("*"))  # nothing, not even a temp file


def test_a_full_disk_is_called_a_full_disk(rendered: Path, tmp_path: Path) -> None:
    with _full_disk(tmp_path / "tiny") as folder:
        (folder / "filler").write_bytes(b"\0" * (240 * 1024))
        done = _run("mix", str(rendered), "--cut", "plan", "--out", str(folder / "sound"))
        assert done.returncode == 1, done.stderr
        _one_clean_line(done, "disk full", str(folder / "sound"))
        assert not [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]
        # the ledger on a full disk: "disk full", never "not a usable ledger"
        project = folder / "p"
        project.mkdir()
        (project / "film.yaml").write_text(rendered.read_text())
        (folder / "filler2").write_bytes(b"\0" * (max(0, os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize - 512)))
        done = _run("render", str(project / "film.yaml"), "--no-progress")
        assert done.returncode in (1, 2)
        _one_clean_line(done, "disk full")
        assert "not a usable" not in done.stderr


def test_ffmpeg_pointing_nowhere_is_a_clean_error(rendered: Path, tmp_path: Path) -> None:
    done = _run("cut", str(rendered), "--out", str(tmp_path / "cut"), env={"IMAGEIO_FFMPEG_EXE": str(tmp_path / "no-ffmpeg")})
    assert done.returncode == 2
    _one_clean_line(done, f"IMAGEIO_FFMPEG_EXE='{tmp_path / 'no-ffmpeg'}' is not an executable ffmpeg")


@pytest.mark.parametrize("args", [["make", "{plan}", "--out", "{store}/out"], ["cut", "{plan}", "--out", "{store}/cut"],
                                  ["mix", "{plan}", "--out", "{store}/../.shotcraft/s"], ["qa", "{plan}", "--report", "{store}/q"],
                                  ["grade", "{plan}", "--export-luts", "{store}/luts"]], ids=["make", "cut", "mix", "qa", "grade"])
def test_an_output_folder_inside_the_store_is_refused(rendered: Path, args: list[str]) -> None:
    store = rendered.parent / ".shotcraft"

    def listing() -> list[Path]:  # SQLite's -wal/-shm come and go with any connection: not the store's content
        return sorted(p.relative_to(store) for p in store.rglob("*") if not p.name.endswith(("-wal", "-shm")))

    before = listing()
    result = runner.invoke(app, [a.format(plan=rendered, store=store) for a in args])
    assert result.exit_code == 2
    assert "inside a .shotcraft takes store, which `shotcraft gc` cleans" in result.stderr
    assert listing() == before


def test_stale_temp_files_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (tmp_path / "sub").mkdir()
    stale = tmp_path / f".tmp-{dead}-abcd1234.mov"
    old = tmp_path / "sub" / ".tmp-abcdefgh.mp4"  # an older shotcraft's name, untouched for two hours
    live = tmp_path / f".tmp-{os.getpid()}-abcd1234.mov"
    recent = tmp_path / ".tmp-zyxwvuts.mp4"
    theirs = tmp_path / ".tmp-notours"
    store = tmp_path / ".shotcraft" / f".tmp-{dead}-abcd1234.mp4"
    store.parent.mkdir()
    for path in (stale, old, live, recent, theirs, store):
        path.write_bytes(b"x" * 100)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert sorted(sweep_stale_temps(tmp_path)) == sorted([stale, old])
    assert live.exists() and recent.exists() and theirs.exists() and store.exists()
    with atomic_path(tmp_path / "x.mov") as temp:  # what atomic_path makes is what the sweep knows
        assert temp.name.startswith(f".tmp-{os.getpid()}-") and sweep_stale_temps(tmp_path) == []


def test_a_cube_with_a_nan_input_range_is_refused(tmp_path: Path) -> None:
    cube = tmp_path / "look.cube"
    cube.write_text("LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE nan 1\n" + "0 0 0\n" * 8)
    with pytest.raises(CubeError, match=r"look\.cube:2: expected two finite numbers"):
        read_cube(cube)


def test_sound_paths_are_relative_to_the_output_folder(rendered: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["mix", str(rendered), "--cut", "plan", "--out", "deep/sound"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "deep" / "sound" / "sound.json").read_text())
    assert data["mix"] == "mix.wav" and all(stem["path"].startswith("stems/") for stem in data["stems"])
