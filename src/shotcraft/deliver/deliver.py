"""Deliver the finished film: master, web master, platform reframes, poster, contact sheet.

Each video deliverable is encoded per segment of the cut (see
:mod:`shotcraft.deliver.segments`) and assembled by stream copy with the mix,
so a one-shot edit re-encodes only that shot's segments. Frames flow from the
takes through the grade to every encoder of a segment at once; the film never
sits in memory (a few frames in a bounded queue, one still per shot), so peak
memory does not grow with the film's length. Every file is written under a
temporary name and renamed only when complete: a failure leaves no
deliverable that looks finished.
"""

from __future__ import annotations

import contextlib
import contextvars
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shotcraft.deliver.assemble import AUDIO_SUFFIX, concat, encode_audio
from shotcraft.deliver.captions import METHOD as CAPTION_METHOD
from shotcraft.deliver.captions import CaptionOverlay, TakeCaption, take_captions
from shotcraft.deliver.conformance import check_deliverable
from shotcraft.deliver.reframe import METHOD as REFRAME_METHOD
from shotcraft.deliver.reframe import SubjectPath
from shotcraft.deliver.end_card import CardLayer, CardSpec, card_spec, strength_at
from shotcraft.deliver.encode import PLATFORM_FRAMES, PROFILES, Profile, crop_box, headroom_curve, open_segment_writer, platform_options, platform_size, web_size
from shotcraft.edit.segments import CACHE_DIR, ContentNames, Segment, SegmentStore, plan_segments, segment_key
from shotcraft.edit.render import render_frames
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.files import content_sha256
from shotcraft.fsutil import atomic_path, sweep_stale_temps, write_bytes
from shotcraft.manifest import Manifest, ManifestEntry
from shotcraft.media.prefetch import prefetch
from shotcraft.media.video import VideoWriter
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.schema import Film, Platform
from shotcraft.render.keys import code_identity, job_key
from shotcraft.timebase import frames_to_timecode

if TYPE_CHECKING:
    from shotcraft.grade.plan import GradePlan

VIDEO_KINDS = ("master", "distribution", "mobile", "feed", "square")
#: "otioz" is the cut's bundle (the .otioz: timeline, media and sound in one zip), written by the cut step: a
#: deliverable to choose like the others, since re-zipping every take on each make is what iterating can skip
ALL_KINDS = (*VIDEO_KINDS, "poster", "contact-sheet", "luts", "otioz")
#: names a user may type for a kind (`make --only master,web`)
KIND_ALIASES = {"web": "distribution", "vertical": "mobile", "4:5": "feed", "1:1": "square", "bundle": "otioz"}
QUEUE_FRAMES = 4
#: the reframed outputs' subject paths, one file per shot, in the segment store
SUBJECT_PATHS = "subject-paths"
THUMB_WIDTH = 320


@dataclass(frozen=True)
class Outputs:
    master: Path
    distribution: Path
    mobile: Path
    poster: Path
    contact_sheet: Path
    feed: Path | None = None
    square: Path | None = None


@dataclass(frozen=True)
class VideoOutput:
    """One video deliverable: its profile, where it goes, its frame size and the crop it reframes to."""

    kind: str
    profile_name: str
    path: Path
    size: tuple[int, int]
    crop: str | None  # aspect of the reframing window ("9:16"); None: the whole frame

    @property
    def profile(self):
        return PROFILES[self.profile_name]

    def identity(self, rate: Fraction) -> dict[str, Any]:
        """What this output's encoded segments depend on besides the pictures (part of segment keys)."""
        profile = self.profile
        return {"kind": self.kind, "encoder": profile.encoder, "options": platform_options(profile, self.size, rate),
                "size": list(self.size), "crop": self.crop, "headroom": profile.headroom,
                "reframe": REFRAME_METHOD if self.crop else None}  # fmt: skip


