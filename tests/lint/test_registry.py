"""The registry: codes, names, severities, four-part docs for every code, generated docs/rules pages."""

from __future__ import annotations

from pathlib import Path

from shotcraft.lint import RULES, Severity
from shotcraft.lint.registry import CODE_PATTERN, DOC_SECTIONS, NAME_PATTERN
from shotcraft.lint.report import rule_docs_files, rule_page

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "rules"

#: the issue's required rule families, by code family prefix
REQUIRED_FAMILIES = {"SC1", "SC2", "SC3", "SC4", "SC5", "SC6"}


def test_codes_names_and_severities_are_well_formed() -> None:
    assert len(RULES) >= 30
    names = set()
    for code, rule in RULES.items():
        assert CODE_PATTERN.match(code) and rule.code == code
        assert NAME_PATTERN.match(rule.name), rule.name
        assert rule.name not in names, f"duplicate name {rule.name}"
        names.add(rule.name)
        assert isinstance(rule.severity, Severity)
        assert rule.lesson and rule.summary
    assert {code[:3] for code in RULES} == REQUIRED_FAMILIES


def test_every_code_has_its_four_part_documentation() -> None:
    for code, rule in RULES.items():
        sections = rule.doc_sections()
        assert list(sections) == list(DOC_SECTIONS), f"{code}: sections {list(sections)}"
        for title, body in sections.items():
            assert len(body) > 20, f"{code}: '{title}' is empty"
        assert "```yaml" in rule.doc, f"{code}: the example and the fix are YAML"
        # "why" cites the seed lesson, by name or by quotation
        assert '"' in sections["Why"] or "*" in sections["Why"], f"{code}: 'Why' should cite the seed"


def test_docs_rules_folder_is_generated_from_the_registry() -> None:
    """docs/rules/ is current: regenerate with `python -m shotcraft.lint.report docs/rules`."""
    for name, text in rule_docs_files().items():
        page = DOCS / name
        assert page.is_file(), f"missing {page}"
        assert page.read_text(encoding="utf-8") == text, f"{page} is stale"


def test_rule_page_has_header_and_sections() -> None:
    page = rule_page(RULES["SC107"])
    assert page.startswith("# SC107 interaction-before-establishing-shot")
    for title in DOC_SECTIONS:
        assert f"## {title}" in page


def test_every_vocabulary_is_read_by_a_rule_and_documented() -> None:
    from shotcraft.lint.vocab import vocabulary_names

    used = {name for rule in RULES.values() for name in rule.vocabularies}
    assert used == set(vocabulary_names())
    for rule in RULES.values():
        page = rule_page(rule)
        for name in rule.vocabularies:
            assert f"`{name}`" in page
