"""Finishing benchmark: is grade + grain cheap next to the encode, and is memory flat in film length?

Measured in one run, each case in its own subprocess (wall time and CPU time):
  (a) encode alone: decode the 1080p24 source, RGB frames into libx264 (preset medium, CRF 18);
  (b) shotcraft: the same, with the shot's baked LUT + film grain on every frame (prefetch thread);
  (c) the ffmpeg command line doing the nearest chain: lut3d (same .cube) + temporal noise + same libx264.
Targets: (b)/(a) <= 1.15 and (b) <= (c). Cases are interleaved and repeated; the best of each is kept
(the machine is shared, so the minimum is the least-disturbed measurement).

Memory: peak RSS of delivering a 1-minute and a 5-minute 720p film (all deliverables; x264 at
preset ultrafast here, since this measures memory, not speed), each in a fresh process.

Writes bench/results/finishing.json.  Usage: python bench/finishing.py [--seconds 20] [--repeats 2] [--skip-rss]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
X264 = {"preset": "medium", "crf": "18"}
GRAIN = {"strength": 2.2, "size": 1.2}  # the charter's "light" grain
FFMPEG_NOISE = "noise=c0s=7:c0f=t"  # uniform temporal luma noise of about the same sigma


def make_source(path: Path, seconds: int, size: str) -> None:
    """A camera-like synthetic source: moving test pattern, softened (no clipped primaries), with sensor-like noise."""
    from shotcraft.media.video import run_ffmpeg

    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24:duration={seconds}", "-vf", "eq=saturation=0.6:contrast=0.85,noise=alls=6:allf=t",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p", str(path)],
        what="bench source",
    )


def make_grade(cube: Path):
    """A realistic shot grade (exposure, contrast, warmth, saturation), baked and exported as .cube."""
    from shotcraft.grade.grain import GrainSettings
    from shotcraft.grade.lut import write_cube
    from shotcraft.grade.ops import ShotOps
    from shotcraft.grade.plan import GradePlan, ShotGrade

    ops = ShotOps(exposure=0.2, contrast=0.3, saturation=1.1, temperature=0.2, skin_protect=0.5)
    grade = ShotGrade("bench", ops, GrainSettings(GRAIN["strength"], GRAIN["size"], seed=7), reference=None, lut_size=33)
    write_cube(grade.lut, cube)
    return GradePlan(shots={"bench": grade}, lut_size=33)


# --- workers (run in subprocesses) -------------------------------------------------------


def worker_encode(source: Path, out: Path, graded: bool, cube: Path) -> None:
    import av

    from shotcraft.media.prefetch import prefetch
    from shotcraft.media.video import VideoWriter, read_frames

    grade_plan = make_grade(cube) if graded else None
    with av.open(str(source)) as probe:
        stream = probe.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
    frames = read_frames(source)
    if grade_plan is not None:
        frames = (grade_plan.transform("bench", index, frame) for index, frame in enumerate(frames))
    with VideoWriter(out, width, height, Fraction(24), encoder="h264", options=X264) as writer:
        for frame in prefetch(frames):
            writer.write(frame)


def worker_deliver(minutes: float, folder: Path, kinds: tuple[str, ...]) -> None:
    """Deliver a film of ``minutes`` at 720p made of 5-second shots cut from four takes."""
    from shotcraft.deliver import encode
    from shotcraft.deliver.deliver import deliver
    from shotcraft.edit.timeline import CutEvent, Timeline
    from shotcraft.grade.plan import plan_grade
    from shotcraft.plan.loader import load_plan_text

    for name in ("distribution", "mobile"):  # memory, not speed, is measured here
        profile = encode.PROFILES[name]
        encode.PROFILES[name] = type(profile)(**{**profile.__dict__, "options": {**profile.options, "preset": "ultrafast"}})
    takes = sorted(folder.glob("take*.mp4"))
    shots = max(1, int(minutes * 12))
    text = (
        "schema_version: 2\nproduction:\n  id: rss\n  title: RSS\n  format:\n    resolution: 1280x720\n    fps: 24\n"
        "shots:\n" + "".join(f"  - id: s{i:03d}\n    type: medium-action\n    duration: 5\n" for i in range(shots))
    )
    plan = load_plan_text(text, file=str(folder / "film.yaml"), path=folder / "film.yaml")
    events = tuple(
        CutEvent(f"s{i:03d}", "a", takes[i % len(takes)], 0, 120, i * 120, 120, location=None) for i in range(shots)
    )
    timeline = Timeline("RSS", Fraction(24), 1280, 720, events)
    grade_plan = plan_grade(plan, timeline, sample_frames=2)
    deliver(plan, timeline, grade_plan, folder / f"out{minutes}", None, audio=None, kinds=kinds)


def transform_cost(source: Path, cube: Path, frames: int = 48) -> dict[str, float]:
    """CPU milliseconds per 1080p frame of grade + grain alone (no encode), and of the RGB round trip."""
    import av

    from shotcraft.media.video import read_frames

    grade_plan = make_grade(cube)
    decoded = [frame for _, frame in zip(range(frames), read_frames(source), strict=False)]
    grade_plan.transform("bench", 0, decoded[0])  # build the table and the grain bank outside the timing
    started = time.process_time()
    for index, frame in enumerate(decoded):
        grade_plan.transform("bench", index, frame)
    grade_ms = (time.process_time() - started) * 1000 / len(decoded)
    started = time.process_time()
    for frame in decoded:
        av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(format="yuv420p")
    convert_ms = (time.process_time() - started) * 1000 / len(decoded)
    return {"grade_grain_cpu_ms_per_frame": round(grade_ms, 2), "rgb_to_yuv420p_cpu_ms_per_frame": round(convert_ms, 2)}


def run_worker(args: list[str]) -> dict[str, float]:
    """Run a worker in a fresh interpreter; wall time, CPU time and its own peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    reported = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), **reported}


