"""Loudness of files: streamed with bounded memory, equal to the whole-signal figures; rates below 8 kHz
and odd WAV headers refused cleanly, never divided by zero or read as noise (#18 items 5 and 12)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.sound import loudness

runner = CliRunner()


def _loudness(path: Path):
    result = runner.invoke(app, ["loudness", str(path)])
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result


@pytest.mark.parametrize("rate", [1, 2, 100, 7999])
def test_rates_below_8_khz_are_refused_in_one_line(tmp_path: Path, rate: int) -> None:
    path = tmp_path / f"r{rate}.wav"
    soundfile.write(str(path), np.sin(np.arange(rate * 5) * 0.3) * 0.5, rate)
    result = _loudness(path)
    assert result.exit_code == 2
    assert result.stderr == f"shotcraft: {path}: sample rate {rate} Hz; loudness (BS.1770) is measured at 8000 Hz and up\n"
    with pytest.raises(ValueError, match="8000 Hz and up"):
        loudness.measure(np.zeros((rate * 5, 1)), rate)


def test_a_7_bit_header_is_refused_not_measured_as_noise(tmp_path: Path) -> None:
    data = (np.sin(np.arange(96_000) * 0.05) * 60).astype(np.int8).tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, 48_000, 48_000, 1, 7)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "seven.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    result = _loudness(path)
    assert result.exit_code == 2 and "says 7 bits per sample" in result.stderr


def test_streamed_file_measure_equals_the_whole_signal_reference(tmp_path: Path) -> None:
    """The block-wise meter against pyloudnorm (integrated) and the vectorised figures, on a signal
    longer than one read block with a level change, at 44.1 kHz."""
    rate = 44_100
    seconds = 25.0
    t = np.arange(int(rate * seconds)) / rate
    rng = np.random.default_rng(7)
    signal = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t + 1)], axis=1) * 0.3
    signal += rng.standard_normal(signal.shape) * 0.02
    signal[t > 12] *= 0.25
    path = tmp_path / "long.wav"
    soundfile.write(str(path), signal, rate, subtype="FLOAT")
    streamed = loudness.measure_file(path)
    assert abs(streamed.integrated_lufs - loudness.integrated_loudness(signal, rate)) <= 0.01  # pyloudnorm
    weighted = loudness.weighted(signal, rate)
    short_term = loudness._to_lufs(loudness._block_power(weighted, rate, 3.0, 0.1))
    momentary = loudness._to_lufs(loudness._block_power(weighted, rate, 0.4, 0.1))
    assert streamed.short_term_max_lufs == pytest.approx(float(np.max(short_term)), abs=1e-6)
    assert streamed.momentary_max_lufs == pytest.approx(float(np.max(momentary)), abs=1e-6)
    assert streamed.lra == pytest.approx(loudness.loudness_range(short_term), abs=1e-6)
    assert streamed.true_peak_dbtp == pytest.approx(loudness.to_db(float(np.max(loudness.peak_envelope(signal, rate)))), abs=1e-6)
