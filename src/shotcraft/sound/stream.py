"""Signals on disk, processed block by block: the mix's memory does not grow with the film.

A 30-minute stereo film is 2.8 GB as float64; the mix used to hold a dozen such
arrays (4.4 GB at 10 minutes). Here every film-length signal is a raw float64
work file beside the output (named like atomic_path's temp files, so a killed
mix leaves nothing `sweep_stale_temps` does not remove), read and written in
blocks of ``BLOCK`` samples. The block algorithms are the whole-signal ones
with their state carried across blocks (filter taps, running maxima, running
sums), so the results are the same numbers, not approximations.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from shotcraft.errors import output_error
from shotcraft.fsutil import TEMP_PREFIX, atomic_path
from shotcraft.sound.loudness import SAMPLE_RATE, LoudnessMeter, _phase_kernels, linked_peaks

#: samples per block (10 s): a multiple of the 10 ms control block and the 100 ms loudness sub-block
BLOCK = 480_000
CHANNELS = 2
_ITEM = 8 * CHANNELS  # bytes per stereo float64 sample


class WorkFile:
    """A film-length stereo float64 signal in a raw file, written once in order, then read by range."""

    def __init__(self, folder: Path, length: int) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".f64", dir=folder)
            os.close(fd)
        except OSError as exc:
            raise (output_error(exc, folder) or exc) from None
        self.path = Path(name)
        self.length = length
        self._written = 0

    def write(self, block: np.ndarray) -> None:
        data = np.ascontiguousarray(block, dtype=np.float64)
        try:
            with open(self.path, "ab") as handle:
                handle.write(data.tobytes())
        except OSError as exc:  # a full disk while mixing names the output folder
            raise (output_error(exc, self.path.parent) or exc) from None
        self._written += data.shape[0]

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop), zeros outside the signal (what np.convolve assumes at the edges)."""
        out = np.zeros((stop - start, CHANNELS))
        lo, hi = max(0, start), min(self.length, stop)
        if lo < hi:
            with open(self.path, "rb") as handle:
                handle.seek(lo * _ITEM)
                data = np.frombuffer(handle.read((hi - lo) * _ITEM), dtype=np.float64)
            out[lo - start : hi - start] = data.reshape(-1, CHANNELS)
        return out

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        for start in range(0, self.length, BLOCK):
            yield start, self.read(start, min(self.length, start + BLOCK))

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@contextlib.contextmanager
def work_files(folder: Path) -> Iterator[Callable[[int], WorkFile]]:
    """``make(length)`` -> a new WorkFile in ``folder``; every one is removed on the way out."""
    made: list[WorkFile] = []

    def make(length: int) -> WorkFile:
        made.append(WorkFile(folder, length))
        return made[-1]

    try:
        yield make
    finally:
        for work in made:
            work.remove()


def render_to(make: Callable[[int], WorkFile], render: Callable[[int, int], np.ndarray], length: int,
              visit: Callable[[int, np.ndarray], None] | None = None) -> WorkFile:  # fmt: skip
    """Render ``render(start, stop)`` block by block into a new work file; ``visit`` sees each block."""
    work = make(length)
    for start in range(0, length, BLOCK):
        block = render(start, min(length, start + BLOCK))
        if visit is not None:
            visit(start, block)
        work.write(block)
    return work


def meter_of(work: WorkFile, gain: float = 1.0) -> LoudnessMeter:
    meter = LoudnessMeter(SAMPLE_RATE, CHANNELS)
    for _, block in work.blocks():
        meter.add(block * gain if gain != 1.0 else block)
    return meter


# --- the true-peak limiter, block by block -------------------------------------------------------


def peak_max(work: WorkFile, gain: float = 1.0) -> float:
    """Largest value of the 4x oversampled signal (what peak_envelope's maximum is)."""
    meter = meter_of(work, gain)
    meter.report()
    return meter.peak


def limit_pass(source: WorkFile, gain: float, aim_db: float, make: Callable[[int], WorkFile],
               window: int, release_db_per_sample: float) -> tuple[WorkFile, float]:  # fmt: skip
    """One pass of mix._limit_once over ``source * gain``, written to a new work file.

    Per block it reads the look-ahead and the filter context around it, and carries the
    release's running maximum and the moving average's running sum from block to block.
    Returns (limited, largest gain reduction in dB).
    """
    from scipy import ndimage

    kernels, delay = _phase_kernels(SAMPLE_RATE)
    taps = max(kernel.size for kernel in kernels)
    context = taps + delay + 2
    ceiling = 10 ** (aim_db / 20)
    n = source.length
    out = make(n)
    running = -math.inf  # max over j <= k of (ahead[j] + slope * j)
    total = 0.0  # the cumulative sum of held up to the block start, C[start]
    previous = np.zeros(0)  # C[start - h .. start - 1], h = min(start, window)
    reduction = 0.0
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        excerpt = source.read(start - context, stop + window + context) * gain
        peaks = linked_peaks(excerpt, kernels, delay)[context : context + (stop - start) + window]
        needed = np.maximum(0.0, 20 * np.log10(np.maximum(peaks, 1e-12) / ceiling))
        needed[max(0, n - start) :] = 0.0  # past the end the look-ahead sees zeros, as _forward_max pads them
        padded = np.concatenate([needed, np.zeros(window)])
        ahead = ndimage.maximum_filter1d(padded, size=window + 1, origin=-(window // 2) - (window % 2), mode="nearest")[: stop - start]
        ramp = release_db_per_sample * np.arange(start, stop)
        lifted = np.maximum.accumulate(np.concatenate([[running], ahead + ramp]))[1:]
        running = float(lifted[-1])
        held = lifted - ramp
        cumulative = np.cumsum(np.concatenate([[total], held]))  # C[start .. stop]: the additions of one global cumsum
        joined = np.concatenate([previous, cumulative])  # C[base .. stop]
        base = start - previous.size
        index = np.arange(start, stop)
        first = np.maximum(0, index - window)
        smoothed = (joined[index + 1 - base] - joined[first - base]) / (index + 1 - first)
        total = float(cumulative[-1])
        keep = min(stop, window)
        previous = joined[joined.size - 1 - keep : joined.size - 1]
        reduction = max(reduction, float(np.max(smoothed)))
        out.write(excerpt[context : context + (stop - start)] * (10 ** (-smoothed / 20))[:, None])
    return out, reduction


def write_wav_blocks(path: Path, work: WorkFile, gain: float = 1.0, meter: LoudnessMeter | None = None) -> Path:
    """``work * gain`` as 48 kHz 24-bit PCM WAV, written atomically block by block; refuses to clip."""
    import soundfile

    from shotcraft.errors import InputError

    with atomic_path(path) as temp:
        with soundfile.SoundFile(str(temp), "w", SAMPLE_RATE, CHANNELS, subtype="PCM_24", format="WAV") as handle:
            for _, block in work.blocks():
                data = block * gain if gain != 1.0 else block
                peak = float(np.max(np.abs(data))) if data.size else 0.0
                if peak > 1.0 or not math.isfinite(peak):
                    raise ValueError(f"refusing to write {path.name}: sample peak {peak:.3f} would clip")
                if meter is not None:
                    meter.add(data)
                try:
                    handle.write(data)
                except soundfile.LibsndfileError as error:
                    stat = os.statvfs(temp.parent)
                    if stat.f_bavail * stat.f_frsize < data.size * 3:
                        import errno

                        raise OSError(errno.ENOSPC, "No space left on device", str(path)) from None
                    raise InputError(f"cannot write {path}: {error}", code="write-failed") from None
    return path
