"""`add_take`: a clip made elsewhere (Veo, Runway, Kling, a ComfyUI graph) becomes a take.

The file is decoded in full and conformed to the film's resolution (the
take's fit: cover, contain with a pad or blurred fill, crop at a position; a
cover that loses picture warns with the fraction kept) and the shot's frame
rate (nearest-frame resampling in time; an image sequence at the rate given)
before anything is committed; an undecodable file raises InputError and the
store stays exactly as it was. The clip's own sound travels inside the take
(lossless ALAC, 48 kHz stereo, cut or padded to the picture), so the mix can
use it as production sound. A length that differs from the shot's is
reported with the options. Provenance (source, original file facts, note,
every conform step and warning) goes to the ledger with the take.

(The module is ``imports`` because ``import`` is a Python keyword.)
"""

from __future__ import annotations

import glob as globbing
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft.errors import InputError
from shotcraft.media.video import AudioTrack, VideoWriter, probe, read_frames
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.presets import TAKE_LABELS
from shotcraft.plan.resolve import resolve_shot
from shotcraft.media.faces import FACE_PATH_METHOD, SAMPLES_PER_SECOND, face_path
from shotcraft.render.fit import WARN_KEPT, Fit, fit_frame, kept_fraction, position_for_centre
from shotcraft.render.jobs import CLIP_ENCODING, KEYFRAME_FORMAT
from shotcraft.files import check_input, content_sha256
from shotcraft.render.keys import job_key
from shotcraft.render.store import TakeRecord, open_project
from shotcraft.render.work import environment
from shotcraft.timebase import format_rate

VIDEO_SUFFIXES = {".mp4", ".mov", ".webm", ".m4v", ".mkv"}
#: a second `take add` waits this long for the first to finish before it is refused
IMPORT_LOCK_WAIT_SECONDS = 120.0
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
LENGTHS = ("keep", "hold", "slow")
#: an imported clip's sound inside the take: lossless, so the mix levels the original
TAKE_AUDIO_CODEC = "alac"


