"""Stems laid from the cut: ambience per location, effect cues, music, dialogue.

Everything is indexed by timeline time (48 kHz samples from the cut's integer
frames), so cues attached to a shot move with the edit. Each stem comes out
already normalised to its loudness target; the mix only ducks, sums and
masters. Files are read through :mod:`shotcraft.sound.audio` (see its
sample-rate policy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.schema import Ambience
from shotcraft.sound import synth
from shotcraft.sound.audio import AudioClip, audio_shape, load_conformed, read_conformed_range
from shotcraft.sound.loudness import SAMPLE_RATE, LoudnessMeter, gain_to, gated_loudness, integrated_loudness

DEFAULT_ROOM_TONE = "room tone"
LOOP_CROSSFADE_SECONDS = 0.5
MUSIC_TAIL_FADE_SECONDS = 1.5
EDGE_FADE_SECONDS = 0.01  # at the very start and end of the film: no click


class Source(Protocol):
    """A stem as a function of time: any range of samples, rendered on demand (bounded memory)."""

    def render(self, start: int, stop: int) -> np.ndarray: ...  # (stop - start, 2) float64


@dataclass
class Stem:
    name: str  # "ambience", "effects", "music", "dialogue"
    source: Source  # renders any range, at its target: the film is never held whole
    length: int  # samples
    target_lufs: float
    tolerance_lu: float  # how far the measured stem may sit from its target
    sources: list[str] = field(default_factory=list)  # what was laid: files, synthesized layers

    def render(self, start: int, stop: int) -> np.ndarray:
        return self.source.render(max(0, start), min(self.length, stop))

    @property
    def samples(self) -> np.ndarray:
        """(n, 2) float64, 48 kHz, at its target: the whole stem in memory (tests, short films)."""
        return self.render(0, self.length)


@dataclass
class StemSet:
    length: int  # samples, the whole film
    stems: dict[str, Stem]
    notes: list[dict[str, Any]]  # checks raised while laying (resampled files, unmatched cues, ...)


def frames_to_samples(frames: int, rate: Fraction) -> int:
    return int(round(Fraction(frames) * SAMPLE_RATE / rate))


def seconds_to_samples(seconds: float) -> int:
    return int(round(seconds * SAMPLE_RATE))


def power_mean_lufs(levels: list[float], weights: list[float]) -> float:
    """The loudness of parts at ``levels`` played for ``weights`` of the time (energy average)."""
    total = sum(weights)
    if not levels or total <= 0:
        return -math.inf
    return 10 * math.log10(sum(w * 10 ** (level / 10) for level, w in zip(levels, weights)) / total)


def note(code: str, message: str, *, severity: str = "info", ok: bool = True, value: Any = None, target: Any = None) -> dict[str, Any]:
    return {"code": code, "ok": ok, "severity": severity, "value": value, "target": target, "message": message}


def _resample_note(clip: AudioClip, what: str) -> dict[str, Any] | None:
    if clip.original_rate is None:
        return None
    return note("SND106", f"{what}: {clip.path} resampled from {clip.original_rate} Hz to {SAMPLE_RATE} Hz", value=clip.original_rate, target=SAMPLE_RATE)


# --- ambience ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmbienceSource:
    key: str  # location id, or "" for shots with no location
    description: str | None
    ambience: Ambience | None  # the plan's sound.ambience entry, when there is one
    lufs: float


def ambience_source(plan: LoadedPlan, location_id: str | None) -> AmbienceSource:
    """What to lay under a location: its plan entry, else a bed synthesized from the location's own text."""
    film = plan.film
    if location_id is not None and location_id in film.sound.ambience:
        entry = film.sound.ambience[location_id]
        return AmbienceSource(location_id, entry.description, entry, entry.lufs)
    from shotcraft.plan import presets

    if location_id is None:
        return AmbienceSource("", DEFAULT_ROOM_TONE, None, presets.AMBIENCE_LUFS)
    try:
        location = film.location(location_id)
        text = ", ".join(t for t in (location.description, location.weather, location.time_of_day) if t)
    except KeyError:
        text = DEFAULT_ROOM_TONE
    return AmbienceSource(location_id, text, None, presets.AMBIENCE_LUFS)


