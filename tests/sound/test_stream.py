"""The mix streams: stems by range, signals in blocks on work files, the same numbers as whole arrays (#18 item 5).

Bounded memory is a property of the construction (nothing film-length is held);
these tests pin that the block-wise path gives the whole-signal results, with
blocks much shorter than the film so every carried state crosses many borders.
The peak-RSS figures for 1-, 10- and 30-minute films are in bench/sound_memory.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from shotcraft.sound import mix, stems, stream
from shotcraft.edit.build import planned_timeline
from shotcraft.sound.loudness import peak_envelope
from shotcraft.sound.mix import mix_film
from shotcraft.sound.stems import LoopedBed, lay_stems
from tests.sound.conftest import ffmpeg_ebur128, write_tone

SOUND = """\
ambience:
  street: {description: "night city hum, distant traffic"}
cues:
  - {shot: a, at: 0.5, description: keys jingle}
  - {shot: b, at: 2.3, description: door creak}
  - {shot: c, at: 1.0, description: two knocks}
music: {file: music.wav, lufs: -22, start: 0.4}
"""


def test_the_limiter_pass_on_blocks_equals_the_whole_signal_pass(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(stream, "BLOCK", 4_800)
    rng = np.random.default_rng(5)
    n = 48_000 + 777
    signal = rng.standard_normal((n, 2)) * 0.3 * np.abs(np.sin(np.arange(n) / 3000))[:, None]
    signal[9_000:9_050] *= 6
    window = max(1, int(mix.LIMITER_LOOKAHEAD_SECONDS * 48_000))
    expected, reduction = mix._limit_once(signal * 1.5, peak_envelope(signal * 1.5), -1.3)
    with stream.work_files(tmp_path) as make:
        source = make(n)
        for start in range(0, n, stream.BLOCK):
            source.write(signal[start : start + stream.BLOCK])
        limited, streamed_reduction = stream.limit_pass(source, 1.5, -1.3, make, window, mix.LIMITER_RELEASE_DB_PER_SECOND / 48_000)
        assert np.array_equal(limited.read(0, n), expected) and streamed_reduction == reduction
        assert stream.peak_max(source, 1.5) == float(np.max(peak_envelope(signal * 1.5)))
    assert not list(tmp_path.iterdir())  # work files removed


def test_stems_render_by_range_as_they_do_whole(make_plan, tmp_path: Path) -> None:
    write_tone(tmp_path / "music.wav", 4.0, dbfs=-12.0)
    plan = make_plan(SOUND)
    stem_set = lay_stems(plan, planned_timeline(plan))
    for stem in stem_set.stems.values():
        whole = stem.samples
        pieces = np.concatenate([stem.render(start, min(stem.length, start + 7_001)) for start in range(0, stem.length, 7_001)])
        assert np.array_equal(pieces, whole), stem.name


def test_a_looped_bed_is_the_tiled_bed() -> None:
    samples = np.random.default_rng(1).standard_normal((50_000, 2))
    bed = LoopedBed(samples, 230_000)
    whole = bed.render(0, 230_000)
    assert np.array_equal(np.concatenate([bed.render(s, min(230_000, s + 9_999)) for s in range(0, 230_000, 9_999)]), whole)
    assert np.array_equal(whole[:24_000], samples[:24_000])  # the first loop starts clean
    assert np.array_equal(whole[26_000:50_000 - 24_000], samples[26_000:26_000])  # nothing lost between loops


def test_the_mix_in_small_blocks_is_the_mix_in_large_blocks(make_plan, tmp_path: Path, monkeypatch) -> None:
    """Bit-identical files whatever the block size; no work file left behind; ffmpeg agrees on the loudness."""
    write_tone(tmp_path / "music.wav", 4.0, dbfs=-12.0)
    plan = make_plan(SOUND)
    timeline = planned_timeline(plan)
    large = mix_film(plan, timeline, tmp_path / "large")
    monkeypatch.setattr(stream, "BLOCK", 48_000)
    monkeypatch.setattr(mix, "BLOCK", 48_000)
    monkeypatch.setattr(stems, "BLOCK", 48_000)
    small = mix_film(plan, timeline, tmp_path / "small")
    for name in ["mix.wav"] + [f"stems/{s.name}.wav" for s in large.stems]:
        assert np.array_equal(soundfile.read(str(tmp_path / "large" / name))[0], soundfile.read(str(tmp_path / "small" / name))[0]), name
    assert small.to_dict() | {"mix": None} == large.to_dict() | {"mix": None}
    assert not [p for p in (tmp_path / "small").rglob(".tmp-*")]
    measured = ffmpeg_ebur128(tmp_path / "small" / "mix.wav")
    assert abs(measured["integrated"] - small.integrated_lufs) <= 0.2


def test_a_48khz_song_is_read_by_range_never_whole(make_plan, tmp_path: Path, monkeypatch) -> None:
    """The music stem reads the blocks it plays from the file (a film-length song is never held): the
    same samples as the whole file conformed, cut at the film's end with its tail fade, at its level."""
    from shotcraft.sound.audio import load_conformed
    from shotcraft.sound.loudness import integrated_loudness

    write_tone(tmp_path / "music.wav", 12.0, dbfs=-12.0, channels=1)  # mono, longer than the 8.5 s film
    plan = make_plan(SOUND)
    n = lay_stems(plan, planned_timeline(plan)).length
    clip = load_conformed(tmp_path / "music.wav", what="music")
    start = int(round(0.4 * 48_000))
    playing = clip.samples[: n - start].copy()
    playing[-72_000:] *= np.linspace(1.0, 0.0, 72_000)[:, None] ** 2  # the 1.5 s tail fade at the film's end

    def whole_file(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the music was loaded whole")

    monkeypatch.setattr(stems, "load_conformed", whole_file)
    music = stems.music_stem(plan, n, notes=[])
    expected = np.zeros((n, 2))
    expected[start:] = playing
    assert np.array_equal(music.render(0, n), expected * music.source.gain)
    assert np.array_equal(np.concatenate([music.render(s, min(n, s + 30_001)) for s in range(0, n, 30_001)]), music.render(0, n))
    assert abs(integrated_loudness(music.render(0, n), fast=True) - (-22.0)) < 0.01  # levelled as it plays in the film
