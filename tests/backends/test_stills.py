"""The stills backend: the plan's still as keyframe, animated by the shared camera moves."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from shotcraft.backends import camera
from shotcraft.backends.animatic import AnimaticBackend
from shotcraft.backends.protocol import Backend, ClipRequest, KeyframeRequest
from shotcraft.backends.stills import StillsBackend
from shotcraft.errors import InputError

W, H = 320, 180


def painting(width: int = 640, height: int = 480) -> np.ndarray:
    """A still with structure everywhere (gradients, a grid, discs) so motion is measurable."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([x / width * 255, y / height * 255, (x + y) % 64 * 4], axis=2).astype(np.uint8)
    for k in range(12):
        cv2.circle(image, (int(40 + k * 50) % width, int(60 + k * 37) % height), 18, (255, 255 - k * 20, 40), -1)
    return image


def write_still(tmp_path: Path, image: np.ndarray, name: str = "still.png") -> Path:
    path = tmp_path / name
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image)
    return path


def context(path: Path | None, *, sha: str | None = None, triggers=()) -> dict:
    shot = {"id": "s03", "type": "object-detail", "triggers": [{"at": t, "beat": "beat"} for t in triggers]}
    return {"plan": {"shot": shot}, "still_path": str(path) if path else None, "still_sha256": sha}


def keyframe_request(ctx: dict, size=(W, H)) -> KeyframeRequest:
    return KeyframeRequest("s03", "A", "", "", size[0], size[1], 11, 30, 5.5, "euler", 0.3, context=ctx)


def clip_request(key: np.ndarray, ctx: dict, *, move="pan-right", frames=24, motion=0.5, seed=11) -> ClipRequest:
    return ClipRequest("s03", "A", "", "", key, W, H, Fraction(24), frames, motion, seed, move, context=ctx)


def test_implements_the_backend_protocol():
    backend = StillsBackend()
    assert isinstance(backend, Backend)
    assert backend.capabilities.deterministic and backend.capabilities.image_to_video


def test_keyframe_is_the_still_cover_cropped(tmp_path):
    image = painting(640, 480)  # 4:3 into 16:9: full width, centre band of rows
    path = write_still(tmp_path, image)
    key = StillsBackend().keyframe(keyframe_request(context(path)))
    assert key.shape == (H, W, 3) and key.dtype == np.uint8
    scale = W / 640
    crop_rows = round(H / scale)
    top = (480 - crop_rows) // 2
    expected = cv2.resize(image[top : top + crop_rows], (W, H), interpolation=cv2.INTER_AREA).astype(np.int16)
    assert np.abs(key.astype(np.int16) - expected).mean() < 3


def test_keyframe_and_clip_are_byte_deterministic(tmp_path):
    path = write_still(tmp_path, painting())
    backend = StillsBackend()
    key = backend.keyframe(keyframe_request(context(path)))
    assert key.tobytes() == StillsBackend().keyframe(keyframe_request(context(path))).tobytes()
    first = b"".join(f.tobytes() for f in backend.clip(clip_request(key, context(path))))
    again = b"".join(f.tobytes() for f in StillsBackend().clip(clip_request(key, context(path))))
    assert first == again


def test_pan_right_moves_the_picture_left(tmp_path):
    path = write_still(tmp_path, painting())
    key = StillsBackend().keyframe(keyframe_request(context(path)))
    frames = list(StillsBackend().clip(clip_request(key, context(path), move="pan-right", frames=24, motion=0.6)))
    (shift_x, shift_y), _ = cv2.phaseCorrelate(
        cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY).astype(np.float64),
        cv2.cvtColor(frames[-1], cv2.COLOR_RGB2GRAY).astype(np.float64),
    )
    assert shift_x < -3 and abs(shift_y) < 1.5


def test_stills_and_animatic_share_the_camera_moves(tmp_path):
    path = write_still(tmp_path, painting())
    key = StillsBackend().keyframe(keyframe_request(context(path)))
    for move in ("tilt-up", "handheld-drift", "pull-out"):
        ours = b"".join(f.tobytes() for f in StillsBackend().clip(clip_request(key, context(path), move=move)))
        animatic = b"".join(f.tobytes() for f in AnimaticBackend().clip(clip_request(key, context(path), move=move)))
        assert ours == animatic, move


def test_reads_grey_sixteen_bit_and_transparent_stills(tmp_path):
    grey = (painting()[..., 0]).astype(np.uint8)
    deep = (painting().astype(np.uint16) * 257)[..., ::-1]  # BGR 16-bit as OpenCV writes it
    rgba = np.dstack([painting()[..., ::-1], np.full((480, 640), 255, np.uint8)])
    for name, data in (("grey.png", grey), ("deep.png", deep), ("alpha.png", rgba)):
        path = tmp_path / name
        assert cv2.imwrite(str(path), data)
        key = StillsBackend().keyframe(keyframe_request(context(path)))
        assert key.shape == (H, W, 3) and key.dtype == np.uint8, name
    deep_key = StillsBackend().keyframe(keyframe_request(context(tmp_path / "deep.png")))
    plain_key = StillsBackend().keyframe(keyframe_request(context(write_still(tmp_path, painting(), "plain.png"))))
    assert np.abs(deep_key.astype(int) - plain_key.astype(int)).max() <= 1


def test_missing_still_names_the_shot_and_file(tmp_path):
    missing = tmp_path / "nowhere.png"
    with pytest.raises(InputError, match=r"shot s03: still image not found: .*nowhere\.png"):
        StillsBackend().keyframe(keyframe_request(context(missing)))


def test_no_still_in_the_plan_is_an_input_error():
    with pytest.raises(InputError, match="shot s03: the stills backend needs a still image"):
        StillsBackend().keyframe(keyframe_request(context(None)))


def test_undecodable_still_is_an_input_error(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    with pytest.raises(InputError, match=r"shot s03: .*broken\.png is not a readable image"):
        StillsBackend().keyframe(keyframe_request(context(path)))


def test_still_changed_since_it_was_keyed_is_refused(tmp_path):
    path = write_still(tmp_path, painting())
    stale = hashlib.sha256(b"an older version").hexdigest()
    with pytest.raises(InputError, match="changed while rendering"):
        StillsBackend().keyframe(keyframe_request(context(path, sha=stale)))
    current = hashlib.sha256(path.read_bytes()).hexdigest()
    assert StillsBackend().keyframe(keyframe_request(context(path, sha=current))).shape == (H, W, 3)


def test_trigger_beat_applies_to_stills(tmp_path):
    path = write_still(tmp_path, painting())
    key = StillsBackend().keyframe(keyframe_request(context(path)))
    frames = list(StillsBackend().clip(clip_request(key, context(path, triggers=(0.5,)), move="static", frames=30)))
    def diff(a, b):
        return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())

    # the static still breathes a little before the beat; the beat's push moves it more
    assert diff(frames[0], frames[11]) < 4
    assert diff(frames[0], frames[-1]) > 1.5 * diff(frames[0], frames[11])
    assert camera.smootherstep(1.0) == 1.0
