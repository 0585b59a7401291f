"""The mix: duck the music, sum the stems, reach the platform target, hold the true-peak ceiling.

``mix_film`` is the stage: plan + cut in, mix.wav and stems/*.wav out (48 kHz,
24-bit PCM, stereo), with measured loudness, QA checks and manifest entries.

Stems are written at their own targets (ambience -24 LUFS, effects -18..-14,
...), as a sound editor receives them, the music stem as it plays (ducked); the
mix is their sum times one master gain (``MixResult.gain_db``) through a
true-peak limiter, so the stems rebuild the mix up to the limiter. A stem
whose peaks would pass full scale at its target is written lower by
``StemResult.headroom_trim_db`` rather than clipped.

Check codes (dicts in ``MixResult.checks``, for the QA report):
SND101 stem loudness vs target, SND102 mix loudness vs target (±0.5 LU),
SND103 mix true peak vs ceiling, SND104 "sound off" proxy, SND105 a
description no keyword matched (a default sound was laid), SND106 a file was
resampled to 48 kHz, SND107 a cue/line/music outside the cut, SND108 a cue
after the end of its shot, SND109 limiter working hard (squashed transients), SND110 dialogue not clear
of the rest of the mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from shotcraft.edit.timeline import Timeline
from shotcraft.sound.production import add_production_sound
from shotcraft.errors import InputError
from shotcraft.manifest import ManifestEntry
from shotcraft.plan import presets
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.schema import Film
from shotcraft.sound.audio import write_wav
from shotcraft.sound.loudness import (
    ABSOLUTE_GATE_LUFS,
    SAMPLE_RATE,
    LoudnessMeter,
    LoudnessReport,
    as_frames,
    integrated_loudness,
    measure_file,
    peak_envelope,
    true_peak,
)
from shotcraft.sound.stems import StemSet, frames_to_samples, lay_stems, note
from shotcraft.sound.stream import BLOCK, WorkFile, limit_pass, meter_of, render_to, work_files, write_wav_blocks

MIX_TOLERANCE_LU = 0.5
LIMITER_LOOKAHEAD_SECONDS = 0.005
LIMITER_RELEASE_DB_PER_SECOND = 40.0  # 12 dB back in 0.3 s: short enough not to pump the bed
LIMITER_WARN_DB = 6.0  # more gain reduction than this is audible squashing
LIMITER_MARGIN_DB = 0.3  # aim under the ceiling: the gain curve is applied at the base rate
DUCK_ATTACK_SECONDS = 0.08
DUCK_RELEASE_SECONDS = 0.6
DUCK_HOLD_SECONDS = 0.25
ACTIVITY_THRESHOLD_DBFS = -50.0  # a stem is "sounding" above this 10 ms RMS
CONTROL_BLOCK = 480  # 10 ms at 48 kHz: ducking and activity work at this control rate
DIALOGUE_MARGIN_LU = 6.0  # lines sit at least this far above bed, effects and ducked music
SOUND_OFF_STRETCH_SECONDS = 5.0  # ambience-only with no picture change for this long (longer than a 3-5 s shot)...
SOUND_OFF_MAX_FRACTION = 0.25  # ...over this share of the film: the film may not read with sound off


@dataclass(frozen=True)
class StemResult:
    name: str
    path: Path
    integrated_lufs: float
    true_peak_dbtp: float
    target_lufs: float
    headroom_trim_db: float = 0.0  # how far the written file sits under the stem as mixed (peaks over full scale)


@dataclass
class MixResult:
    mix_path: Path
    integrated_lufs: float
    true_peak_dbtp: float
    target_lufs: float
    lra: float
    stems: list[StemResult]
    checks: list[dict[str, Any]]
    short_term_max_lufs: float = -math.inf
    gain_db: float = 0.0  # master gain applied to the sum of the stems before the limiter
    limiter_max_reduction_db: float = 0.0
    seconds: float = 0.0
    ceiling_dbtp: float = presets.TRUE_PEAK_CEILING_DBTP
    music_ducked_fraction: float = 0.0
    sound_off_fraction: float = 0.0
    out_dir: Path = field(default_factory=Path)

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        """JSON-safe summary (for sound.json and the QA report); -inf becomes None. Paths are
        relative to ``root`` (default the mix folder, where sound.json lives), never to the
        working directory the command ran from."""
        root = (root or self.out_dir).resolve()

        def where(path: Path) -> str:
            resolved = path.resolve()
            return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)

        return {
            "mix": where(self.mix_path),
            "integrated_lufs": _finite(self.integrated_lufs),
            "true_peak_dbtp": _finite(self.true_peak_dbtp),
            "short_term_max_lufs": _finite(self.short_term_max_lufs),
            "lra": round(self.lra, 2),
            "target_lufs": self.target_lufs,
            "ceiling_dbtp": self.ceiling_dbtp,
            "gain_db": round(self.gain_db, 2),
            "limiter_max_reduction_db": round(self.limiter_max_reduction_db, 2),
            "music_ducked_fraction": round(self.music_ducked_fraction, 3),
            "sound_off_fraction": round(self.sound_off_fraction, 3),
            "seconds": round(self.seconds, 3),
            "stems": [
                {"name": s.name, "path": where(s.path), "integrated_lufs": _finite(s.integrated_lufs),
                 "true_peak_dbtp": _finite(s.true_peak_dbtp), "target_lufs": round(s.target_lufs, 2),
                 "headroom_trim_db": round(s.headroom_trim_db, 2)}
                for s in self.stems
            ],
            "checks": self.checks,
            "ok": self.ok,
        }

    @property
    def ok(self) -> bool:
        return all(check["ok"] or check.get("severity") != "error" for check in self.checks)

    def manifest_entries(self, root: Path | None = None) -> list[ManifestEntry]:
        """Entries for manifest.json (paths relative to ``root``, default the mix folder)."""
        root = (root or self.out_dir).resolve()
        audio = {"sample_rate": SAMPLE_RATE, "bit_depth": 24, "channels": 2}
        entries = [
            ManifestEntry(
                kind="mix",
                path=self.mix_path.resolve().relative_to(root).as_posix(),
                duration=self.seconds,
                codec="pcm_s24le",
                extra={
                    **audio,
                    "integrated_lufs": _finite(self.integrated_lufs),
                    "true_peak_dbtp": _finite(self.true_peak_dbtp),
                    "lra": round(self.lra, 2),
                    "short_term_max_lufs": _finite(self.short_term_max_lufs),
                    "target_lufs": self.target_lufs,
                    "ceiling_dbtp": self.ceiling_dbtp,
                    "gain_db": round(self.gain_db, 2),
                },
            )
        ]
        for stem in self.stems:
            entries.append(
                ManifestEntry(
                    kind="stem",
                    path=stem.path.resolve().relative_to(root).as_posix(),
                    duration=self.seconds,
                    codec="pcm_s24le",
                    extra={
                        **audio,
                        "name": stem.name,
                        "integrated_lufs": _finite(stem.integrated_lufs),
                        "true_peak_dbtp": _finite(stem.true_peak_dbtp),
                        "target_lufs": round(stem.target_lufs, 2),
                        "headroom_trim_db": round(stem.headroom_trim_db, 2),
                    },
                )
            )
        return entries


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def platform_target(film: Film) -> float:
    """Sound.target_lufs, else the first platform's (web/streaming -14, broadcast -23)."""
    if film.sound.target_lufs is not None:
        return film.sound.target_lufs
    primary = film.production.platforms[0] if film.production.platforms else "web"
    return presets.PLATFORM_LUFS.get(str(primary), -14.0)


