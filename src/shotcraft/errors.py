"""Errors that the CLI turns into one clean line and a non-zero exit.

Every stage raises a subclass of :class:`ShotcraftError` for bad input; the
CLI prints ``str(error)`` and exits with ``error.exit_code``. Anything else
escaping to the CLI is a bug.
"""

from __future__ import annotations


class ShotcraftError(Exception):
    """A user-facing error: its message is one line naming file, shot or field."""

    exit_code: int = 2
    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class PlanError(ShotcraftError):
    """The plan cannot be loaded: not YAML, invalid fields, dangling references."""

    code = "plan-invalid"

    def __init__(self, issues: list["PlanIssue"]) -> None:  # noqa: F821 - forward ref
        self.issues = issues
        first = issues[0].format() if issues else "invalid plan"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(first + more)


class InputError(ShotcraftError):
    """A file or argument given to a command is unusable."""

    code = "bad-input"


class RenderError(ShotcraftError):
    """A render job failed for good (after retries)."""

    code = "render-failed"
    exit_code = 1
