"""A lint finding: what was flagged, where in film.yaml, and what to do instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shotcraft.lint.registry import Edit, Path_, Severity


@dataclass(frozen=True)
class Finding:
    code: str  # "SC107"
    name: str  # "interaction-before-establishing-shot"
    severity: Severity
    shot: str | None  # the shot id, when the finding belongs to one shot
    path: Path_  # field path in the plan: ("shots", 3, "action")
    line: int  # 1-based, in the plan file
    column: int  # 1-based
    message: str
    fix: str | None = None
    span: tuple[int, int] | None = None  # character offsets of the matched words in the field's text
    edits: tuple[Edit, ...] = ()  # the fix as plan edits, when it is mechanical

    @property
    def sort_key(self) -> tuple[int, int, str, Path_]:
        return (self.line, self.column, self.code, tuple(str(p) for p in self.path))

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (see :data:`shotcraft.lint.report.FINDING_JSON_SCHEMA`)."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": str(self.severity),
            "shot": self.shot,
            "path": list(self.path),
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
            "span": list(self.span) if self.span is not None else None,
            "edits": [edit.to_dict() for edit in self.edits],
        }
