"""Platform reframes follow the subject: on every shot with a face, the face stays inside the frame and its safe area."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from shotcraft.deliver.deliver import deliver
from shotcraft.deliver.encode import crop_box
from shotcraft.deliver.reframe import SAFE_MARGINS, SubjectPath, detect_faces
from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.media.video import VideoWriter, read_frames
from tests.grade.media import make_plan, plan_text

W, H, FRAMES = 320, 180, 12


def _photo_take(path: Path, photo: np.ndarray, left: int, drift: int = 0) -> Path:
    """A take of a real photograph standing at ``left`` in a 16:9 frame (drifting ``drift`` px over the take)."""
    portrait = cv2.resize(photo, (H, H), interpolation=cv2.INTER_AREA)
    with VideoWriter(path, W, H, Fraction(24), encoder="take") as writer:
        for index in range(FRAMES):
            frame = np.full((H, W, 3), 90, np.uint8)
            x = left + drift * index // FRAMES
            frame[:, x : x + H] = portrait
            writer.write(frame)
    return path


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reframe")
    takes = [
        _photo_take(folder / "left.mp4", data.astronaut(), 0, drift=20),  # face near the left edge
        _photo_take(folder / "right.mp4", data.astronaut(), W - H),  # face near the right edge
        _photo_take(folder / "coffee.mp4", data.coffee(), (W - H) // 2),  # no face: the plan's point
    ]
    events = tuple(CutEvent(f"s{i + 1:02d}", "A", take, 0, FRAMES, i * FRAMES, FRAMES, location="street") for i, take in enumerate(takes))
    cut = Timeline("Test Film", Fraction(24), W, H, events)
    plan = make_plan(folder, plan_text(["s01", "s02", "s03"]))
    entries = deliver(plan, cut, None, folder / "out", None, audio=None, kinds=("mobile", "feed", "square"))
    return folder / "out", cut, {e.kind: e for e in entries}


def test_every_platform_frame_is_the_right_size_and_conforms(delivered):
    _, _, entries = delivered
    sizes = {kind: (entry.extra["width"], entry.extra["height"]) for kind, entry in entries.items()}
    assert sizes == {"mobile": (1080, 1920), "feed": (1080, 1350), "square": (1080, 1080)}
    for entry in entries.values():
        assert entry.extra["conformance"]["ok"], [c for c in entry.extra["conformance"]["checks"] if not c["ok"]]


@pytest.mark.parametrize("kind", ["mobile", "feed", "square"])
def test_faces_stay_inside_the_frame_and_the_safe_area(delivered, kind):
    out, cut, entries = delivered
    frames = list(read_frames(out / entries[kind].path))
    checked = 0
    for event in cut.events:
        source = next(read_frames(event.clip_path, start=FRAMES // 2, count=1))
        if not detect_faces(source):
            continue  # only shots with a detected face are judged
        for t in (event.record_in, event.record_in + FRAMES // 2, event.record_out - 1):
            picture = frames[t]
            proxy = cv2.resize(picture, (320, round(320 * picture.shape[0] / picture.shape[1])), interpolation=cv2.INTER_AREA)
            faces = detect_faces(proxy)
            assert faces, f"{kind}: no face in frame {t} of shot {event.shot_id}"
            x0, y0, x1, y1 = faces[0]
            left, top, right, bottom = SAFE_MARGINS
            assert x0 >= left and y0 >= top and x1 <= 1 - right and y1 <= 1 - bottom, (kind, event.shot_id, t, faces[0])
            checked += 1
    assert checked == 6  # two shots with a face, three frames each


def test_a_centre_crop_would_have_cut_the_face(delivered):
    _, cut, _ = delivered
    x, _, w, _ = crop_box(W, H, "9:16", (0.5, 0.5))
    face = detect_faces(next(read_frames(cut.events[1].clip_path, count=1)))[0]
    assert face[2] * W > x + w + 20  # a centre crop would cut the right-hand face: the path moved to it
    path = SubjectPath(cut)
    assert path.centre(FRAMES + 6)[0] > 0.6 and path.centre(2 * FRAMES + 6) == pytest.approx((0.5, 0.5))


def test_the_crop_glides_between_shots_only_inside_the_transition_window(delivered):
    """Past a dissolve's window the crop of the incoming shot depends on its own take only (so its finishing
    segment is reusable when the outgoing shot changes); inside the window it eases from one point to the other."""
    _, cut, _ = delivered
    left, right, coffee = (event.clip_path for event in cut.events)

    def dissolve_from(first: Path) -> Timeline:
        events = (CutEvent("s01", "A", first, 0, FRAMES, 0, FRAMES),
                  CutEvent("s02", "A", right, 0, FRAMES, FRAMES, FRAMES, transition="dissolve", transition_frames=6))  # fmt: skip
        return Timeline("Test Film", Fraction(24), W, H, events)

    timeline = dissolve_from(left)
    start, end = timeline.transition_window(1)
    from_face, from_coffee = SubjectPath(timeline), SubjectPath(dissolve_from(coffee))
    assert [from_face.centre(t) for t in range(end, 2 * FRAMES)] == [from_coffee.centre(t) for t in range(end, 2 * FRAMES)]
    assert [from_face.centre(t) for t in range(0, start)] != [from_coffee.centre(t) for t in range(0, start)]
    xs = [from_face.centre(t)[0] for t in range(start - 1, end + 1)]
    assert xs == sorted(xs) and xs[0] < 0.4 < 0.6 < xs[-1]  # from the left-hand face to the right-hand one


def test_the_path_from_the_sampled_frames_is_the_path_from_every_frame(tmp_path):
    # shot_path converts only the frames the path looks at; the path is the same as from every frame converted,
    # over a used range that starts inside the take and one that runs past its end (the last point is held)
    from shotcraft.deliver.reframe import shot_path
    from shotcraft.media.faces import face_path

    take = _photo_take(tmp_path / "drift.mp4", data.astronaut(), 10, drift=120)
    for source_in, duration in ((0, FRAMES), (3, FRAMES - 3), (5, FRAMES + 4)):
        event = CutEvent("s01", "A", take, source_in, duration, 0, duration, location="street")
        every = face_path(read_frames(take), duration, Fraction(8), start=source_in)  # 8 fps: a sample every other frame
        assert every is not None
        assert np.array_equal(shot_path(event, Fraction(8)), every), (source_in, duration)


def test_a_kept_path_is_read_back_exactly_and_only_for_the_same_take_and_range(delivered, tmp_path):
    """Paths kept in a folder are named by the take's content and its used range: the path read back is the path
    found, a path for other content or another range is found again, a damaged file is found again and rewritten."""
    from shotcraft.edit.segments import ContentNames

    _, cut, _ = delivered
    folder = tmp_path / "paths"
    first = SubjectPath(cut, folder, ContentNames())
    found = [first.centre(t) for t in range(cut.duration)]
    assert first.computed == 3 and len(list(folder.glob("*.npy"))) == 3

    again = SubjectPath(cut, folder, ContentNames())
    assert [again.centre(t) for t in range(cut.duration)] == found and again.computed == 0

    copy = tmp_path / "copy.mp4"  # the same content under another name: its kept path is used
    copy.write_bytes(Path(cut.events[0].clip_path).read_bytes())
    renamed = Timeline(cut.title, cut.rate, W, H, (dataclasses.replace(cut.events[0], clip_path=copy), *cut.events[1:]))
    assert SubjectPath(renamed, folder, ContentNames()).file(0) == first.file(0)

    trimmed = Timeline(cut.title, cut.rate, W, H, (dataclasses.replace(cut.events[0], source_in=2, duration=FRAMES - 2),))
    other = SubjectPath(trimmed, folder, ContentNames())
    assert other.file(0) != first.file(0)
    other.centre(0)
    assert other.computed == 1

    first.file(1).write_bytes(b"not a path")  # damaged: found again, and the file holds the path again
    damaged = SubjectPath(cut, folder, ContentNames())
    assert [damaged.centre(t) for t in range(cut.duration)] == found and damaged.computed == 1
    assert np.load(first.file(1)).shape == (FRAMES, 2)
    first.file(1).write_bytes(b"")  # emptied: found again too
    emptied = SubjectPath(cut, folder, ContentNames())
    assert [emptied.centre(t) for t in range(cut.duration)] == found and emptied.computed == 1


def test_a_redelivery_after_one_shot_changed_finds_only_that_shots_path(delivered, tmp_path):
    """The platform outputs keep each shot's path beside their segments: after one shot's take changes, its path is the
    only one found again (its neighbours' are read back), and the files of paths no longer in the cut are dropped."""
    from shotcraft.deliver import deliver as deliver_module

    out, cut, _ = delivered
    kept = out / deliver_module.CACHE_DIR / deliver_module.SUBJECT_PATHS
    before = sorted(p.name for p in kept.glob("*.npy"))
    assert len(before) == 3

    found = []
    original = deliver_module.SubjectPath._kept_or_found

    def counting(self, k):
        path = original(self, k)
        found.append((k, self.computed))
        return path

    changed = tmp_path / "changed.mp4"
    _photo_take(changed, data.astronaut(), 40)
    timeline = Timeline(cut.title, cut.rate, W, H, (*cut.events[:2], dataclasses.replace(cut.events[2], clip_path=changed)))
    plan = make_plan(tmp_path, plan_text(["s01", "s02", "s03"]))
    try:
        deliver_module.SubjectPath._kept_or_found = counting
        deliver(plan, timeline, None, out, None, audio=None, kinds=("mobile",))
    finally:
        deliver_module.SubjectPath._kept_or_found = original
    assert found == [(2, 1)]  # only the changed shot's segment re-encoded, and its path found (not read back)
    after = sorted(p.name for p in kept.glob("*.npy"))
    assert len(after) == 3 and len(set(after) & set(before)) == 2
