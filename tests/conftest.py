"""Test-wide settings: offline, deterministic, headless."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "neo-noir" / "film.yaml"


@pytest.fixture
def example_plan_path() -> Path:
    return EXAMPLE
