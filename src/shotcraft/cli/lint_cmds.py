"""Plan checking: validation, then the director's linter; and the rule catalogue."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from shotcraft.cli import app
from shotcraft.cli.common import command, console, echo_json, err_console
from shotcraft.errors import InputError
from shotcraft.plan import load_plan


_STYLES = {"error": "red", "warning": "yellow"}


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"  # workflow commands: annotations on the plan in a pull request


@command(app, "check", summary="Validate a plan and lint it for craft mistakes.", example="shotcraft check examples/neo-noir/film.yaml")
def check_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml to check."),
    output: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format", help="text: FILE:LINE:COL lines; json: a list of findings; github: CI annotations."
    ),
    select: str | None = typer.Option(None, "--select", help="Only these codes or prefixes, comma-separated: SC1,SC203."),
    ignore: str | None = typer.Option(None, "--ignore", help="Skip these codes or prefixes, comma-separated."),
    no_fixes: bool = typer.Option(False, "--no-fixes", help="Text format: do not print the suggested fix under each finding."),
    statistics: bool = typer.Option(False, "--statistics", help="Text format: count findings per rule instead of listing them."),
) -> None:
    """Validate PLAN (problems print as FILE:LINE:COL: field: message, exit 2), then lint it:
    each finding prints as FILE:LINE:COL: CODE name: message. Exit 1 when any finding is an error."""
    from shotcraft.lint import has_errors, lint_plan
    from shotcraft.lint.report import format_finding, github_report, json_report, statistics_report, summary_line

    plan = load_plan(plan_path)
    findings = lint_plan(plan, select=select, ignore=ignore)
    if output == OutputFormat.JSON:
        echo_json(json_report(findings))
    elif output == OutputFormat.GITHUB:
        for line in github_report(findings, plan.file):
            typer.echo(line)
    elif statistics:
        for line in statistics_report(findings):
            console.print(line, markup=False)
        console.print(summary_line(findings, plan.file, shots=len(plan.film.shots)), markup=False)
    else:
        for finding in findings:
            # colour only shows on a terminal; piped output stays plain text
            console.print(format_finding(finding, plan.file), markup=False, style=_STYLES.get(str(finding.severity)))
            if finding.fix and not no_fixes:
                console.print(f"    {finding.severity}, fix: {finding.fix}", markup=False, style="dim")
        console.print(summary_line(findings, plan.file, shots=len(plan.film.shots)), markup=False)
    if output == OutputFormat.TEXT:
        _print_estimate(plan)
    if has_errors(findings):
        raise typer.Exit(1)


def _print_estimate(plan) -> None:
    """The render's size (frames, store, memory) and a warning per threshold crossed, on stderr:
    stdout stays one finding per line for the tools that parse it."""
    from shotcraft.plan.estimate import estimate_render

    estimate = estimate_render(plan)
    err_console.print(estimate.line(), markup=False, style="dim")
    line, column = plan.locate(("production", "format", "resolution"))
    for warning in estimate.warnings():
        err_console.print(f"{plan.file}:{line}:{column}: warning: {warning}", markup=False, style="yellow")


@command(app, "rules", summary="List the lint rules, or show one rule's (or QA/SND code's) documentation.", example="shotcraft rules QA112")
def rules_command(
    code: str | None = typer.Argument(None, metavar="[CODE]", help="A rule code (SC107), a prefix (SC1), a rule name, or a QA/SND code (QA112)."),
    output: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", help="text or json."),
) -> None:
    """Without CODE, list every rule; with a full code or name, print its documentation page."""
    from shotcraft.lint import RULES
    from shotcraft.lint.report import rule_page, rule_summary

    if code is not None and code.strip().upper().startswith(("QA", "SND")):
        from shotcraft.qa.codes import BY_CODE, page

        doc = BY_CODE.get(code.strip().upper())
        if doc is None:
            raise InputError(f"no QA or sound code {code!r} (see docs/qa/README.md)")
        if output == OutputFormat.JSON:
            echo_json([{"code": doc.code, "name": doc.name, "family": doc.family, "doc": page(doc)}])
        else:
            console.print(page(doc), markup=False)
        return

    rules = list(RULES.values())
    if code is not None:
        wanted = code.strip()
        by_name = [r for r in rules if r.name == wanted.lower()]
        rules = by_name or [r for r in rules if r.code.startswith(wanted.upper())]
        if not rules:
            raise InputError(f"no rule matches {code!r} (run `shotcraft rules` for the list)")
    single = code is not None and len(rules) == 1
    if output == OutputFormat.JSON:
        echo_json([dict(rule_summary(r), doc=r.doc_sections()) for r in rules])
    elif single:
        console.print(rule_page(rules[0]), markup=False)
    else:
        for rule in rules:
            console.print(f"{rule.code}  {rule.name:<38} {rule.severity!s:<8} {rule.summary}", markup=False)
