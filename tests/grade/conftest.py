"""Takes shared by the grade tests (encoded once per session: real H.264 files through PyAV)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.grade.media import COOL, CYAN_CAST, GREEN_MAGENTA, WARM, write_take



@pytest.fixture(scope="session")
def takes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("grade-takes")
    casts = {"neutral": (1.0, 1.0, 1.0), "cyan": CYAN_CAST, "cool": COOL, "warm": WARM,
             "cool-magenta": tuple(a * b for a, b in zip(COOL, GREEN_MAGENTA, strict=True)),
             "dark": (0.03, 0.03, 0.03), "green": (0.25, 1.0, 0.25)}  # fmt: skip
    return {name: write_take(folder / f"{name}.mp4", 6, cast=cast) for name, cast in casts.items()}
