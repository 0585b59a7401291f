"""Reporters: findings as located text lines (for people and editors) or JSON (for scripts)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from shotcraft.lint.finding import Finding
from shotcraft.lint.registry import RULES, Rule, Severity

#: the documented shape of one finding in `shotcraft check --format json` (a JSON list of these)
FINDING_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "shotcraft lint findings",
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "name", "severity", "shot", "path", "line", "column", "message", "fix"],
        "properties": {
            "code": {"type": "string", "pattern": r"^SC[1-6]\d\d$", "description": "stable rule code"},
            "name": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$", "description": "the flagged pattern"},
            "severity": {"enum": [s.value for s in Severity]},
            "shot": {"type": ["string", "null"], "description": "shot id, when the finding belongs to one shot"},
            "path": {
                "type": "array",
                "items": {"type": ["string", "integer"]},
                "description": "field path in the plan: ['shots', 3, 'action']",
            },
            "line": {"type": "integer", "minimum": 1},
            "column": {"type": "integer", "minimum": 1},
            "message": {"type": "string", "minLength": 1},
            "fix": {"type": ["string", "null"], "description": "what to write instead"},
            "span": {
                "type": ["array", "null"],
                "items": {"type": "integer", "minimum": 0},
                "minItems": 2,
                "maxItems": 2,
                "description": "[start, end) character offsets of the matched words in the text at path",
            },
            "edits": {
                "type": "array",
                "description": "the fix as plan edits, when it is mechanical (shotcraft.lint.fixes.apply_edits)",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["path", "op", "value"],
                    "properties": {
                        "path": {"type": "array", "items": {"type": ["string", "integer"]}},
                        "op": {"enum": ["set", "append", "remove", "add-phrase"]},
                        "value": {},
                    },
                },
            },
        },
    },
}


USAGE = """
`shotcraft check PLAN` validates the plan (problems print as
`FILE:LINE:COL: field: message`, exit 2), then runs these rules. Each finding
prints as `FILE:LINE:COL: CODE name: message`, followed by an indented
line with its severity and fix (`--no-fixes` drops it), then a summary. Exit 0 when no finding
is an error, 1 when one is.

- `--select SC1,SC203` runs only those codes or prefixes; `--ignore SC306`
  skips some.
- `lint_ignore: [SC109]` on a shot silences that code on that shot; say why
  in a YAML comment. An entry that silences nothing is reported (SC509).
- `--statistics` counts findings per rule; `--format github` prints GitHub
  Actions annotations for a CI job.
- `shotcraft rules` lists the rules; `shotcraft rules SC107` prints one page.
- The words the rules look for (interactions, contact, mechanical actions,
  reflective surfaces...) and the style-association table (neo-noir -> rain)
  are data: `src/shotcraft/lint/vocab/words.yaml` and `associations.yaml`.

`--format json` prints a JSON list of findings; each has this shape:
"""


def format_finding(finding: Finding, file: str) -> str:
    """film.yaml:LINE:COL: SC107 interaction-before-establishing-shot: message"""
    return f"{file}:{finding.line}:{finding.column}: {finding.code} {finding.name}: {finding.message}"


def text_report(findings: list[Finding], file: str, *, shots: int, show_fixes: bool = True) -> list[str]:
    """Lines for the terminal: one per finding (plus its fix, indented), then a summary."""
    lines = []
    for finding in findings:
        lines.append(format_finding(finding, file))
        if show_fixes and finding.fix:
            lines.append(f"    {finding.severity}, fix: {finding.fix}")
    lines.append(summary_line(findings, file, shots=shots))
    return lines


def summary_line(findings: list[Finding], file: str, *, shots: int) -> str:
    counts = Counter(str(finding.severity) for finding in findings)
    if not findings:
        return f"{file}: valid, {shots} shots, no lint findings"
    parts = [f"{counts[s.value]} {s.value}{'s' if counts[s.value] != 1 and s != Severity.INFO else ''}" for s in Severity]
    codes = len({finding.code for finding in findings})
    return f"{file}: valid, {shots} shots; {', '.join(parts)} ({codes} distinct rule{'s' if codes != 1 else ''})"


def statistics_report(findings: list[Finding]) -> list[str]:
    """'  3  SC109  mechanical-action-without-trigger  (warning)' per rule, most frequent first."""
    counts = Counter(finding.code for finding in findings)
    return [
        f"{count:>4}  {code}  {RULES[code].name:<38} ({RULES[code].severity})"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_report(findings: list[Finding], file: str) -> list[str]:
    """GitHub Actions workflow commands: each finding becomes an annotation on the plan file."""

    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def escape_property(text: str) -> str:
        return escape(text).replace(":", "%3A").replace(",", "%2C")

    lines = []
    for finding in findings:
        level = _GITHUB_LEVELS[str(finding.severity)]
        title = escape_property(f"{finding.code} {finding.name}")
        message = escape(finding.message + (f" Fix: {finding.fix}" if finding.fix else ""))
        lines.append(f"::{level} file={escape_property(file)},line={finding.line},col={finding.column},title={title}::{message}")
    return lines


def json_report(findings: list[Finding]) -> list[dict[str, Any]]:
    return [finding.to_dict() for finding in findings]


def rule_summary(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": str(rule.severity),
        "family": rule.family,
        "lesson": rule.lesson,
        "summary": rule.summary,
    }


def rule_page(rule: Rule) -> str:
    """A rule's full documentation page (markdown): header, then what / why / example / use instead."""
    header = (
        f"# {rule.code} {rule.name}\n\n"
        f"- Severity: {rule.severity}\n"
        f"- Family: {rule.code[:3]}xx, {rule.family}\n"
        f"- Seed lesson: {rule.lesson}\n"
        f"- Flags: {rule.summary}\n"
        f"- Silence on one shot: `lint_ignore: [{rule.code}]`\n"
    )
    if rule.vocabularies:
        from shotcraft.lint.vocab import vocabulary

        header += "- Words it looks for (data: `src/shotcraft/lint/vocab/words.yaml`):\n"
        for name in rule.vocabularies:
            terms = vocabulary(name).terms
            header += f"  - `{name}`: {', '.join(terms)}\n"
    return header + "\n" + rule.doc.strip() + "\n"


def rules_index() -> str:
    """docs/rules/README.md: every rule, by family."""
    import json

    lines = ["# Lint rules", "", "Generated from the registry (`python -m shotcraft.lint.report docs/rules`); do not edit by hand.", ""]
    lines += USAGE.strip().splitlines()
    lines += ["", "```json", json.dumps(FINDING_JSON_SCHEMA["items"], indent=2), "```", ""]
    family = None
    for rule in RULES.values():
        if rule.family != family:
            family = rule.family
            lines += ["", f"## {rule.code[:3]}xx {family}", "", "| Code | Name | Severity | Flags |", "|---|---|---|---|"]
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity} | {rule.summary} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def rule_docs_files() -> dict[str, str]:
    """docs/rules/: file name -> content (README.md index plus one page per rule)."""
    files = {"README.md": rules_index()}
    for rule in RULES.values():
        files[f"{rule.code}.md"] = rule_page(rule)
    return files


def write_rule_docs(folder) -> list:  # noqa: ANN001 - str | Path
    """Write docs/rules from the registry; returns the paths that changed."""
    from pathlib import Path

    from shotcraft.fsutil import write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in rule_docs_files().items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_text(target, text)
            changed.append(target)
    return changed


if __name__ == "__main__":  # python -m shotcraft.lint.report docs/rules
    import sys

    import shotcraft.lint  # noqa: F401 - registers the rules

    for path in write_rule_docs(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"):
        print(f"wrote {path}")
