"""Audio files in and out: read with soundfile, conform to 48 kHz stereo, write 24-bit WAV atomically.

Sample-rate policy (decided here, once): a file at another rate is resampled
to 48 kHz with a polyphase filter (``scipy.signal.resample_poly``), because a
sound editor expects a 44.1 kHz library effect to just work; the conversion is
reported so it is never silent. With ``strict_rate=True`` a mismatch is
refused instead (for deliveries where every source must already be 48 kHz).
Rates below 8 kHz are refused: nothing usable for a film mix lives there.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
from collections.abc import Iterator
from typing import Any
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from shotcraft.errors import InputError, output_error
from shotcraft.files import check_content
from shotcraft.fsutil import atomic_path
from shotcraft.sound.loudness import SAMPLE_RATE

MIN_RATE = 8_000


@dataclass(frozen=True)
class AudioClip:
    samples: np.ndarray  # float64 (n, channels) in [-1, 1]
    rate: int
    path: Path | None = None
    original_rate: int | None = None  # set when the clip was resampled

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.rate


def read_audio(path: Path, *, what: str) -> AudioClip:
    """Read an audio file as float64 (n, channels). ``what`` names it in errors (plan field or file)."""
    import soundfile

    with open_audio(path, what=what) as handle:  # the same checks as every reader: regular file, known format
        try:
            data = handle.read(dtype="float64", always_2d=True)
            rate = handle.samplerate
        except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"{what}: cannot read audio file {path}: {reason[:160]}", code="audio-corrupt") from None
    if data.shape[0] == 0:
        raise InputError(f"{what}: audio file {path} holds no samples", code="audio-empty")
    if not np.all(np.isfinite(data)):
        raise InputError(f"{what}: audio file {path} holds NaN or infinite samples", code="audio-corrupt")
    return AudioClip(samples=data, rate=int(rate), path=path)


#: what libsndfile decodes to real audio; anything else (a 7-bit or otherwise odd header)
#: is refused rather than measured as noise
KNOWN_SUBTYPES = {
    "PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW", "VORBIS", "OPUS", "MPEG_LAYER_III",
    "MPEG_LAYER_II", "MPEG_LAYER_I", "ALAC_16", "ALAC_20", "ALAC_24", "ALAC_32", "IMA_ADPCM", "MS_ADPCM", "GSM610",
}


@contextlib.contextmanager
def open_audio(path: Path, *, what: str) -> Iterator[Any]:
    """An open soundfile.SoundFile for reading block by block; InputError when it is not usable audio."""
    import soundfile

    if not path.exists():
        raise InputError(f"{what}: no such audio file: {path}", code="audio-missing")
    if not path.is_file():
        raise InputError(f"{what}: expected an audio file, found {'a folder' if path.is_dir() else 'a special file'}: {path}", code="audio-missing")
    check_content(path, "audio", where=what)  # the one checked opener: size limit per kind, audio bytes sniffed
    try:
        handle = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"{what}: cannot read audio file {path}: {reason[:160]}", code="audio-corrupt") from None
    with handle:
        bits = _wav_bits_per_sample(path)
        if bits is not None and bits % 8:
            # libsndfile rounds a 7-bit header up to 8-bit unsigned and reads signed data as noise
            raise InputError(f"{what}: WAV header of {path} says {bits} bits per sample; only whole bytes (8, 16, 24, 32) are read", code="audio-corrupt")
        if handle.subtype not in KNOWN_SUBTYPES:
            raise InputError(f"{what}: audio file {path} has an unsupported sample format ({handle.subtype})", code="audio-corrupt")
        yield handle


def _wav_bits_per_sample(path: Path) -> int | None:
    """bits_per_sample of a RIFF/WAVE file's fmt chunk (None for other formats or no fmt chunk)."""
    import struct

    with open(path, "rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return None
        for _ in range(64):  # a few chunks precede fmt at most
            chunk = handle.read(8)
            if len(chunk) < 8:
                return None
            name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt ":
                body = handle.read(min(size, 16))
                return struct.unpack("<H", body[14:16])[0] if len(body) >= 16 else None
            handle.seek(size + (size & 1), 1)
    return None


def conform(clip: AudioClip, *, what: str, strict_rate: bool = False) -> AudioClip:
    """To 48 kHz stereo float64. Mono is spread to both sides; more than two channels is refused."""
    data = clip.samples
    channels = data.shape[1]
    if channels == 1:
        data = np.repeat(data, 2, axis=1)
    elif channels != 2:
        raise InputError(
            f"{what}: {clip.path or 'audio'} has {channels} channels; shotcraft mixes stereo — give a mono or stereo file",
            code="audio-channels",
        )
    rate = clip.rate
    original = None
    if rate != SAMPLE_RATE:
        if rate < MIN_RATE:
            raise InputError(f"{what}: {clip.path or 'audio'} is at {rate} Hz, below {MIN_RATE} Hz: too low for a film mix", code="audio-rate")
        if strict_rate:
            raise InputError(
                f"{what}: {clip.path or 'audio'} is at {rate} Hz, the mix is at {SAMPLE_RATE} Hz "
                "(resample it, or allow resampling by leaving strict rate off)",
                code="audio-rate",
            )
        data = resample(data, rate, SAMPLE_RATE)
        original = rate
    return AudioClip(samples=np.ascontiguousarray(data), rate=SAMPLE_RATE, path=clip.path, original_rate=original)


def resample(data: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling by the exact rational ratio (44100 -> 48000 is 160/147)."""
    from scipy import signal

    ratio = Fraction(target_rate, source_rate)
    return signal.resample_poly(data, ratio.numerator, ratio.denominator, axis=0)


def audio_shape(path: Path, *, what: str) -> tuple[int, int, int]:
    """(frames, sample rate, channels) of an audio file, read from its header with the usual checks."""
    with open_audio(path, what=what) as handle:
        return int(handle.frames), int(handle.samplerate), int(handle.channels)


def read_conformed_range(path: Path, start: int, stop: int, *, what: str) -> np.ndarray:
    """Frames [start, stop) of a 48 kHz mono or stereo file as float64 stereo: the same values
    ``load_conformed(path)[start:stop]`` holds, without reading the rest (a film-length song
    is read by the block the mix is at)."""
    import soundfile

    with open_audio(path, what=what) as handle:
        try:
            handle.seek(start)
            data = handle.read(stop - start, dtype="float64", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"{what}: cannot read audio file {path}: {reason[:160]}", code="audio-corrupt") from None
    if data.shape[0] != stop - start:
        raise InputError(f"{what}: audio file {path} ended at frame {start + data.shape[0]}, before {stop} (did it change while mixing?)",
                         code="audio-corrupt")  # fmt: skip
    if not np.all(np.isfinite(data)):
        raise InputError(f"{what}: audio file {path} holds NaN or infinite samples", code="audio-corrupt")
    return np.repeat(data, 2, axis=1) if data.shape[1] == 1 else data


def load_conformed(path: Path, *, what: str, strict_rate: bool = False) -> AudioClip:
    return conform(read_audio(path, what=what), what=what, strict_rate=strict_rate)


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """48 kHz 24-bit PCM WAV, written atomically. Refuses to write a clipping signal."""
    import soundfile

    data = np.asarray(samples, dtype=np.float64)
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    if peak > 1.0 or not math.isfinite(peak):
        raise ValueError(f"refusing to write {path.name}: sample peak {peak:.3f} would clip")
    try:
        with atomic_path(path) as tmp:
            try:
                soundfile.write(str(tmp), data, rate, subtype="PCM_24", format="WAV")
            except soundfile.LibsndfileError as error:
                # libsndfile says only "System error": ask the file system whether it is full
                needed = data.size * 3 + 44
                stat = os.statvfs(tmp.parent)
                if stat.f_bavail * stat.f_frsize < needed:
                    raise OSError(errno.ENOSPC, "No space left on device", str(path)) from None
                raise InputError(f"cannot write {path}: {error}", code="write-failed") from None
    except OSError as error:
        raise (output_error(error, path) or InputError(f"cannot write {path}: {error.strerror or error}", code="write-failed")) from None
    return path
