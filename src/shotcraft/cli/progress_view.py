"""How the CLI shows the library's events (shotcraft.events): Rich on a terminal, plain lines, or JSON lines.

Everything goes to stderr: stdout stays for results (`--format json`).
"""

from __future__ import annotations

import json
import sys
import time
from enum import Enum
from typing import Any, TextIO

from shotcraft.events import Event

class ProgressMode(str, Enum):
    """`--progress`: how events show (one choice type; Typer lists the values in --help)."""

    auto = "auto"
    rich = "rich"
    plain = "plain"
    json = "json"
    none = "none"


class ProgressView:
    """A listener: one closing line per stage with its time; live status on a terminal; JSON lines on request."""

    def __init__(self, mode: str | ProgressMode = "auto", *, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        mode = mode.value if isinstance(mode, ProgressMode) else mode
        if mode == "auto":
            mode = "rich" if getattr(self.stream, "isatty", lambda: False)() else "plain"
        self.mode = mode
        self._status: Any = None
        self._status_stage = ""  # whose status shows (two stages can run at once: the cut beside the finish)
        self._last_plain = 0.0
        self.lines: list[str] = []  # the closing lines, in order (the make summary reuses them)

    def __call__(self, event: Event) -> None:
        if self.mode == "none":
            return
        if self.mode == "json":
            self.stream.write(json.dumps(event.to_dict(), ensure_ascii=False, default=str) + "\n")
            self.stream.flush()
            return
        if event.stage == "summary":
            return  # make prints what needs attention itself, once, at the end
        if event.kind in ("done", "reused", "failed"):
            if event.stage == self._status_stage:
                self._stop_status()
            text = f"{event.stage:<8} {event.message or event.kind}  ({event.seconds or 0:.1f} s)"
            if event.kind == "failed":
                text = f"{event.stage:<8} failed: {event.message}  ({event.seconds or 0:.1f} s)"
            self.lines.append(text)
            self._write(text)
        elif event.kind == "warning":
            self._write(f"{event.stage:<8} warning: {event.message}")
        elif event.kind == "start":
            if self.mode == "rich" and event.stage != "render":  # render draws its own bars
                self._start_status(event.stage, f"{event.stage}…")
        elif self.mode == "rich" and self._status is not None and event.stage == self._status_stage:
            from rich.text import Text

            self._status.update(Text(f"{event.stage}: {_describe(event)}"))  # plan text may hold [markup]
        elif self.mode == "plain" and event.kind == "note":
            self._write(f"{event.stage:<8} {event.message}")
        elif self.mode == "plain" and event.kind == "progress" and time.monotonic() - self._last_plain > 5.0:
            self._last_plain = time.monotonic()  # a line every few seconds at most, for logs
            self._write(f"{event.stage:<8} {_describe(event)}")

    def close(self) -> None:
        self._stop_status()

    def _write(self, text: str) -> None:
        if self._status is not None:
            self._status.console.print(text, markup=False, highlight=False)
            return
        self.stream.write(text + "\n")
        self.stream.flush()

    def _start_status(self, stage: str, text: str) -> None:
        from rich.console import Console

        self._stop_status()
        from rich.text import Text

        self._status = Console(file=self.stream, highlight=False).status(Text(text), spinner="dots")
        self._status_stage = stage
        self._status.start()

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status, self._status_stage = None, ""


def _describe(event: Event) -> str:
    if event.done is not None and event.total:
        return f"{event.message} {event.done:g}/{event.total:g} {event.unit}".strip()
    if event.done is not None:
        return f"{event.message} {event.done:g} {event.unit}".strip()
    return event.message
