"""The `shotcraft` command line: a thin shell over the library.

Each command opens the object, calls one library function, and turns known
errors into one clean line. Command modules register themselves on ``app``.
"""

from __future__ import annotations

import sys

import typer

from shotcraft import __version__
from shotcraft.cli.common import COMMANDS, err_console
from shotcraft.errors import output_error

app = typer.Typer(
    name="shotcraft",
    help="shotcraft: from intention to finished master. One film plan (film.yaml) drives lint, "
    "prompts, rendering, QA, edit, grade, sound and delivery.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"shotcraft {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", callback=_version_callback, is_eager=True),
) -> None:
    """shotcraft: from intention to finished master."""


# Command modules, in the order of the data flow; each registers its commands on `app`.
from shotcraft.cli import plan_cmds  # noqa: E402,F401
from shotcraft.cli import new_cmds  # noqa: E402,F401
from shotcraft.cli import lint_cmds  # noqa: E402,F401
from shotcraft.cli import prompt_cmds  # noqa: E402,F401
from shotcraft.cli import render_cmds  # noqa: E402,F401
from shotcraft.cli import remote_cmds  # noqa: E402,F401
from shotcraft.cli import qa_cmds  # noqa: E402,F401
from shotcraft.cli import finish_cmds  # noqa: E402,F401
from shotcraft.cli import sound_cmds  # noqa: E402,F401
from shotcraft.cli import studio_cmds  # noqa: E402,F401
from shotcraft.cli import handoff_cmds  # noqa: E402,F401

app.info.epilog = "Examples:\n\n" + "\n\n".join(f"  {doc.example}" for doc in COMMANDS)


def main() -> None:
    """Console entry point: any unexpected error is reported in one line, never a traceback."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        err_console.print("shotcraft: interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except OSError as error:
        # a write fault anywhere (a folder made read-only, a disk filling up) is the user's to fix, not a bug
        clean = output_error(error)
        if clean is None:
            err_console.print(f"shotcraft: internal error: {type(error).__name__}: {error} (please report this)", markup=False)
            sys.exit(70)
        err_console.print(f"shotcraft: {clean}", markup=False)
        sys.exit(clean.exit_code)
    except Exception as error:  # noqa: BLE001 - last line of defence; a bug, reported plainly
        err_console.print(f"shotcraft: internal error: {type(error).__name__}: {error} (please report this)", markup=False)
        sys.exit(70)
