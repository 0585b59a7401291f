"""Run the registered rules over a loaded plan: select, ignore, per-shot escape hatch, sorting."""

from __future__ import annotations

from collections.abc import Iterable

from shotcraft.errors import InputError
from shotcraft.lint.context import LintContext
from shotcraft.lint.finding import Finding
from shotcraft.lint.registry import RULES, Edit, Rule
from shotcraft.plan.loader import LoadedPlan

#: the rule that reports lint_ignore entries that silence nothing
UNUSED_IGNORE_CODE = "SC509"


def parse_codes(text: str | Iterable[str] | None) -> list[str] | None:
    """'SC1,SC203' or ['SC1', 'SC203'] -> ['SC1', 'SC203']; None stays None."""
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    return [item.strip().upper() for item in items if item and item.strip()]


def _matching(selector: str) -> list[str]:
    if not selector.startswith("SC") or not selector[2:].isdigit() or len(selector) > 5:
        raise InputError(f"{selector!r} is not a rule code or prefix (expected like SC107, SC1 or SC)")
    codes = [code for code in RULES if code.startswith(selector)]
    if not codes:
        raise InputError(f"no rule matches {selector!r} (see `shotcraft rules`)")
    return codes


def selected_rules(select: Iterable[str] | str | None = None, ignore: Iterable[str] | str | None = None) -> list[Rule]:
    """The rules to run: all (or those matching ``select``) minus those matching ``ignore``."""
    select_list, ignore_list = parse_codes(select), parse_codes(ignore)
    codes = set(RULES) if not select_list else {c for s in select_list for c in _matching(s)}
    for selector in ignore_list or ():
        codes -= set(_matching(selector))
    return [RULES[code] for code in sorted(codes)]


def lint_plan(plan: LoadedPlan, *, select: Iterable[str] | str | None = None, ignore: Iterable[str] | str | None = None) -> list[Finding]:
    """Every craft finding in ``plan``, sorted by line. ``select``/``ignore``: codes or prefixes ('SC1')."""
    # 1. Check inputs
    rules = selected_rules(select, ignore)
    context = LintContext(plan)
    shot_index = {shot.id: index for index, shot in enumerate(plan.film.shots)}
    # 2. Run every rule
    raw: list[tuple[Rule, Finding]] = []
    for rule in rules:
        for hit in rule.check(context):
            line, column = position(plan, hit.path, hit.span)
            finding = Finding(
                rule.code, rule.name, rule.severity, hit.shot, hit.path, line, column, hit.message, hit.fix, hit.span, hit.edits
            )
            raw.append((rule, finding))
    # 3. Per-shot escape hatch: shots[i].lint_ignore silences those codes on that shot
    used: set[tuple[str, str]] = set()
    kept: list[Finding] = []
    for _rule, finding in raw:
        if finding.shot is not None and finding.shot in shot_index:
            if finding.code in plan.film.shots[shot_index[finding.shot]].lint_ignore:
                used.add((finding.shot, finding.code))
                continue
        kept.append(finding)
    ran = {rule.code for rule in rules}
    if UNUSED_IGNORE_CODE in ran:
        kept.extend(_unused_ignores(plan, ran, used))
    # 4. Sort by where they are in the file
    return sorted(kept, key=lambda f: f.sort_key)


def position(plan: LoadedPlan, path: tuple, span: tuple[int, int] | None = None) -> tuple[int, int]:
    """Where to point for a field: the key of a section ('brief:'), the value of a scalar ('8').

    With ``span``, the column moves to the matched words when the text is a plain one-line
    scalar in the file (a folded or quoted scalar keeps the start of its value).
    """
    node = plan.raw
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
            break
    container = isinstance(node, (dict, list))
    line, column = plan.locate(path, prefer_key=container)
    if span is not None and isinstance(node, str) and "\n" not in node and path in plan.positions.values:
        source = _source_line(plan, line)
        if source is not None and source[column - 1 : column - 1 + len(node)] == node:
            column += span[0]
    return line, column


def _source_line(plan: LoadedPlan, line: int) -> str | None:
    """One line of the plan file as written (None when the plan did not come from a readable file)."""
    text = getattr(plan, "_source_text", None)
    if text is None:
        try:
            text = plan.path.read_text(encoding="utf-8")
        except OSError:
            return None
        object.__setattr__(plan, "_source_text", text)
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def _unused_ignores(plan: LoadedPlan, ran: set[str], used: set[tuple[str, str]]) -> list[Finding]:
    rule = RULES[UNUSED_IGNORE_CODE]
    findings = []
    for index, shot in enumerate(plan.film.shots):
        for entry, code in enumerate(shot.lint_ignore):
            path = ("shots", index, "lint_ignore", entry)
            if code not in RULES:
                message = f"shot {shot.id}: lint_ignore names {code}, which is not a rule"
            elif code in ran and (shot.id, code) not in used and code != UNUSED_IGNORE_CODE:
                message = f"shot {shot.id}: lint_ignore {code} ({RULES[code].name}) silences nothing; remove it"
            else:
                continue
            line, column = position(plan, path)
            findings.append(
                Finding(
                    rule.code, rule.name, rule.severity, shot.id, path, line, column, message, "remove the entry",
                    edits=(Edit(path, "remove"),),
                )
            )
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == "error" for finding in findings)


__all__ = ["has_errors", "lint_plan", "parse_codes", "position", "selected_rules"]
