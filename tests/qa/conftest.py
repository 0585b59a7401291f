"""Clips for the QA tests, generated once per session (real H.264 files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotcraft.qa import Expected, analyze_clip
from shotcraft.qa.model import CharacterSheet
from tests.qa import corpus
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


# --- the realistic corpus (tests/qa/corpus.py), shared by the corpus and profile tests ---

STILL = {"static_hubble", "portrait_micro", "frozen_portrait", "frozen_fresh_grain"}


def expected_for(name: str, **extra) -> Expected:
    return Expected(frames=corpus.FRAMES, rate=corpus.RATE, motion=0.0 if name in STILL else 0.3, **extra)


class Corpus:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._clips: dict[str, corpus.Clip] = {}
        self._reports: dict[str, object] = {}

    def clip(self, name: str) -> corpus.Clip:
        if name not in self._clips:
            self._clips[name] = corpus.clean(name, self.folder) if name in corpus.CLEAN else corpus.DEFECTS[name](self.folder)
        return self._clips[name]

    def report(self, name: str):
        if name not in self._reports:
            self._reports[name] = analyze_clip(self.clip(name).path, expected=expected_for(name))
        return self._reports[name]


@pytest.fixture(scope="session")
def footage(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("qa-corpus"))


@pytest.fixture(scope="session")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CharacterSheet]:
    folder = tmp_path_factory.mktemp("qa-sheets")
    Image.fromarray(corpus.photo("astronaut")).save(folder / "mara.png")
    Image.fromarray(np.dstack([corpus.lfw_face(3, 250)] * 3)).save(folder / "other.png")
    return {"mara": CharacterSheet("mara", (str(folder / "mara.png"),)), "other": CharacterSheet("mara", (str(folder / "other.png"),))}