def output_paths(film: Film, out_dir: Path) -> Outputs:
    stem = film.production.id
    master_suffix = PROFILES[film.delivery.master].suffix
    aspect = film.delivery.mobile_aspect.replace(":", "x")
    return Outputs(
        master=out_dir / f"{stem}_master{master_suffix}",
        distribution=out_dir / f"{stem}_distribution.mp4",
        mobile=out_dir / f"{stem}_mobile_{aspect}.mp4",
        poster=out_dir / f"{stem}_poster.png",
        contact_sheet=out_dir / f"{stem}_contact_sheet.png",
        feed=out_dir / f"{stem}_mobile_4x5.mp4",
        square=out_dir / f"{stem}_mobile_1x1.mp4",
    )


def default_kinds(film: Film) -> tuple[str, ...]:
    """What a make delivers: master, web master, vertical; feed 4:5 and square 1:1 when the plan targets social."""
    social = Platform.SOCIAL in film.production.platforms
    return tuple(kind for kind in ALL_KINDS if social or kind not in ("feed", "square"))


def select_kinds(film: Film, only: list[str] | None = None, skip: list[str] | None = None) -> tuple[str, ...]:
    """``--only`` / ``--skip`` (kind names or aliases, e.g. web) applied to the plan's deliverables."""

    def names(values: list[str], option: str) -> set[str]:
        out = set()
        for value in values:
            name = KIND_ALIASES.get(value.strip(), value.strip())
            if name not in ALL_KINDS:
                raise InputError(f"{option}: unknown deliverable {value!r}; expected one of {', '.join([*ALL_KINDS, *KIND_ALIASES])}")
            out.add(name)
        return out

    kinds = list(default_kinds(film))
    if only:
        wanted = names(only, "--only")
        kinds = [k for k in ALL_KINDS if k in wanted]
    if skip:
        unwanted = names(skip, "--skip")
        kinds = [k for k in kinds if k not in unwanted]
    return tuple(kinds)


def video_outputs(film: Film, timeline: Timeline, out_dir: Path, kinds: tuple[str, ...]) -> list[VideoOutput]:
    paths = output_paths(film, out_dir)
    width, height = timeline.width, timeline.height
    outputs = []
    for kind in VIDEO_KINDS:
        if kind not in kinds:
            continue
        if kind == "master":
            outputs.append(VideoOutput(kind, film.delivery.master, paths.master, (width, height), None))
        elif kind == "distribution":
            outputs.append(VideoOutput(kind, kind, paths.distribution, web_size(width, height), None))
        else:
            aspect, frame_width = PLATFORM_FRAMES[kind]
            aspect = aspect or film.delivery.mobile_aspect
            outputs.append(VideoOutput(kind, kind, getattr(paths, kind), platform_size(aspect, frame_width), aspect))
    return outputs


