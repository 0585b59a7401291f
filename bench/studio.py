"""Benchmark: the studio's time to first picture and frame-step latency at 720p, against PyAV in the same run.

The film is the neo-noir example (12 shots, two takes each, 1280x720) rendered by
the animatic backend into a scratch folder. Measured in Debian's Chromium driven
by Playwright against a real uvicorn server in this process:

- **first picture**: from navigation to both panes of the first shot painted
  (a fresh server each run: its frame cache is cold). Baseline: opening the
  same two takes with PyAV and decoding frame 0 of each (cold, sequentially).
- **frame step**: ``show(n + 1)`` in the page, from the call to both panes
  painted and the next animation frame. *burst*: steps back to back (a key held
  down) onto frames the page has not fetched; *paced*: a pause between presses
  (stepping and looking), which the page uses to prefetch; *back*: stepping back
  over frames already in the page. Baselines: PyAV decoding the next frame of an open
  container (the cheapest possible step), and PyAV seeking to frame n and
  decoding up to it (what a random-access step costs without an index).

    .venv/bin/python bench/studio.py [--repeat 3] [--steps 24]

Writes bench/results/studio.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

from shotcraft.fsutil import write_json
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project
from shotcraft.studio.frames import encode_jpeg
from shotcraft.studio.server import make_studio

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip
BOTH_PAINTED = "() => window.studio && document.querySelectorAll('#viewer canvas[data-frame=\"0\"]').length >= 2"


def pyav_first_frame(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
            frame.to_ndarray(format="rgb24")
    return time.perf_counter() - started


def pyav_next_frame(path: Path, count: int) -> float:
    """Median seconds to decode one more frame of an open container."""
    times = []
    with av.open(str(path)) as container:
        frames = container.decode(video=0)
        next(frames).to_ndarray(format="rgb24")
        for _ in range(count):
            started = time.perf_counter()
            next(frames).to_ndarray(format="rgb24")
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def pyav_seek_frame(path: Path, indices: list[int]) -> float:
    """Median seconds to open, seek and decode up to frame n (random access without a frame index)."""
    times = []
    for index in indices:
        started = time.perf_counter()
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            container.seek(0, stream=stream)
            for k, frame in enumerate(container.decode(stream)):
                if k == index:
                    frame.to_ndarray(format="rgb24")
                    break
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--pause-ms", type=int, default=250, help="pause between paced steps")
    parser.add_argument("--plan", default=str(ROOT / "examples" / "neo-noir" / "film.yaml"))
    parser.add_argument("--film", type=Path, help="a plan rendered before (render skipped when nothing changed), used in place")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        film = args.film or Path(scratch) / "film.yaml"
        if args.film is None:
            shutil.copy(args.plan, film)
        plan = load_plan(film)
        started = time.perf_counter()
        render_plan(plan, progress=False, jobs=2)
        render_seconds = time.perf_counter() - started
        project = open_project(plan)
        first = plan.film.shots[0].id
        takes = [t for t in project.takes(first) if t.done]
        paths = [t.clip_path for t in takes]
        width, height, frames = takes[0].width, takes[0].height, takes[0].frames
        project.ledger.close()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            first_picture, baseline_first, phases = [], [], []
            for _ in range(args.repeat):
                baseline_first.append(pyav_first_frame(paths))
                studio = make_studio(film).start()
                context = browser.new_context(viewport={"width": 1600, "height": 900})
                page = context.new_page()
                started = time.perf_counter()
                page.goto(studio.url)
                page.wait_for_function(BOTH_PAINTED, polling="raf", timeout=60_000)
                first_picture.append(time.perf_counter() - started)
                phases.append(page.evaluate("() => ({ shell: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd, picture: studio.firstPicture })"))
                context.close()
                studio.stop()

            studio = make_studio(film).start()
            context = browser.new_context(viewport={"width": 1600, "height": 900})
            page = context.new_page()
            page.goto(studio.url)
            page.wait_for_function(BOTH_PAINTED, timeout=60_000)
            steps = min(args.steps, frames - 1)
            page.wait_for_timeout(1500)  # let the server's decoding threads finish: measure the page path, not the first decode
            # a step: the call to show(n) until the next animation frame after both panes are drawn
            timings = page.evaluate(
                """async ([steps, pause]) => {
                    const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r()));
                    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
                    const run = async (delta, wait) => {
                        const out = [];
                        for (let i = 0; i < steps; i++) {
                            if (wait) await sleep(wait);
                            const t = performance.now(); await show(studio.frame + delta); await nextFrame(); out.push(performance.now() - t);
                        }
                        return out;
                    };
                    const burst = await run(1, 0);           // key held down: new frames back to back
                    const back = await run(-1, 0);           // over frames already in the page
                    await show(steps + 20); await sleep(1500);
                    const paced = await run(1, pause);       // stepping and looking: a pause between presses
                    await show(0);
                    return { burst, back, paced, frame: studio.frame, panes: [...document.querySelectorAll('#viewer canvas')].map(c => c.dataset.frame) };
                }""",
                [steps, args.pause_ms],
            )
            assert timings["frame"] == 0 and set(timings["panes"]) == {"0"}, timings
            context.close()
            studio.stop()
            browser.close()

        next_frame = pyav_next_frame(paths[0], steps)
        seek_frame = pyav_seek_frame(paths[0], list(range(1, steps + 1)))
        jpeg_sizes, encode_times = [], []
        with av.open(str(paths[0])) as container:
            for frame in container.decode(video=0):
                bgr = frame.to_ndarray(format="bgr24")
                started = time.perf_counter()
                jpeg_sizes.append(len(encode_jpeg(bgr)))
                encode_times.append(time.perf_counter() - started)

    cold_step = statistics.median(timings["burst"]) / 1000
    warm_step = statistics.median(timings["back"]) / 1000
    paced_step = statistics.median(timings["paced"]) / 1000
    result = {
        "film": {"plan": str(Path(args.plan).relative_to(ROOT)) if Path(args.plan).is_relative_to(ROOT) else args.plan,
                 "shots": len(plan.film.shots), "size": [width, height], "frames_first_shot": frames,
                 "render_seconds": round(render_seconds, 2)},  # fmt: skip
        "first_picture_seconds": round(min(first_picture), 4),
        "first_picture_all": [round(v, 4) for v in first_picture],
        "in_page_ms": [{k: round(v, 1) for k, v in p.items()} for p in phases],  # since navigation start: page shell loaded, both panes painted
        "pyav_first_frame_two_takes_seconds": round(min(baseline_first), 5),
        "first_picture_ratio": round(min(first_picture) / min(baseline_first), 1),
        "step_burst_ms": round(cold_step * 1000, 2),
        "step_paced_ms": round(paced_step * 1000, 2),
        "step_back_ms": round(warm_step * 1000, 2),
        "pause_between_steps_ms": args.pause_ms,
        "pyav_next_frame_ms": round(next_frame * 1000, 3),
        "pyav_seek_frame_ms": round(seek_frame * 1000, 3),
        "step_burst_vs_next_frame": round(cold_step / next_frame, 1),
        "step_burst_vs_seek": round(cold_step / seek_frame, 2),
        "step_paced_vs_next_frame": round(paced_step / next_frame, 1),
        "step_paced_vs_seek": round(paced_step / seek_frame, 2),
        "step_back_vs_next_frame": round(warm_step / next_frame, 1),
        "jpeg_kb_per_frame": round(statistics.mean(jpeg_sizes) / 1024, 1),
        "jpeg_encode_ms": round(statistics.median(encode_times) * 1000, 2),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()[0]},
    }
    out = ROOT / "bench" / "results" / "studio.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, result)
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
