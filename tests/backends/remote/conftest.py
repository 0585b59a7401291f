"""A fresh fake ComfyUI per test (starting one takes a fraction of a second)."""

from __future__ import annotations

import pytest

from tests.backends.remote.fake_comfyui import serve


@pytest.fixture
def comfy():
    with serve() as server:
        yield server
