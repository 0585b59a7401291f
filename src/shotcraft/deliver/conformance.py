"""Conformance: does a deliverable say what it is and hold what it should?

Measured by demuxing with PyAV (what ffprobe reads): codec, profile, pixel
format, colour tags, frame rate, frame count, duration, audio present, audio
rate, A/V drift (under one frame), and for web files whether the index
(moov) comes before the media (+faststart). The report is plain data for
manifest.json.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any


from shotcraft.deliver.encode import PROFILES, Profile
from shotcraft.media.video import AUDIO_RATE, probe
from shotcraft.errors import InputError


#: encoder name -> the codec name a reader reports
DECODED_NAMES = {"prores_ks": "prores", "prores_aw": "prores", "libx264": "h264"}


@dataclass(frozen=True)
class Expectation:
    """What a deliverable must be; None fields are not checked."""

    codec: str | None = None
    pix_fmt: str | None = None
    profile: str | None = None
    rate: Fraction | None = None
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    audio_codec: str | None = None
    audio_rate: int | None = AUDIO_RATE
    faststart: bool = False
    bt709: bool = True
    no_edit_list: bool = False

    @classmethod
    def for_profile(cls, profile: Profile, **facts: Any) -> Expectation:
        return cls(
            codec=DECODED_NAMES.get(profile.codec, profile.codec),
            pix_fmt=profile.pix_fmt,
            profile=profile.profile,
            audio_codec=profile.audio_codec,
            faststart=profile.faststart,
            no_edit_list=profile.no_edit_list,
            **facts,
        )


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    expected: Any
    found: Any

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "expected": _plain(self.expected), "found": _plain(self.found)}


@dataclass(frozen=True)
class ConformanceReport:
    path: Path
    facts: dict[str, Any]
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "facts": {k: _plain(v) for k, v in self.facts.items()}, "checks": [c.to_dict() for c in self.checks]}


def probe_facts(path: str | Path) -> dict[str, Any]:
    """The report's facts: :func:`shotcraft.media.video.probe` with every packet counted (frame counts
    are counted, not trusted from headers), plus the ISO box layout."""
    path = Path(path)
    info = probe(path, count_frames=True)
    primaries, trc, colorspace = info.color_tags
    facts: dict[str, Any] = {
        "container": info.container,
        "codec": info.codec,
        "profile": info.profile,
        "pix_fmt": info.pix_fmt,
        "width": info.width,
        "height": info.height,
        "rate": info.declared_rate or Fraction(0),  # a stream that declares no rate has none to conform
        "color_primaries": primaries,
        "color_trc": trc,
        "colorspace": colorspace,
        "frames": info.frames,
        # the container's own account of the video duration (edit lists honoured), else frames / rate
        "duration": info.stream_duration if info.stream_duration is not None else (info.duration if info.declared_rate else 0.0),
        "has_audio": info.audio is not None,
    }
    if info.audio is not None:
        facts.update(audio_codec=info.audio.codec, audio_rate=info.audio.rate, audio_channels=info.audio.channels, audio_duration=info.audio.duration)
    iso = path.suffix.lower() in (".mp4", ".mov", ".m4v")
    facts["moov_before_mdat"] = _moov_first(path) if iso else None
    facts["edit_lists"] = _edit_lists(path) if iso else None
    return facts


def check_file(path: str | Path, expectation: Expectation | None = None) -> ConformanceReport:
    """Probe a file and compare it with what it should be (generic checks when no expectation)."""
    expectation = expectation or Expectation()
    facts = probe_facts(path)
    checks: list[Check] = []

    def expect(name: str, wanted: Any, found: Any, ok: bool | None = None) -> None:
        if wanted is not None:
            checks.append(Check(name, wanted == found if ok is None else ok, wanted, found))

    expect("codec", expectation.codec, facts["codec"])
    expect("profile", expectation.profile, facts["profile"], ok=_profile_ok(expectation.profile, facts["profile"]))
    expect("pixel format", expectation.pix_fmt, facts["pix_fmt"])
    expect("width", expectation.width, facts["width"])
    expect("height", expectation.height, facts["height"])
    expect("frame rate", expectation.rate, facts["rate"])
    expect("frame count", expectation.frames, facts["frames"])
    if expectation.frames is not None and expectation.rate:
        wanted = float(expectation.frames / expectation.rate)
        half_frame = float(1 / expectation.rate) / 2
        expect("duration", round(wanted, 4), round(facts["duration"], 4), ok=abs(wanted - facts["duration"]) < half_frame)
    checks.append(Check("video frames", facts["frames"] > 0, "> 0", facts["frames"]))
    checks.append(Check("audio present", facts["has_audio"], True, facts["has_audio"]))
    if facts["has_audio"]:
        expect("audio codec", expectation.audio_codec, facts["audio_codec"])
        expect("audio rate", expectation.audio_rate, facts["audio_rate"])
        frame_seconds = float(1 / facts["rate"]) if facts["rate"] else 0.0
        drift = abs(facts["audio_duration"] - facts["duration"])
        checks.append(Check("a/v drift under one frame", drift < frame_seconds, f"< {frame_seconds:.4f} s", round(drift, 6)))
    if expectation.bt709:
        tags = (facts["color_primaries"], facts["color_trc"], facts["colorspace"])
        checks.append(Check("bt709 tags", tags == (1, 1, 1), [1, 1, 1], list(tags)))
    if expectation.faststart:
        checks.append(Check("faststart", bool(facts["moov_before_mdat"]), True, facts["moov_before_mdat"]))
    if expectation.no_edit_list:
        checks.append(Check("no edit list", facts["edit_lists"] == 0, 0, facts["edit_lists"]))
    return ConformanceReport(Path(path), facts, checks)


def check_deliverable(path: str | Path, kind: str, *, rate: Fraction, frames: int, width: int, height: int) -> ConformanceReport:
    """Check a file against a named profile ('prores', 'ffv1', 'distribution', 'mobile')."""
    profile = PROFILES[kind]
    return check_file(path, Expectation.for_profile(profile, rate=rate, frames=frames, width=width, height=height))


def profile_for_path(path: Path) -> str | None:
    """Guess the delivery profile from shotcraft's own file names (None: generic checks only)."""
    name = path.name.lower()
    if "_master" in name:
        return "ffv1" if path.suffix.lower() == ".mkv" else "prores"
    if "_distribution" in name:
        return "distribution"
    if "_mobile" in name:
        return "mobile"
    return None