def add_take(
    plan: LoadedPlan,
    shot_id: str,
    file: str | Path,
    *,
    label: str | None = None,
    source: str | None = None,
    seed: int | None = None,
    note: str | None = None,
    fit: Fit | None = None,
    fps: Fraction | None = None,
    length: str = "keep",
) -> TakeRecord:
    """Import ``file`` (MP4/MOV/WebM, or a PNG sequence as a folder or glob) as a take of ``shot_id``.

    ``fit``: how the picture goes into the frame (default cover). ``fps``: an image
    sequence's frame rate (default the shot's). ``length``: when the clip is shorter than
    the shot, ``keep`` its length (the cut is shorter), ``hold`` the last frame, or
    ``slow`` it down to the shot's length (its sound is then dropped).
    """
    fit = fit or Fit()
    if length not in LENGTHS:
        raise InputError(f"--length: expected one of {', '.join(LENGTHS)}, found {length!r}")
    if fps is not None and Fraction(fps) <= 0:
        raise InputError(f"--fps: must be positive, found {fps}")
    # 1. Check inputs: shot, label, file.
    film = plan.film
    try:
        shot = film.shot(shot_id)
    except KeyError:
        raise InputError(f"{plan.file}: no shot {shot_id!r} (shots: {', '.join(s.id for s in film.shots)})") from None
    resolved = resolve_shot(film, shot)
    project = open_project(plan)
    rendered_labels = [t.label for t in resolved.takes]
    if label is not None and not LABEL_PATTERN.match(label):
        raise InputError(f"shot {shot_id}: take label {label!r} must be letters, digits, '-' or '_' (up to 16)")
    if label is not None and label in rendered_labels:
        raise InputError(f"shot {shot_id}: take {label} is rendered from the plan; give the import another --label")
    source_frames, original = _open_source(Path(file), Fraction(fps) if fps is not None else resolved.fps)
    if fps is not None and original["codec"] != "png-sequence":
        raise InputError(f"{file}: --fps is for image sequences; a video file carries its own rate ({original['rate']} fps)")

    # 2. Decide the conform: fit, length, sound; say what it costs
    width, height, rate = resolved.width, resolved.height, resolved.fps
    plan_ = conform_plan(original, (width, height), rate, resolved.frames, fit, length)
    target_frames = plan_["frames"]
    faces = _face_centres(Path(file), fit, original, rate, Fraction(fps) if fps is not None else resolved.fps, plan_)

    # 3. Under the project lock (another import may be finishing: wait a little for it): choose the
    #    label from the ledger as it is now, decode, conform and encode; commit only a complete clip.
    with project.lock(wait_seconds=IMPORT_LOCK_WAIT_SECONDS):
        label = _allocate_label(project, shot_id, label, rendered_labels)
        with project.objects.temp_path("mp4") as temp:
            first: np.ndarray | None = None
            count = 0
            decoded = {"frames": 0}
            sound = None
            if plan_["audio"]:
                sound = AudioTrack(Path(file), TAKE_AUDIO_CODEC, Fraction(target_frames) / rate)
            with VideoWriter(temp, width, height, rate, encoder="take", audio=sound) as writer:
                for frame in _stretch(_resample(_counted(source_frames, decoded), original["rate_fraction"], rate, original["frames"],
                                                total=plan_["resampled"]), target_frames, plan_["length"], plan_["resampled"]):  # fmt: skip
                    conformed = fit_frame(frame, width, height, fit if faces is None else
                                          replace(fit, position=position_for_centre((frame.shape[1], frame.shape[0]), (width, height),
                                                                                    faces[min(count, len(faces) - 1)])))  # fmt: skip
                    if first is None:
                        first = conformed
                    writer.write(conformed)
                    count += 1
            if count == 0 or first is None:
                raise InputError(f"{file}: no decodable frames")
            if decoded["frames"] < original["frames"]:
                raise InputError(f"{file}: only {decoded['frames']} of {original['frames']} frames decode (truncated or corrupt)")
            info = probe(temp)
            if info.frames != count:
                raise InputError(f"{file}: conformed clip holds {info.frames} frames, expected {count}")
            clip_sha, _, clip_size = project.objects.commit(temp, "mp4")
        ok, png = cv2.imencode(".png", cv2.cvtColor(first, cv2.COLOR_RGB2BGR))
        keyframe_sha, _, keyframe_size = project.objects.put_bytes(png.tobytes(), KEYFRAME_FORMAT)

        # 4. Record jobs, take and provenance.
        output = {**CLIP_ENCODING, "width": width, "height": height, "rate": format_rate(rate)}
        conform = {"fit": [fit.mode, fit.pad, list(fit.position)], "length": plan_["length"], "frames": count, "audio": plan_["audio"]}
        if fit.subject is not None:  # only then: the keys of every other import stay as they were
            conform["subject"] = [fit.subject, FACE_PATH_METHOD]
        clip_key = job_key({"kind": "import", "source_sha256": original["sha256"], "output": output, "conform": conform})
        keyframe_key = job_key({"kind": "import-keyframe", "clip": clip_key})
        provenance = {
            "file": str(Path(file).resolve()) if "*" not in str(file) else str(file),
            "source": source,
            "note": note,
            "seed": seed,
            "original": {k: v for k, v in original.items() if k != "rate_fraction"},
            "conformed": {**output, "frames": count, "method": f"{fit.describe()}, nearest-frame time resampling",
                          "fit": fit.mode, "kept": round(plan_["kept"], 4), "length": plan_["length"],
                          "audio": TAKE_AUDIO_CODEC if plan_["audio"] else None, "steps": plan_["steps"],
                          "warnings": plan_["warnings"]},
        }
        settings = {"inputs": {"kind": "import", "output": output}, "provenance": provenance}
        ledger = project.ledger
        run_id = ledger.start_run("take add")
        env = environment()
        for key, kind, sha, ext, size, frames, rate_text in (
            (keyframe_key, "keyframe", keyframe_sha, KEYFRAME_FORMAT, keyframe_size, None, None),
            (clip_key, "clip", clip_sha, "mp4", clip_size, count, format_rate(rate)),
        ):
            ledger.ensure_job(key=key, kind=kind, shot_id=shot_id, take=label, backend="import", backend_version="1", settings=settings)
            ledger.mark_running(key, run_id)
            ledger.mark_done(key, run_id, sha256=sha, ext=ext, size=size, frames=frames, rate=rate_text,
                             width=width, height=height, seconds=0.0, environment=env)  # fmt: skip
        ledger.insert_take(shot_id=shot_id, label=label, source="import", keyframe_key=keyframe_key, clip_key=clip_key,
                           seed=seed, provenance=provenance)  # fmt: skip
        ledger.finish_run(run_id, status="done", planned=2, rendered=2, cached=0, failed=0)
    record = project.take(shot_id, label)
    assert record is not None
    return record


