"""The embedded generator: deterministic ambience beds and foley-like effects from a short description.

"Location ambience + contextualised micro foley" with no assets: a description
("night city hum, distant traffic, dripping gutters", "keys drop on
cobblestones") is matched against keyword tables kept as data below, and each
match adds one layer built from filtered noise and tones with NumPy/SciPy.
Randomness comes only from generators seeded from plan ids, so the same plan
gives the same samples on every machine.

Every function returns float64 stereo (n, 2) at 48 kHz; levels are relative
(the stems normalise loudness afterwards).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal

from shotcraft.plan.resolve import derive_seed
from shotcraft.sound.loudness import SAMPLE_RATE, integrated_loudness

RATE = SAMPLE_RATE

# --- keyword tables (data, not code) ----------------------------------------------------
# Each entry: layer or effect name -> words that select it. Matching is on whole words
# (plural "s" allowed), multi-word phrases included, case-insensitive.

AMBIENCE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "room_tone": ("room tone", "room", "interior", "indoor", "indoors", "apartment", "office", "hall", "corridor", "stairwell", "silence", "quiet"),
    "city_hum": ("city", "urban", "hum", "town", "downtown", "metropolis", "street", "alley", "square", "parking lot"),
    "traffic": ("traffic", "car", "highway", "road", "motorway", "avenue"),
    "wind": ("wind", "breeze", "gust", "windy", "storm", "draught", "draft"),
    "rain": ("rain", "drizzle", "downpour", "shower", "rainy", "raining"),
    "drips": ("drip", "dripping", "drop", "gutter", "leak", "leaking", "puddle"),
    "mist": ("mist", "fog", "haze", "misty", "foggy", "damp"),
    "waves": ("sea", "ocean", "wave", "surf", "shore", "beach", "harbour", "harbor"),
    "crickets": ("cricket", "insect", "cicada", "summer night"),
    "electric_buzz": ("buzz", "neon", "fluorescent", "electric", "transformer", "streetlamp", "streetlight"),
    "ventilation": ("ventilation", "air conditioning", "hvac", "fan", "machine", "engine room", "fridge"),
    "murmur": ("crowd", "murmur", "people", "bar", "cafe", "café", "restaurant", "chatter", "walla"),
    "birds": ("bird", "birdsong", "forest", "park", "garden", "countryside", "morning"),
}

#: relative level of each ambience layer in its bed, dB (the bed as a whole is normalised later)
AMBIENCE_LEVELS_DB: dict[str, float] = {
    "room_tone": 0.0, "city_hum": 0.0, "traffic": -3.0, "wind": 0.0, "rain": 0.0, "drips": -5.0,
    "mist": -10.0, "waves": 0.0, "crickets": -9.0, "electric_buzz": -16.0, "ventilation": -3.0,
    "murmur": -3.0, "birds": -8.0,
}
ROOM_TONE_FLOOR_DB = -10.0  # under every bed: a location is never digital silence
#: a keyword after one of these (within three words) is not asked for: "no rain", "dry after the rain"
NEGATIONS = frozenset({"no", "not", "without", "after", "dry", "never", "nor", "stopped", "except"})
NEGATION_WINDOW = 3
DISTANT_WORDS = ("distant", "far", "faint", "muffled", "remote", "soft")

EFFECT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "impact": ("impact", "drop", "dropped", "fall", "fell", "thud", "hit", "slam", "bang", "thump", "punch", "bump", "collapse", "crash", "land"),
    "jingle": ("key", "jingle", "coin", "chain", "keychain", "bell", "change"),
    "creak": ("creak", "creaking", "squeak", "hinge", "groan"),
    "footsteps": ("footstep", "step", "walk", "walking", "run", "running", "pace", "pacing"),
    "knock": ("knock", "knocking", "tap", "tapping", "rap"),
    "whoosh": ("whoosh", "swish", "swoosh", "swing", "pass by", "passes by", "fly by", "flies by", "wind gust"),
    "click": ("click", "switch", "lock", "latch", "lighter", "trigger", "button", "unlock"),
    "glass": ("glass", "shatter", "clink", "bottle", "window"),
    # the common effects of the seeds' genres (sci-fi destruction, city, ad): issue #21
    "explosion": ("explosion", "explode", "exploding", "explodes", "blast", "boom", "detonation", "bomb"),
    "fire": ("fire", "flame", "flames", "burning", "blaze", "blazing", "crackle", "crackling", "inferno"),
    "roar": ("roar", "roaring", "rumble", "rumbling", "growl", "engine roar"),
    "rain": ("rain", "downpour", "drizzle", "raindrops", "shower of rain"),
    "traffic": ("traffic", "horn", "honk", "honking", "horns"),
    "crowd": ("crowd", "cheer", "cheering", "applause", "clapping", "chatter", "walla", "screams", "screaming"),
}

#: material -> (brightness Hz, body decay s, resonance Hz, ring decay s)
MATERIALS: dict[str, tuple[float, float, float, float]] = {
    "stone": (4200.0, 0.035, 2400.0, 0.02),
    "wood": (1500.0, 0.07, 420.0, 0.06),
    "metal": (5200.0, 0.05, 1800.0, 0.45),
    "soft": (700.0, 0.03, 250.0, 0.01),
    "glass": (7000.0, 0.02, 3400.0, 0.25),
}
MATERIAL_KEYWORDS: dict[str, tuple[str, ...]] = {
    "stone": ("cobblestone", "cobble", "stone", "concrete", "pavement", "asphalt", "tile", "street", "sidewalk", "marble"),
    "wood": ("wood", "wooden", "floor", "door", "table", "desk", "plank", "floorboard"),
    "metal": ("metal", "steel", "iron", "car", "sedan", "hood", "tin", "can", "railing"),
    "soft": ("carpet", "grass", "mud", "dirt", "bed", "sofa", "sand", "snow"),
    "glass": ("glass", "window", "bottle"),
}
HEAVY_WORDS = ("heavy", "big", "body", "box", "suitcase", "slam", "crash", "door", "collapse")
LIGHT_WORDS = ("key", "coin", "small", "light", "pen", "phone", "cup", "glass", "ring")


def _words(text: str) -> str:
    # words, with "|" where a clause ends, so a negation never reaches into the next clause
    return " " + " ".join(re.findall(r"[a-zà-ÿ]+|[,;:.!?()]", text.lower())).translate(str.maketrans(",;:.!?()", "||||||||")) + " "


def _mentions(words: str, keyword: str) -> bool:
    """True when ``keyword`` occurs in ``words`` and is not negated ("no rain", "dry after the rain")."""
    for match in re.finditer(rf" {re.escape(keyword)}(s|es)? ", words):
        before = words[: match.start()].split("|")[-1].split()[-NEGATION_WINDOW:]
        if not any(word in NEGATIONS for word in before):
            return True
    return False


def match_keywords(text: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """Names in ``table`` whose words occur in ``text`` (whole words, optional plural s, not negated),
    in table order."""
    words = _words(text)
    return [name for name, keywords in table.items() if any(_mentions(words, k) for k in keywords)]


def rng_for(*parts: str) -> np.random.Generator:
    """A NumPy generator seeded from plan ids (same ids, same sound, everywhere)."""
    return np.random.default_rng(derive_seed("sound", *parts))


# --- building blocks ----------------------------------------------------------------------


def _sos(kind: str, freq: float | tuple[float, float], order: int = 2) -> np.ndarray:
    return signal.butter(order, freq, btype=kind, fs=RATE, output="sos")


def _filter(x: np.ndarray, kind: str, freq: float | tuple[float, float], order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos(kind, freq, order), x, axis=0)


def pink(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pink noise (-3 dB/octave) through Kellet's pinking filter."""
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1.0, -2.494956002, 2.017265875, -0.522189400]
    return signal.lfilter(b, a, rng.standard_normal(n))


