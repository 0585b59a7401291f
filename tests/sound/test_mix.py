"""The mix of a synthetic cut: targets, ceiling, stems, cues moving with the edit, ducking, bad inputs."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from shotcraft.errors import InputError
from shotcraft.manifest import Manifest
from shotcraft.plan.loader import load_plan
from shotcraft.sound import loudness
from shotcraft.edit.build import planned_timeline
from shotcraft.sound.mix import activity, duck_gain, mix_film, sound_off_fraction, true_peak_limit
from shotcraft.sound.stems import frames_to_samples, lay_stems

from .conftest import ffmpeg_ebur128, write_tone

CUES = """\
cues:
  - shot: b
    at: 0.5
    description: keys drop on cobblestones
  - shot: c
    at: 0.4
    description: door creak
    lufs: -18
"""


def _check(result, code: str, stem: str | None = None) -> dict:  # noqa: ANN001
    return next(c for c in result.checks if c["code"] == code and (stem is None or c.get("stem") == stem))


def test_mix_meets_target_and_ceiling_and_writes_24_bit_stems(make_plan, tmp_path: Path) -> None:
    write_tone(tmp_path / "music.wav", 12.0, rate=44_100)  # 44.1 kHz: resampled, and said so
    plan = make_plan(CUES + "music:\n  file: music.wav\n  lufs: -22\n  duck_db: 10\n")
    result = mix_film(plan, planned_timeline(plan), tmp_path / "out")

    assert result.target_lufs == -14.0
    assert abs(result.integrated_lufs - result.target_lufs) <= 0.5
    assert result.true_peak_dbtp <= -1.0
    assert _check(result, "SND102")["ok"] and _check(result, "SND103")["ok"]
    for name in ("ambience", "effects", "music"):
        assert _check(result, "SND101", name)["ok"], _check(result, "SND101", name)
    assert any(c["code"] == "SND106" and "44100" in c["message"] for c in result.checks)
    info = soundfile.info(str(result.mix_path))
    assert (info.samplerate, info.channels, info.subtype) == (48_000, 2, "PCM_24")
    assert info.frames == frames_to_samples(planned_timeline(plan).duration, plan.film.production.format.fps)
    assert sorted(p.name for p in (tmp_path / "out" / "stems").iterdir()) == ["ambience.wav", "effects.wav", "music.wav"]
    ambience = next(s for s in result.stems if s.name == "ambience")
    assert ambience.integrated_lufs == pytest.approx(-24.0, abs=0.5)
    # the file on disk reads what the result says
    assert loudness.measure_file(result.mix_path).integrated_lufs == pytest.approx(result.integrated_lufs, abs=0.01)
    assert result.music_ducked_fraction > 0


def test_broadcast_platform_and_plan_override_set_the_target(make_plan, tmp_path: Path) -> None:
    broadcast = make_plan(platform="broadcast")
    result = mix_film(broadcast, planned_timeline(broadcast), tmp_path / "b")
    assert result.target_lufs == -23.0 and abs(result.integrated_lufs + 23.0) <= 0.5
    override = make_plan("target_lufs: -18\n", platform="broadcast")
    result = mix_film(override, planned_timeline(override), tmp_path / "o")
    assert result.target_lufs == -18.0 and abs(result.integrated_lufs + 18.0) <= 0.5


def test_cues_move_with_the_edit(make_plan) -> None:
    plan = make_plan("cues:\n  - shot: c\n    at: 0.25\n    description: two knocks\n")
    timeline = planned_timeline(plan)
    first = activity(lay_stems(plan, timeline).stems["effects"].samples)
    # slip shot c one second later in the cut: its knock follows
    moved = dataclasses.replace(timeline, events=tuple(
        dataclasses.replace(e, record_in=e.record_in + 24) if e.shot_id == "c" else e for e in timeline.events
    ))
    second = activity(lay_stems(plan, moved).stems["effects"].samples)
    onset_first, onset_second = np.argmax(first), np.argmax(second)
    expected_first = (timeline.event("c").record_in / 24 + 0.25) * 100  # 10 ms blocks
    assert onset_first == pytest.approx(expected_first, abs=2)
    assert onset_second - onset_first == pytest.approx(100, abs=2)


def test_cues_stay_in_sync_when_the_cut_slips_the_take(make_plan) -> None:
    plan = make_plan("cues:\n  - shot: c\n    at: 1.0\n    description: two knocks\n")
    timeline = planned_timeline(plan)
    planned = np.argmax(activity(lay_stems(plan, timeline).stems["effects"].samples))
    # the editor trims 12 more frames (0.5 s) off the head of shot c: its action comes 0.5 s sooner
    slipped = dataclasses.replace(timeline, events=tuple(
        dataclasses.replace(e, source_in=e.source_in + 12, duration=e.duration - 12) if e.shot_id == "c" else e
        for e in timeline.events
    ))
    stem_set = lay_stems(plan, slipped)
    assert planned - np.argmax(activity(stem_set.stems["effects"].samples)) == pytest.approx(50, abs=2)
    assert not any(note["code"] == "SND108" for note in stem_set.notes)


def test_ambience_switches_location_at_the_cut_moved_by_a_j_cut(make_plan) -> None:
    plain = make_plan("ambience:\n  street:\n    description: heavy rain\n  hall:\n    description: room tone\ncrossfade: 0.1\n")
    j_cut = make_plan("ambience:\n  street:\n    description: heavy rain\n  hall:\n    description: room tone\ncrossfade: 0.1\n", offset=-1.0)

    def rain_share_before_cut(plan) -> float:  # noqa: ANN001
        timeline = planned_timeline(plan)
        bed = lay_stems(plan, timeline).stems["ambience"].samples
        cut = frames_to_samples(timeline.event("c").record_in, timeline.rate)
        window = bed[cut - 48_000 + 4_800 : cut - 4_800]  # the last second before the picture cut
        from scipy import signal

        highs = signal.sosfilt(signal.butter(4, 3000, "highpass", fs=48_000, output="sos"), window, axis=0)
        return float(np.sum(highs**2) / np.sum(window**2))

    # rain is bright, room tone is dark: with a J-cut the hall's tone already plays before the cut
    assert rain_share_before_cut(plain) > 3 * rain_share_before_cut(j_cut)


def test_music_ducks_under_effects_by_duck_db() -> None:
    key = np.zeros(48_000 * 4, dtype=bool)[: 400]
    key[150:200] = True  # effects sound from 1.5 s to 2.0 s
    gain = duck_gain(key, 48_000 * 4, 9.0)
    in_db = 20 * np.log10(gain)
    assert in_db[int(1.8 * 48_000)] == pytest.approx(-9.0, abs=0.5)
    assert in_db[int(0.5 * 48_000)] == pytest.approx(0.0, abs=0.05)
    assert in_db[int(1.49 * 48_000)] < -3.0  # it looks ahead: already going down before the effect
    assert in_db[int(3.9 * 48_000)] > -1.0  # released


def test_limiter_holds_the_true_peak_ceiling_and_never_clips() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(48_000 * 3) / 48_000
    hot = 1.8 * np.sin(2 * np.pi * 11_000 * t + np.pi / 4)[:, None] * np.ones((1, 2))
    hot[48_000:48_100] += rng.standard_normal((100, 2)) * 3.0  # a transient far over full scale
    limited, reduction = true_peak_limit(hot, -1.0)
    assert loudness.true_peak(limited) <= -1.0
    assert np.max(np.abs(limited)) < 1.0
    assert reduction > 5.0


def test_sound_off_proxy_counts_long_ambience_only_stretches_between_picture_changes() -> None:
    quiet = np.zeros(1000, dtype=bool)  # 10 s, ambience only
    assert sound_off_fraction(quiet, [], 24, 240) == pytest.approx(1.0)
    assert sound_off_fraction(quiet, [48, 96, 144, 192], 24, 240) == 0.0  # a picture change every 2 s
    busy = quiet.copy()
    busy[::50] = True  # an effect every half second
    assert sound_off_fraction(busy, [], 24, 240) == 0.0


def test_manifest_entries_carry_measured_loudness(make_plan, tmp_path: Path) -> None:
    plan = make_plan(CUES)
    out = tmp_path / "deliverables"
    result = mix_film(plan, planned_timeline(plan), out / "sound")
    manifest = Manifest(out_dir=out, title="t", plan="film.yaml")
    for entry in result.manifest_entries(out):
        manifest.add(entry)
    data = json.loads(manifest.write().read_text())
    kinds = {(d["kind"], d["path"]) for d in data["deliverables"]}
    assert ("mix", "sound/mix.wav") in kinds and ("stem", "sound/stems/effects.wav") in kinds
    mix = next(d for d in data["deliverables"] if d["kind"] == "mix")
    assert mix["integrated_lufs"] == pytest.approx(-14.0, abs=0.5) and mix["true_peak_dbtp"] <= -1.0


def test_neo_noir_demo_mix_meets_target_and_ceiling_from_the_manifest(tmp_path: Path) -> None:
    plan = load_plan(Path(__file__).parents[2] / "examples" / "neo-noir" / "film.yaml")
    result = mix_film(plan, planned_timeline(plan), tmp_path / "sound")
    manifest = Manifest(out_dir=tmp_path, title=plan.film.production.title, plan="film.yaml")
    for entry in result.manifest_entries(tmp_path):
        manifest.add(entry)
    data = json.loads(manifest.write().read_text())
    mix = next(d for d in data["deliverables"] if d["kind"] == "mix")
    assert abs(mix["integrated_lufs"] - mix["target_lufs"]) <= 0.5
    assert mix["true_peak_dbtp"] <= mix["ceiling_dbtp"] == -1.0
    stems = {d["name"]: d for d in data["deliverables"] if d["kind"] == "stem"}
    assert stems["ambience"]["integrated_lufs"] == pytest.approx(-24.0, abs=0.5)
    assert set(stems) == {"ambience", "effects"}
    # and an independent meter agrees: ffmpeg's ebur128 on the same file
    theirs = ffmpeg_ebur128(result.mix_path)
    assert theirs["integrated"] == pytest.approx(mix["integrated_lufs"], abs=0.2)
    assert theirs["true_peak"] <= -1.0


def test_a_bed_heard_in_pieces_sits_at_its_level_where_it_plays(tmp_path: Path) -> None:
    """The cliff film cuts cliff, city, cliff, city: each wind bed levelled over the whole stretch from its first to its
    last span measured the cliff's 1.1 LU under its level where heard (its gust fell in the city's gap), the stem 0.66
    LU under target (SND101 on a bundled example)."""
    plan = load_plan(Path(__file__).parents[2] / "examples" / "cliff" / "film.yaml")
    timeline = planned_timeline(plan)
    ambience = lay_stems(plan, timeline).stems["ambience"].source
    assert len([span for span in ambience.spans if span.key == "cliff"]) == 2  # heard in two pieces
    result = mix_film(plan, timeline, tmp_path / "sound")
    [stem] = [s for s in result.stems if s.name == "ambience"]
    assert stem.integrated_lufs == pytest.approx(stem.target_lufs, abs=0.1)
    assert _check(result, "SND101", "ambience")["ok"]
    assert ffmpeg_ebur128(stem.path)["integrated"] == pytest.approx(stem.target_lufs, abs=0.2)  # an independent meter


# --- bad inputs ------------------------------------------------------------------------------


def test_missing_music_file_names_the_field(make_plan) -> None:
    plan = make_plan("music:\n  file: absent.wav\n")
    with pytest.raises(InputError, match=r"film.yaml: sound.music.file: no such audio file: .*absent.wav"):
        lay_stems(plan, planned_timeline(plan))


def test_corrupt_cue_file_names_the_cue(make_plan, tmp_path: Path) -> None:
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    plan = make_plan("cues:\n  - shot: b\n    file: broken.wav\n")
    with pytest.raises(InputError, match=r"sound.cues\[0\] \(b at 0 s\).file: cannot read audio file"):
        lay_stems(plan, planned_timeline(plan))


def test_sample_rate_mismatch_is_refused_with_strict_rate(make_plan, tmp_path: Path) -> None:
    write_tone(tmp_path / "m.wav", 4.0, rate=44_100)
    plan = make_plan("music:\n  file: m.wav\n")
    with pytest.raises(InputError, match=r"sound.music.file: .*m.wav is at 44100 Hz, the mix is at 48000 Hz"):
        lay_stems(plan, planned_timeline(plan), strict_rate=True)


def test_silent_stem_is_a_clear_error_not_a_division_by_zero(make_plan, tmp_path: Path) -> None:
    soundfile.write(str(tmp_path / "silence.wav"), np.zeros((48_000 * 3, 2)), 48_000, subtype="PCM_24")
    plan = make_plan("ambience:\n  street:\n    file: silence.wav\n")
    with pytest.raises(InputError, match=r"sound.ambience.street.file .*: silent \(loudness -inf LUFS\)"):
        mix_film(plan, planned_timeline(plan), Path("/nonexistent-never-written"))


def test_cue_on_a_shot_outside_the_cut_is_reported(make_plan, tmp_path: Path) -> None:
    plan = make_plan("cues:\n  - shot: b\n    at: 0.2\n    description: click\n")
    timeline = planned_timeline(plan)
    trimmed = dataclasses.replace(timeline, events=tuple(e for e in timeline.events if e.shot_id != "b"))
    result = mix_film(plan, trimmed, tmp_path / "out")
    assert any(c["code"] == "SND107" and "shot b is not in the cut" in c["message"] for c in result.checks)
    assert not (tmp_path / "out" / "stems" / "effects.wav").exists()
    assert not math.isinf(result.integrated_lufs)


def test_more_than_two_channels_is_refused_for_the_mix(make_plan, tmp_path: Path) -> None:
    write_tone(tmp_path / "wide.wav", 2.0, channels=3)
    plan = make_plan("cues:\n  - shot: a\n    file: wide.wav\n")
    with pytest.raises(InputError, match=r"sound.cues\[0\] \(a at 0 s\).file: .*wide.wav has 3 channels"):
        lay_stems(plan, planned_timeline(plan))


def test_dialogue_lands_on_its_shot_and_music_enters_at_start_and_ducks_under_it(make_plan, tmp_path: Path) -> None:
    write_tone(tmp_path / "line.wav", 1.0, freq=300.0, channels=1)  # mono voice-over
    write_tone(tmp_path / "score.wav", 20.0, freq=110.0)
    plan = make_plan(
        "music:\n  file: score.wav\n  start: 1.0\n  duck_db: 12\n"
        "dialogue:\n  - shot: b\n    at: 0.5\n    file: line.wav\n"
    )
    timeline = planned_timeline(plan)
    result = mix_film(plan, timeline, tmp_path / "out")
    assert _check(result, "SND101", "dialogue")["ok"] and _check(result, "SND101", "music")["ok"]
    music, _ = soundfile.read(str(tmp_path / "out" / "stems" / "music.wav"), always_2d=True)
    assert np.max(np.abs(music[: 48_000 - 10])) == 0.0  # nothing before its start
    line_start = frames_to_samples(timeline.event("b").record_in, timeline.rate) + 24_000
    before = music[line_start - 36_000 : line_start - 24_000]
    during = music[line_start + 12_000 : line_start + 36_000]
    drop_db = 20 * np.log10(np.sqrt(np.mean(during**2)) / np.sqrt(np.mean(before**2)))
    assert drop_db == pytest.approx(-12.0, abs=1.5)
    assert abs(result.integrated_lufs - result.target_lufs) <= 0.5 and result.true_peak_dbtp <= -1.0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    gain_db=st.floats(-6.0, 24.0),
    burst=st.floats(0.0, 30.0),
    ceiling=st.floats(-6.0, -0.5),
)
def test_limiter_never_passes_the_ceiling_whatever_it_is_fed(seed: int, gain_db: float, burst: float, ceiling: float) -> None:
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal((9_600, 2)) * 0.1 * 10 ** (gain_db / 20)
    signal[4_000:4_050] *= 10 ** (burst / 20)  # a transient much hotter than the rest
    limited, _ = true_peak_limit(signal, ceiling)
    assert loudness.true_peak(limited) <= ceiling + 1e-9
    assert np.all(np.isfinite(limited))


def test_ntsc_rate_frames_map_to_exact_sample_counts() -> None:
    from fractions import Fraction

    assert frames_to_samples(24_000, Fraction(24000, 1001)) == 48_048_000  # 1001 s at 48 kHz, exactly
    assert frames_to_samples(1001, Fraction(24000, 1001)) == 2_004_002
    assert frames_to_samples(24, Fraction(24)) == 48_000


def test_fade_from_black_into_the_first_shot_brings_the_ambience_up(make_plan) -> None:
    plan = make_plan()
    timeline = planned_timeline(plan)
    first = dataclasses.replace(timeline.events[0], transition="dip-to-black", transition_frames=12)
    faded = dataclasses.replace(timeline, events=(first, *timeline.events[1:]))
    bed = lay_stems(plan, faded).stems["ambience"].samples
    early = np.sqrt(np.mean(bed[: 2_400] ** 2))  # first 50 ms
    settled = np.sqrt(np.mean(bed[48_000:72_000] ** 2))
    assert early < 0.1 * settled and bed[0].max() == 0.0


def test_the_same_plan_mixes_to_the_same_bytes(make_plan, tmp_path: Path) -> None:
    plan = make_plan("cues:\n  - shot: a\n    at: 1.0\n    description: footsteps on stone\n")
    first = mix_film(plan, planned_timeline(plan), tmp_path / "one")
    second = mix_film(plan, planned_timeline(plan), tmp_path / "two")
    assert first.mix_path.read_bytes() == second.mix_path.read_bytes()
    assert (tmp_path / "one" / "stems" / "effects.wav").read_bytes() == (tmp_path / "two" / "stems" / "effects.wav").read_bytes()


def test_location_crossfade_is_equal_power_with_no_dip(make_plan) -> None:
    plan = make_plan("ambience:\n  street:\n    description: rain\n  hall:\n    description: rain\ncrossfade: 1.0\n")
    timeline = planned_timeline(plan)
    bed = lay_stems(plan, timeline).stems["ambience"].samples
    cut = frames_to_samples(timeline.event("c").record_in, timeline.rate)
    window = 4_800  # 100 ms
    levels = [
        10 * np.log10(np.mean(bed[start : start + window] ** 2))
        for start in range(cut - 48_000, cut + 48_000 - window, window)
    ]
    assert max(levels) - min(levels) < 1.5  # two uncorrelated beds at one loudness: no hole at the seam


def test_short_ambience_file_loops_seamlessly_at_its_level(make_plan, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    noise = np.cumsum(rng.standard_normal((48_000 * 2, 1)), axis=0) * 0.001  # a 2 s mono bed
    noise -= noise.mean()
    soundfile.write(str(tmp_path / "street.wav"), noise, 48_000, subtype="PCM_24")
    plan = make_plan("ambience:\n  street:\n    file: street.wav\n")
    stem = lay_stems(plan, planned_timeline(plan)).stems["ambience"]
    street = stem.samples[: frames_to_samples(planned_timeline(plan).event("c").record_in, 24) - 48_000]
    assert loudness.integrated_loudness(street) == pytest.approx(-24.0, abs=0.5)
    steps = np.abs(np.diff(street[:, 0]))
    assert steps.max() < 20 * np.percentile(steps, 99.9)  # no jump where the loop comes round


@pytest.mark.parametrize(("line_lufs", "clear"), [(-16.0, True), (-30.0, False)])
def test_dialogue_clarity_check(make_plan, tmp_path: Path, line_lufs: float, clear: bool) -> None:
    write_tone(tmp_path / "line.wav", 1.5, freq=300.0, channels=1)
    plan = make_plan(f"dialogue:\n  - shot: a\n    at: 0.5\n    file: line.wav\n    lufs: {line_lufs}\n")
    result = mix_film(plan, planned_timeline(plan), tmp_path / "out")
    check = _check(result, "SND110")
    assert check["ok"] is clear, check["message"]
