"""The one console printer of the command line: text is printed verbatim, never interpreted.

Rich reads ``[...]`` as markup and ``:name:`` as an emoji code by default, so a
plan title "Night [/] Return" crashed `show`, a file ``a[/]b.mp4`` lost its
brackets, and ``film.yaml:100:14:`` printed as ``film.yaml💯14:``. Both consoles
here turn markup and emoji codes off for everything they print (strings, table
cells, errors); style is given explicitly with :func:`styled` or ``style=``.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.text import Text

console = Console(highlight=False, soft_wrap=True, markup=False, emoji=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """One line from plain pieces and ``(text, style)`` pieces; no piece is parsed for markup or emoji."""
    return Text.assemble(*parts)
