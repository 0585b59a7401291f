"""Shared CLI plumbing: one error path, command registration with examples, consoles."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import typer
from shotcraft.errors import PlanError, ShotcraftError

from shotcraft.cli.console import console, err_console  # noqa: E402,F401 - markup/emoji-safe printers

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CommandDoc:
    name: str
    summary: str
    example: str


#: every registered command, for `shotcraft --help` and the documentation test
COMMANDS: list[CommandDoc] = []


def command(app: typer.Typer, name: str, *, summary: str, example: str) -> Callable[[F], F]:
    """Register a command whose help ends with an example, and whose errors print as one line."""

    group = app.info.name if app.info.name not in (None, "shotcraft") else None

    def decorate(function: F) -> F:
        COMMANDS.append(CommandDoc(f"{group} {name}" if group else name, summary, example))
        doc = (function.__doc__ or summary).strip()
        help_text = f"{doc}\n\nExample:\n\n    {example}"
        wrapped = handle_errors(function)
        app.command(name, help=help_text, short_help=summary)(wrapped)
        return function

    return decorate


def handle_errors(function: F) -> F:
    """Turn known errors into one clean line on stderr and their exit code (never a traceback)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except PlanError as error:
            for issue in error.issues:
                err_console.print(issue.format(), markup=False)
            raise typer.Exit(error.exit_code) from None
        except ShotcraftError as error:
            err_console.print(f"shotcraft: {error}", markup=False)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    """JSON on stdout, uncoloured, for scripts."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