#: synthesized beds are made this long at most and looped beyond (crossfaded like a file bed):
#: a 30-minute film's bed is not synthesized, nor held, 30 minutes long
BED_TILE_SECONDS = 60.0
#: samples per block when a stem or the mix is processed in blocks (10 s: a multiple of the
#: 10 ms control block and of the 100 ms loudness sub-block)
BLOCK = 480_000


class LoopedBed:
    """``samples`` repeated to ``length`` with an equal-power crossfade at each loop point (the tail
    flows into the head; the very first loop starts clean), times ``gain``: rendered by range."""

    def __init__(self, samples: np.ndarray, length: int) -> None:
        self.length = length
        self.gain = 1.0
        if samples.shape[0] >= length:
            self.head, self.body, self.fade = samples[:length], samples[:length], 0
            return
        fade = min(seconds_to_samples(LOOP_CROSSFADE_SECONDS), samples.shape[0] // 4)
        if fade < 2:
            self.head, self.body, self.fade = samples[:0], samples, 0
            return
        angle = np.linspace(0.0, np.pi / 2, fade)[:, None]
        body = samples[: samples.shape[0] - fade].copy()
        body[:fade] = samples[:fade] * np.sin(angle) + samples[-fade:] * np.cos(angle)  # tail flows into head
        # the head is copied, not a view: a view would keep the whole tile alive beside its body (#18)
        self.head, self.body, self.fade = samples[:fade].copy(), body, fade

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, self.body.shape[1]))
        position = start
        while position < stop:
            if position < self.head.shape[0]:
                piece = self.head[position : min(stop, self.head.shape[0])]
            else:
                offset = position % self.body.shape[0]
                piece = self.body[offset : offset + (stop - position)]
            out[position - start : position - start + piece.shape[0]] = piece
            position += piece.shape[0]
        return out * self.gain if self.gain != 1.0 else out


def _loop_to(samples: np.ndarray, n: int) -> np.ndarray:
    """Repeat a bed to ``n`` samples with an equal-power crossfade at each loop point."""
    return LoopedBed(samples, n).render(0, n)


def _loudness_of(source: Any, length: int, ranges: list[tuple[int, int]] | None = None) -> float:
    """Gated integrated loudness of a rendered source over ``ranges`` (default: all of it), block by block (the fast
    BS.1770 path)."""
    meter = LoudnessMeter(SAMPLE_RATE, 2)
    for first, last in ranges if ranges is not None else [(0, length)]:
        for start in range(first, last, BLOCK):
            meter.add(source.render(start, min(last, start + BLOCK)))
    return meter.report().integrated_lufs


def _bed(plan: LoadedPlan, source: AmbienceSource, n: int, strict_rate: bool, notes: list[dict[str, Any]],
         heard: list[tuple[int, int]] | None = None) -> tuple[LoopedBed, str]:  # fmt: skip
    """The location's bed, ``n`` samples, levelled where it is ``heard`` (ranges of the bed; default: all of it).

    A bed heard in pieces is levelled on its pieces, at its level where it plays, not over the gaps the other places
    fill: a wind bed levelled over the whole stretch from its first to its last span measured 1.1 LU under its level
    where it was heard (its gust fell in a gap). The crossfades are equal power, so a bed at its level in each span
    keeps the stem at its level. One measurement: the bed is rendered once for it."""
    film = plan.film
    where = f"{plan.file}: sound.ambience.{source.key}" if source.ambience is not None else f"{plan.file}: location {source.key or '(none)'}"
    if source.ambience is not None and source.ambience.file is not None:
        clip = load_conformed(plan.resolve_path(source.ambience.file), what=f"{where}.file", strict_rate=strict_rate)
        if (resampled := _resample_note(clip, f"{where}.file")) is not None:
            notes.append(resampled)
        looped = LoopedBed(clip.samples, n)  # normalised as it will play: loops and all
        looped.gain = gain_to(_loudness_of(looped, n, heard), source.lufs, what=f"{where}.file ({clip.path})")
        return looped, str(source.ambience.file)
    tile = min(n / SAMPLE_RATE, BED_TILE_SECONDS)
    bed = synth.ambience_bed(source.description or DEFAULT_ROOM_TONE, tile, film.production.id, source.key or "-")
    if not bed.matched:
        notes.append(note("SND105", f"{where}: no ambience keyword in {source.description!r}; laid room tone (give a file or name the sound: city hum, rain, wind...)", severity="warning", ok=False))
    looped = LoopedBed(bed.samples, n)
    whole = heard is None and n <= bed.samples.shape[0]  # plays once, unlooped: the tile itself is what is heard
    looped.gain = gain_to(integrated_loudness(bed.samples, fast=True) if whole else _loudness_of(looped, n, heard), source.lufs, what=where)
    return looped, "synth:" + "+".join(bed.layers)


