"""ProRes 422 HQ: prores_aw against prores_ks on the same frames (quality against a lossless reference, CPU cost).

Both encoders write the same profile (ProRes 422 HQ, 10-bit 4:2:2). The frames are a
real photograph (scikit-image's astronaut) under a push-in at 1280x720, 48 frames;
the reference is the same frames through FFV1 (lossless at 10-bit 4:2:2), and PSNR
and SSIM of the luma plane are computed frame by frame with NumPy and scikit-image
on the decoded 10-bit planes. CPU time is the encoder process's (children rusage).
Writes bench/results/prores.json.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from skimage import data
from skimage.metrics import structural_similarity

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shotcraft.backends import camera  # noqa: E402
from shotcraft.media.video import ENCODERS, VideoWriter  # noqa: E402

W, H, FRAMES = 1280, 720, 48


def luma_planes(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="yuv422p10le")[0].astype(np.float64) for frame in container.decode(video=0)]


def encode(path: Path, encoder: str, frames: list[np.ndarray]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with VideoWriter(path, W, H, Fraction(24), encoder=encoder) as writer:
        for frame in frames:
            writer.write(frame)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - started, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    key = camera.cover_resize(data.astronaut(), (W, H))
    frames = list(camera.animate(key, move="push-in", frames=FRAMES, fps=Fraction(24), motion=0.45, seed=3, output_size=(W, H)))
    ENCODERS["prores_ks"] = ("prores_ks", "yuv422p10le", {"profile:v": "3", "vendor": "apl0"})
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        reference = Path(folder) / "reference.mkv"
        encode(reference, "ffv1", frames)
        truth = luma_planes(reference)
        for name in ("prores_ks", "prores"):
            path = Path(folder) / f"{name}.mov"
            wall, cpu = encode(path, name, frames)
            decoded = luma_planes(path)
            psnr = [10 * np.log10(1023**2 / max(float(((a - b) ** 2).mean()), 1e-12)) for a, b in zip(decoded, truth, strict=True)]
            ssim = [structural_similarity(a, b, data_range=1023) for a, b in zip(decoded[::8], truth[::8], strict=True)]
            results[ENCODERS[name][0]] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "ms_per_frame_cpu": round(cpu / FRAMES * 1000, 2),
                                          "psnr_y_db": round(float(np.mean(psnr)), 2), "psnr_y_min_db": round(float(np.min(psnr)), 2),
                                          "ssim_y": round(float(np.mean(ssim)), 5), "bytes": path.stat().st_size}  # fmt: skip
    ks, aw = results["prores_ks"], results["prores_aw"]
    results["ratio"] = {"cpu_aw_over_ks": round(aw["cpu_s"] / ks["cpu_s"], 3), "psnr_aw_minus_ks_db": round(aw["psnr_y_db"] - ks["psnr_y_db"], 2)}
    out = ROOT / "bench" / "results" / "prores.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
