"""Optional: the ComfyUI backend against a real ComfyUI on CPU, with a graph of core nodes only (no weights).

Runs when SHOTCRAFT_COMFYUI_URL names a running server, or SHOTCRAFT_COMFYUI_DIR a ComfyUI checkout this test
starts with ``main.py --cpu``; skipped otherwise (ComfyUI is not installed here and its torchvision dependency
cannot be installed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project
from tests.backends.remote.helpers import WORKFLOWS, write_plan

URL = os.environ.get("SHOTCRAFT_COMFYUI_URL")
DIR = os.environ.get("SHOTCRAFT_COMFYUI_DIR")
pytestmark = pytest.mark.skipif(not URL and not (DIR and (Path(DIR) / "main.py").is_file()),
                                reason="no real ComfyUI: set SHOTCRAFT_COMFYUI_URL (a running server) or SHOTCRAFT_COMFYUI_DIR (a checkout)")


@pytest.fixture(scope="module")
def real_comfyui():
    if URL:
        yield URL.rstrip("/")
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(port)], cwd=DIR,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/system_stats", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def test_a_core_node_graph_on_a_real_comfyui(real_comfyui, tmp_path):
    path = write_plan(tmp_path / "film", real_comfyui, clip_mapping='{image: "1.image", frames: "2.amount", fps: "3.fps"}')
    shutil.copy(WORKFLOWS / "core_nodes_clip_api.json", path.parent / "image_to_video_api.json")
    plan = load_plan(path)
    assert render_plan(plan, jobs=1, progress=False).ok
    take = open_project(plan).take("s01", "A")
    assert take.done and take.frames == 24 and (take.width, take.height) == (256, 144)
