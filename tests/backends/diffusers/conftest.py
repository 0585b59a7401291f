"""Fixtures for the diffusers backends: tiny pipelines built in code, saved once per session.

Offline by construction: HF_HUB_OFFLINE is set before huggingface_hub is
imported, and every component comes from diffusers_tiny_models.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ["HF_HUB_OFFLINE"] = "1"
# a private, empty Hugging Face cache: tests never read (or write) the developer's real one
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="shotcraft-hf-home-")
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")  # bit-reproducible CPU kernels (see diffusers_common)

import pytest  # noqa: E402

from shotcraft.plan.schema import ModelSource  # noqa: E402

from diffusers_tiny_models import TEST_OPTIONS  # noqa: E402


@dataclass
class TinyModel:
    family: str
    pipeline: Any  # built in memory
    folder: Path  # the same pipeline saved with save_pretrained (safetensors)

    def source(self, **fields: Any) -> ModelSource:
        fields.setdefault("options", dict(TEST_OPTIONS.get(self.family, {})))
        return ModelSource(path=self.folder, **fields)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """family -> TinyModel, built and saved once per session."""
    import diffusers_tiny_models

    built: dict[str, TinyModel] = {}

    def get(family: str) -> TinyModel:
        if family not in built:
            if family.startswith("wan"):
                pytest.importorskip("ftfy", reason="diffusers' Wan pipeline needs ftfy (the diffusers extra)")
            pipeline = diffusers_tiny_models.build(family)
            folder = tmp_path_factory.mktemp(f"tiny-{family}") / "model"
            pipeline.save_pretrained(folder)
            built[family] = TinyModel(family, pipeline, folder)
        return built[family]

    return get


#: diffusers' schedulers call NumPy in ways NumPy 2 deprecates (thousands of lines per run); not ours to fix
_LIBRARY_WARNINGS = (
    "ignore:__array_wrap__ must accept context:DeprecationWarning",
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            for spec in _LIBRARY_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))
