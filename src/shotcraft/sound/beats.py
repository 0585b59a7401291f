"""Beat positions measured from a music file, for cutting a music video on the beat.

librosa's beat tracker (dynamic programming over an onset-strength envelope, Ellis 2007) finds the
beats; each is then snapped to the strongest onset within a few milliseconds on a finer envelope
(hop of 128 samples at 22.05 kHz, 5.8 ms), and finally moved back to the start of its attack on a
sub-millisecond energy curve (librosa's onset backtracking), so a cut placed on it is within one frame
at 24 fps. The attack step matters: where the onset envelope peaks relative to the sound (its lag,
window and centring) is a detail of the library version, and it was measured 11-13 ms late on a click
track, which left under 8 ms of the 41.7 ms frame for rounding a cut to its frame; the attack start is
a property of the sound itself (about 1 ms early on a click).
Bars are counted in 4/4 from the first beat (librosa estimates no downbeats).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotcraft.errors import InputError

SAMPLE_RATE = 22050
FINE_HOP = 128
SNAP_S = 0.06  # how far a tracked beat may move to its onset peak
ATTACK_HOP = 16  # the attack's energy curve: 0.7 ms per value, over windows of two hops
ATTACK_BEFORE_S, ATTACK_AFTER_S = 0.045, 0.015  # where an onset peak's own energy peak is looked for


@dataclass(frozen=True)
class BeatGrid:
    tempo_bpm: float
    times: tuple[float, ...]  # seconds
    duration_s: float


def measure_beats(path: str | Path) -> BeatGrid:
    """Beats of ``path`` (any format libsndfile reads). Raises InputError naming the file."""
    try:
        import librosa
    except ImportError:
        raise InputError('music-video beats need librosa: pip install "shotcraft[music]"') from None
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: music file not found")
    with compiling_alone():
        try:
            y, sr = librosa.load(str(path), sr=SAMPLE_RATE, mono=True)
        except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's
            raise InputError(f"{path}: not a readable audio file ({type(exc).__name__})") from None
        if y.size < sr:
            raise InputError(f"{path}: under one second of audio")
        envelope = librosa.onset.onset_strength(y=y, sr=sr, hop_length=FINE_HOP)
        tempo, frames = librosa.beat.beat_track(onset_envelope=envelope, sr=sr, hop_length=FINE_HOP, units="frames")
        if len(frames) < 2:
            raise InputError(f"{path}: no steady beat found")
        reach = max(1, int(SNAP_S * sr / FINE_HOP))
        snapped = []
        for frame in frames:
            lo, hi = max(0, frame - reach), min(len(envelope), frame + reach + 1)
            snapped.append(lo + int(np.argmax(envelope[lo:hi])))
        times = _attacks(librosa, y, sr, librosa.frames_to_time(np.array(snapped), sr=sr, hop_length=FINE_HOP))
    # the tracker often starts a beat or two late: extend the steady grid back to the music's start
    period = float(np.median(np.diff(times)))
    while times[0] - period >= -period / 4 and len(times) < 100_000:
        times.insert(0, max(0.0, times[0] - period))
    return BeatGrid(float(np.atleast_1d(tempo)[0]), tuple(times), float(y.size / sr))


def compiler_lock_path() -> Path:
    """The lock file the user's shotcraft processes take around librosa (see :func:`compiling_alone`)."""
    return Path(tempfile.gettempdir()) / f"shotcraft-numba-{os.getuid() if hasattr(os, 'getuid') else 0}.lock"


@contextmanager
def compiling_alone() -> Iterator[None]:
    """One of this user's processes at a time inside librosa. Its functions are compiled by numba into an on-disk cache
    that is not safe for two processes compiling at once: two test workers left an index naming the other's code, and
    every later call in that install crashed (a segfault). Once compiled, a measure holds the lock for well under a
    second. Without POSIX locks or a writable temporary folder it runs unlocked, as before."""
    handle = None
    try:
        import fcntl

        handle = open(compiler_lock_path(), "a")  # noqa: SIM115 - closed below, after the lock is released
    except (ImportError, OSError):
        pass
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _attacks(librosa, y: np.ndarray, sr: int, peaks: np.ndarray) -> list[float]:
    """Each onset peak moved to its attack: the peak of a fine energy curve near it, backtracked to the
    energy minimum before the rise (librosa.onset.onset_backtrack), then forward to where the rise
    crosses half-way (the minimum itself wanders by milliseconds with the noise under the sound)."""
    energy = librosa.feature.rms(y=y, frame_length=2 * ATTACK_HOP, hop_length=ATTACK_HOP, center=True)[0]
    loudest = []
    for peak in peaks:
        lo = max(0, int((peak - ATTACK_BEFORE_S) * sr / ATTACK_HOP))
        hi = max(lo + 1, min(len(energy), int((peak + ATTACK_AFTER_S) * sr / ATTACK_HOP) + 1))
        loudest.append(lo + int(np.argmax(energy[lo:hi])))
    starts = librosa.onset.onset_backtrack(np.array(loudest), energy)
    times = []
    for start, top in zip(starts, loudest):
        half = (energy[start] + energy[top]) / 2
        rise = energy[start : top + 1]
        k = int(np.argmax(rise >= half))  # first value at or past half-way (the top always is)
        below, above = (rise[k - 1], rise[k]) if k else (rise[0], rise[0])
        fraction = (half - below) / (above - below) if above > below else 1.0
        times.append(float((start + k - 1 + fraction) * ATTACK_HOP / sr) if k else float(start * ATTACK_HOP / sr))
    return times
