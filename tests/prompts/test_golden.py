"""The neo-noir example's compiled prompts, checked in and compared byte for byte.

Regenerate after an intended change with:
    SHOTCRAFT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/prompts/test_golden.py
and review the diff: it is exactly what every generator will receive differently.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys

import pytest

from shotcraft.plan import load_plan
from shotcraft.prompts import PromptOptions, compile_plan, format_json, format_text
from tests.prompts.conftest import EXAMPLE, GOLDEN

CASES = {
    "neo-noir.json": lambda film: format_json(compile_plan(film)),
    "neo-noir.txt": lambda film: format_text(compile_plan(film)),
    "neo-noir-prose.txt": lambda film: format_text(compile_plan(film, keyframe_family="prose", clip_family="prose")),
    "neo-noir-sd-weights.txt": lambda film: format_text(
        compile_plan(film, keyframe_family="sd", clip_family="sd", options=PromptOptions(weights=True))
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_prompts_match_golden(name: str) -> None:
    produced = CASES[name](load_plan(EXAMPLE).film).encode("utf-8")
    golden = GOLDEN / name
    if os.environ.get("SHOTCRAFT_UPDATE_GOLDEN") == "1":
        golden.write_bytes(produced)
    assert golden.exists(), f"missing golden {golden}; run with SHOTCRAFT_UPDATE_GOLDEN=1"
    expected = golden.read_bytes()
    if produced != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(), produced.decode().splitlines(), "golden", "compiled", n=0, lineterm=""
        )
        pytest.fail(f"{name} differs from the golden file:\n" + "\n".join(list(diff)[:12]))


def test_cli_output_is_byte_stable_across_hash_seeds_and_locales() -> None:
    """Another process, another hash seed, another locale: the same bytes as the golden file."""
    outputs = []
    for hash_seed, locale in (("1", "C"), ("4242", "tr_TR.UTF-8")):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, LC_ALL=locale, LANG=locale, COLUMNS="40")
        result = subprocess.run(
            [sys.executable, "-c", "from shotcraft.cli import main; main()", "prompts", str(EXAMPLE), "--format", "json",
             "--keyframe-family", "sd", "--clip-family", "prose"],
            env=env,
            capture_output=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr.decode()
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == (GOLDEN / "neo-noir.json").read_bytes()