def brown(rng: np.random.Generator, n: int) -> np.ndarray:
    """Brown (red) noise: leaky integration of white noise, DC removed."""
    out = signal.lfilter([1.0], [1.0, -0.997], rng.standard_normal(n))
    return _filter(out, "highpass", 20.0)


def slow_curve(rng: np.random.Generator, n: int, rate_hz: float, depth_db: float) -> np.ndarray:
    """A smooth random gain curve (linear), wandering ``depth_db`` around 0 dB at about ``rate_hz``.

    Random knots joined by cosine interpolation: smooth, and O(n) however slow the rate.
    """
    points = max(2, int(n / RATE * rate_hz) + 2)
    knots = rng.uniform(-1.0, 1.0, points)
    position = np.linspace(0.0, points - 1.0, n)
    index = np.minimum(position.astype(np.int64), points - 2)
    blend = (1.0 - np.cos(np.pi * (position - index))) / 2.0
    curve = knots[index] * (1.0 - blend) + knots[index + 1] * blend
    return 10 ** (curve * depth_db / 20)


def stereo(left: np.ndarray, right: np.ndarray | None = None, width: float = 1.0) -> np.ndarray:
    """Two channels from a mid signal and an optional decorrelated side signal."""
    if right is None:
        return np.stack([left, left], axis=1)
    # the same arithmetic as 0.5 * (l + r) +/- 0.5 * (l - r) * width, in place: a 60 s bed's layers
    # are 23 MB per channel, and every temporary counts at the synthesis peak (#18)
    mid = left + right
    mid *= 0.5
    side = left - right
    side *= 0.5
    side *= width
    out = np.empty((mid.shape[0], 2))
    np.add(mid, side, out=out[:, 0])
    np.subtract(mid, side, out=out[:, 1])
    return out


