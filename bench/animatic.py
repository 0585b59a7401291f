"""Animatic backend speed on the neo-noir example: every shot, every take, 1280x720.

Measures in one run, per stage: drawing the keyframes (1536x864), animating
the clips (camera moves at 720p), and — the baseline — encoding those same
frames with the takes' H.264 encoder. The ratio animate / encode says whether
the animatic is ever the slow part of a render. Writes bench/results/animatic.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shotcraft.backends.animatic import AnimaticBackend  # noqa: E402
from shotcraft.backends.protocol import ClipRequest, KeyframeRequest  # noqa: E402
from shotcraft.media.video import VideoWriter  # noqa: E402
from shotcraft.plan import load_plan  # noqa: E402
from shotcraft.plan.resolve import resolve_shot  # noqa: E402
from shotcraft.render.jobs import drawing_context  # noqa: E402


def main() -> int:
    plan = load_plan(ROOT / "examples" / "neo-noir" / "film.yaml")
    film = plan.film
    width, height = film.production.format.resolution
    backend = AnimaticBackend()
    draw_s = animate_s = encode_s = 0.0
    frames_total = keyframes = 0
    film_seconds = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        for index, shot in enumerate(film.shots):
            resolved = resolve_shot(film, shot, index)
            context = drawing_context(plan, shot)
            film_seconds += resolved.seconds
            for take in resolved.takes:
                started = time.perf_counter()
                key = backend.keyframe(KeyframeRequest(shot.id, take.label, "", "", resolved.keyframe_width, resolved.keyframe_height,
                                                       take.seed, resolved.steps, take.cfg, resolved.sampler, resolved.denoise, context=context))
                draw_s += time.perf_counter() - started
                keyframes += 1
                request = ClipRequest(shot.id, take.label, "", "", key, width, height, resolved.fps, resolved.frames, take.motion,
                                      take.seed, shot.camera.move.value, context=context)
                started = time.perf_counter()
                frames = list(backend.clip(request))
                animate_s += time.perf_counter() - started
                frames_total += len(frames)
                started = time.perf_counter()
                with VideoWriter(Path(scratch) / f"{shot.id}-{take.label}.mp4", width, height, resolved.fps, encoder="take") as writer:
                    for frame in frames:
                        writer.write(frame)
                encode_s += time.perf_counter() - started
    result = {
        "film_seconds_per_take": round(film_seconds, 3),
        "takes": keyframes,
        "frames": frames_total,
        "resolution": f"{width}x{height}",
        "keyframe_draw_ms": round(1000 * draw_s / keyframes, 1),
        "animate_fps": round(frames_total / animate_s, 1),
        "draw_and_animate_fps": round(frames_total / (draw_s + animate_s), 1),
        "encode_fps_baseline": round(frames_total / encode_s, 1),
        "animate_to_encode_ratio": round((draw_s + animate_s) / encode_s, 3),
        "total_seconds": round(draw_s + animate_s + encode_s, 2),
        # the engine's unit: render time per second of film, all takes of each shot included
        "render_seconds_per_film_second": round((draw_s + animate_s + encode_s) / film_seconds, 3),
        "cpu_count": os.cpu_count(),
    }
    out = ROOT / "bench" / "results" / "animatic.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
