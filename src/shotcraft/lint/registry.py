"""The rule registry: stable codes, pattern names, severities, seed lessons, documentation.

A rule is a plain function from a :class:`~shotcraft.lint.context.LintContext`
to the :class:`Hit` s it finds, registered with :func:`rule`. Codes are
``SC`` + three digits grouped by hundreds (1xx timing and motion, 2xx
continuity and blocking, 3xx prompt and texture, 4xx sound, 5xx delivery and
structure, 6xx backend capabilities) and never change meaning once published.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shotcraft.lint.context import LintContext

Path_ = tuple[str | int, ...]

CODE_PATTERN = re.compile(r"^SC[1-6]\d\d$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

FAMILIES = {
    "1": "timing and motion",
    "2": "continuity and blocking",
    "3": "prompt and texture",
    "4": "sound",
    "5": "delivery and structure",
    "6": "backend capabilities",
}

DOC_SECTIONS = ("What it does", "Why", "Example", "Use instead")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Edit:
    """One machine-applicable change to the plan data that carries out a fix (see :mod:`shotcraft.lint.fixes`).

    ``op``: "set" a value at ``path``, "append" ``value`` to the list at ``path``
    (created when missing), "remove" the item or key at ``path``, or "add-phrase":
    append ``value`` to the comma-separated text at ``path`` (created when missing).
    """

    path: Path_
    op: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": list(self.path), "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Hit:
    """What a rule reports: where (a field path in the plan, the matched characters) and what to do about it."""

    path: Path_
    message: str
    fix: str | None = None
    shot: str | None = None
    span: tuple[int, int] | None = None  # character offsets of the matched words inside the text at ``path``
    edits: tuple[Edit, ...] = ()  # the fix as plan edits, when it is mechanical


Check = Callable[["LintContext"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    lesson: str  # the seed lesson this rule comes from, as the seed names it
    summary: str  # one line: the pattern flagged
    check: Check
    vocabularies: tuple[str, ...] = ()  # word lists it reads (shotcraft/lint/vocab/words.yaml)

    @property
    def family(self) -> str:
        return FAMILIES[self.code[2]]

    @property
    def doc(self) -> str:
        """The four-part documentation page (markdown) shipped with the package."""
        return rule_doc(self.code)

    def doc_sections(self) -> dict[str, str]:
        return split_doc(self.doc)


#: every registered rule, by code, in code order once :mod:`shotcraft.lint.rules` is imported
RULES: dict[str, Rule] = {}


def rule(
    code: str, name: str, severity: Severity | str, *, lesson: str, summary: str, vocabularies: tuple[str, ...] = ()
) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``code``; ``vocabularies`` names the word lists it reads (for its docs)."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"rule code {code!r} must be SC followed by three digits, family 1-6")
    if not NAME_PATTERN.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice ({RULES[code].name} and {name})")
        RULES[code] = Rule(code, name, Severity(severity), lesson, summary, check, tuple(vocabularies))
        return check

    return register


def rule_doc(code: str) -> str:
    """The markdown page for ``code`` (src/shotcraft/lint/ruledocs/SCxxx.md), or '' when missing."""
    page = resources.files("shotcraft.lint").joinpath("ruledocs", f"{code}.md")
    return page.read_text(encoding="utf-8") if page.is_file() else ""


def split_doc(text: str) -> dict[str, str]:
    """'## What it does' ... sections of a rule page -> {section title: body}."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip()
            current, lines = line[3:].strip(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip()
    return sections
