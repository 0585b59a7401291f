"""What the self-contained HTML reports share."""

from __future__ import annotations

from markupsafe import Markup

_SPECIAL = ("<", ">", "&", '"', "'")


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