# --- dynamics ------------------------------------------------------------------------------------


def activity(samples: np.ndarray, threshold_dbfs: float = ACTIVITY_THRESHOLD_DBFS) -> np.ndarray:
    """Per 10 ms block: True where the signal sounds above the threshold (RMS over both channels)."""
    data = as_frames(samples)
    blocks = -(-data.shape[0] // CONTROL_BLOCK)
    padded = np.zeros((blocks * CONTROL_BLOCK, data.shape[1]))
    padded[: data.shape[0]] = data
    power = np.mean(padded.reshape(blocks, CONTROL_BLOCK, -1) ** 2, axis=(1, 2))
    return power > 10 ** (threshold_dbfs / 10)


def duck_curve(key_active: np.ndarray, duck_db: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(sample positions, dB reduction) at the control rate; None when nothing ducks.

    The reduction dips ``duck_db`` while the key sounds: starts ``attack`` early (the mix is
    offline, so it can look ahead), holds, then releases smoothly."""
    if duck_db <= 0 or not np.any(key_active):
        return None
    block_seconds = CONTROL_BLOCK / SAMPLE_RATE
    lead = int(round(DUCK_ATTACK_SECONDS / block_seconds))
    hold = int(round(DUCK_HOLD_SECONDS / block_seconds))
    # extend each active run backwards by the attack time and forwards by the hold time
    size = lead + hold + 1
    wanted = ndimage.maximum_filter1d(key_active.astype(float), size=size, origin=(hold - lead) // 2, mode="constant")
    wanted *= duck_db
    attack = math.exp(-block_seconds / (DUCK_ATTACK_SECONDS / 3))
    release = math.exp(-block_seconds / (DUCK_RELEASE_SECONDS / 3))
    reduction = np.empty_like(wanted)
    level = 0.0
    for index, target in enumerate(wanted):  # one-pole, faster going down than coming back
        coefficient = attack if target > level else release
        level = target + (level - target) * coefficient
        reduction[index] = level
    centres = (np.arange(reduction.size) + 0.5) * CONTROL_BLOCK
    return centres, reduction


def duck_gain_at(curve: tuple[np.ndarray, np.ndarray] | None, start: int, stop: int) -> np.ndarray:
    """Per-sample linear gain of the duck curve over samples [start, stop)."""
    if curve is None:
        return np.ones(stop - start)
    centres, reduction = curve
    return 10 ** (-np.interp(np.arange(start, stop), centres, reduction) / 20)


def duck_gain(key_active: np.ndarray, n: int, duck_db: float) -> np.ndarray:
    """Per-sample linear gain that dips ``duck_db`` while the key sounds (see duck_curve)."""
    return duck_gain_at(duck_curve(key_active, duck_db), 0, n)


def _forward_max(values: np.ndarray, window: int) -> np.ndarray:
    """max(values[k .. k+window]) for every k (look-ahead)."""
    padded = np.concatenate([values, np.zeros(window)])
    return ndimage.maximum_filter1d(padded, size=window + 1, origin=-(window // 2) - (window % 2), mode="nearest")[: values.size]


def _limit_once(samples: np.ndarray, peaks: np.ndarray, ceiling_db: float) -> tuple[np.ndarray, float]:
    """One pass of gain riding from the oversampled peak envelope ``peaks`` (one value per sample)."""
    n = samples.shape[0]
    ceiling = 10 ** (ceiling_db / 20)
    needed_db = np.maximum(0.0, 20 * np.log10(np.maximum(peaks, 1e-12) / ceiling))
    if not np.any(needed_db > 0):
        return samples, 0.0
    window = max(1, int(LIMITER_LOOKAHEAD_SECONDS * SAMPLE_RATE))
    ahead = _forward_max(needed_db, window)
    # release: attenuation may fall no faster than a fixed dB/s (running max of a decaying line)
    slope = LIMITER_RELEASE_DB_PER_SECOND / SAMPLE_RATE
    ramp = slope * np.arange(n)
    held = np.maximum.accumulate(ahead + ramp) - ramp
    # causal moving average over the look-ahead window: every value averaged at a peak
    # already covers it, so the smoothed gain is at or under what the peak needs
    cumulative = np.concatenate([[0.0], np.cumsum(held)])
    starts = np.maximum(0, np.arange(n) - window)
    smoothed = (cumulative[1:] - cumulative[starts]) / (np.arange(n) + 1 - starts)
    return samples * (10 ** (-smoothed / 20))[:, None], float(np.max(smoothed))


def true_peak_limit(samples: np.ndarray, ceiling_dbtp: float) -> tuple[np.ndarray, float]:
    """Look-ahead limiter on the 4x oversampled peak: the result's true peak is at or under the ceiling.

    Returns (limited samples, largest gain reduction in dB). Each pass reads the
    oversampled envelope once; a last static trim guarantees the ceiling where the
    smoothed gain could not.
    """
    out = as_frames(samples)
    reduction = 0.0
    aim = ceiling_dbtp - LIMITER_MARGIN_DB
    for attempt in range(5):
        peaks = peak_envelope(out)
        excess = 20 * math.log10(max(float(np.max(peaks)), 1e-12)) - ceiling_dbtp
        if excess <= 0:
            return out, reduction
        if attempt == 4:
            break
        if attempt:
            aim -= excess + 0.05  # the last pass left some over: aim lower
        out, step = _limit_once(out, peaks, aim)
        reduction = max(reduction, step)
    trim = excess + 0.01
    return out * 10 ** (-trim / 20), reduction + trim


# --- the "sound off" proxy ---------------------------------------------------------------------


def sound_off_fraction(
    non_ambience_active: np.ndarray, picture_changes: list[int], rate: Fraction, total_frames: int,
    stretch_seconds: float = SOUND_OFF_STRETCH_SECONDS,
) -> float:
    """Share of the film inside stretches of at least ``stretch_seconds`` where only ambience
    plays and the picture does not change (a proxy for "does it still read with the sound off")."""
    if total_frames <= 0:
        return 0.0
    blocks = non_ambience_active.size
    quiet = ~non_ambience_active
    cuts = sorted({0, blocks, *(min(blocks, frames_to_samples(f, rate) // CONTROL_BLOCK) for f in picture_changes if 0 < f < total_frames)})
    minimum = stretch_seconds * SAMPLE_RATE / CONTROL_BLOCK
    counted = 0
    for a, b in zip(cuts[:-1], cuts[1:]):
        run = 0
        for value in np.append(quiet[a:b], False):
            if value:
                run += 1
                continue
            if run >= minimum:
                counted += run
            run = 0
    return counted / blocks if blocks else 0.0


# --- the stage ---------------------------------------------------------------------------------


def _check_inputs(plan: LoadedPlan, timeline: Timeline, target: float) -> None:
    if not timeline.events:
        raise InputError(f"{plan.file}: the cut has no shots; nothing to mix", code="empty-cut")
    if timeline.rate <= 0:
        raise InputError(f"{plan.file}: the cut's frame rate must be positive, found {timeline.rate}")
    if not -40.0 <= target <= -5.0:
        raise InputError(f"{plan.file}: mix target {target:g} LUFS is outside -40..-5 LUFS")


def _stem_check(name: str, measured: float, target: float, tolerance: float) -> dict[str, Any]:
    ok = math.isfinite(measured) and abs(measured - target) <= tolerance
    shown = f"{measured:.1f}" if math.isfinite(measured) else "-inf"
    return note(
        "SND101", f"{name} stem {shown} LUFS, target {target:.1f} ±{tolerance:g} LU",
        severity="warning", ok=ok, value=_finite(measured), target=round(target, 2),
    ) | {"stem": name}


def mix_film(
    plan: LoadedPlan,
    timeline: Timeline,
    out_dir: Path,
    *,
    picture_changes: list[int] | None = None,
    target_lufs: float | None = None,
    strict_rate: bool = False,
) -> MixResult:
    """Lay the stems from the cut, mix them to the platform target and write mix.wav + stems/*.wav.

    ``picture_changes``: frame indices where the picture changes (default: the cut points),
    for the "sound off" proxy. ``strict_rate``: refuse audio files not at 48 kHz instead of
    resampling them.
    """
    film = plan.film
    target = target_lufs if target_lufs is not None else platform_target(film)
    ceiling = film.sound.true_peak
    out_dir = Path(out_dir)
    # 1. Check inputs
    _check_inputs(plan, timeline, target)
    # 2. Lay the stems (each at its own target), rendered once, block by block, to work files
    stem_set: StemSet = lay_stems(plan, timeline, strict_rate=strict_rate)
    add_production_sound(stem_set, plan, timeline)  # imported takes' own sound, when the plan asks for it
    stems = stem_set.stems
    n = stem_set.length
    checks: list[dict[str, Any]] = list(stem_set.notes)
    with work_files(out_dir) as make:
        files: dict[str, WorkFile] = {}
        measured_before_duck: dict[str, float] = {}
        for name, stem in stems.items():
            meter = LoudnessMeter(SAMPLE_RATE, 2)
            files[name] = render_to(make, stem.render, n, lambda _, block, meter=meter: meter.add(block))
            measured_before_duck[name] = meter.report().integrated_lufs
        # 3. Duck the music under effects and dialogue (the key's activity is 100 values a second)
        key_active = np.concatenate([activity(_key_block(files, start, stop)) for start, stop in _spans(n)])
        curve = duck_curve(key_active, film.sound.music.duck_db) if "music" in stems and film.sound.music is not None else None
        # 4. Sum; then master gain + true-peak limiter until the loudness sits on target
        summed = make(n)
        summed_meter = LoudnessMeter(SAMPLE_RATE, 2)
        rest_meter = LoudnessMeter(SAMPLE_RATE, 2)  # everything but dialogue, for SND110
        dialogue_meter = LoudnessMeter(SAMPLE_RATE, 2)
        stem_peaks = {name: 0.0 for name in stems}
        others: list[np.ndarray] = []
        ducked_samples = 0
        ducked_music = make(n) if "music" in stems else None
        for start, stop in _spans(n):
            blocks = {name: files[name].read(start, stop) for name in stems}
            if "music" in blocks and film.sound.music is not None:
                gain = duck_gain_at(curve, start, stop)
                blocks["music"] = blocks["music"] * gain[:, None]
                ducked_samples += int(np.sum(gain < 10 ** (-1.0 / 20)))
            if ducked_music is not None:
                ducked_music.write(blocks["music"])
            for name, block in blocks.items():
                stem_peaks[name] = max(stem_peaks[name], float(np.max(np.abs(block))) if block.size else 0.0)
            total = sum(blocks.values())
            summed.write(total)
            summed_meter.add(total)
            if "dialogue" in blocks:
                dialogue_meter.add(blocks["dialogue"])
                rest_meter.add(sum(block for name, block in blocks.items() if name != "dialogue"))
            sounding = np.zeros(-(-(stop - start) // CONTROL_BLOCK), dtype=bool)
            for name in ("effects", "dialogue", "music"):
                if name in blocks:
                    sounding |= activity(blocks[name])
            others.append(sounding)
        if ducked_music is not None:
            files["music"].remove()
            files["music"] = ducked_music
        ducked_fraction = ducked_samples / n if curve is not None else 0.0
        loudness = summed_meter.report().integrated_lufs
        if not math.isfinite(loudness):
            raise InputError(f"{plan.file}: the mix is silent (loudness -inf LUFS); check the sound section", code="silent-audio")
        gain_db = target - loudness
        mixed: WorkFile | None = None
        for _ in range(4):
            if mixed is not None and mixed is not summed:
                mixed.remove()
            mixed, mixed_gain, reduction, mixed_loudness = _limit_to_ceiling(summed, 10 ** (gain_db / 20), ceiling, make)
            error = target - mixed_loudness
            if abs(error) <= 0.1:
                break
            gain_db += error
        # 5. Write (atomically), then measure what was written
        mix_path = write_wav_blocks(out_dir / "mix.wav", mixed, mixed_gain)
        stem_results: list[StemResult] = []
        for name, stem in stems.items():
            scale, trim_db = _fit_gain(stem_peaks[name])
            written = LoudnessMeter(SAMPLE_RATE, 2)
            path = write_wav_blocks(out_dir / "stems" / f"{name}.wav", files[name], scale, written)
            measured = written.report()
            stem_results.append(StemResult(name, path, measured.integrated_lufs, measured.true_peak_dbtp, stem.target_lufs, trim_db))
            check = _stem_check(name, measured_before_duck[name], stem.target_lufs, stem.tolerance_lu)
            if trim_db:
                check["message"] += f" (its file is written {trim_db:.1f} dB lower: its peaks pass full scale)"
            checks.append(check)
    report: LoudnessReport = measure_file(mix_path)
    # 6. Checks for the QA report
    checks.append(note(
        "SND102", f"mix {report.integrated_lufs:.1f} LUFS, target {target:.1f} ±{MIX_TOLERANCE_LU} LU",
        severity="error", ok=math.isfinite(report.integrated_lufs) and abs(report.integrated_lufs - target) <= MIX_TOLERANCE_LU,
        value=_finite(report.integrated_lufs), target=target,
    ))
    checks.append(note(
        "SND103", f"mix true peak {report.true_peak_dbtp:.2f} dBTP, ceiling {ceiling:g} dBTP",
        severity="error", ok=report.true_peak_dbtp <= ceiling + 1e-6, value=_finite(report.true_peak_dbtp), target=ceiling,
    ))
    checks.append(note(
        "SND109",
        f"limiter took up to {reduction:.1f} dB off the loudest peaks"
        + (" (the stems sum far under the target, mostly quiet bed: transients are squashed; lower the target or "
           "give the film music or dialogue)" if reduction > LIMITER_WARN_DB else ""),
        severity="warning", ok=reduction <= LIMITER_WARN_DB, value=round(reduction, 2), target=LIMITER_WARN_DB,
    ))
    if "dialogue" in stems:
        checks.append(_dialogue_clarity(dialogue_meter.momentary(), rest_meter.momentary()))
    changes = picture_changes if picture_changes is not None else [event.record_in for event in timeline.events[1:]]
    fraction = sound_off_fraction(np.concatenate(others), changes, timeline.rate, timeline.duration)
    checks.append(note(
        "SND104",
        f"{fraction:.0%} of the film is ambience only with no picture change for {SOUND_OFF_STRETCH_SECONDS:g} s or more "
        f"(limit {SOUND_OFF_MAX_FRACTION:.0%}): watch it with low sound, then sound off",
        severity="warning", ok=fraction <= SOUND_OFF_MAX_FRACTION, value=round(fraction, 3), target=SOUND_OFF_MAX_FRACTION,
    ))
    return MixResult(
        mix_path=mix_path, integrated_lufs=report.integrated_lufs, true_peak_dbtp=report.true_peak_dbtp,
        target_lufs=target, lra=report.lra, stems=stem_results, checks=checks,
        short_term_max_lufs=report.short_term_max_lufs, gain_db=gain_db, limiter_max_reduction_db=reduction,
        seconds=n / SAMPLE_RATE, ceiling_dbtp=ceiling, music_ducked_fraction=ducked_fraction,
        sound_off_fraction=fraction, out_dir=out_dir,
    )


def _dialogue_clarity(dialogue: np.ndarray, others: np.ndarray) -> dict[str, Any]:
    """SND110: while lines play, dialogue should sit well above everything else (median of the
    momentary-loudness difference over the blocks where dialogue sounds)."""
    speaking = dialogue > ABSOLUTE_GATE_LUFS
    if not np.any(speaking):
        margin = math.inf
    else:
        with np.errstate(invalid="ignore"):
            margin = float(np.median((dialogue - others)[speaking]))
    shown = "inf" if not math.isfinite(margin) else f"{margin:.1f}"
    return note(
        "SND110", f"dialogue sits {shown} LU above the rest of the mix while it plays (want {DIALOGUE_MARGIN_LU:g} LU or more)",
        severity="warning", ok=margin >= DIALOGUE_MARGIN_LU, value=_finite(margin), target=DIALOGUE_MARGIN_LU,
    )




def _spans(n: int) -> list[tuple[int, int]]:
    return [(start, min(n, start + BLOCK)) for start in range(0, n, BLOCK)]


def _key_block(files: dict[str, WorkFile], start: int, stop: int) -> np.ndarray:
    key = np.zeros((stop - start, 2))
    for name in ("effects", "dialogue"):
        if name in files:
            key += files[name].read(start, stop)
    return key


def _limit_to_ceiling(source: WorkFile, gain: float, ceiling_dbtp: float, make: Any) -> tuple[WorkFile, float, float, float]:
    """true_peak_limit on ``source * gain``, pass by pass on work files (same passes, same numbers).

    Returns (signal, gain to apply to it, largest gain reduction in dB, its integrated loudness).
    """
    current, current_gain = source, gain
    reduction = 0.0
    aim = ceiling_dbtp - LIMITER_MARGIN_DB
    window = max(1, int(LIMITER_LOOKAHEAD_SECONDS * SAMPLE_RATE))
    for attempt in range(5):
        meter = meter_of(current, current_gain)
        loudness = meter.report().integrated_lufs
        excess = 20 * math.log10(max(meter.peak, 1e-12)) - ceiling_dbtp
        if excess <= 0:
            return current, current_gain, reduction, loudness
        if attempt == 4:
            break
        if attempt:
            aim -= excess + 0.05  # the last pass left some over: aim lower
        limited, step = limit_pass(current, current_gain, aim, make, window, LIMITER_RELEASE_DB_PER_SECOND / SAMPLE_RATE)
        if current is not source:
            current.remove()
        current, current_gain = limited, 1.0
        reduction = max(reduction, step)
    trim = excess + 0.01
    trimmed = current_gain * 10 ** (-trim / 20)
    return current, trimmed, reduction + trim, meter_of(current, trimmed).report().integrated_lufs


def _fit_gain(peak: float) -> tuple[float, float]:
    """(gain, dB taken off) so a stem whose peaks pass full scale is scaled to fit, never clipped."""
    limit = 10 ** (-0.1 / 20)
    if peak <= limit:
        return 1.0, 0.0
    return limit / peak, 20 * math.log10(peak / limit)
