"""Backends for the Ray executor tests. Workers of a shared Ray cluster see no test-time environment,
so each reads its instructions from a token in the prompt (``token-XYZ``) naming a folder in /tmp."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest
from tests.render.render_test_backend import SolidBackend


def token_folder(prompt: str) -> Path:
    match = re.search(r"token-(\w+)", prompt)
    if match is None:
        raise RuntimeError("the test plan's prompt carries no token-XYZ")
    return Path(tempfile.gettempdir()) / f"shotcraft-ray-{match.group(1)}"


class KillableBackend(SolidBackend):
    """The first clip of shot s02 announces its pid and waits to be SIGKILLed by the test; later tries behave."""

    name = "test-killable"

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        folder = token_folder(request.prompt)
        if request.shot_id == "s02" and request.take == "A" and not (folder / "killed").exists():
            (folder / "pid").write_text(str(os.getpid()))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # the test kills this process well before
                time.sleep(0.05)
            raise RuntimeError("the test never killed this worker")
        yield from super().clip(request)


class CountingDeviceBackend(SolidBackend):
    """One process per device; 'loads its model' on first use and writes one line per load."""

    name = "test-counting-device"
    capabilities = Capabilities(text_to_image=True, image_to_video=True, one_process_per_device=True)

    def __init__(self) -> None:
        self.loaded = False

    def _load(self, prompt: str) -> None:
        if not self.loaded:
            with open(token_folder(prompt) / "loads", "a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n")
            self.loaded = True

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        self._load(request.prompt)
        return super().keyframe(request)

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        self._load(request.prompt)
        yield from super().clip(request)


class OtherCountingDeviceBackend(CountingDeviceBackend):
    """A second device model: the executor swaps models on a single device only when it must."""

    name = "test-counting-device-2"
