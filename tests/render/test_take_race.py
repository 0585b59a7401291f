"""Two `take add` and a `render` at once, 20 times: every import lands or is refused with a message, none is lost.

The three commands run as separate processes (forked from this one after the
imports, so a round costs milliseconds of start-up, not seconds), each through
the real CLI entry point, against the real project lock and SQLite ledger.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import av
import numpy as np

import shotcraft.render.engine  # noqa: F401 - imported before forking: children start warm
import shotcraft.render.imports  # noqa: F401
from shotcraft.cli import main
from tests.render.helpers import plan_text

ROUNDS = 20


def _clip(path: Path, shade: int, frames: int) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for index in range(frames):
            frame = np.full((36, 64, 3), shade, np.uint8)
            frame[:, index % 8 * 8 : index % 8 * 8 + 8] = 255 - shade
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _spawn(args: list[str], log: Path) -> int:
    """Fork a child that runs `shotcraft ARGS` with stdout/stderr in ``log``; returns its pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 70
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = open(1, "w", closefd=False)  # pytest's capture objects are not fd 1/2
            sys.stderr = open(2, "w", closefd=False)
            sys.argv = ["shotcraft", *args]
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def _import_takes(ledger: Path) -> dict[str, str]:
    """label -> source file of every imported take (read-only, closed again before the next fork)."""
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT label, provenance FROM takes WHERE source = 'import' AND shot_id = 's01'").fetchall()
    finally:
        db.close()
    import json

    return {label: json.loads(provenance)["file"] for label, provenance in rows}


def test_two_imports_and_a_render_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "film"
    folder.mkdir()
    (folder / "film.yaml").write_text(plan_text("animatic", shots=1, takes=1, resolution="64x36"), encoding="utf-8")
    plan = str(folder / "film.yaml")
    landed: dict[str, str] = {}  # label -> file, across rounds
    refused = 0
    for round_index in range(ROUNDS):
        # one short and one longer clip: the longer one's probing overlaps the other's whole import,
        # the window where a label chosen before the lock was lost
        lengths = (6, 96) if round_index % 2 else (96, 6)
        clips = [_clip(tmp_path / f"r{round_index}_{n}.mp4", 20 + 9 * round_index + n, lengths[n]) for n in (0, 1)]
        logs = [tmp_path / f"r{round_index}_{name}.log" for name in ("add0", "add1", "render")]
        pids = [
            _spawn(["take", "add", plan, "s01", str(clips[0])], logs[0]),
            _spawn(["take", "add", plan, "s01", str(clips[1])], logs[1]),
            _spawn(["render", plan, "--no-progress", "-j", "1"], logs[2]),
        ]
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        outputs = [log.read_text(errors="replace") for log in logs]
        for output in outputs:
            assert "Traceback" not in output and "internal error" not in output, output
        now = _import_takes(folder / ".shotcraft" / "ledger.sqlite")
        for index, clip in enumerate(clips):
            labels = [label for label, file in now.items() if file == str(clip.resolve())]
            if codes[index] == 0:
                # it said "added": it is there, exactly once, under the label it printed
                assert len(labels) == 1, (round_index, index, outputs[index], now)
                assert f"take {labels[0]} added" in outputs[index]
            else:
                # refused: a one-line message, and nothing of it in the ledger
                assert codes[index] == 2, (codes[index], outputs[index])
                assert outputs[index].startswith("shotcraft: ") and outputs[index].count("\n") == 1, outputs[index]
                assert labels == []
                refused += 1
        assert codes[2] in (0, 2), outputs[2]
        # nothing that landed before was lost or replaced
        assert all(now.get(label) == file for label, file in landed.items()), (landed, now)
        landed = now
    assert len(landed) == 2 * ROUNDS - refused
