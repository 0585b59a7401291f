"""Shared CLI plumbing: one error path, command registration with examples, consoles."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import typer
from shotcraft.errors import PlanError, ShotcraftError

from shotcraft.cli.console import console, err_console  # noqa: E402,F401 - markup/emoji-safe printers

F = TypeVar("F", bound=Callable[..., Any])


class Format(str, Enum):
    """`--format`: the one choice type of every command with a machine-readable output."""

    text = "text"
    json = "json"


def format_option(help_text: str = "text or json (with json, errors too are a JSON object on stdout).") -> Any:
    """The `--format` option, validated by Typer itself (one choice type, listed in --help)."""
    return typer.Option(Format.text, "--format", case_sensitive=False, help=help_text)


def _wants_json(kwargs: dict[str, Any]) -> bool:
    value = kwargs.get("output_format", kwargs.get("output"))
    return getattr(value, "value", value) == "json"


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
        doc = inspect.cleandoc(function.__doc__ or summary)
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
        except ShotcraftError as error:
            if _wants_json(kwargs):  # scripts asked for JSON: the error is JSON too, on stdout, same exit code
                sys.stdout.write(json.dumps(error_object(error), ensure_ascii=False) + "\n")
                sys.stdout.flush()
                raise typer.Exit(error.exit_code) from None
            if isinstance(error, PlanError):
                for issue in error.issues:
                    err_console.print(issue.format(), markup=False)
            else:
                err_console.print(f"shotcraft: {error}", markup=False)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


def error_object(error: ShotcraftError) -> dict[str, Any]:
    """{code, message} (plus the plan's issues when the plan itself is invalid): stable for scripts."""
    data: dict[str, Any] = {"code": error.code, "message": str(error)}
    if isinstance(error, PlanError):
        data["issues"] = [issue.format() for issue in error.issues]
    return data


def echo_json(data: Any) -> None:
    """JSON on stdout, uncoloured, for scripts."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