def _face_centres(file: Path, fit: Fit, original: dict[str, Any], rate: Fraction, shot_rate: Fraction, plan_: dict[str, Any]) -> np.ndarray | None:
    """For a crop that follows the face: per conformed frame, where the faces are (fractions of the source picture).

    A first pass over the conformed timing (the path is smoothed, so it needs the frames ahead as well as behind);
    no face found: None, the crop stays at the fit's position and the import says so.
    """
    if fit.subject != "face":
        return None
    frames, _ = _open_source(file, shot_rate)
    timed = _stretch(_resample(frames, original["rate_fraction"], rate, original["frames"], total=plan_["resampled"]),
                     plan_["frames"], plan_["length"], plan_["resampled"])  # fmt: skip
    centres = face_path(timed, plan_["frames"], rate)
    if centres is None:
        plan_["warnings"].append(f"no face found in {file.name}: cropped at the centre (--position top|bottom|left|right|x,y chooses a point)")
        plan_["steps"].append("crop following the face: none found, centre crop")
    else:
        plan_["steps"].append(f"crop following the face: path from {SAMPLES_PER_SECOND} detections a second (dlib HOG), smoothed")
    return centres


def _allocate_label(project: Any, shot_id: str, label: str | None, rendered_labels: list[str]) -> str:
    """The import's label, decided under the project lock from the ledger's current takes."""
    existing = {row.label for row in project.ledger.take_rows(shot_id)}
    if label is None:
        free = [x for x in TAKE_LABELS if x not in rendered_labels and x not in existing]
        if not free:
            raise InputError(f"shot {shot_id}: every take label A-Z is used; give the import a --label")
        return free[0]
    if label in existing:
        raise InputError(f"shot {shot_id}: take {label} already exists; give the import another --label")
    return label


def import_plan_clips(plan: LoadedPlan, shot_ids: list[str] | None = None) -> list[TakeRecord]:
    """Make takes of the clips a plan lists under ``shots[].clips`` (each imported once, by content)."""
    from shotcraft.render.store import PROJECT_FOLDER

    wanted = [s for s in plan.film.shots if s.clips and (not shot_ids or s.id in shot_ids)]
    for shot in wanted:  # input checks first: every listed file must exist
        for clip in shot.clips:
            path = plan.resolve_path(clip)
            if not path.exists() and not any(ch in str(clip) for ch in "*?["):
                raise InputError(f"shot {shot.id}: clip {path} not found")
    if not wanted and not (plan.root / PROJECT_FOLDER).exists():
        return []
    added: list[TakeRecord] = []
    for shot in wanted:
        project = open_project(plan)
        known = {
            (row.provenance or {}).get("original", {}).get("sha256")
            for row in project.ledger.take_rows(shot.id)
            if row.source == "import"
        }
        for clip in shot.clips:
            path = plan.resolve_path(clip)
            _, facts = _open_source(path, resolve_shot(plan.film, shot).fps)
            if facts["sha256"] in known:
                continue
            added.append(add_take(plan, shot.id, path, source=f"{plan.file}: shots.{shot.id}.clips"))
            known.add(facts["sha256"])
    return added


def _open_source(path: Path, shot_rate: Fraction) -> tuple[Iterator[np.ndarray], dict[str, Any]]:
    """Frames and facts of a video file or a PNG sequence; InputError when it is neither."""
    text = str(path)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in globbing.glob(text))
        if not files:
            raise InputError(f"{text}: no file matches")
        return _png_sequence(files, text, shot_rate)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".png")
        if not files:
            raise InputError(f"{path}: folder holds no .png frames")
        return _png_sequence(files, text, shot_rate)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() not in VIDEO_SUFFIXES and path.suffix.lower() != ".png":
        raise InputError(f"{path}: expected an MP4, MOV or WebM file or a PNG sequence, found {path.suffix or 'no extension'}")
    # regular file, within size limits, before any decoder sees it (a FIFO would block ffprobe)
    check_input(path, "image" if path.suffix.lower() == ".png" else "video", where=str(path))
    info = probe(path)  # InputError when it does not decode as video
    if info.frames <= 0:
        raise InputError(f"{path}: video holds no frames")
    facts = {
        "sha256": content_sha256(path, "image" if path.suffix.lower() == ".png" else "video", where=str(path)),
        "codec": info.codec,
        "width": info.width,
        "height": info.height,
        "rate": format_rate(info.rate),
        "rate_fraction": info.rate,
        "frames": info.frames,
        "has_audio": info.has_audio,
    }
    return read_frames(path), facts


def _png_sequence(files: list[Path], text: str, rate: Fraction) -> tuple[Iterator[np.ndarray], dict[str, Any]]:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode("utf-8") + b"\0" + content_sha256(file, "image", where=text).encode("ascii"))
    first = cv2.imread(str(files[0]), cv2.IMREAD_COLOR)
    if first is None:
        raise InputError(f"{files[0]}: not a readable PNG")

    def frames() -> Iterator[np.ndarray]:
        for file in files:
            image = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if image is None:
                raise InputError(f"{file}: not a readable PNG")
            yield cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    facts = {
        "sha256": digest.hexdigest(),
        "codec": "png-sequence",
        "width": first.shape[1],
        "height": first.shape[0],
        "rate": format_rate(rate),
        "rate_fraction": rate,
        "frames": len(files),
        "has_audio": False,
        "pattern": text,
    }
    return frames(), facts


