"""Loudness per ITU-R BS.1770-4 / EBU R128: integrated, short-term, momentary, LRA, true peak.

Integrated loudness goes through pyloudnorm (gated, 400 ms blocks, 75 % overlap).
Momentary (400 ms) and short-term (3 s) maxima and the loudness range (EBU Tech
3342) come from the same K-weighting, computed here vectorised with the
libebur128 filter design (exact BS.1770 coefficients at 48 kHz, correct at any
other rate). True peak is the sample peak of a 4x oversampled signal (BS.1770-4
Annex 2). Silence reads -inf, never a division by zero.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import signal

SAMPLE_RATE = 48_000
ABSOLUTE_GATE_LUFS = -70.0
MOMENTARY_SECONDS = 0.4
SHORT_TERM_SECONDS = 3.0
TRUE_PEAK_OVERSAMPLING = 4
CHANNEL_GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)  # BS.1770 order L, R, C, Ls, Rs (LFE excluded: not supported)
MAX_CHANNELS = len(CHANNEL_GAINS)
_SILENT = -math.inf


@dataclass(frozen=True)
class LoudnessReport:
    """What a loudness meter shows for one signal. -inf means silent (or too short to gate)."""

    integrated_lufs: float
    short_term_max_lufs: float
    momentary_max_lufs: float
    lra: float  # LU; 0.0 when there are too few short-term blocks
    true_peak_dbtp: float
    sample_peak_dbfs: float
    seconds: float
    sample_rate: int
    channels: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: -inf becomes None (JSON has no infinities)."""
        return {key: (None if isinstance(value, float) and not math.isfinite(value) else _round(value)) for key, value in asdict(self).items()}


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def as_frames(samples: np.ndarray) -> np.ndarray:
    """Any (n,) or (n, channels) array as float64 (n, channels)."""
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise ValueError(f"expected audio shaped (samples,) or (samples, channels), found {data.shape}")
    return data


