"""Clips for the QA tests, generated once per session (real H.264 files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.qa import generators as gen


class Clips:
    """Generate each clip on first use, keep it for the session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, object] = {}

    def get(self, name: str):
        if name not in self._made:
            maker = getattr(gen, name)
            self._made[name] = maker(self.folder / f"{name}.mp4")
        return self._made[name]


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips(tmp_path_factory.mktemp("qa-clips"))
