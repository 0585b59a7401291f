"""CLI commands for this stage (registered on the shared app)."""

from __future__ import annotations

from shotcraft.cli import app  # noqa: F401
from shotcraft.cli.common import command  # noqa: F401