def pan(mono: np.ndarray, position: float | np.ndarray) -> np.ndarray:
    """Equal-power pan; position -1 (left) .. +1 (right), constant or per sample."""
    angle = (np.asarray(position) + 1.0) * np.pi / 4
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)], axis=1)


def shaped_noise(rng: np.random.Generator, n: int, centre_hz: np.ndarray, bandwidth_octaves: float) -> np.ndarray:
    """White noise whose spectrum is a moving band around ``centre_hz`` (one value per sample): STFT shaping."""
    nperseg = 2048
    _, _, spectrum = signal.stft(rng.standard_normal(n), fs=RATE, nperseg=nperseg)
    freqs = np.fft.rfftfreq(nperseg, 1 / RATE)
    frames = spectrum.shape[1]
    centres = np.interp(np.linspace(0, n - 1, frames), np.arange(n), centre_hz)
    octaves = np.log2(np.maximum(freqs[:, None], 1.0) / centres[None, :])
    spectrum *= np.exp(-0.5 * (octaves / bandwidth_octaves) ** 2)
    _, out = signal.istft(spectrum, fs=RATE, nperseg=nperseg)
    out = out[:n]
    return np.pad(out, (0, n - out.size))


def _events(rng: np.random.Generator, seconds: float, per_second: float) -> np.ndarray:
    """Poisson event times in [0, seconds)."""
    count = rng.poisson(per_second * seconds)
    return np.sort(rng.uniform(0.0, seconds, count))


def _decay(n: int, tau: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (tau * RATE))


def _add(out: np.ndarray, start: int, piece: np.ndarray) -> None:
    """Add ``piece`` into ``out`` at sample ``start``, clipped to bounds (both (n, 2) or (n,))."""
    if start >= out.shape[0] or start + piece.shape[0] <= 0:
        return
    a, b = max(0, start), min(out.shape[0], start + piece.shape[0])
    out[a:b] += piece[a - start : b - start]


# --- ambience layers: (rng, n, distant) -> (n, 2) ---------------------------------------------