def _location_of(plan: LoadedPlan, event: CutEvent) -> str | None:
    if event.location is not None:
        return event.location
    try:
        return plan.film.shot(event.shot_id).location
    except KeyError:
        return None


@dataclass(frozen=True)
class _Span:
    """Where one location's bed sounds: [first, last) with equal-power fades of ``fade_in`` / ``fade_out`` samples."""

    key: str
    first: int
    last: int
    fade_in: int
    fade_out: int

    def gain(self, start: int, stop: int) -> np.ndarray:
        gain = np.ones(stop - start)
        if self.fade_in:
            curve = np.sin(np.linspace(0.0, np.pi / 2, self.fade_in))
            lo, hi = max(start, self.first), min(stop, self.first + self.fade_in)
            if lo < hi:
                gain[lo - start : hi - start] = curve[lo - self.first : hi - self.first]
        if self.fade_out:
            curve = np.cos(np.linspace(0.0, np.pi / 2, self.fade_out))
            begin = self.last - self.fade_out
            lo, hi = max(start, begin), min(stop, self.last)
            if lo < hi:
                gain[lo - start : hi - start] = curve[lo - begin : hi - begin]
        return gain


class AmbienceBeds:
    """The ambience stem by range: each location's bed over its spans, fades at the film's edges."""

    def __init__(self, beds: dict[str, tuple[LoopedBed, int]], spans: list[_Span], head: int, tail: int, n: int) -> None:
        self.beds, self.spans, self.head, self.tail, self.n = beds, spans, head, tail, n

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((stop - start, 2))
        for key, (bed, bed_start) in self.beds.items():
            for span in self.spans:
                if span.key != key:
                    continue
                lo, hi = max(start, span.first), min(stop, span.last)
                if lo >= hi:
                    continue
                out[lo - start : hi - start] += bed.render(lo - bed_start, hi - bed_start) * span.gain(lo, hi)[:, None]
        if self.head and start < self.head:
            curve = np.sin(np.linspace(0.0, np.pi / 2, self.head))[:, None] ** 2
            hi = min(stop, self.head)
            out[: hi - start] *= curve[start:hi]
        if self.tail and stop > self.n - self.tail:
            curve = np.linspace(1.0, 0.0, self.tail)[:, None]
            begin = self.n - self.tail
            lo = max(start, begin)
            out[lo - start :] *= curve[lo - begin : stop - begin]
        return out


