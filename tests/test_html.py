"""Inline pictures in the reports: marked safe only when they hold nothing HTML treats specially."""

from __future__ import annotations

from jinja2 import Environment

from shotcraft.html import data_uri, image_src


def test_a_data_uri_is_written_as_it_is_and_anything_else_is_escaped() -> None:
    page = Environment(autoescape=True).from_string('<img src="{{ src }}">')
    plain = "data:image/png;base64,iVBORw0KGgo+/=="
    assert page.render(src=image_src(plain)) == f'<img src="{plain}">'
    tampered = 'data:image/png;base64,AAAA"><script>alert(1)</script>'
    assert "<script>" not in page.render(src=image_src(tampered))
    assert "<script>" not in page.render(src=image_src("javascript:alert('x')<b>"))
    assert image_src(None) is None


def test_a_picture_is_inlined_exactly_as_png_and_close_to_it_as_jpeg() -> None:
    import base64

    import cv2
    import numpy as np
    from skimage import data

    photo = np.ascontiguousarray(data.astronaut()[::2, ::2])  # a real photograph, 256 px

    def decoded(uri: str) -> np.ndarray:
        return cv2.cvtColor(cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    exact, shown = data_uri(photo), data_uri(photo, photo=True)
    assert exact.startswith("data:image/png;base64,") and np.array_equal(decoded(exact), photo)
    assert shown.startswith("data:image/jpeg;base64,") and len(shown) < len(exact) / 2
    assert cv2.PSNR(decoded(shown), photo) > 32.0  # a detailed photograph at 256 px: 33.8 dB