def _room_tone(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    left = _filter(pink(rng, n), "lowpass", 900.0) + 0.6 * brown(rng, n)
    right = _filter(pink(rng, n), "lowpass", 900.0) + 0.6 * brown(rng, n)
    return stereo(left, right, 0.8)


def _city_hum(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    cutoff = 180.0 if distant else 300.0
    bed = [_filter(brown(rng, n) + 0.3 * pink(rng, n), "lowpass", cutoff) * slow_curve(rng, n, 0.08, 3.0) for _ in range(2)]
    hum = stereo(bed[0], bed[1], 0.6)  # draws nothing: made before the mains to hold fewer arrays at once
    del bed
    t = np.arange(n) / RATE
    mains = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 2 * np.pi)) / k**1.5 for k in (1, 2, 3))
    del t
    hum /= np.std(hum) + 1e-12
    hum += 0.03 * stereo(mains)
    return hum


def _traffic(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    seconds = n / RATE
    cutoff = 600.0 if distant else 1800.0
    out = np.zeros((n, 2))
    wash = _filter(pink(rng, n), "lowpass", cutoff * 0.5)
    out += stereo(wash * 0.3)
    for start in _events(rng, seconds + 6.0, 1 / 5.0) - 3.0:
        length = int(rng.uniform(2.5, 5.0) * RATE)
        engine = _filter(pink(rng, length), "bandpass", (70.0, cutoff))
        envelope = np.hanning(length) ** 2
        direction = rng.choice([-1.0, 1.0])
        position = np.linspace(-0.8 * direction, 0.8 * direction, length)
        _add(out, int(start * RATE), pan(engine * envelope * rng.uniform(0.5, 1.5), position))
    return out


def _wind(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    channels = []
    for _ in range(2):
        centre = 250.0 + 350.0 * (slow_curve(rng, n, 0.15, 8.0) - 0.4).clip(0.1, None)
        channels.append(shaped_noise(rng, n, centre, 0.9) * slow_curve(rng, n, 0.2, 6.0))
    return stereo(channels[0], channels[1], 1.0)


def _rain(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    hiss = [_filter(rng.standard_normal(n), "bandpass", (700.0, 7000.0 if not distant else 3500.0)) for _ in range(2)]
    out = stereo(hiss[0], hiss[1], 1.0) * 0.5
    ticks = np.zeros((n, 2))
    positions = rng.integers(0, n, size=int(180 * n / RATE))
    ticks[positions, rng.integers(0, 2, positions.size)] = rng.uniform(0.5, 2.0, positions.size)
    return out + _filter(ticks, "bandpass", (1500.0, 9000.0))


def _drips(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    out = np.zeros((n, 2))
    length = int(0.08 * RATE)
    t = np.arange(length) / RATE
    for start in _events(rng, n / RATE, 0.9):
        f0 = rng.uniform(900.0, 1800.0)
        chirp = np.sin(2 * np.pi * (f0 * t + f0 * 1.2 * t**2 / 0.03)) * _decay(length, 0.018)
        splash = _filter(rng.standard_normal(length), "highpass", 3000.0) * _decay(length, 0.004) * 0.3
        drip = (chirp + splash) * rng.uniform(0.3, 1.0)
        if distant:
            drip = _filter(drip, "lowpass", 2500.0)
        _add(out, int(start * RATE), pan(drip, rng.uniform(-0.8, 0.8)))
    return out


def _mist(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    air = [_filter(rng.standard_normal(n), "bandpass", (2500.0, 11000.0)) * slow_curve(rng, n, 0.1, 4.0) for _ in range(2)]
    return stereo(air[0], air[1], 1.0)


def _waves(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    t = np.arange(n) / RATE
    swell = (0.5 + 0.5 * np.sin(2 * np.pi * t / 8.0 + rng.uniform(0, 2 * np.pi))) ** 2 + 0.1
    surf = [_filter(pink(rng, n), "lowpass", 1200.0 if distant else 3000.0) * swell for _ in range(2)]
    return stereo(surf[0], surf[1], 0.9)


def _crickets(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    out = np.zeros((n, 2))
    t = np.arange(n) / RATE
    for _ in range(3):
        carrier = np.sin(2 * np.pi * rng.uniform(3800.0, 5200.0) * t)
        pulses = (np.sin(2 * np.pi * 30.0 * t) > 0.3).astype(float)
        phrase = (np.sin(2 * np.pi * t / rng.uniform(0.6, 1.1) + rng.uniform(0, 2 * np.pi)) > 0.6).astype(float)
        gate = _filter(pulses * phrase, "lowpass", 300.0)
        out += pan(carrier * gate * rng.uniform(0.4, 1.0), rng.uniform(-0.9, 0.9))
    return out


def _electric_buzz(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    t = np.arange(n) / RATE
    buzz = sum(np.sin(2 * np.pi * 100.0 * k * t) / k for k in range(1, 20))
    return stereo(buzz * slow_curve(rng, n, 0.3, 1.5))


def _ventilation(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    t = np.arange(n) / RATE
    air = [_filter(pink(rng, n), "bandpass", (120.0, 2000.0)) for _ in range(2)]
    blade = 0.2 * np.sin(2 * np.pi * 58.0 * t) * np.std(air[0])
    del t
    for channel in air:  # in place: air + blade without two more bed-length arrays
        channel += blade
    return stereo(air[0], air[1], 0.7)


def _murmur(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    out = np.zeros((n, 2))
    for _ in range(8):
        voice = _filter(rng.standard_normal(n), "bandpass", (250.0, 2500.0 if not distant else 1200.0))
        rate = rng.uniform(3.0, 5.5)
        envelope = np.clip(np.sin(2 * np.pi * rate * np.arange(n) / RATE + rng.uniform(0, 6.3)), 0, None) * slow_curve(rng, n, 0.3, 10.0)
        out += pan(voice * envelope, rng.uniform(-0.8, 0.8))
    return out


def _birds(rng: np.random.Generator, n: int, distant: bool) -> np.ndarray:
    out = np.zeros((n, 2))
    for start in _events(rng, n / RATE, 0.5):
        position = rng.uniform(-0.9, 0.9)
        for k in range(int(rng.integers(2, 6))):
            length = int(rng.uniform(0.04, 0.12) * RATE)
            f0, f1 = rng.uniform(2500.0, 6000.0, 2)
            phase = 2 * np.pi * np.cumsum(np.linspace(f0, f1, length)) / RATE
            chirp = np.sin(phase) * np.hanning(length) * rng.uniform(0.4, 1.0)
            _add(out, int((start + k * 0.15) * RATE), pan(chirp, position))
    return out


AMBIENCE_LAYERS: dict[str, Callable[[np.random.Generator, int, bool], np.ndarray]] = {
    "room_tone": _room_tone, "city_hum": _city_hum, "traffic": _traffic, "wind": _wind, "rain": _rain,
    "drips": _drips, "mist": _mist, "waves": _waves, "crickets": _crickets, "electric_buzz": _electric_buzz,
    "ventilation": _ventilation, "murmur": _murmur, "birds": _birds,
}


@dataclass(frozen=True)
class Synthesized:
    samples: np.ndarray  # (n, 2) float64
    layers: tuple[str, ...]  # what the description selected
    matched: bool  # False when no keyword matched and a default was used


def _layer_at(layer: np.ndarray, level_db: float) -> np.ndarray:
    """A layer scaled to -20 LUFS + its relative level (by gated loudness, so sparse layers are fair)."""
    loudness = integrated_loudness(layer, RATE, fast=True)
    if not np.isfinite(loudness):
        return layer
    layer *= 10 ** ((-20.0 + level_db - loudness) / 20)  # in place: one bed-length array fewer at the peak
    return layer


def ambience_bed(description: str, seconds: float, *seed_parts: str) -> Synthesized:
    """A stereo ambience bed of ``seconds`` from a description, seeded by ``seed_parts`` (plan ids)."""
    n = max(1, int(round(seconds * RATE)))
    names = match_keywords(description, AMBIENCE_KEYWORDS)
    matched = bool(names)
    if not names:
        names = ["room_tone"]
    distant = any(f" {word} " in _words(description) for word in DISTANT_WORDS)
    bed = np.zeros((n, 2))
    for name in names:
        layer = AMBIENCE_LAYERS[name](rng_for(*seed_parts, "ambience", name), n, distant)
        bed += _layer_at(layer, AMBIENCE_LEVELS_DB[name])
    if "room_tone" not in names:
        bed += _layer_at(_room_tone(rng_for(*seed_parts, "ambience", "floor"), n, distant), ROOM_TONE_FLOOR_DB)
    fade = min(n // 2, int(0.01 * RATE))  # no click at either end
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)[:, None]
        bed[:fade] *= ramp
        bed[-fade:] *= ramp[::-1]
    return Synthesized(bed, tuple(names), matched)


# --- effects: (rng, material, weight) -> (n, 2) -----------------------------------------------


def _material(words: str) -> str:
    for name, keywords in MATERIAL_KEYWORDS.items():
        if any(_mentions(words, k) for k in keywords):
            return name
    return "wood"


def _hit(rng: np.random.Generator, material: str, weight: float, seconds: float = 0.6) -> np.ndarray:
    """One impact: a pitched body thump, a material-coloured transient and a ringing mode."""
    brightness, body_decay, resonance, ring_decay = MATERIALS[material]
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    body_hz = 55.0 + (1.0 - weight) * 450.0
    sweep = body_hz * (1.0 + 0.8 * np.exp(-t / 0.015))
    thump = _filter(rng.standard_normal(n), "lowpass", body_hz * 2.5)
    tone = np.sin(2 * np.pi * np.cumsum(sweep) / RATE)
    # half pitched, half band-limited noise: a thud, not a drum
    body = (0.6 * tone + 0.4 * thump / (np.std(thump[: int(0.05 * RATE)]) + 1e-12) * 0.5) * _decay(n, body_decay * (0.6 + weight))
    transient = _filter(rng.standard_normal(n), "bandpass", (brightness * 0.3, min(brightness * 1.6, 20000.0))) * _decay(n, 0.006)
    ring = np.sin(2 * np.pi * resonance * rng.uniform(0.9, 1.1) * t) * _decay(n, ring_decay)
    return (weight * body + 0.8 * transient + 0.3 * ring) * np.hanning(2 * n)[n:] ** 0.1


def _impact(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    out = np.zeros(int(0.9 * RATE))
    _add(out, 0, _hit(rng, material, weight))
    if material in ("stone", "metal", "glass") and weight < 0.6:  # small objects bounce
        for k, delay in enumerate((0.09, 0.16, 0.21)):
            _add(out, int(delay * RATE), _hit(rng, material, weight * 0.7, 0.3) * 0.4 / (k + 1))
    return stereo(out)


def _jingle(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    n = int(0.8 * RATE)
    out = np.zeros((n, 2))
    for start in np.sort(rng.exponential(0.12, int(rng.integers(14, 24)))):
        tau = rng.uniform(0.02, 0.08)
        length = int(6 * tau * RATE)  # long enough to ring out: no click at the end
        t = np.arange(length) / RATE
        tine = sum(np.sin(2 * np.pi * f * t) * rng.uniform(0.3, 1.0) for f in rng.uniform(2500.0, 9000.0, 4))
        tine = tine * _decay(length, tau) * np.hanning(2 * length)[length:] ** 0.2 * rng.uniform(0.3, 1.0)
        _add(out, int(start * RATE), pan(tine, rng.uniform(-0.3, 0.3)))
    return out


def _creak(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    seconds = rng.uniform(0.9, 1.4)
    n = int(seconds * RATE)
    rate_hz = 30.0 + 40.0 * np.sin(np.linspace(0.2, np.pi - 0.2, n)) * slow_curve(rng, n, 3.0, 3.0)
    phase = np.cumsum(rate_hz) / RATE
    impulses = np.diff(np.floor(phase), prepend=0.0) * rng.uniform(0.6, 1.0, n)  # stick-slip
    out = np.zeros(n)
    for centre, q in ((380.0, 12.0), (950.0, 14.0), (2100.0, 10.0)):
        b, a = signal.iirpeak(centre * rng.uniform(0.95, 1.05), q, fs=RATE)
        out += signal.lfilter(b, a, impulses)
    return stereo(out * np.hanning(n) ** 0.5)


def _footsteps(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    n = int(2.4 * RATE)
    out = np.zeros((n, 2))
    for k in range(4):
        start = k * 0.52 + rng.uniform(-0.03, 0.03)
        heel = _hit(rng, material, 0.45, 0.2) * rng.uniform(0.7, 1.0)
        toe = _filter(rng.standard_normal(int(0.05 * RATE)), "bandpass", (300.0, 3000.0)) * _decay(int(0.05 * RATE), 0.01) * 0.3
        _add(out, int(start * RATE), stereo(heel))
        _add(out, int((start + 0.07) * RATE), stereo(toe))
    return out


def _knock(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    n = int(0.9 * RATE)
    out = np.zeros(n)
    for k in range(3):
        length = int(0.15 * RATE)
        t = np.arange(length) / RATE
        modes = sum(np.sin(2 * np.pi * f * t) * g for f, g in ((190.0, 1.0), (430.0, 0.6), (1150.0, 0.25)))
        click = _filter(rng.standard_normal(length), "bandpass", (800.0, 4000.0)) * _decay(length, 0.003)
        _add(out, int((k * 0.19 + rng.uniform(0, 0.02)) * RATE), (modes * _decay(length, 0.035) + 0.5 * click) * (1.0 - 0.15 * k))
    return stereo(out)


def _whoosh(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    n = int(0.9 * RATE)
    x = np.linspace(0, 1, n)
    centre = 300.0 + 2200.0 * np.sin(np.pi * x) ** 2
    body = shaped_noise(rng, n, centre, 0.6) * np.sin(np.pi * x) ** 3
    return pan(body, np.linspace(-0.6, 0.6, n))


def _click(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    n = int(0.12 * RATE)
    t = np.arange(n) / RATE
    snap = _filter(rng.standard_normal(n), "bandpass", (1500.0, 9000.0)) * _decay(n, 0.002)
    tick = np.sin(2 * np.pi * 2200.0 * t) * _decay(n, 0.008) * 0.4
    return stereo(snap + tick)


def _glass(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    out = _jingle(rng, "glass", weight) * 0.6
    shards = _filter(rng.standard_normal(out.shape[0]), "highpass", 2500.0) * _decay(out.shape[0], 0.12)
    return out + stereo(shards * 0.5)


def _explosion(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    """A low boom (a pitch-dropping sine), a broadband blast and falling debris, about 2.5 s."""
    n = int(2.5 * RATE)
    t = np.arange(n) / RATE
    boom = np.sin(2 * np.pi * np.cumsum(30.0 + 60.0 * np.exp(-t / 0.15)) / RATE) * _decay(n, 0.6)
    blast = _filter(rng.standard_normal(n), "lowpass", 2500.0) * _decay(n, 0.35)
    debris = np.zeros(n)
    for start in _events(rng, 2.0, 14.0) + 0.2:
        _add(debris, int(start * RATE), _hit(rng, "stone", 0.3, 0.15)[: int(0.15 * RATE)] * rng.uniform(0.05, 0.3))
    body = boom + 0.8 * blast + debris
    return stereo(body, body + 0.1 * _filter(rng.standard_normal(n), "lowpass", 1200.0) * _decay(n, 0.4), 0.7)


def _fire(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    """Crackle (sparse bright snaps) over a low roar of burning air, 2.5 s."""
    n = int(2.5 * RATE)
    rumble = [_filter(brown(rng, n), "lowpass", 400.0) * slow_curve(rng, n, 1.5, 4.0) for _ in range(2)]
    out = stereo(rumble[0], rumble[1], 0.8)
    out /= np.max(np.abs(out)) + 1e-12
    length = int(0.02 * RATE)
    for start in _events(rng, 2.5, 25.0):
        snap = _filter(rng.standard_normal(length), "bandpass", (1500.0, 8000.0)) * _decay(length, 0.003)
        _add(out, int(start * RATE), pan(snap * rng.uniform(0.3, 1.2), rng.uniform(-0.6, 0.6)))
    return out * np.hanning(n)[:, None] ** 0.2


def _roar(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    """A swelling low growl: brown noise through a low band, with a 40-70 Hz tone under it, 2.5 s."""
    n = int(2.5 * RATE)
    t = np.arange(n) / RATE
    swell = np.sin(np.pi * t / t[-1]) ** 1.5
    growl = _filter(brown(rng, n), "bandpass", (40.0, 500.0)) * swell
    growl /= np.max(np.abs(growl)) + 1e-12
    tone = np.sin(2 * np.pi * np.cumsum(40.0 + 30.0 * swell) / RATE) * swell * 0.5
    return stereo(growl + tone, growl * 0.9 + tone, 0.8)


def _rain_effect(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    """A burst of rain (the ambience layer, faded in and out), 2 s."""
    n = int(2.0 * RATE)
    return _rain(rng, n, False) * np.hanning(n)[:, None] ** 0.5


def _traffic_effect(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    """One car passing with a two-tone horn on it, 2.5 s."""
    n = int(2.5 * RATE)
    engine = _filter(pink(rng, n), "bandpass", (70.0, 1800.0)) * np.hanning(n) ** 2
    out = pan(engine / (np.max(np.abs(engine)) + 1e-12), np.linspace(-0.8, 0.8, n))
    length = int(0.45 * RATE)
    t = np.arange(length) / RATE
    horn = (np.sign(np.sin(2 * np.pi * 415.0 * t)) + np.sign(np.sin(2 * np.pi * 523.0 * t))) * 0.15
    horn = _filter(horn, "lowpass", 3000.0) * np.hanning(length) ** 0.3
    _add(out, int(0.9 * RATE), stereo(horn))
    return out


def _crowd(rng: np.random.Generator, material: str, weight: float) -> np.ndarray:
    """Voices swelling into a cheer (the murmur layer with a rising envelope), 2.5 s."""
    n = int(2.5 * RATE)
    voices = _murmur(rng, n, False)
    swell = np.clip(np.linspace(0.2, 1.4, n), 0, 1.0) * np.hanning(n) ** 0.3
    cheer = _filter(rng.standard_normal(n), "bandpass", (600.0, 4000.0)) * np.clip(np.linspace(-0.5, 1.0, n), 0, None)
    return voices * swell[:, None] + stereo(cheer * 0.5 * np.std(voices) / (np.std(cheer) + 1e-12))


EFFECTS: dict[str, Callable[[np.random.Generator, str, float], np.ndarray]] = {
    "impact": _impact, "jingle": _jingle, "creak": _creak, "footsteps": _footsteps,
    "knock": _knock, "whoosh": _whoosh, "click": _click, "glass": _glass,
    "explosion": _explosion, "fire": _fire, "roar": _roar, "rain": _rain_effect,
    "traffic": _traffic_effect, "crowd": _crowd,
}


def effect(description: str, *seed_parts: str) -> Synthesized:
    """A foley-like event from a description ("keys drop on cobblestones"): every matched kind, layered.

    A description that matches nothing gives a soft generic impact and ``matched=False``
    (the mix reports it: give the cue a file).
    """
    words = _words(description)
    kinds = match_keywords(description, EFFECT_KEYWORDS)
    matched = bool(kinds)
    if not kinds:
        kinds = ["impact"]
    material = _material(words)
    heavy = any(f" {w} " in words or f" {w}s " in words for w in HEAVY_WORDS)
    light = any(f" {w} " in words or f" {w}s " in words for w in LIGHT_WORDS)
    weight = 0.8 if heavy and not light else 0.25 if light else 0.5
    pieces = [EFFECTS[kind](rng_for(*seed_parts, "effect", kind), material, weight) for kind in kinds]
    n = max(piece.shape[0] for piece in pieces)
    out = np.zeros((n, 2))
    for piece in pieces:
        out[: piece.shape[0]] += piece / (np.max(np.abs(piece)) + 1e-12)
    fade = int(0.005 * RATE)  # no click at the tail
    out[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    return Synthesized(out, tuple(kinds), matched)
