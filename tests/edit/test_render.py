"""render_frames / write_rough_cut: the conformed cut, frame by frame, with transitions; a real H.264 file."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from shotcraft.edit.build import build_timeline
from shotcraft.edit.render import render_frames, write_rough_cut
from shotcraft.errors import InputError
from shotcraft.media.video import probe, read_frames
from tests.edit.conftest import HEIGHT, WIDTH, decode, make_film, write_take


def test_cut_frames_are_the_used_frames_in_order(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25, out: 0.75}"})
    timeline = build_timeline(plan, project)
    frames = list(render_frames(timeline))
    assert len(frames) == timeline.duration == 24 + 12 + 24 + 24
    shown = [decode(frame) for frame in frames]
    assert shown[:24] == [("s1", i) for i in range(24)]
    assert shown[24:36] == [("s2", i) for i in range(6, 18)]
    assert shown[36:60] == [("s3", i) for i in range(24)]
    assert shown[-1] == ("s4", 23)


def test_dissolve_mixes_outgoing_tail_with_incoming_head(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    frames = list(render_frames(timeline))
    assert len(frames) == 96
    # window [21, 27): s1 plays on into its tail handle, s2 starts early from its head handle
    assert decode(frames[20]) == ("s1", 20) and decode(frames[27]) == ("s2", 9)
    middle = frames[24].astype(float)

    def left_colour(frame):
        return frame.astype(float)[8:-8, 8 : WIDTH // 2 - 8].reshape(-1, 3).mean(axis=0)

    s1_colour, s2_colour, left = left_colour(frames[20]), left_colour(frames[27]), left_colour(frames[24])
    expected = s1_colour * (1 - 3.5 / 6) + s2_colour * 3.5 / 6
    assert np.abs(left - expected).max() < 8
    # the grey half mixes s1's frame 24 (tail handle) and s2's frame 6 (its first used frame)
    grey = middle[8:-8, WIDTH // 2 + 4 : -4].mean()
    assert abs(grey - (8 * 24 * (1 - 3.5 / 6) + 8 * 6 * 3.5 / 6)) < 6


def test_dip_to_black_goes_through_black(tmp_path):
    plan, project = make_film(tmp_path, extra={"s3": ", transition: {type: dip-to-black, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    frames = list(render_frames(timeline))
    edit = timeline.event("s3").record_in
    assert frames[edit - 1].mean() < 25 and frames[edit].mean() < 25
    assert frames[edit - 4].mean() > frames[edit - 1].mean() * 3
    assert decode(frames[edit + 4])[0] == "s3"


def test_transform_sees_each_shot_and_take_frame_before_compositing(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    seen = []

    def darken_s1(shot_id, index, frame):
        seen.append((shot_id, index))
        return (frame // 2) if shot_id == "s1" else frame

    frames = list(render_frames(timeline, darken_s1))
    assert ("s1", 26) in seen and ("s2", 3) in seen  # handles go through the transform too
    assert frames[5].mean() < list(render_frames(timeline))[5].mean() * 0.6
    assert [s for s, _ in seen].count("s4") == 24


def test_takes_at_another_rate_or_size_are_conformed(tmp_path):
    plan, project = make_film(tmp_path)
    project.takes["s2"] = [write_take(tmp_path / "takes", "s2", 60, rate=Fraction(48), size=(WIDTH * 2, HEIGHT * 2))]
    timeline = build_timeline(plan, project)
    frames = list(render_frames(timeline))
    assert all(frame.shape == (HEIGHT, WIDTH, 3) for frame in frames)
    # film frame i of s2 shows take frame 2i (a 48 fps take in a 24 fps film)
    assert [decode(f) for f in frames[24:30]] == [("s2", 2 * i) for i in range(6)]


def test_rough_cut_is_h264_yuv420p_faststart(tmp_path, film):
    plan, project = film
    timeline = build_timeline(plan, project)
    path = write_rough_cut(timeline, tmp_path / "out" / "rough.mp4")
    info = probe(path)
    assert (info.codec, info.pix_fmt, info.frames, info.rate) == ("h264", "yuv420p", 96, Fraction(24))
    assert (info.width, info.height) == (WIDTH, HEIGHT)
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: the index comes first
    assert decode(next(read_frames(path, start=30, count=1))) == ("s2", 6)


def test_a_failing_render_leaves_no_rough_cut(tmp_path, film):
    plan, project = film
    timeline = build_timeline(plan, project)

    def broken(shot_id, index, frame):
        if shot_id == "s3":
            raise InputError("grade failed")
        return frame

    target = tmp_path / "out" / "rough.mp4"
    with pytest.raises(InputError, match="grade failed"):
        write_rough_cut(timeline, target, broken)
    assert not target.exists()
    assert not list((tmp_path / "out").glob("*.mp4"))


def test_back_to_back_dissolves_play_every_frame_in_order(tmp_path):
    dissolve = ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"
    plan, project = make_film(tmp_path, extra={"s2": dissolve, "s3": dissolve, "s4": dissolve}, take_frames={"s1": 36, "s2": 36, "s3": 36, "s4": 36})
    timeline = build_timeline(plan, project)
    frames = list(render_frames(timeline))
    assert len(frames) == timeline.duration == 96  # handles everywhere: the edit points do not move
    for previous, event in zip(timeline.events, timeline.events[1:]):
        # 3 frames after each edit point the incoming shot is on its own, at its own source frame;
        # 4 frames before it, the outgoing shot still is
        assert decode(frames[event.record_in + 3]) == (event.shot_id, event.source_in + 3)
        assert decode(frames[event.record_in - 4]) == (previous.shot_id, previous.source_in + previous.duration - 4)


def test_a_one_shot_edit_re_encodes_its_rough_cut_segments_only_and_matches_a_full_encode(tmp_path):
    """The rough cut with a segment cache (as `cut` and `make` write it): an edit of s2 re-encodes the
    segments showing s2 (its own and the dissolve into it), and the file equals encoding the edited cut afresh."""
    import dataclasses

    from shotcraft.edit.segments import encode_cut

    plan, project = make_film(tmp_path, extra={"s2": ", transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    cache = tmp_path / "segments"
    assert encode_cut(timeline, tmp_path / "before.mp4", cache)[1] == 5  # s1, s1->s2 dissolve, s2, s3, s4
    other = write_take(tmp_path, "s2", 30, label="B")
    events = tuple(dataclasses.replace(e, clip_path=other.clip_path) if e.shot_id == "s2" else e for e in timeline.events)
    edited = dataclasses.replace(timeline, events=events)
    assert encode_cut(edited, tmp_path / "after.mp4", cache)[1] == 2
    assert encode_cut(edited, tmp_path / "fresh.mp4", tmp_path / "empty-cache")[1] == 5
    assert (tmp_path / "after.mp4").read_bytes() == (tmp_path / "fresh.mp4").read_bytes()
    shown = [decode(frame) for frame in read_frames(tmp_path / "after.mp4")]  # decoded independently of the cache
    s2, s4 = edited.event("s2"), edited.event("s4")
    assert len(shown) == edited.duration and shown[0] == ("s1", 0) and shown[s4.record_in] == ("s4", 0)
    assert shown[s2.record_in + 6][0] is None  # take B of s2 (its colours inverted): no longer the s2 of take A