def ambience_stem(plan: LoadedPlan, timeline: Timeline, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem:
    """One bed per location, switched at each cut (moved by J/L offsets) with equal-power crossfades."""
    rate = timeline.rate
    sound = plan.film.sound
    # 1. Where each shot's sound starts: its picture cut moved by its J/L offset, kept in order.
    keys: list[str] = []
    starts: list[int] = []
    fades: list[int] = []
    for index, event in enumerate(timeline.events):
        key = _location_of(plan, event) or ""
        start = 0 if index == 0 else frames_to_samples(event.record_in + event.audio_offset_frames, rate)
        start = min(max(start, starts[-1] if starts else 0), n)
        fade = max(seconds_to_samples(sound.crossfade), frames_to_samples(event.transition_frames, rate))
        if keys and keys[-1] == key:
            continue  # same place: the bed runs on, no seam
        keys.append(key)
        starts.append(start)
        fades.append(fade)
    ends = starts[1:] + [n]
    # 2. Equal-power crossfades centred on each switch, never longer than the segments around it.
    halves = [0] * (len(keys) + 1)  # half crossfade at each switch (index = incoming segment)
    for index in range(1, len(keys)):
        left = starts[index] - starts[index - 1]
        right = ends[index] - starts[index]
        halves[index] = max(0, min(fades[index] // 2, left // 2, right // 2))
    spans = [
        _Span(keys[index], starts[index] - halves[index], ends[index] + halves[index + 1], 2 * halves[index], 2 * halves[index + 1])
        for index in range(len(keys))
    ]
    # 3. One continuous bed per location over the span where it sounds (a file bed starts from
    # its beginning where its location first comes in), indexed by timeline time.
    beds: dict[str, tuple[LoopedBed, int]] = {}
    sources: list[str] = []
    for key in dict.fromkeys(keys):
        mine = [span for span in spans if span.key == key and span.last > span.first]
        if not mine:
            continue
        bed_start = min(span.first for span in mine)
        bed_end = max(span.last for span in mine)
        source = ambience_source(plan, key or None)
        heard = [(span.first - bed_start, span.last - bed_start) for span in mine] if len(mine) > 1 else None
        bed, label = _bed(plan, source, bed_end - bed_start, strict_rate, notes, heard)
        sources.append(f"{key or '(no location)'}: {label}")
        beds[key] = (bed, bed_start)
    # 4. The film opens and closes without a click; a fade or dissolve from black into the first
    # shot brings its sound up over the same frames.
    first = timeline.events[0]
    head = frames_to_samples(first.transition_frames, rate) if first.transition != "cut" else 0
    head = min(n // 2, max(head, seconds_to_samples(EDGE_FADE_SECONDS)))
    tail = min(n // 2, seconds_to_samples(EDGE_FADE_SECONDS))
    levels = [ambience_source(plan, key or None).lufs for key in keys]
    target = power_mean_lufs(levels, [e - s for s, e in zip(starts, ends)])
    return Stem("ambience", AmbienceBeds(beds, spans, head, tail, n), n, target, 0.5, sources)


# --- events: effects and dialogue ----------------------------------------------------------------


def _event_start(plan: LoadedPlan, timeline: Timeline, shot_id: str, at: float, where: str, notes: list[dict[str, Any]]) -> int | None:
    """Timeline sample of a sound ``at`` seconds into a shot: the shot's record_in + at, kept in sync
    with the picture when the cut slips the take (a head trimmed further than the plan's trim
    brings the action, and its sound, earlier). Where the plan puts the shot in its take (handles
    and trim.in) is the cut's decision: ``CutEvent.planned_in``."""
    try:
        event = timeline.event(shot_id)
    except KeyError:
        notes.append(note("SND107", f"{where}: shot {shot_id} is not in the cut; its sound was left out", severity="warning", ok=False))
        return None
    planned_in = event.source_in if event.planned_in is None else event.planned_in
    slip = event.source_in - planned_in  # frames of the take the cut shows later (+) or earlier (-) than planned
    in_shot = at - float(Fraction(slip) / timeline.rate)
    shot_seconds = float(Fraction(event.duration) / timeline.rate)
    if in_shot > shot_seconds or in_shot < 0:
        notes.append(note(
            "SND108",
            f"{where}: falls {in_shot:.2f} s into shot {shot_id} as cut ({shot_seconds:.2f} s long): its action is outside the shot; placed anyway",
            severity="warning", ok=False, value=round(in_shot, 3), target=round(shot_seconds, 3),
        ))
    return frames_to_samples(event.record_in - slip, timeline.rate) + seconds_to_samples(at)


def _placed(piece: np.ndarray, start: int, n: int) -> np.ndarray:
    """The part of ``piece`` that falls inside the film; cut by its end: a short fade, never a click."""
    end = min(n, start + piece.shape[0])
    placed = piece[: end - start]
    if end - start < piece.shape[0]:
        fade = min(placed.shape[0], seconds_to_samples(0.01))
        placed = placed.copy()
        placed[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    return placed


@dataclass
class _Event:
    start: int
    length: int  # samples inside the film
    make: Callable[[], np.ndarray]  # the piece at its level, made again when the render reaches it


class EventsSource:
    """Short sounds (cues, lines) laid at their starts. Pieces are made when a render reaches them and
    dropped once it has passed them, so memory holds the sounds of one block, not of the film."""

    def __init__(self, events: list[_Event]) -> None:
        self.events = events  # in plan order: sums add up in the same order as the plan lists them
        self._made: dict[int, np.ndarray] = {}

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((stop - start, 2))
        for index, event in enumerate(self.events):
            lo, hi = max(start, event.start), min(stop, event.start + event.length)
            if lo >= hi:
                continue
            piece = self._made.get(index)
            if piece is None:
                piece = self._made[index] = event.make()
            out[lo - start : hi - start] += piece[lo - event.start : hi - event.start]
        for index in [i for i in self._made if self.events[i].start + self.events[i].length <= stop]:
            del self._made[index]  # renders run forward: a passed piece is made again only if asked again
        return out


def _event(start: int, n: int, make: Callable[[], np.ndarray], first: np.ndarray) -> _Event:
    def placed() -> np.ndarray:
        return _placed(make(), start, n)

    return _Event(start, min(n, start + first.shape[0]) - start, placed)


def effects_stem(plan: LoadedPlan, timeline: Timeline, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem | None:
    """Each cue at its shot's record_in + at (in sync with the picture, see _event_start), normalised
    to its own target (-18..-14 LUFS by default)."""
    sound = plan.film.sound
    if not sound.cues:
        return None
    events: list[_Event] = []
    levels: list[float] = []
    durations: list[float] = []
    sources: list[str] = []
    production = plan.film.production.id
    for index, cue in enumerate(sound.cues):
        where = f"{plan.file}: sound.cues[{index}] ({cue.shot} at {cue.at:g} s)"
        start = _event_start(plan, timeline, cue.shot, cue.at, where, notes)
        if start is None:
            continue
        if cue.file is not None:
            path = plan.resolve_path(cue.file)

            def raw(path: Path = path, where: str = where) -> np.ndarray:
                return load_conformed(path, what=f"{where}.file", strict_rate=strict_rate).samples

            clip = load_conformed(path, what=f"{where}.file", strict_rate=strict_rate)
            if (resampled := _resample_note(clip, where)) is not None:
                notes.append(resampled)
            samples, label = clip.samples, str(cue.file)
        else:
            parts = (cue.description or "", production, "cue", cue.shot, cue.description or "", f"{cue.at:g}")

            def raw(parts: tuple[str, ...] = parts) -> np.ndarray:
                return synth.effect(*parts).samples

            made = synth.effect(*parts)
            if not made.matched:
                notes.append(note("SND105", f"{where}: no effect keyword in {cue.description!r}; laid a soft generic impact (give the cue a file)", severity="warning", ok=False))
            samples, label = made.samples, "synth:" + "+".join(made.layers)
        gain = gain_to(gated_loudness(samples), cue.lufs, what=where)
        if start < n:
            events.append(_event(start, n, lambda raw=raw, gain=gain: raw() * gain, samples))
            levels.append(cue.lufs)
            durations.append(samples.shape[0])
            sources.append(f"{cue.shot}@{cue.at:g}s: {label}")
        else:
            notes.append(note("SND107", f"{where}: falls after the end of the film; left out", severity="warning", ok=False))
    if not sources:
        return None
    return Stem("effects", EventsSource(events), n, power_mean_lufs(levels, durations), 1.0, sources)


def dialogue_stem(plan: LoadedPlan, timeline: Timeline, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem | None:
    """Dialogue and voice-over lines at their shot's record_in + at, each normalised to its target."""
    lines = plan.film.sound.dialogue
    if not lines:
        return None
    events: list[_Event] = []
    levels: list[float] = []
    durations: list[float] = []
    sources: list[str] = []
    for index, line in enumerate(lines):
        where = f"{plan.file}: sound.dialogue[{index}] ({line.shot} at {line.at:g} s)"
        start = _event_start(plan, timeline, line.shot, line.at, where, notes)
        if start is None:
            continue
        path = plan.resolve_path(line.file)
        clip = load_conformed(path, what=f"{where}.file", strict_rate=strict_rate)
        if (resampled := _resample_note(clip, where)) is not None:
            notes.append(resampled)
        gain = gain_to(gated_loudness(clip.samples), line.lufs, what=f"{where}.file ({clip.path})")
        if start < n:

            def make(path: Path = path, where: str = where, gain: float = gain) -> np.ndarray:
                return load_conformed(path, what=f"{where}.file", strict_rate=strict_rate).samples * gain

            events.append(_event(start, n, make, clip.samples))
            levels.append(line.lufs)
            durations.append(clip.samples.shape[0])
            sources.append(f"{line.shot}@{line.at:g}s: {line.file}")
    if not sources:
        return None
    return Stem("dialogue", EventsSource(events), n, power_mean_lufs(levels, durations), 1.0, sources)


class MusicSource:
    """The music from its start in the film, faded if the film ends first, times its level, by range.

    ``read(a, b)`` gives samples [a, b) of the music as a new array: a 48 kHz file is read from
    disk as the render reaches it, so a film-length song is never held whole; a file at another
    rate is resampled whole once (resample_poly filters the whole signal) and sliced.
    """

    def __init__(self, read: Callable[[int, int], np.ndarray], count: int, start: int, fade: int) -> None:
        self.read, self.count, self.start, self.fade, self.gain = read, count, start, fade, 1.0

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((stop - start, 2))
        lo, hi = max(start, self.start), min(stop, self.start + self.count)
        if lo < hi:
            first, last = lo - self.start, hi - self.start  # in the music's own samples
            piece = self.read(first, last)
            begin = self.count - self.fade  # the tail fade, where the film cuts the music
            if self.fade and last > begin:
                curve = np.linspace(1.0, 0.0, self.fade)[:, None] ** 2
                a = max(first, begin)
                piece[a - first :] *= curve[a - begin : last - begin]
            out[lo - start : hi - start] = piece
        return out * self.gain if self.gain != 1.0 else out


def music_stem(plan: LoadedPlan, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem | None:
    """The music file from ``start`` seconds into the film, faded out if it runs past the end;
    the part that plays is normalised to the plan's music level (before ducking)."""
    music = plan.film.sound.music
    if music is None:
        return None
    where = f"{plan.file}: sound.music.file"
    path = plan.resolve_path(music.file)
    frames, rate, channels = audio_shape(path, what=where)
    if frames > 0 and rate == SAMPLE_RATE and channels in (1, 2):

        def read(a: int, b: int) -> np.ndarray:
            return read_conformed_range(path, a, b, what=where)

        available = frames
    else:  # resampled, or refused with load_conformed's own message (empty, too many channels, strict rate)
        clip = load_conformed(path, what=where, strict_rate=strict_rate)
        if (resampled := _resample_note(clip, where)) is not None:
            notes.append(resampled)
        samples = clip.samples

        def read(a: int, b: int) -> np.ndarray:
            return samples[a:b].copy()

        available = samples.shape[0]
    start = seconds_to_samples(music.start)
    if start >= n:
        notes.append(note("SND107", f"{where}: starts at {music.start:g} s, after the end of the film; left out", severity="warning", ok=False))
        return None
    count = min(available, n - start)
    fade = min(seconds_to_samples(MUSIC_TAIL_FADE_SECONDS), count) if available > n - start else 0  # cut by the film's end: fade, never chop
    source = MusicSource(read, count, start, fade)
    source.gain = gain_to(_loudness_of(source, n), music.lufs, what=f"{where} ({path})")
    return Stem("music", source, n, music.lufs, 0.5, [str(music.file)])


def lay_stems(plan: LoadedPlan, timeline: Timeline, *, strict_rate: bool = False) -> StemSet:
    """All stems for a cut. Raises InputError for an empty cut or unusable audio."""
    if not timeline.events:
        raise InputError(f"{plan.file}: the cut has no shots; nothing to lay sound under", code="empty-cut")
    n = frames_to_samples(timeline.duration, timeline.rate)
    notes: list[dict[str, Any]] = []
    stems: dict[str, Stem] = {"ambience": ambience_stem(plan, timeline, n, strict_rate=strict_rate, notes=notes)}
    for stem in (
        effects_stem(plan, timeline, n, strict_rate=strict_rate, notes=notes),
        music_stem(plan, n, strict_rate=strict_rate, notes=notes),
        dialogue_stem(plan, timeline, n, strict_rate=strict_rate, notes=notes),
    ):
        if stem is not None:
            stems[stem.name] = stem
    return StemSet(n, stems, notes)
