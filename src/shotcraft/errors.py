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


#: the exit status of a render worker that ended as it started, its parent's script calling shotcraft at the top level
STARTING_WORKER_EXIT = 3


def refuse_in_a_starting_worker(call: str) -> None:
    """End a render worker that is running its parent's script again, with one line saying what to change.

    Render workers start by the spawn method, which runs the main script once more in each worker as it starts (as
    ``__mp_main__``). A script that calls ``make`` or ``render_plan`` at its top level, not under ``if __name__ ==
    "__main__":``, would start a second make inside every worker, each refused by the first one's lock, in pages of
    tracebacks that blame "another shotcraft command". The worker prints the fix once and ends; the make that
    started it reports its workers died. ``multiprocessing`` marks this phase itself (``_inheriting``, the flag its own
    "bootstrapping phase" error reads): nothing else is refused.
    """
    import multiprocessing

    if not getattr(multiprocessing.current_process(), "_inheriting", False):
        return
    import os
    import sys

    script = sys.argv[0] if sys.argv and sys.argv[0] else "the script that started this make"
    sys.stderr.write(f"shotcraft: {script} calls {call}() at its top level, so each render worker runs it again as it starts; "
                     'put the call under `if __name__ == "__main__":`\n')  # fmt: skip
    sys.stderr.flush()
    os._exit(STARTING_WORKER_EXIT)  # no traceback, no cleanup of a process that has not started


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


class OutputError(ShotcraftError):
    """A file cannot be written: permission denied, read-only file system, disk full."""

    code = "write-failed"
    exit_code = 1


#: errno -> what the user is told (disk full is said as such, never "not a usable ledger")
_WRITE_FAULTS = {
    "ENOSPC": "disk full",
    "EDQUOT": "disk quota exceeded",
    "EFBIG": "file too large for this file system",
    "EACCES": "permission denied",
    "EPERM": "permission denied",
    "EROFS": "read-only file system",
    "EISDIR": "a folder of that name is in the way",
    "ENOTDIR": "a file is in the way of its folder",
}


def write_fault(exc: OSError) -> str | None:
    """'disk full', 'permission denied', ... for an OSError that is a write fault, else None."""
    import errno

    for name, words in _WRITE_FAULTS.items():
        if exc.errno == getattr(errno, name, None):
            return words
    return None


def output_error(exc: OSError, path: object | None = None) -> OutputError | None:
    """The one-line error for a write fault at ``path`` (default: the file the OS names), else None."""
    words = write_fault(exc)
    if words is None:
        return None
    where = path if path is not None else (exc.filename or "output")
    error = OutputError(f"cannot write {where}: {words} (nothing was left half-written under the final name)")
    error.code = "disk-full" if words.startswith("disk") else "write-failed"
    return error
