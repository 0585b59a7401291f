"""Inline pictures in the reports: marked safe only when they hold nothing HTML treats specially."""

from __future__ import annotations

from jinja2 import Environment

from shotcraft.html import image_src


def test_a_data_uri_is_written_as_it_is_and_anything_else_is_escaped() -> None:
    page = Environment(autoescape=True).from_string('<img src="{{ src }}">')
    plain = "data:image/png;base64,iVBORw0KGgo+/=="
    assert page.render(src=image_src(plain)) == f'<img src="{plain}">'
    tampered = 'data:image/png;base64,AAAA"><script>alert(1)</script>'
    assert "<script>" not in page.render(src=image_src(tampered))
    assert "<script>" not in page.render(src=image_src("javascript:alert('x')<b>"))
    assert image_src(None) is None
