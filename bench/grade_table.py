"""A shot's 256^3 grade table: shotcraft's two-tap build against the dense matrix build it replaced (2026-12-01).

Every graded frame of every deliverable goes through a table expanded once per shot from the shot's baked LUT
(``shotcraft.grade.lut.expand_to_table``). The baseline, kept here as it was, interpolates the last axis as one
matrix product per 32 codes (BLAS, which takes both cores) and then transposes each block into place. The LUTs
are a real shot's grade (exposure, contrast, saturation, white balance) baked at 33 and 65 points, with the grain's
luminance weight as the fourth channel, as the grade builds them. Wall and CPU seconds (the process's, so BLAS's
second thread counts; a pause between builds lets it settle) are medians of ``--repeat`` builds of each, alternated in one run; the two tables are
compared entry by entry. Writes bench/results/grade_table.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shotcraft.grade.grain import luminance_weight  # noqa: E402
from shotcraft.grade.lut import Lut3D, bake, expand_to_table  # noqa: E402
from shotcraft.grade.ops import ShotOps  # noqa: E402


def dense_matrix_table(lut: Lut3D, weight=None) -> np.ndarray:
    """The previous build (main before 2026-12-01), unchanged: the baseline."""
    n = lut.size
    channels = lut.table
    if weight is not None:
        channels = np.concatenate([channels, np.asarray(weight(lut.table), dtype=np.float32)[..., None]], axis=-1)
    depth = channels.shape[-1]
    positions = np.arange(256, dtype=np.float64) * (n - 1) / 255
    low = np.minimum(np.floor(positions).astype(np.int64), n - 2)
    frac = positions - low
    matrix = np.zeros((256, n), dtype=np.float32)
    matrix[np.arange(256), low] = 1.0 - frac
    matrix[np.arange(256), low + 1] += frac
    along_b = np.einsum("kb,rgbc->rgkc", matrix, channels, optimize=True)
    along_gb = np.einsum("jg,rgkc->rjkc", matrix, along_b, optimize=True)
    flat = along_gb.reshape(n, -1) * np.float32(255.0)
    packed = np.empty((256, 256, 256), dtype=np.uint32)
    for start in range(0, 256, 32):
        values = (matrix[start : start + 32] @ flat).reshape(-1, 256, 256, depth)
        np.rint(values, out=values)
        np.clip(values, 0, 255, out=values)
        codes = values.astype(np.uint8)
        if depth == 3:
            codes = np.concatenate([codes, np.zeros((*codes.shape[:3], 1), dtype=np.uint8)], axis=-1)
        packed[:, :, start : start + 32] = codes.view(np.uint32)[..., 0].transpose(2, 1, 0)
    return packed.reshape(-1)


def timed(build, lut: Lut3D) -> tuple[float, float, np.ndarray]:
    wall, cpu = time.perf_counter(), time.process_time()
    table = build(lut, luminance_weight)
    return time.perf_counter() - wall, time.process_time() - cpu, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    grade = ShotOps(exposure=0.3, contrast=0.4, saturation=1.2, temperature=0.3, tint=-0.1)
    results: dict[str, dict] = {}
    for size in (33, 65):
        lut = bake(grade, size)
        runs: dict[str, list[tuple[float, float]]] = {"two_tap": [], "dense_matrix": []}
        tables = {}
        for _ in range(args.repeat):
            for name, build in (("dense_matrix", dense_matrix_table), ("two_tap", expand_to_table)):
                time.sleep(0.3)  # BLAS's worker thread spins a moment after a product: not the next build's CPU
                wall, cpu, tables[name] = timed(build, lut)
                runs[name].append((wall, cpu))
        medians = {name: {"wall_s": round(statistics.median(w for w, _ in r), 4), "cpu_s": round(statistics.median(c for _, c in r), 4)}
                   for name, r in runs.items()}  # fmt: skip
        difference = np.abs(tables["two_tap"].view(np.uint8).astype(np.int16) - tables["dense_matrix"].view(np.uint8).astype(np.int16))
        results[f"lut_{size}"] = {
            **medians,
            "wall_ratio": round(medians["two_tap"]["wall_s"] / medians["dense_matrix"]["wall_s"], 3),
            "cpu_ratio": round(medians["two_tap"]["cpu_s"] / medians["dense_matrix"]["cpu_s"], 3),
            "max_code_difference": int(difference.max()),
            "entries_differing": int(np.count_nonzero(difference)),
        }
    out = ROOT / "bench" / "results" / "grade_table.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
