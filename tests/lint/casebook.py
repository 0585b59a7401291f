"""Fixture plans per rule code, built from fixtures/base.yaml and the edits in fixtures/cases.yaml.

The built plans are also checked in as fixtures/<CODE>/bad.yaml and good.yaml
so that a person can run `shotcraft check` on them; test_fixtures.py checks
that the files match what this module builds. Regenerate with:

    .venv/bin/python tests/lint/casebook.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base.yaml"
CASES = FIXTURES / "cases.yaml"


@dataclass(frozen=True)
class Case:
    code: str
    shot: str | None
    bad: str  # plan text that triggers the rule
    good: str  # near-identical plan text that does not
    good_also: tuple[str, ...]  # other codes the good plan is allowed to trigger

    @property
    def bad_path(self) -> Path:
        return FIXTURES / self.code / "bad.yaml"

    @property
    def good_path(self) -> Path:
        return FIXTURES / self.code / "good.yaml"


def _apply(text: str, edits: list, code: str, which: str) -> str:
    for edit in edits:
        if isinstance(edit, dict):
            marker = edit["truncate_at"]
            if text.count(marker) != 1:
                raise ValueError(f"{code} {which}: truncate marker {marker!r} found {text.count(marker)} times")
            text = text[: text.index(marker)]
            continue
        old, new = edit
        if text.count(old) != 1:
            raise ValueError(f"{code} {which}: {old!r} found {text.count(old)} times in the plan being edited")
        text = text.replace(old, new)
    return text


def _header(code: str, which: str) -> str:
    what = "triggers" if which == "bad" else "does not trigger"
    return f"# Lint fixture: this plan {what} {code}. Built by tests/lint/casebook.py from base.yaml + cases.yaml.\n"


def load_cases() -> list[Case]:
    base = BASE.read_text(encoding="utf-8")
    body = base.split("\n", 2)[2]  # drop base.yaml's own two-line header comment
    spec = YAML(typ="safe", pure=True).load(CASES.read_text(encoding="utf-8"))
    cases = []
    for code, entry in spec.items():
        bad = _header(code, "bad") + _apply(body, entry.get("bad") or [], code, "bad")
        good = _header(code, "good") + _apply(body, entry.get("good") or [], code, "good")
        cases.append(Case(code, entry.get("shot"), bad, good, tuple(entry.get("good_also") or ())))
    return cases


def write_all() -> list[Path]:
    written = []
    for case in load_cases():
        case.bad_path.parent.mkdir(parents=True, exist_ok=True)
        for path, text in ((case.bad_path, case.bad), (case.good_path, case.good)):
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path}", file=sys.stdout)
