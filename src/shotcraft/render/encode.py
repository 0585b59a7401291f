"""Encoding takes: the shared piped-ffmpeg writer with the take preset (visually lossless H.264, BT.709).

Kept as a named entry point so the render stage's settings log can record the
exact encoder settings a take was written with.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from shotcraft.media.video import ENCODERS, EncodeError, VideoWriter

__all__ = ["EncodeError", "TAKE_SETTINGS", "TakeEncoder"]

_codec, _pix_fmt, _options = ENCODERS["take"]
#: recorded in every take's settings log
TAKE_SETTINGS = {"codec": _codec, "pix_fmt": _pix_fmt, "matrix": "bt709", **_options}


class TakeEncoder(VideoWriter):
    """``with TakeEncoder(path, w, h, rate) as enc: enc.write(rgb_frame)``; the file is complete on exit."""

    def __init__(self, path: str | Path, width: int, height: int, rate: Fraction) -> None:
        super().__init__(path, width, height, rate, encoder="take")
