"""bench/gpu_generation.py runs unattended: a tiny CPU smoke run writes its JSON; no GPU exits cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "gpu_generation.py"


def test_tiny_cpu_run_writes_every_figure(tmp_path):
    out = tmp_path / "gpu.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--tiny", "--out", str(out)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["tiny"] is True and set(report["models"]) == {"sdxl", "wan", "ltx"}
    for figures in report["models"].values():
        assert figures["flops_per_step"] > 0
        for name in ("plain_step_s", "fast_step_s", "batched_ab_step_s", "gain_fast_over_plain", "gain_batched_ab"):
            assert figures[name] > 0
    assert report["models"]["sdxl"]["seconds_per_keyframe_fast"] > 0
    assert report["models"]["wan"]["seconds_per_clip_fast"] > 0


def test_without_cuda_it_says_so_and_exits_zero(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    out = tmp_path / "gpu.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert "no CUDA device" in result.stdout
    assert not out.exists()
