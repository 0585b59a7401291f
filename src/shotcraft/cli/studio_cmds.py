"""The studio command: a thin shell over shotcraft.studio."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import typer

from shotcraft.cli import app
from shotcraft.cli.common import command, console


@command(app, "studio", summary="Review and pick takes in a local web app (A/B, frame-exact, keyboard first).", example="shotcraft studio examples/neo-noir/film.yaml")
def studio_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    port: int = typer.Option(0, "--port", help="Port (default: a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Bind address; anything but loopback needs --allow-remote and --token."),
    token: str = typer.Option(None, "--token", envvar="SHOTCRAFT_STUDIO_TOKEN", help="Access token (default: a fresh random one)."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Really serve on a non-loopback --host (with --token)."),
    reviewer: str = typer.Option(None, "--reviewer", help="Your name on rejections, notes and sign-offs (default: the login name)."),
    two_reviewers: bool = typer.Option(None, "--two-reviewers/--one-reviewer", help="Turn the two-reviewer rule on or off for this film."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL; do not open a browser."),
) -> None:
    """Serve PLAN's studio on 127.0.0.1 and open it: shot list, synced A/B panes, loupe, QA jumps, picks and notes in the ledger."""
    from shotcraft.studio.server import make_studio, open_browser

    studio = make_studio(plan_path, host=host, port=port, token=token, allow_remote=allow_remote,
                         reviewer=reviewer or _login(), two_reviewers=two_reviewers)  # fmt: skip
    console.print(f"studio: {studio.url}", markup=False, soft_wrap=True)
    console.print("keys: ? in the page; Ctrl+C here stops the studio")
    if not no_browser:
        open_browser(studio.url)
    studio.serve()


def _login() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER")