def conform_plan(original: dict[str, Any], size: tuple[int, int], rate: Fraction, shot_frames: int, fit: Fit, length: str) -> dict[str, Any]:
    """Every conform decision for an import, with the steps and warnings shown in `takes`, `log` and the report."""
    steps, warnings = [], []
    source_size = (int(original["width"]), int(original["height"]))
    kept = kept_fraction(source_size, size, fit)
    if source_size != tuple(size):
        steps.append(f"scale {source_size[0]}x{source_size[1]} to {size[0]}x{size[1]}: {fit.describe()}, keeps {kept:.0%} of the picture")
    if fit.mode == "cover" and kept < WARN_KEPT:
        cut = "top and bottom" if source_size[0] / source_size[1] < size[0] / size[1] else "left and right"
        warnings.append(f"cover fit keeps {kept:.0%} of the picture (crops the {cut}); --fit contain keeps all of it "
                        f"(--pad blur or a colour), --fit crop --position top|bottom|left|right|x,y chooses what stays")  # fmt: skip
    source_rate = original["rate_fraction"]
    resampled = max(1, round(Fraction(original["frames"]) / source_rate * rate))
    if source_rate != rate:
        steps.append(f"time: {original['rate']} fps to {format_rate(rate)} fps, nearest frame ({original['frames']} to {resampled} frames)")
    frames = resampled
    seconds, shot_seconds = float(resampled / rate), float(shot_frames / rate)
    if resampled < shot_frames:
        if length == "keep":
            warnings.append(f"the clip lasts {seconds:.2f} s, the shot {shot_seconds:.2f} s: the cut will be {shot_seconds - seconds:.2f} s "
                            f"shorter; --length hold holds its last frame, --length slow slows it to fit, or set the shot's "
                            f"duration to {seconds:g} in the plan")  # fmt: skip
        else:
            frames = shot_frames
            steps.append(f"length: {length} from {resampled} to {shot_frames} frames")
    elif resampled > shot_frames:
        steps.append(f"length: {resampled} frames for a {shot_frames}-frame shot; the extra {resampled - shot_frames} are handles")
    audio = bool(original.get("has_audio"))
    if audio and length == "slow" and frames != resampled:
        audio = False
        warnings.append("the clip's sound is dropped: slowed picture and real-time sound would drift apart")
    if audio:
        steps.append(f"sound kept: {TAKE_AUDIO_CODEC} 48 kHz stereo, cut or padded to the picture (production sound)")
    return {"kept": kept, "frames": frames, "resampled": resampled, "length": length if frames != resampled else "keep",
            "audio": audio, "steps": steps, "warnings": warnings}  # fmt: skip


def _stretch(frames: Iterator[np.ndarray], total: int, length: str, count: int) -> Iterator[np.ndarray]:
    """``hold`` repeats the last frame up to ``total``; ``slow`` spreads the frames over ``total`` (nearest frame)."""
    if length == "keep":
        yield from frames
        return
    if length == "slow":  # streaming: output frame i shows source frame i * count // total (never decreasing)
        yield from _frames_at(frames, (index * count // total for index in range(total)))
        return
    last = None
    played = 0
    for frame in frames:
        last = frame
        played += 1
        yield frame
    while last is not None and played < total:
        played += 1
        yield last


def _counted(frames: Iterator[np.ndarray], counter: dict[str, int]) -> Iterator[np.ndarray]:
    for frame in frames:
        counter["frames"] += 1
        yield frame


def _resample(frames: Iterator[np.ndarray], source_rate: Fraction, target_rate: Fraction, source_count: int, *, total: int | None = None) -> Iterator[np.ndarray]:
    """Nearest-frame resampling in time, streaming: output frame i shows the source frame at i / target_rate."""
    if source_rate == target_rate:
        yield from frames
        return
    total = total or max(1, round(Fraction(source_count) / source_rate * target_rate))
    wanted = [min(source_count - 1, int(Fraction(i) * source_rate / target_rate + Fraction(1, 2))) for i in range(total)]
    yield from _frames_at(frames, wanted)


def _frames_at(frames: Iterator[np.ndarray], indices: Iterable[int]) -> Iterator[np.ndarray]:
    """The source frames at ``indices`` (never decreasing), streaming; past the source's end, the stream stops."""
    iterator = iter(frames)
    current, position = next(iterator, None), 0
    for index in indices:
        while position < index and current is not None:
            following = next(iterator, None)
            if following is None:
                break
            current, position = following, position + 1
        if current is None:
            return
        yield current
    for _ in iterator:  # decode the rest too: a file that breaks after the last used frame is still refused
        pass
