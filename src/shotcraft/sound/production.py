"""Production sound: the audio an imported clip carried (a Veo take's voices and room), as a stem of the mix.

An import keeps the clip's sound inside the take (see
:mod:`shotcraft.render.imports`). When the plan asks for it
(``sound.production_sound: true``) each picked take that carries sound is laid
on the timeline under its own picture (its source range, at its record
position plus any J/L offset), with a 10 ms fade at each edge against clicks,
and the stem is levelled to ``sound.production_lufs`` like every other stem.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.media.video import probe, run_ffmpeg
from shotcraft.plan.loader import LoadedPlan
from shotcraft.sound.loudness import SAMPLE_RATE, gain_to, integrated_loudness
from shotcraft.sound.stems import EventsSource, Stem, StemSet, _Event, frames_to_samples, note, power_mean_lufs

EDGE_FADE_S = 0.010


def add_production_sound(stem_set: StemSet, plan: LoadedPlan, timeline: Timeline) -> None:
    """Add the ``production`` stem to ``stem_set`` when the plan asks for it and a picked take carries sound."""
    sound = plan.film.sound
    if not sound.production_sound:
        return
    placed: list[tuple[int, CutEvent, np.ndarray]] = []
    for event in timeline.events:
        if not probe(event.clip_path).has_audio:
            continue
        start = frames_to_samples(event.record_in + event.audio_offset_frames, timeline.rate)
        piece = _piece(event, timeline.rate, start, stem_set.length)
        if piece.shape[0]:
            placed.append((max(start, 0), event, piece))
    if not placed:
        stem_set.notes.append(note("SND111", "sound.production_sound is on but no picked take carries sound (import clips with their audio)",
                                   severity="warning", ok=False))  # fmt: skip
        return
    # the pieces do not overlap (one per shot): the stem's loudness is their duration-weighted power mean
    level = power_mean_lufs([integrated_loudness(p, fast=True) for _, _, p in placed], [float(p.shape[0]) for _, _, p in placed])
    gain = gain_to(level, sound.production_lufs, what=f"{plan.file}: sound.production_sound")

    def maker(event: CutEvent, start: int):
        return lambda: _piece(event, timeline.rate, start, stem_set.length) * gain  # decoded again when the render reaches it

    events = [_Event(start, piece.shape[0], maker(event, start)) for start, event, piece in placed]
    sources = [f"{event.shot_id} take {event.take}" for _, event, _ in placed]
    stem_set.stems["production"] = Stem("production", EventsSource(events), stem_set.length, sound.production_lufs, 1.0, sources)


def _piece(event: CutEvent, rate: Fraction, start: int, length: int) -> np.ndarray:
    """The take's sound over its used range, faded at both edges, cut to what falls inside the film."""
    piece = _faded(_take_sound(event, rate))[max(-start, 0) :]
    return piece[: max(0, min(length - max(start, 0), piece.shape[0]))]


def _take_sound(event: CutEvent, film_rate: Fraction) -> np.ndarray:
    """The take's sound over its used range, (n, 2) float at 48 kHz."""
    rate = event.source_rate or film_rate
    result = run_ffmpeg(["-i", str(event.clip_path), "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le",
                         "-ac", "2", "-ar", str(SAMPLE_RATE), "pipe:1"], what=f"shot {event.shot_id}: take {event.take} sound")  # fmt: skip
    samples = np.frombuffer(result.stdout, dtype=np.float32).reshape(-1, 2).astype(np.float64)
    first = frames_to_samples(event.source_in, rate)
    return samples[first : first + frames_to_samples(event.duration, film_rate)]


def _faded(piece: np.ndarray) -> np.ndarray:
    fade = min(int(EDGE_FADE_S * SAMPLE_RATE), len(piece) // 2)
    if fade <= 0:
        return piece
    ramp = np.linspace(0.0, 1.0, fade)[:, None]
    piece = piece.copy()
    piece[:fade] *= ramp
    piece[-fade:] *= ramp[::-1]
    return piece