def check_paths(paths: list[Path], *, profile: str | None = None, fps: str | None = None, frames: int | None = None) -> list[ConformanceReport]:
    """The deliver-check command: every file against its profile (given or guessed from its name)."""
    from shotcraft.timebase import parse_rate

    if profile is not None and profile not in PROFILES:
        raise InputError(f"--profile: expected one of {sorted(PROFILES)}, found {profile!r}")
    try:
        rate = parse_rate(fps) if fps is not None else None
    except ValueError as exc:
        raise InputError(f"--fps: {exc}") from None
    reports = []
    for path in paths:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such file")
        name = profile or profile_for_path(Path(path))
        base = Expectation.for_profile(PROFILES[name]) if name else Expectation(audio_rate=None, bt709=False)
        expectation = Expectation(**{**base.__dict__, "rate": rate, "frames": frames})
        reports.append(check_file(path, expectation))
    return reports


def format_report(report: ConformanceReport) -> str:
    facts = report.facts
    head = (
        f"{'PASS' if report.ok else 'FAIL'} {report.path}: {facts['codec']} {facts['pix_fmt']} "
        f"{facts['width']}x{facts['height']} @ {_plain(facts['rate'])} fps, {facts['frames']} frames, {facts['duration']:.3f} s"
        + (f", audio {facts['audio_codec']} {facts['audio_rate']} Hz" if facts.get("has_audio") else ", no audio")
    )
    failed = [f"  x {c.name}: expected {_plain(c.expected)}, found {_plain(c.found)}" for c in report.failures]
    return "\n".join([head, *failed])


def _profile_ok(wanted: str | None, found: str | None) -> bool:
    if wanted is None:
        return True
    return found is not None and wanted.lower() in str(found).lower()


def _moov_first(path: Path) -> bool:
    """Walk the top-level ISO-BMFF boxes: is 'moov' before 'mdat'?"""
    with open(path, "rb") as handle:
        offset = 0
        size_total = path.stat().st_size
        while offset + 8 <= size_total:
            handle.seek(offset)
            size, kind = struct.unpack(">I4s", handle.read(8))
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0]
            elif size == 0:
                size = size_total - offset
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size < 8:
                return False
            offset += size
    return False


def _edit_lists(path: Path) -> int:
    """How many edit lists (moov/trak/edts/elst boxes) the file carries."""
    containers = {b"moov", b"trak", b"edts"}
    count = 0
    with open(path, "rb") as handle:
        data_size = path.stat().st_size

        def walk(start: int, end: int) -> None:
            nonlocal count
            offset = start
            while offset + 8 <= end:
                handle.seek(offset)
                size, kind = struct.unpack(">I4s", handle.read(8))
                header = 8
                if size == 1:
                    size, header = struct.unpack(">Q", handle.read(8))[0], 16
                elif size == 0:
                    size = end - offset
                if size < header:
                    return
                if kind == b"elst":
                    count += 1
                elif kind in containers:
                    walk(offset + header, offset + size)
                offset += size

        walk(0, data_size)
    return count


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, Path):
        return str(value)
    return value
