"""What the self-contained HTML reports share."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    import numpy as np

_SPECIAL = ("<", ">", "&", '"', "'")
#: a photographic picture's JPEG quality: a thumbnail is for recognising the take or judging a grade by eye (a 320 px
#: PNG of a photographic frame was 78 KB, a third of a 45-shot QA report); crops stay PNG, they are for judging pixels
PHOTO_JPEG_QUALITY = 90


def data_uri(rgb: np.ndarray, *, photo: bool = False) -> str:
    """An (H, W, 3) uint8 RGB picture as a ``data:`` URI: PNG (exact: charts, crops where a flag's pixels matter), or
    with ``photo`` JPEG (a frame shown for what it looks like)."""
    import cv2

    from shotcraft.errors import InputError

    kind, suffix, params = ("jpeg", ".jpg", [cv2.IMWRITE_JPEG_QUALITY, PHOTO_JPEG_QUALITY]) if photo else ("png", ".png", [])
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise InputError(f"could not encode a report image as {kind.upper()}")
    return f"data:image/{kind};base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def image_src(uri: str | None) -> Markup | None:
    """An inline picture's ``data:image/...;base64,`` URI, marked safe for the templates' autoescape.

    A report holds tens of MB of them: escaping each (it has nothing to escape) cost 60 ms of a 45-shot QA report.
    Checked, not assumed: the pictures come back from caches beside the report, and a URI holding a character HTML
    treats specially is escaped as any text would be.
    """
    if uri is None:
        return None
    if not uri.startswith("data:image/") or any(character in uri for character in _SPECIAL):
        return Markup.escape(uri)
    return Markup(uri)