def deliver(
    plan: LoadedPlan | Film,
    timeline: Timeline,
    grade_plan: GradePlan | None,
    out_dir: str | Path,
    manifest: Manifest | None,
    *,
    audio: Path | None,
    kinds: tuple[str, ...] | None = None,
    frames: Iterator[np.ndarray] | None = None,
    jobs: int = 1,
) -> list[ManifestEntry]:
    """Write the deliverables of the cut; returns their manifest entries (also added to ``manifest``).

    ``grade_plan`` None delivers ungraded. ``kinds`` None: the plan's deliverables
    (:func:`default_kinds`). ``frames`` overrides the frame source (already graded
    timeline frames); it is encoded as one segment and not cached. ``jobs`` workers
    encode at once, each a lane of the outputs with its own player (see
    :func:`_encode_in_lanes`: every encoder still runs once at a time).
    """
    # 1. Check inputs
    film = plan.film if isinstance(plan, LoadedPlan) else plan
    out_dir = Path(out_dir)
    kinds = default_kinds(film) if kinds is None else tuple(kinds)
    unknown = set(kinds) - set(ALL_KINDS)
    if unknown:
        raise InputError(f"deliver: unknown deliverable kind(s) {sorted(unknown)}; expected {list(ALL_KINDS)}")
    if not timeline.events or timeline.duration <= 0:
        raise InputError(f"deliver: the cut of {film.production.id!r} is empty")
    if audio is not None and not Path(audio).is_file():
        raise InputError(f"deliver: audio mix {audio} does not exist")
    for event in timeline.events:
        if not Path(event.clip_path).is_file():
            raise InputError(f"deliver: shot {event.shot_id!r}: take {event.clip_path} does not exist")
    if jobs < 1:
        raise InputError(f"deliver: jobs must be at least 1, found {jobs}")
    sweep_stale_temps(out_dir)  # a killed finishing leaves .tmp-* encodes of 100 MB behind
    paths = output_paths(film, out_dir)
    outputs = video_outputs(film, timeline, out_dir, kinds)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    transform = grade_plan.transform if grade_plan is not None else None
    poster_frame = _poster_index(film, timeline)
    thumb_at = {event.record_in + event.duration // 2: event.shot_id for event in timeline.events}
    wanted_stills = ({poster_frame} if "poster" in kinds else set()) | (set(thumb_at) if "contact-sheet" in kinds else set())
    root = plan.root if isinstance(plan, LoadedPlan) else Path(".")
    card = card_spec(film.delivery.end_card, root, timeline.duration, timeline.rate, str(getattr(plan, "file", film.production.id)))
    # the animatic's burned-in caption, laid out again inside each reframed output's safe area
    captions = take_captions(plan, timeline) if isinstance(plan, LoadedPlan) and any(o.crop for o in outputs) else {}

    # 2. Encode the segments that are not already encoded (all of them from a frame source)
    with contextlib.ExitStack() as stack:
        subject = SubjectPath(timeline)
        if frames is not None:
            store = SegmentStore(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shotcraft-deliver-"))))
            segments = [Segment(0, timeline.duration, "shot", tuple(range(len(timeline.events))))]
            keys = {(0, o.kind): "frames" for o in outputs} | {(0, "still"): "frames"}
        else:
            store = SegmentStore(out_dir / CACHE_DIR)
            segments = plan_segments(timeline)
            shot_keys = {shot_id: grade_plan.shot_identity(shot_id) for shot_id in grade_plan.shots} if grade_plan is not None else {}
            names = ContentNames()
            if any(output.crop for output in outputs):
                # each shot's crop path kept beside its segments: a re-encoded transition reads its unchanged neighbour's
                subject = SubjectPath(timeline, store.root / SUBJECT_PATHS, names)
            keys = {}
            for index, segment in enumerate(segments):
                for output in outputs:
                    identity = output.identity(timeline.rate)
                    if output.crop is not None and captions:
                        identity = {**identity, "captions": CAPTION_METHOD}
                    if card is not None and segment.stop > card.first_frame:  # the ad's end card lies over this segment
                        identity = {**identity, "end_card": card.identity(), "card_from": card.first_frame - segment.start}
                    keys[(index, output.kind)] = segment_key(timeline, segment, output=identity, shot_keys=shot_keys, names=names)
                keys[(index, "still")] = segment_key(timeline, segment, output={"still": True}, shot_keys=shot_keys, names=names)
        encoder = _SegmentEncoder(timeline, transform, outputs, store, keys, wanted_stills, frames, card, captions, subject)
        encoder.used += [path for path in map(subject.file, range(len(timeline.events))) if path is not None]
        seconds = Fraction(timeline.duration) / Fraction(timeline.rate)
        mix_name = content_sha256(audio, "output", where="deliver: audio mix") if audio is not None else "silence"

        def assemble(output: VideoOutput, track: Future[Path]) -> ManifestEntry:
            """The deliverable by stream copy, then its conformance and checksum (each worker reads what it wrote)."""
            parts = [encoder.part(index, output) for index in range(len(segments))]
            path = concat(parts, track.result(), output.profile, output.path, store.root / f"{output.kind}.ffconcat")
            return _entry(output.kind, path, out_dir, film, timeline, output, audio)

        # 3. The sound in each output's codec (two outputs may share a track), then each deliverable assembled by
        #    stream copy as soon as its own segments are encoded: the web master's copy and check overlap the
        #    vertical's last encode instead of waiting for it. The workers are ffmpeg's copies (mostly I/O).
        with ThreadPoolExecutor(max_workers=max(1, len(outputs)), thread_name_prefix="shotcraft-assemble") as assembling:
            tracks: dict[Path, Future[Path]] = {}
            track_of: dict[str, Future[Path]] = {}
            for output in outputs:
                profile = output.profile
                audio_key = job_key({"mix": mix_name, "codec": profile.audio_codec, "bit_rate": profile.audio_bit_rate, "seconds": str(seconds),
                                     "shotcraft": code_identity()})
                track = store.path("audio", audio_key, AUDIO_SUFFIX[profile.audio_codec])
                encoder.used.append(track)
                if track not in tracks:
                    tracks[track] = assembling.submit(_audio_track, Path(audio) if audio is not None else None, profile, seconds, track)
                track_of[output.kind] = tracks[track]
            assembled: dict[str, Future[ManifestEntry]] = {}
            context = contextvars.copy_context()  # this thread's: the checksums go through the make's hash cache

            def encoded(done: list[VideoOutput]) -> None:
                """``done``'s segments are all encoded: assemble them (called here, or on the lane that encoded them last)."""
                for output in done:
                    assembled[output.kind] = assembling.submit(context.copy().run, assemble, output, track_of[output.kind])

            try:
                if jobs > 1 and frames is None:
                    with _opencv_on_one_thread():
                        _encode_in_lanes(encoder, segments, outputs, jobs, encoded)
                else:
                    for index, segment in enumerate(segments):
                        encoder.encode(index, segment)
                    encoded(outputs)
            except BaseException:
                for future in [*assembled.values(), *tracks.values()]:
                    future.cancel()  # what has not started yet; a copy under way finishes (its rename is atomic)
                raise
            # 4. Stills from the frames kept while encoding, drawn here while the workers copy
            stills: dict[str, Path] = {}
            if "poster" in kinds:
                _write_png(paths.poster, encoder.still(poster_frame))
                stills["poster"] = paths.poster
            if "contact-sheet" in kinds:
                thumbs = [(thumb_at[t], t, encoder.thumbnail(t)) for t in sorted(thumb_at)]
                _write_png(paths.contact_sheet, contact_sheet(thumbs, timeline.rate))
                stills["contact-sheet"] = paths.contact_sheet
            entries: list[ManifestEntry] = [assembled[output.kind].result() for output in outputs]  # in the outputs' order
        # 5. Manifest entries (the videos' conformance and checksum were measured on the workers); each shot's .cube
        entries += [_entry(kind, path, out_dir, film, timeline, None, audio) for kind, path in stills.items()]
        if frames is None:
            from shotcraft.grade.export import CUBES_RECORD

            store.prune(encoder.used + [store.root / CUBES_RECORD])  # the cubes' record (below) is kept too

    if "luts" in kinds and grade_plan is not None:
        from shotcraft.grade.export import CUBES_RECORD, export_cubes

        record = out_dir / CACHE_DIR / CUBES_RECORD if frames is None else None
        for path in export_cubes(grade_plan, out_dir / "luts", record=record):
            entries.append(ManifestEntry(kind="lut", path=path.relative_to(out_dir).as_posix(), extra={"shot": path.stem, "size": grade_plan.lut_size}))
    if manifest is not None:
        if grade_plan is not None:
            manifest.checks["grade"] = grade_plan.report()
        for entry in entries:
            manifest.add(entry)
        manifest.checks["conformance"] = {e.path: e.extra.get("conformance", {}).get("ok") for e in entries if "conformance" in e.extra}
    return entries


class _SegmentEncoder:
    """Encodes one segment into every output that lacks it, keeping the stills that fall inside it."""

    def __init__(self, timeline: Timeline, transform, outputs: list[VideoOutput], store: SegmentStore,
                 keys: dict[tuple[int, str], str], wanted_stills: set[int], frames: Iterator[np.ndarray] | None,
                 card: CardSpec | None = None, captions: dict[int, TakeCaption] | None = None,
                 subject: SubjectPath | None = None) -> None:  # fmt: skip
        self.timeline, self.transform, self.outputs, self.store, self.keys = timeline, transform, outputs, store, keys
        self.captions = captions or {}
        self._overlays: dict[str, CaptionOverlay] = {}
        self.wanted_stills, self.frames = wanted_stills, frames
        self.curve = headroom_curve()
        self.subject = subject or SubjectPath(timeline)  # the reframed outputs' crop path, found per shot when first needed
        self.card = card
        self._cards: dict[str, CardLayer] = {}
        self.used: list[Path] = []
        self.encoded = 0  # segments x outputs actually encoded (the rest were reused)
        self._count = threading.Lock()
        self._still_paths: dict[int, Path] = {}

    def _card_layer(self, output: VideoOutput) -> CardLayer:
        if output.kind not in self._cards:  # a dict write under the GIL: two threads may both build it, harmlessly
            assert self.card is not None
            self._cards[output.kind] = CardLayer(self.card, output.size)
        return self._cards[output.kind]

    def _caption(self, output: VideoOutput, shaped: np.ndarray, t: int) -> np.ndarray:
        """A reframed frame with its shot's caption laid inside the output's safe area (see shotcraft.deliver.captions)."""
        if output.kind not in self._overlays:  # a dict write under the GIL: two threads may both build it, harmlessly
            self._overlays[output.kind] = CaptionOverlay(self.captions, self.timeline, output.size)
        assert output.crop is not None
        crop = crop_box(self.timeline.width, self.timeline.height, output.crop, self.subject.centre(t))
        return self._overlays[output.kind].apply(shaped, t, crop)

    def part(self, index: int, output: VideoOutput) -> Path:
        return self.store.path(output.kind, self.keys[(index, output.kind)], output.profile.suffix)

    def still(self, t: int) -> np.ndarray:
        import cv2

        image = cv2.imread(str(self._still_paths[t]), cv2.IMREAD_COLOR)
        if image is None:
            raise InputError(f"deliver: the kept frame {self._still_paths[t]} is unreadable")
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def thumbnail(self, t: int) -> np.ndarray:
        """Still ``t`` at the contact sheet's width, kept beside the still: after a one-shot edit the sheet reads one
        small image per shot, not every shot's full frame (45 full-HD PNGs are seconds to decode)."""
        import cv2

        path = self._still_paths[t].with_suffix(f".thumb{THUMB_WIDTH}.png")  # the width in the name: another width is another file
        self.used.append(path)
        image = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
        if image is not None:
            return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        thumb = _thumbnail(self.still(t))
        _write_png(path, thumb)
        return thumb

    def encode(self, index: int, segment: Segment, outputs: list[VideoOutput] | None = None, *, stills: bool = True) -> None:
        """Encode segment ``index`` into ``outputs`` (default: every output) that lack it; ``stills``: keep its stills too."""
        outputs = self.outputs if outputs is None else outputs
        kept = {t: self.store.path("stills", self.keys[(index, "still")], f"_{t - segment.start}.png")
                for t in self.wanted_stills if segment.start <= t < segment.stop} if stills else {}  # fmt: skip
        self._still_paths.update(kept)
        missing = [o for o in outputs if not self.part(index, o).is_file()]
        missing_stills = {t: p for t, p in kept.items() if not p.is_file()}
        self.used += [self.part(index, o) for o in outputs] + list(kept.values())
        if not missing and not missing_stills:
            return
        import cv2

        source = self.frames if self.frames is not None else render_frames(self.timeline, self.transform, start=segment.start, stop=segment.stop)
        width, height = self.timeline.width, self.timeline.height
        with contextlib.ExitStack() as stack:
            writers: list[tuple[VideoOutput, VideoWriter]] = []
            for output in missing:
                temp = stack.enter_context(atomic_path(self.part(index, output)))
                writers.append((output, stack.enter_context(open_segment_writer(temp, output.profile, output.size, self.timeline.rate))))
            written = 0
            for offset, frame in enumerate(prefetch(source, depth=QUEUE_FRAMES, name="shotcraft-deliver")):
                t = segment.start + offset
                if t >= segment.stop:
                    raise InputError(f"deliver: the frame source gave more than the cut's {segment.stop} frames")
                if frame.shape[:2] != (height, width):
                    frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
                for output, writer in writers:
                    shaped = _shape(frame, output, self.timeline, t, self.curve, self.subject)
                    if output.crop is not None and self.captions:
                        shaped = self._caption(output, shaped, t)
                    if self.card is not None and t >= self.card.first_frame:
                        shaped = self._card_layer(output).apply(shaped, strength_at(self.card, t))
                    writer.write(shaped)
                if t in missing_stills:
                    _write_png(missing_stills[t], frame)
                written += 1
            if written != segment.frames:
                raise InputError(f"deliver: the cut has {self.timeline.duration} frames but only {segment.start + written} were rendered")
            for _, writer in writers:
                writer.end_input()  # the encoders flush their lookahead at once, not one after another
            for _, writer in writers:
                writer.close()  # flush every encoder before any rename: all commit, or none
        with self._count:
            self.encoded += len(missing)


def _encode_in_lanes(encoder: _SegmentEncoder, segments: list[Segment], outputs: list[VideoOutput], jobs: int,
                     encoded: Callable[[list[VideoOutput]], None] = lambda done: None) -> None:  # fmt: skip
    """``jobs`` workers: the outputs split into lanes of similar cost, each lane playing the segments in order;
    ``encoded(lane)`` is called once a lane's segments are all encoded (by the last of its workers to end).

    Memory: an x264 encoder at 1080p holds about 350 MB (its 40-frame lookahead, which its bytes depend
    on), so what the encoders hold grows with how many run at once. Two workers on two segments ran two of
    every encoder (bench/finish_memory.py: 1.9x the memory of one worker); two lanes (the web master in
    one, the vertical and the master in the other) run each encoder once, as one worker does, and pay a
    second decode of the segment's takes (small beside a 1080p encode). Lanes beyond the outputs' count
    split the segments among them (strands). Each output's segments get the same frames and encoder
    settings whichever worker encodes them, so the bytes are the same as with one worker.
    """
    lanes = _lanes(outputs, jobs)
    strands = max(1, jobs // len(lanes))
    left = [strands] * len(lanes)  # workers of each lane still encoding
    lock = threading.Lock()

    def run(lane: int, strand: int) -> None:
        for index in range(strand, len(segments), strands):
            encoder.encode(index, segments[index], lanes[lane], stills=lane == 0)
        with lock:
            left[lane] -= 1
            last = left[lane] == 0
        if last:
            encoded(lanes[lane])

    work = [(lane, strand) for lane in range(len(lanes)) for strand in range(strands)]
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="shotcraft-lane") as pool:
        for future in [pool.submit(run, lane, strand) for lane, strand in work]:
            future.result()


@contextlib.contextmanager
def _opencv_on_one_thread() -> Iterator[None]:
    """OpenCV's own thread pool left out while the lanes run: each lane resizes its frames on its own thread.

    With two lanes and their encoders already on the cores, OpenCV splitting every upscale across its pool only adds
    hand-offs and its workers' busy waits: a 320x180 frame to the web master's 1920x1080 and the vertical's 1080x1920
    (Lanczos) took 49.7 ms of CPU with the pool of two, 39.8 ms on the calling thread, the same pixels. The setting
    is OpenCV's, for the whole process, so it is put back afterwards.
    """
    import cv2

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def _lanes(outputs: list[VideoOutput], jobs: int) -> list[list[VideoOutput]]:
    """The outputs in at most ``jobs`` groups of similar encoding cost (pixels per frame), the largest placed first."""
    count = max(1, min(jobs, len(outputs)))
    lanes: list[list[VideoOutput]] = [[] for _ in range(count)]
    load = [0] * count
    for output in sorted(outputs, key=lambda o: -o.size[0] * o.size[1]):
        lane = load.index(min(load))
        lanes[lane].append(output)
        load[lane] += output.size[0] * output.size[1]
    return [lane for lane in lanes if lane] or [[]]  # no video output: one lane still keeps the stills


def _shape(frame: np.ndarray, output: VideoOutput, timeline: Timeline, t: int, curve: np.ndarray, subject: SubjectPath) -> np.ndarray:
    """A graded frame as one output wants it: headroom, the reframing window (following the subject), its size."""
    import cv2

    if output.profile.headroom:
        frame = cv2.LUT(frame, curve)
    if output.crop is not None:
        x, y, w, h = crop_box(timeline.width, timeline.height, output.crop, subject.centre(t))
        frame = frame[y : y + h, x : x + w]
    if (frame.shape[1], frame.shape[0]) != output.size:
        larger = output.size[0] > frame.shape[1]
        frame = cv2.resize(frame, output.size, interpolation=cv2.INTER_LANCZOS4 if larger else cv2.INTER_AREA)
    return np.ascontiguousarray(frame)


def contact_sheet(thumbs: list[tuple[str, int, np.ndarray]], rate, columns: int = 4) -> np.ndarray:
    """One labelled frame per shot (shot id and record timecode), in cut order."""
    import cv2

    if not thumbs:
        return np.zeros((90, THUMB_WIDTH, 3), dtype=np.uint8)
    th, tw = thumbs[0][2].shape[:2]
    label_h, gap = 28, 8
    rows = (len(thumbs) + columns - 1) // columns
    cols = min(columns, len(thumbs))
    sheet = np.full((rows * (th + label_h + gap) + gap, cols * (tw + gap) + gap, 3), 24, dtype=np.uint8)
    for number, (shot_id, index, thumb) in enumerate(thumbs):
        top = gap + (number // columns) * (th + label_h + gap)
        left = gap + (number % columns) * (tw + gap)
        sheet[top : top + th, left : left + tw] = cv2.resize(thumb, (tw, th))
        label = f"{shot_id}  {frames_to_timecode(index, rate)}"
        cv2.putText(sheet, label, (left + 4, top + th + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (235, 235, 235), 1, cv2.LINE_AA)
    return sheet


# --- helpers --------------------------------------------------------------------------


def _audio_track(mix: Path | None, profile: Profile, seconds: Fraction, track: Path) -> Path:
    """The mix in ``profile``'s audio codec at ``track``, kept from an earlier make when there (its name is its key)."""
    if not track.is_file():
        encode_audio(mix, profile, seconds, track)
    return track


def _poster_index(film: Film, timeline: Timeline) -> int:
    if film.delivery.poster_shot is not None:
        try:
            event = timeline.event(film.delivery.poster_shot)
        except KeyError:
            raise InputError(f"deliver: delivery.poster_shot {film.delivery.poster_shot!r} is not in the cut") from None
        return event.record_in + event.duration // 2
    return timeline.duration // 2


def _thumbnail(frame: np.ndarray) -> np.ndarray:
    import cv2

    height = max(2, int(round(frame.shape[0] * THUMB_WIDTH / frame.shape[1])))
    return cv2.resize(frame, (THUMB_WIDTH, height), interpolation=cv2.INTER_AREA)


def _write_png(path: Path, rgb: np.ndarray) -> None:
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise InputError(f"deliver: could not encode {path.name}")
    write_bytes(path, data.tobytes())  # an unchanged poster is left as it is


def _entry(kind: str, path: Path, out_dir: Path, film: Film, timeline: Timeline, output: VideoOutput | None, audio: Path | None) -> ManifestEntry:
    relative = path.resolve().relative_to(out_dir.resolve()).as_posix()
    if output is None:
        return ManifestEntry(kind=kind, path=relative, codec="png")
    width, height = output.size
    # The checksum, for whoever receives the file to check the transfer, is read on a second thread while the
    # conformance is measured here: the two reads of a just-written file overlap (hashlib and the demuxer both release
    # the GIL), and through the project's hash cache the make's own record of the file finds it hashed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shotcraft-checksum") as hashing:
        digest = hashing.submit(contextvars.copy_context().run, content_sha256, path, "output", where=f"deliver: {relative}")
        report = check_deliverable(path, output.profile_name, rate=timeline.rate, frames=timeline.duration, width=width, height=height)
    return ManifestEntry(
        kind=kind,
        path=relative,
        duration=float(report.facts["duration"]),
        frames=int(report.facts["frames"]),
        codec=str(report.facts["codec"]),
        extra={
            "width": width,
            "height": height,
            "pix_fmt": report.facts["pix_fmt"],
            "audio": "mix" if audio is not None else "silence",
            "conformance": report.to_dict(),
            "sha256": digest.result(),
        },
    )
