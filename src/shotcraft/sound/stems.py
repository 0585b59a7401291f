"""Stems laid from the cut: ambience per location, effect cues, music, dialogue.

Everything is indexed by timeline time (48 kHz samples from the cut's integer
frames), so cues attached to a shot move with the edit. Each stem comes out
already normalised to its loudness target; the mix only ducks, sums and
masters. Files are read through :mod:`shotcraft.sound.audio` (see its
sample-rate policy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.schema import Ambience
from shotcraft.sound import synth
from shotcraft.sound.audio import AudioClip, load_conformed
from shotcraft.sound.loudness import SAMPLE_RATE, gain_to, gated_loudness, integrated_loudness
from shotcraft.timebase import seconds_to_frames

DEFAULT_ROOM_TONE = "room tone"
LOOP_CROSSFADE_SECONDS = 0.5
MUSIC_TAIL_FADE_SECONDS = 1.5
EDGE_FADE_SECONDS = 0.01  # at the very start and end of the film: no click


@dataclass
class Stem:
    name: str  # "ambience", "effects", "music", "dialogue"
    samples: np.ndarray  # (n, 2) float64, 48 kHz, at its target
    target_lufs: float
    tolerance_lu: float  # how far the measured stem may sit from its target
    sources: list[str] = field(default_factory=list)  # what was laid: files, synthesized layers


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


def _loop_to(samples: np.ndarray, n: int) -> np.ndarray:
    """Repeat a bed to ``n`` samples with an equal-power crossfade at each loop point."""
    if samples.shape[0] >= n:
        return samples[:n]
    fade = min(seconds_to_samples(LOOP_CROSSFADE_SECONDS), samples.shape[0] // 4)
    if fade < 2:
        reps = -(-n // samples.shape[0])
        return np.tile(samples, (reps, 1))[:n]
    angle = np.linspace(0.0, np.pi / 2, fade)[:, None]
    body = samples[: samples.shape[0] - fade].copy()
    body[:fade] = samples[:fade] * np.sin(angle) + samples[-fade:] * np.cos(angle)  # tail flows into head
    reps = -(-n // body.shape[0]) + 1
    out = np.tile(body, (reps, 1))
    out[:fade] = samples[:fade]  # the very first loop starts clean
    return out[:n]


def _bed(plan: LoadedPlan, source: AmbienceSource, n: int, strict_rate: bool, notes: list[dict[str, Any]]) -> tuple[np.ndarray, str]:
    film = plan.film
    where = f"{plan.file}: sound.ambience.{source.key}" if source.ambience is not None else f"{plan.file}: location {source.key or '(none)'}"
    if source.ambience is not None and source.ambience.file is not None:
        clip = load_conformed(plan.resolve_path(source.ambience.file), what=f"{where}.file", strict_rate=strict_rate)
        if (resampled := _resample_note(clip, f"{where}.file")) is not None:
            notes.append(resampled)
        looped = _loop_to(clip.samples, n)  # normalised as it will play: loops and all
        return looped * gain_to(integrated_loudness(looped, fast=True), source.lufs, what=f"{where}.file ({clip.path})"), str(source.ambience.file)
    bed = synth.ambience_bed(source.description or DEFAULT_ROOM_TONE, n / SAMPLE_RATE, film.production.id, source.key or "-")
    if not bed.matched:
        notes.append(note("SND105", f"{where}: no ambience keyword in {source.description!r}; laid room tone (give a file or name the sound: city hum, rain, wind...)", severity="warning", ok=False))
    samples = bed.samples * gain_to(integrated_loudness(bed.samples, fast=True), source.lufs, what=where)
    return samples, "synth:" + "+".join(bed.layers)


def _location_of(plan: LoadedPlan, event: CutEvent) -> str | None:
    if event.location is not None:
        return event.location
    try:
        return plan.film.shot(event.shot_id).location
    except KeyError:
        return None


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
    spans: list[tuple[int, int, np.ndarray]] = []  # (first sample, last sample, gain) per segment
    for index in range(len(keys)):
        first_sample = starts[index] - halves[index]
        last_sample = ends[index] + halves[index + 1]
        gain = np.ones(last_sample - first_sample)
        if halves[index]:
            gain[: 2 * halves[index]] = np.sin(np.linspace(0.0, np.pi / 2, 2 * halves[index]))
        if halves[index + 1]:
            gain[-2 * halves[index + 1] :] = np.cos(np.linspace(0.0, np.pi / 2, 2 * halves[index + 1]))
        spans.append((first_sample, last_sample, gain))
    # 3. One continuous bed per location over the span where it sounds (a file bed starts from
    # its beginning where its location first comes in), indexed by timeline time.
    out = np.zeros((n, 2))
    sources: list[str] = []
    for key in dict.fromkeys(keys):
        mine = [span for k, span in zip(keys, spans) if k == key and span[1] > span[0]]
        if not mine:
            continue
        bed_start = min(span[0] for span in mine)
        bed_end = max(span[1] for span in mine)
        bed, label = _bed(plan, ambience_source(plan, key or None), bed_end - bed_start, strict_rate, notes)
        sources.append(f"{key or '(no location)'}: {label}")
        for first_sample, last_sample, gain in mine:
            out[first_sample:last_sample] += bed[first_sample - bed_start : last_sample - bed_start] * gain[:, None]
    # 4. The film opens and closes without a click; a fade or dissolve from black into the first
    # shot brings its sound up over the same frames.
    first = timeline.events[0]
    head = frames_to_samples(first.transition_frames, rate) if first.transition != "cut" else 0
    head = min(n // 2, max(head, seconds_to_samples(EDGE_FADE_SECONDS)))
    tail = min(n // 2, seconds_to_samples(EDGE_FADE_SECONDS))
    if head:
        out[:head] *= np.sin(np.linspace(0.0, np.pi / 2, head))[:, None] ** 2
    if tail:
        out[-tail:] *= np.linspace(1.0, 0.0, tail)[:, None]
    levels = [ambience_source(plan, key or None).lufs for key in keys]
    target = power_mean_lufs(levels, [e - s for s, e in zip(starts, ends)])
    return Stem("ambience", out, target, 0.5, sources)


# --- events: effects and dialogue ----------------------------------------------------------------


def _event_start(plan: LoadedPlan, timeline: Timeline, shot_id: str, at: float, where: str, notes: list[dict[str, Any]]) -> int | None:
    """Timeline sample of a sound ``at`` seconds into a shot: the shot's record_in + at, kept in sync
    with the picture when the cut slips the take (a head trimmed further than the plan's trim
    brings the action, and its sound, earlier)."""
    try:
        event = timeline.event(shot_id)
    except KeyError:
        notes.append(note("SND107", f"{where}: shot {shot_id} is not in the cut; its sound was left out", severity="warning", ok=False))
        return None
    try:
        planned_head = seconds_to_frames(plan.film.shot(shot_id).trim.in_, timeline.rate)
    except KeyError:
        planned_head = event.source_in
    slip = event.source_in - planned_head  # frames of the take the cut shows later (+) or earlier (-) than planned
    in_shot = at - float(Fraction(slip) / timeline.rate)
    shot_seconds = float(Fraction(event.duration) / timeline.rate)
    if in_shot > shot_seconds or in_shot < 0:
        notes.append(note(
            "SND108",
            f"{where}: falls {in_shot:.2f} s into shot {shot_id} as cut ({shot_seconds:.2f} s long): its action is outside the shot; placed anyway",
            severity="warning", ok=False, value=round(in_shot, 3), target=round(shot_seconds, 3),
        ))
    return frames_to_samples(event.record_in - slip, timeline.rate) + seconds_to_samples(at)


def _place(out: np.ndarray, start: int, piece: np.ndarray) -> bool:
    """Add ``piece`` at ``start``; False when nothing of it falls inside the film."""
    n = out.shape[0]
    if start >= n:
        return False
    end = min(n, start + piece.shape[0])
    placed = piece[: end - start]
    if end - start < piece.shape[0]:  # cut by the end of the film: a short fade, never a click
        fade = min(placed.shape[0], seconds_to_samples(0.01))
        placed = placed.copy()
        placed[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    out[start:end] += placed
    return True


def effects_stem(plan: LoadedPlan, timeline: Timeline, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem | None:
    """Each cue at its shot's record_in + at (in sync with the picture, see _event_start), normalised
    to its own target (-18..-14 LUFS by default)."""
    sound = plan.film.sound
    if not sound.cues:
        return None
    out = np.zeros((n, 2))
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
            clip = load_conformed(plan.resolve_path(cue.file), what=f"{where}.file", strict_rate=strict_rate)
            if (resampled := _resample_note(clip, where)) is not None:
                notes.append(resampled)
            samples, label = clip.samples, str(cue.file)
        else:
            made = synth.effect(cue.description or "", production, "cue", cue.shot, cue.description or "", f"{cue.at:g}")
            if not made.matched:
                notes.append(note("SND105", f"{where}: no effect keyword in {cue.description!r}; laid a soft generic impact (give the cue a file)", severity="warning", ok=False))
            samples, label = made.samples, "synth:" + "+".join(made.layers)
        samples = samples * gain_to(gated_loudness(samples), cue.lufs, what=where)
        if _place(out, start, samples):
            levels.append(cue.lufs)
            durations.append(samples.shape[0])
            sources.append(f"{cue.shot}@{cue.at:g}s: {label}")
        else:
            notes.append(note("SND107", f"{where}: falls after the end of the film; left out", severity="warning", ok=False))
    if not sources:
        return None
    return Stem("effects", out, power_mean_lufs(levels, durations), 1.0, sources)


def dialogue_stem(plan: LoadedPlan, timeline: Timeline, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem | None:
    """Dialogue and voice-over lines at their shot's record_in + at, each normalised to its target."""
    lines = plan.film.sound.dialogue
    if not lines:
        return None
    out = np.zeros((n, 2))
    levels: list[float] = []
    durations: list[float] = []
    sources: list[str] = []
    for index, line in enumerate(lines):
        where = f"{plan.file}: sound.dialogue[{index}] ({line.shot} at {line.at:g} s)"
        start = _event_start(plan, timeline, line.shot, line.at, where, notes)
        if start is None:
            continue
        clip = load_conformed(plan.resolve_path(line.file), what=f"{where}.file", strict_rate=strict_rate)
        if (resampled := _resample_note(clip, where)) is not None:
            notes.append(resampled)
        samples = clip.samples * gain_to(gated_loudness(clip.samples), line.lufs, what=f"{where}.file ({clip.path})")
        if _place(out, start, samples):
            levels.append(line.lufs)
            durations.append(samples.shape[0])
            sources.append(f"{line.shot}@{line.at:g}s: {line.file}")
    if not sources:
        return None
    return Stem("dialogue", out, power_mean_lufs(levels, durations), 1.0, sources)