def k_weighting(rate: int) -> np.ndarray:
    """BS.1770 pre-filter (high shelf) and RLB high-pass as second-order sections for ``rate``."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass_b = [1.0, -2.0, 1.0]
    highpass_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf_b + shelf_a, highpass_b + highpass_a])


def _block_power(weighted: np.ndarray, rate: int, block_seconds: float, hop_seconds: float) -> np.ndarray:
    """Channel-weighted mean square of each gating block (BS.1770 eq. 1-2)."""
    block = int(round(block_seconds * rate))
    hop = int(round(hop_seconds * rate))
    n = weighted.shape[0]
    if n < block:
        return np.zeros(0)
    # cumulative sum of squares gives every block's energy in one pass
    squares = np.zeros(n)
    for channel in range(weighted.shape[1]):  # column by column: reducing along a short axis is slow
        squares += CHANNEL_GAINS[channel] * weighted[:, channel] ** 2
    energy = np.concatenate([[0.0], np.cumsum(squares)])
    starts = np.arange(0, n - block + 1, hop)
    return (energy[starts + block] - energy[starts]) / block


def _to_lufs(power: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(np.maximum(power, 0.0))


def _gating_power(data: np.ndarray, rate: int, piece: int = 480_000) -> np.ndarray:
    """``_block_power(weighted(data), rate, 0.4, 0.1)`` piece by piece, the same numbers without a
    signal-length temporary: the K-weighting state and the running energy sum carry across pieces
    (sosfilt and cumsum run sample after sample), and only the sums at 100 ms steps are kept."""
    block = int(round(MOMENTARY_SECONDS * rate))
    hop = int(round(MOMENTARY_SECONDS / 4 * rate))
    n = data.shape[0]
    if n < block:
        return np.zeros(0)
    sos = k_weighting(rate)
    state = np.zeros((sos.shape[0], 2, data.shape[1]))
    total = 0.0
    marks = []  # the running energy at samples 0, hop, 2*hop, ...
    for start in range(0, n, piece):
        filtered, state = signal.sosfilt(sos, data[start : start + piece], axis=0, zi=state)
        squares = np.zeros(filtered.shape[0])
        for channel in range(filtered.shape[1]):
            squares += CHANNEL_GAINS[channel] * filtered[:, channel] ** 2
        energy = np.cumsum(np.concatenate([[total], squares]))  # energy[k]: the sum before sample start + k
        marks.append(energy[-start % hop : filtered.shape[0] : hop])  # the piece's end is the next piece's start
        total = float(energy[-1])
    if n % hop == 0:
        marks.append(np.array([total]))
    energy_at = np.concatenate(marks)
    steps = block // hop
    count = (n - block) // hop + 1
    return (energy_at[steps : steps + count] - energy_at[:count]) / block


def weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    return signal.sosfilt(k_weighting(rate), as_frames(samples), axis=0)


def integrated_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE, *, fast: bool = False) -> float:
    """Gated integrated loudness (LUFS); -inf for silence or < 400 ms.

    Reported figures go through pyloudnorm; ``fast=True`` runs the same BS.1770 gating
    vectorised here (used inside loops: layer levels, the mix's gain search).
    """
    data = as_frames(samples)
    if data.shape[1] > MAX_CHANNELS:
        raise ValueError(f"loudness is defined for up to {MAX_CHANNELS} channels, found {data.shape[1]}")
    power = _gating_power(data, rate)
    blocks = _to_lufs(power)
    if blocks.size == 0 or not np.any(blocks >= ABSOLUTE_GATE_LUFS):
        return _SILENT
    if fast:
        gated = power[blocks >= ABSOLUTE_GATE_LUFS]
        relative = -0.691 + 10 * math.log10(np.mean(gated)) - 10.0
        gated = power[(blocks >= ABSOLUTE_GATE_LUFS) & (blocks >= relative)]
        return -0.691 + 10 * math.log10(np.mean(gated))
    import pyloudnorm

    # "DeMan" is pyloudnorm's exact BS.1770 K-weighting design (its default deviates slightly off 48 kHz)
    meter = pyloudnorm.Meter(rate, filter_class="DeMan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(meter.integrated_loudness(data))
    return value if math.isfinite(value) else _SILENT


def gated_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE, *, fast: bool = True) -> float:
    """Integrated loudness of a short event (an effect, a line): padded with 400 ms of silence
    each side so that it is gated the way it will be inside a stem."""
    data = as_frames(samples)
    pad = np.zeros((int(MOMENTARY_SECONDS * rate), data.shape[1]))
    return integrated_loudness(np.concatenate([pad, data, pad]), rate, fast=fast)


def momentary_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE, hop_seconds: float = 0.1) -> np.ndarray:
    """Momentary loudness (400 ms window) every ``hop_seconds``, LUFS (-inf where silent)."""
    return _to_lufs(_block_power(weighted(samples, rate), rate, MOMENTARY_SECONDS, hop_seconds))


def short_term_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE, hop_seconds: float = 0.1) -> np.ndarray:
    """Short-term loudness (3 s window) every ``hop_seconds``, LUFS."""
    return _to_lufs(_block_power(weighted(samples, rate), rate, SHORT_TERM_SECONDS, hop_seconds))


def loudness_range(short_term: np.ndarray) -> float:
    """EBU Tech 3342 LRA from short-term values: gates -70 LUFS and -20 LU, then 95th - 10th percentile."""
    values = short_term[short_term >= ABSOLUTE_GATE_LUFS]
    if values.size < 2:
        return 0.0
    mean_power = np.mean(10 ** (values / 10))
    relative_gate = 10 * math.log10(mean_power) - 20.0
    values = values[values >= relative_gate]
    if values.size < 2:
        return 0.0
    low, high = np.percentile(values, [10, 95])
    return float(high - low)


def _oversampling_filter(factor: int) -> np.ndarray:
    """12 taps per phase, as the BS.1770-4 Annex 2 true-peak meter: flat to ~20 kHz at 48 kHz."""
    return signal.firwin(12 * factor, 1.0 / factor, window=("kaiser", 6.0)) * factor


def _phase_kernels(rate: int) -> tuple[list[np.ndarray], int]:
    """The polyphase branches of the 4x interpolating FIR, and their delay in base samples."""
    factor = max(1, TRUE_PEAK_OVERSAMPLING * SAMPLE_RATE // max(rate, SAMPLE_RATE))
    if factor == 1:
        return [np.ones(1)], 0
    taps = _oversampling_filter(factor)
    return [taps[phase::factor] for phase in range(factor)], int(round((taps.size - 1) / 2 / factor))


def oversample(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """4x oversampled copy (signals at >= 192 kHz are returned as they are)."""
    data = as_frames(samples)
    kernels, _ = _phase_kernels(rate)
    n, factor = data.shape[0], len(kernels)
    out = np.empty((n * factor, data.shape[1]))
    for channel in range(data.shape[1]):
        column = np.ascontiguousarray(data[:, channel])
        for phase, kernel in enumerate(kernels):
            out[phase::factor, channel] = np.convolve(column, kernel)[:n]
    return out


def peak_envelope(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Per input sample: the largest |value| of the 4x oversampled signal around it, over all
    channels (linked). Works branch by branch, never materialising the oversampled signal."""
    kernels, delay = _phase_kernels(rate)
    return linked_peaks(as_frames(samples), kernels, delay)


def linked_peaks(data: np.ndarray, kernels: list[np.ndarray], delay: int) -> np.ndarray:
    """peak_envelope with the polyphase branches given (the streaming limiter reuses them block by block)."""
    n = data.shape[0]
    peaks = np.zeros(n)
    for channel in range(data.shape[1]):
        column = np.ascontiguousarray(data[:, channel])
        np.maximum(peaks, np.abs(column), out=peaks)
        for kernel in kernels:
            branch = np.abs(np.convolve(column, kernel)[delay : delay + n])
            np.maximum(peaks[: branch.size], branch, out=peaks[: branch.size])
    return peaks


def to_db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else _SILENT


def true_peak(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """True peak in dBTP: the peak of the 4x oversampled signal (never below the sample peak)."""
    data = as_frames(samples)
    if data.size == 0:
        return _SILENT
    return to_db(float(np.max(peak_envelope(data, rate))))


def sample_peak(samples: np.ndarray) -> float:
    data = as_frames(samples)
    return to_db(float(np.max(np.abs(data)))) if data.size else _SILENT


#: BS.1770 is specified for audio rates; below this the K-weighting corner frequencies (38 Hz
#: high-pass, 1.7 kHz shelf) pass Nyquist and the filters are meaningless (a 100 Hz "film" read
#: +1240 LUFS; 1-2 Hz divided by zero).
MIN_RATE = 8_000
#: samples per block read from a file: the meter's memory does not grow with the file
STREAM_BLOCK = 48_000 * 10


class LoudnessMeter:
    """Every figure of :func:`measure`, fed block by block with bounded memory.

    The K-weighting filter state carries across blocks; energies are kept per 100 ms
    sub-block (momentary 400 ms and short-term 3 s blocks, both hopped by 100 ms, are
    sums of whole sub-blocks: exact, not approximated), and the true-peak interpolator
    keeps its last taps. A 30-minute film holds 18,000 floats, not 2.8 GB of samples.
    """

    def __init__(self, rate: int, channels: int) -> None:
        if rate < MIN_RATE:
            raise ValueError(f"loudness is measured at sample rates of {MIN_RATE} Hz and up (BS.1770), found {rate} Hz")
        if not 1 <= channels <= MAX_CHANNELS:
            raise ValueError(f"loudness is defined for 1 to {MAX_CHANNELS} channels (L R C Ls Rs), found {channels}")
        self.rate, self.channels = rate, channels
        self._sos = k_weighting(rate)
        self._zi = np.zeros((self._sos.shape[0], 2, channels))
        self._hop = int(round(MOMENTARY_SECONDS / 4 * rate))
        self._partial = 0.0  # energy of the sub-block being filled
        self._partial_count = 0
        self._energies: list[float] = []
        self._kernels, self._delay = _phase_kernels(rate)
        self._taps = max(kernel.size for kernel in self._kernels)
        self._history = np.zeros((self._taps - 1, channels))
        self._skip = self._delay  # envelope outputs before the signal's own first sample
        self._true_peak = 0.0
        self._sample_peak = 0.0
        self.samples = 0

    def add(self, block: np.ndarray) -> None:
        data = as_frames(block)
        if data.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, found {data.shape[1]}")
        if data.shape[0] == 0:
            return
        self.samples += data.shape[0]
        self._sample_peak = max(self._sample_peak, float(np.max(np.abs(data))))
        weighted_block, self._zi = signal.sosfilt(self._sos, data, axis=0, zi=self._zi)
        squares = np.zeros(data.shape[0])
        for channel in range(self.channels):
            squares += CHANNEL_GAINS[channel] * weighted_block[:, channel] ** 2
        self._add_squares(squares)
        self._add_peaks(data)

    def _add_squares(self, squares: np.ndarray) -> None:
        position = 0
        if self._partial_count:
            take = min(self._hop - self._partial_count, squares.size)
            self._partial += float(np.sum(squares[:take]))
            self._partial_count += take
            position = take
            if self._partial_count == self._hop:
                self._energies.append(self._partial)
                self._partial, self._partial_count = 0.0, 0
        whole = (squares.size - position) // self._hop
        if whole:
            chunk = squares[position : position + whole * self._hop].reshape(whole, self._hop)
            self._energies.extend(np.sum(chunk, axis=1).tolist())
            position += whole * self._hop
        if position < squares.size:
            self._partial = float(np.sum(squares[position:]))
            self._partial_count = squares.size - position

    def _add_peaks(self, data: np.ndarray, *, final: bool = False) -> None:
        """The 4x interpolated signal's peak: each polyphase branch over history + block."""
        joined = np.concatenate([self._history, data])
        for channel in range(self.channels):
            column = np.ascontiguousarray(joined[:, channel])
            for kernel in self._kernels:
                if kernel.size == 1:
                    continue
                padded = np.concatenate([np.zeros(self._taps - kernel.size), column]) if kernel.size < self._taps else column
                branch = np.abs(np.convolve(padded, kernel, mode="valid"))
                branch = branch[-data.shape[0]:] if data.shape[0] else branch[:0]
                if self._skip:
                    branch = branch[self._skip:]
                if branch.size:
                    self._true_peak = max(self._true_peak, float(np.max(branch)))
        self._skip = max(0, self._skip - data.shape[0])
        self._history = joined[-(self._taps - 1):] if self._taps > 1 else joined[:0]

    @property
    def peak(self) -> float:
        """Largest |value| of the signal and of its 4x interpolation so far (linear, not dB)."""
        return max(self._true_peak, self._sample_peak)

    def momentary(self) -> np.ndarray:
        """Momentary loudness (400 ms) every 100 ms so far, LUFS: momentary_loudness of the whole signal."""
        return _to_lufs(_window_sums(np.asarray(self._energies), 4) / (4 * self._hop))

    def report(self) -> LoudnessReport:
        # the interpolator's last outputs need the taps after the end: the signal is followed by silence
        if self._delay:
            self._add_peaks(np.zeros((self._delay, self.channels)))
            self._delay = 0
        energies = np.asarray(self._energies)
        momentary = _to_lufs(_window_sums(energies, 4) / (4 * self._hop))
        short_term = _to_lufs(_window_sums(energies, int(round(SHORT_TERM_SECONDS / MOMENTARY_SECONDS * 4))) / (30 * self._hop))
        return LoudnessReport(
            integrated_lufs=_gated(_window_sums(energies, 4) / (4 * self._hop)),
            short_term_max_lufs=float(np.max(short_term)) if short_term.size else _SILENT,
            momentary_max_lufs=float(np.max(momentary)) if momentary.size else _SILENT,
            lra=loudness_range(short_term),
            true_peak_dbtp=to_db(max(self._true_peak, self._sample_peak)) if self.samples else _SILENT,
            sample_peak_dbfs=to_db(self._sample_peak) if self.samples else _SILENT,
            seconds=self.samples / self.rate,
            sample_rate=self.rate,
            channels=self.channels,
        )


def _window_sums(values: np.ndarray, size: int) -> np.ndarray:
    """Sums of every ``size`` consecutive values (empty when there are fewer)."""
    if values.size < size:
        return np.zeros(0)
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    return cumulative[size:] - cumulative[:-size]


def _gated(power: np.ndarray) -> float:
    """BS.1770 gating of 400 ms block powers: absolute -70 LUFS, then relative -10 LU."""
    blocks = _to_lufs(power)
    if blocks.size == 0 or not np.any(blocks >= ABSOLUTE_GATE_LUFS):
        return _SILENT
    gated = power[blocks >= ABSOLUTE_GATE_LUFS]
    relative = -0.691 + 10 * math.log10(np.mean(gated)) - 10.0
    gated = power[(blocks >= ABSOLUTE_GATE_LUFS) & (blocks >= relative)]
    return -0.691 + 10 * math.log10(np.mean(gated))


def measure(samples: np.ndarray, rate: int = SAMPLE_RATE) -> LoudnessReport:
    """Every figure a loudness meter shows, for one signal (up to 5 channels: L R C Ls Rs)."""
    data = as_frames(samples)
    meter = LoudnessMeter(rate, data.shape[1])
    for start in range(0, data.shape[0], STREAM_BLOCK):
        meter.add(data[start : start + STREAM_BLOCK])
    return meter.report()


def measure_file(path: str | Path) -> LoudnessReport:
    """Measure an audio file (anything libsndfile reads: WAV, FLAC, AIFF, OGG, MP3), block by block."""
    import soundfile

    from shotcraft.errors import InputError
    from shotcraft.sound.audio import open_audio

    with open_audio(Path(path), what=str(path)) as handle:
        if handle.channels > MAX_CHANNELS:
            raise InputError(
                f"{path}: {handle.channels} channels; loudness is measured here for up to {MAX_CHANNELS} (L R C Ls Rs, no LFE)",
                code="audio-channels",
            )
        if handle.samplerate < MIN_RATE:
            raise InputError(
                f"{path}: sample rate {handle.samplerate} Hz; loudness (BS.1770) is measured at {MIN_RATE} Hz and up",
                code="audio-rate",
            )
        meter = LoudnessMeter(handle.samplerate, handle.channels)
        try:
            for block in handle.blocks(blocksize=STREAM_BLOCK, dtype="float64", always_2d=True):
                if not np.all(np.isfinite(block)):
                    raise InputError(f"{path}: audio file holds NaN or infinite samples", code="audio-corrupt")
                meter.add(block)
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise InputError(f"{path}: cannot read audio file: {str(error).strip()[:160]}", code="audio-corrupt") from None
        if meter.samples == 0:
            raise InputError(f"{path}: audio file holds no samples", code="audio-empty")
        return meter.report()


def gain_to(current_lufs: float, target_lufs: float, *, what: str) -> float:
    """Linear gain that moves ``current_lufs`` to ``target_lufs``; silent input is an error, not a /0."""
    from shotcraft.errors import InputError

    if not math.isfinite(current_lufs):
        raise InputError(f"{what}: silent (loudness -inf LUFS), cannot normalise it to {target_lufs:g} LUFS", code="silent-audio")
    return 10 ** ((target_lufs - current_lufs) / 20)
