"""The director's linter: the seeds' craft rules as coded lint rules (ruff-style).

    from shotcraft.lint import lint_plan, Finding, RULES
    findings = lint_plan(load_plan("film.yaml"), select=["SC1"], ignore=["SC109"])

Each rule has a stable code, a name that names the flagged pattern, a
severity, the seed lesson it comes from and a four-part documentation page
(``shotcraft rules SC107``).
"""

from shotcraft.lint import rules as _rules  # noqa: F401 - registers every rule
from shotcraft.lint.finding import Finding
from shotcraft.lint.registry import RULES, Rule, Severity
from shotcraft.lint.runner import has_errors, lint_plan, selected_rules

__all__ = ["Finding", "RULES", "Rule", "Severity", "has_errors", "lint_plan", "selected_rules"]