def music_stem(plan: LoadedPlan, n: int, *, strict_rate: bool = False, notes: list[dict[str, Any]]) -> Stem | None:
    """The music file from ``start`` seconds into the film, faded out if it runs past the end;
    the part that plays is normalised to the plan's music level (before ducking)."""
    music = plan.film.sound.music
    if music is None:
        return None
    where = f"{plan.file}: sound.music.file"
    clip = load_conformed(plan.resolve_path(music.file), what=where, strict_rate=strict_rate)
    if (resampled := _resample_note(clip, where)) is not None:
        notes.append(resampled)
    start = seconds_to_samples(music.start)
    if start >= n:
        notes.append(note("SND107", f"{where}: starts at {music.start:g} s, after the end of the film; left out", severity="warning", ok=False))
        return None
    out = np.zeros((n, 2))
    playing = clip.samples[: n - start].copy()
    if clip.samples.shape[0] > n - start:  # cut by the end of the film: fade, never chop
        fade = min(seconds_to_samples(MUSIC_TAIL_FADE_SECONDS), playing.shape[0])
        playing[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None] ** 2
    out[start : start + playing.shape[0]] = playing
    out *= gain_to(integrated_loudness(out), music.lufs, what=f"{where} ({clip.path})")
    return Stem("music", out, music.lufs, 0.5, [str(music.file)])


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