def run_ffmpeg_chain(source: Path, cube: Path, out: Path) -> dict[str, float]:
    from shotcraft.media.video import ffmpeg_exe

    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
               "-vf", f"lut3d=file={cube}:interp=trilinear,{FFMPEG_NOISE}",
               "-c:v", "libx264", "-preset", X264["preset"], "-crf", X264["crf"], "-pix_fmt", "yuv420p", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": round(wall, 3), "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--rss-minutes", default="1,5")
    parser.add_argument("--rss-kinds", default="master,distribution,mobile,poster,contact-sheet",
                        help="deliverables written in the memory runs (fewer: faster on a small machine)")
    options = parser.parse_args()
    sys.path.insert(0, str(HERE.parent / "src"))
    RESULTS.mkdir(exist_ok=True)
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_1m_at_start": os.getloadavg()[0]},
        "source": {"size": "1920x1080", "fps": 24, "seconds": options.seconds, "frames": options.seconds * 24},
        "x264": X264,
        "grain": GRAIN,
    }
    with tempfile.TemporaryDirectory(prefix="shotcraft-bench-") as tmp:
        folder = Path(tmp)
        source, cube = folder / "source.mp4", folder / "grade.cube"
        make_source(source, options.seconds, "1920x1080")
        make_grade(cube)
        runs: dict[str, list[dict[str, float]]] = {"a_encode": [], "b_shotcraft": [], "c_ffmpeg": []}
        for _ in range(options.repeats):  # interleaved, so a burst of load hits all three alike
            runs["a_encode"].append(run_worker(["--worker", "encode", str(source), str(folder / "a.mp4"), "0", str(cube)]))
            runs["b_shotcraft"].append(run_worker(["--worker", "encode", str(source), str(folder / "b.mp4"), "1", str(cube)]))
            runs["c_ffmpeg"].append(run_ffmpeg_chain(source, cube, folder / "c.mp4"))
            print(json.dumps({k: v[-1] for k, v in runs.items()}), flush=True)
        best = {name: {"wall_s": min(r["wall_s"] for r in rs), "cpu_s": min(r["cpu_s"] for r in rs)} for name, rs in runs.items()}
        frames = options.seconds * 24
        result["runs"] = runs
        result["best"] = best
        result["fps_best_wall"] = {name: round(frames / b["wall_s"], 2) for name, b in best.items()}
        result["ratios"] = {
            "b_over_a_wall": round(best["b_shotcraft"]["wall_s"] / best["a_encode"]["wall_s"], 3),
            "b_over_a_cpu": round(best["b_shotcraft"]["cpu_s"] / best["a_encode"]["cpu_s"], 3),
            "b_over_c_wall": round(best["b_shotcraft"]["wall_s"] / best["c_ffmpeg"]["wall_s"], 3),
            "b_over_c_cpu": round(best["b_shotcraft"]["cpu_s"] / best["c_ffmpeg"]["cpu_s"], 3),
        }
        result["transform_alone"] = transform_cost(source, cube)
        result["transform_alone"]["encode_a_cpu_ms_per_frame"] = round(best["a_encode"]["cpu_s"] * 1000 / frames, 2)
        result["targets"] = {
            "b_over_a_le_1.15": result["ratios"]["b_over_a_wall"] <= 1.15,
            "b_not_slower_than_c": result["ratios"]["b_over_c_wall"] <= 1.0,
        }
        if not options.skip_rss:
            for index in range(4):
                make_source(folder / f"take{index}.mp4", 5, "1280x720")
            rss = {}
            for minutes in (float(m) for m in options.rss_minutes.split(",")):
                rss[f"{minutes:g}min"] = run_worker(["--worker", "deliver", str(minutes), str(folder), options.rss_kinds])
                print(json.dumps(rss), flush=True)
            peaks = [v["peak_rss_mb"] for v in rss.values()]
            result["rss_720p"] = {"kinds": options.rss_kinds.split(","), **rss}
            result["rss_ratio_longest_over_shortest"] = round(peaks[-1] / peaks[0], 3)
            result["targets"]["rss_within_15pct"] = abs(peaks[-1] / peaks[0] - 1) <= 0.15
        result["load_1m_at_end"] = os.getloadavg()[0]
    (RESULTS / "finishing.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"ratios": result["ratios"], "targets": result["targets"]}, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(HERE.parent / "src"))
        sys.path.insert(0, str(HERE.parent))
        if sys.argv[2] == "encode":
            worker_encode(Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5] == "1", Path(sys.argv[6]))
        else:
            worker_deliver(float(sys.argv[3]), Path(sys.argv[4]), tuple(sys.argv[5].split(",")))
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1)}))
        sys.exit(0)
    sys.exit(main())
