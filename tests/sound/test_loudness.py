"""Loudness against EBU Tech 3341/3342-style signals generated here, and against ffmpeg's ebur128."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from shotcraft.sound import loudness
from shotcraft.sound.audio import write_wav

from .conftest import ffmpeg_ebur128

RATE = 48_000


def sine(dbfs: float, seconds: float, freq: float = 1000.0, phase: float = 0.0, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)
    return np.repeat(mono[:, None], channels, axis=1)


def test_1khz_stereo_sine_at_minus_23_dbfs_reads_minus_23_lufs() -> None:
    report = loudness.measure(sine(-23.0, 20.0))
    assert report.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert report.short_term_max_lufs == pytest.approx(-23.0, abs=0.1)
    assert report.momentary_max_lufs == pytest.approx(-23.0, abs=0.1)
    assert report.lra == pytest.approx(0.0, abs=0.1)


def test_1khz_sine_at_minus_33_dbfs_reads_minus_33_lufs() -> None:
    assert loudness.integrated_loudness(sine(-33.0, 10.0)) == pytest.approx(-33.0, abs=0.1)


def test_20s_sequence_with_parts_under_the_absolute_gate() -> None:
    # 1 s at -72 dBFS (under the -70 LUFS gate), 18 s at -23, 1 s at -72: only the middle counts
    # (the few 400 ms blocks straddling a step count in part, as in Tech 3341 case 4: -0.07 LU here)
    signal = np.concatenate([sine(-72.0, 1.0), sine(-23.0, 18.0), sine(-72.0, 1.0)])
    assert loudness.integrated_loudness(signal) == pytest.approx(-23.0, abs=0.1)


def test_20s_sequence_of_two_levels_is_their_energy_mean() -> None:
    signal = np.concatenate([sine(-26.0, 10.0), sine(-20.0, 10.0)])
    expected = 10 * math.log10((10 ** (-26 / 10) + 10 ** (-20 / 10)) / 2)
    assert loudness.integrated_loudness(signal) == pytest.approx(expected, abs=0.1)
    assert loudness.integrated_loudness(signal, fast=True) == pytest.approx(loudness.integrated_loudness(signal), abs=0.01)


@pytest.mark.parametrize(("second_level", "expected_lra"), [(-30.0, 10.0), (-15.0, 5.0)])
def test_loudness_range_of_two_level_steps(second_level: float, expected_lra: float) -> None:
    # EBU Tech 3342 cases 1 and 2: 20 s at -20 dBFS then 20 s at another level
    signal = np.concatenate([sine(-20.0, 20.0), sine(second_level, 20.0)])
    assert loudness.measure(signal).lra == pytest.approx(expected_lra, abs=1.0)


def test_true_peak_is_above_the_sample_peak_for_a_quarter_rate_sine_at_45_degrees() -> None:
    # fs/4 with a 45 degree phase: every sample lands at 0.707 of the crest
    tone = sine(-6.0, 2.0, freq=RATE / 4, phase=math.pi / 4)
    report = loudness.measure(tone)
    assert report.sample_peak_dbfs == pytest.approx(-9.03, abs=0.05)
    assert report.true_peak_dbtp == pytest.approx(-6.0, abs=0.3)  # Tech 3341 allows +0.2 / -0.4
    assert report.true_peak_dbtp > report.sample_peak_dbfs + 2.5


def test_silence_reads_minus_inf_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = loudness.measure(np.zeros((RATE * 2, 2)))
        too_short = loudness.measure(sine(-20.0, 0.2))
    assert report.integrated_lufs == -math.inf
    assert report.true_peak_dbtp == -math.inf
    assert report.to_dict()["integrated_lufs"] is None
    assert too_short.integrated_lufs == -math.inf  # shorter than one 400 ms gating block


def test_gain_to_refuses_silence_with_a_clear_message() -> None:
    from shotcraft.errors import InputError

    with pytest.raises(InputError, match="music.wav: silent .* cannot normalise it to -20 LUFS"):
        loudness.gain_to(-math.inf, -20.0, what="music.wav")


def test_agrees_with_ffmpeg_ebur128_within_0_2_lu(tmp_path: Path) -> None:
    from scipy import signal as sp

    rng = np.random.default_rng(3341)
    # pink noise stepping through three levels (a real loudness range) over a quiet tone
    pink = sp.lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                      [1.0, -2.494956002, 2.017265875, -0.522189400], rng.standard_normal((RATE * 12, 2)), axis=0)
    pink /= np.max(np.abs(pink))
    levels = np.repeat([0.05, 0.5, 0.15], RATE * 4)[:, None]
    signal = pink * levels + sine(-30.0, 12.0, freq=440.0)
    path = write_wav(tmp_path / "probe.wav", signal * 0.9 / np.max(np.abs(signal)))
    ours = loudness.measure_file(path)
    theirs = ffmpeg_ebur128(path)
    assert ours.integrated_lufs == pytest.approx(theirs["integrated"], abs=0.2)
    assert ours.lra == pytest.approx(theirs["lra"], abs=0.5)
    assert ours.true_peak_dbtp == pytest.approx(theirs["true_peak"], abs=0.3)
    assert ours.lra > 5.0  # the probe really has a range to measure


def test_44k1_file_is_measured_at_its_own_rate(tmp_path: Path) -> None:
    import soundfile

    t = np.arange(44_100 * 5) / 44_100
    tone = 10 ** (-23 / 20) * np.sin(2 * np.pi * 1000 * t)
    path = tmp_path / "tone44.wav"
    soundfile.write(str(path), np.stack([tone, tone], axis=1), 44_100, subtype="PCM_24")
    report = loudness.measure_file(path)
    assert report.sample_rate == 44_100
    assert report.integrated_lufs == pytest.approx(-23.0, abs=0.1)


def test_surround_channels_are_weighted_and_more_than_five_are_refused(tmp_path: Path) -> None:
    import soundfile

    from shotcraft.errors import InputError

    tone = sine(-23.0, 5.0, channels=1)
    front = loudness.integrated_loudness(np.hstack([tone, np.zeros((tone.shape[0], 4))]))
    surround = loudness.integrated_loudness(np.hstack([np.zeros((tone.shape[0], 3)), tone, np.zeros_like(tone)]))
    assert surround - front == pytest.approx(10 * math.log10(1.41), abs=0.05)  # Ls/Rs weigh +1.5 dB
    path = tmp_path / "seven.wav"
    soundfile.write(str(path), np.zeros((48_000, 7)) + 0.01, 48_000)
    with pytest.raises(InputError, match="seven.wav: 7 channels; loudness is measured here for up to 5"):
        loudness.measure_file(path)
