"""SC6xx: the plan against what its backends declare, read without weights, network or torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shotcraft.backends.capabilities import frame_count_allowed, nearest_frame_count
from shotcraft.backends.registry import register_backend, unregister_backend
from shotcraft.backends.remote.durations import requested_duration
from shotcraft.lint import lint_plan
from shotcraft.plan import load_plan, load_plan_text
from tests.lint.casebook import BASE, FIXTURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("rule", "frames", "allowed", "nearest"),
    [("any", 7, True, 7), ("4k+1", 121, True, 121), ("4k+1", 120, False, 121), ("8k+1", 100, False, 97),
     ("14,25", 20, False, 25), ("14,25", 14, True, 14), ("4k+1", 0, False, 1)],
)
def test_frame_count_rules(rule: str, frames: int, allowed: bool, nearest: int) -> None:
    assert frame_count_allowed(rule, frames) is allowed
    assert nearest_frame_count(rule, frames) == nearest


def test_requested_duration_rounds_up_and_says_what_is_lost() -> None:
    choice = requested_duration(3.5, 0.5, (4.0, 6.0, 8.0))
    assert (choice.requested, choice.needed, choice.trimmed, choice.handles_lost, choice.fits) == (6.0, 4.5, 1.5, 0.0, True)
    tight = requested_duration(7.5, 0.5, (4.0, 6.0, 8.0))
    assert (tight.requested, tight.trimmed, tight.handles_lost, tight.fits) == (8.0, 0.0, 0.5, True)
    assert not requested_duration(9, 0.5, (4.0, 6.0, 8.0)).fits
    assert requested_duration(5, 0.5, ()) is None


def _base_with(old: str, new: str) -> str:
    text = BASE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    return text.replace(old, new)


def test_a_backend_that_cannot_be_imported_is_one_finding_at_the_defaults() -> None:
    register_backend("fixture-broken", "shotcraft_no_such_package.backend:Backend")
    try:
        text = _base_with("shots:\n", "defaults:\n  clip: {backend: fixture-broken}\n\nshots:\n")
        findings = [f for f in lint_plan(load_plan_text(text, file="film.yaml")) if f.code.startswith("SC6")]
    finally:
        unregister_backend("fixture-broken")
    assert [(f.code, f.shot, f.path) for f in findings] == [("SC601", None, ("defaults", "clip", "backend"))]
    assert "cannot be loaded" in findings[0].message and "shotcraft_no_such_package" in findings[0].message


def test_a_service_named_in_the_defaults_is_judged_on_every_shot() -> None:
    text = _base_with("shots:\n", "defaults:\n  clip: {backend: fixture-cloud}\n\nshots:\n")
    findings = [f for f in lint_plan(load_plan_text(text, file="film.yaml")) if f.code == "SC611"]
    # s2 (3.5 s), s3 (3 s: 4 s needed, exact), s4 (4 s), s5 (2.5 s): 5 s shot s1 needs exactly 6 s
    assert {f.shot for f in findings} == {"s2", "s4", "s5"}
    s2 = next(f for f in findings if f.shot == "s2")
    assert "asked for 6 s" in s2.message and "1.5 s of it is generated and trimmed" in s2.message


def test_the_linter_loads_no_torch_and_asks_no_hub() -> None:
    """Capabilities only: a diffusers plan naming hub models is linted without torch, diffusers or the hub client."""
    code = (
        "import sys; from shotcraft.lint import lint_plan; from shotcraft.plan import load_plan\n"
        f"findings = lint_plan(load_plan({str(FIXTURES / 'SC603' / 'bad.yaml')!r}))\n"
        f"findings += lint_plan(load_plan({str(FIXTURES / 'SC604' / 'bad.yaml')!r}))\n"
        "print(sorted({f.code for f in findings if f.code.startswith('SC6')}))\n"
        "print([m for m in ('torch', 'diffusers', 'huggingface_hub', 'transformers') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    codes, loaded = out.stdout.strip().splitlines()
    assert json.loads(codes.replace("'", '"')) == ["SC603", "SC604"]
    assert loaded == "[]"


def _fixture_cases_with_edits() -> list[str]:
    from tests.lint.casebook import load_cases

    return sorted(case.code for case in load_cases())


@pytest.mark.parametrize("code", _fixture_cases_with_edits())
def test_a_machine_fix_clears_its_finding_and_adds_none(code: str) -> None:
    """Every rule's bad fixture: each finding that carries edits is gone once they are applied, and nothing new appears."""
    from shotcraft.lint.fixes import apply_edits

    plan = load_plan(FIXTURES / code / "bad.yaml")
    before = lint_plan(plan)
    keys = {(f.code, f.shot, f.path) for f in before}
    for finding in (f for f in before if f.code == code and f.edits):
        fixed = load_plan_text(json.dumps(apply_edits(plan.raw, finding.edits)), file="fixed.yaml")
        after = {(f.code, f.shot, f.path) for f in lint_plan(fixed)}
        assert (finding.code, finding.shot, finding.path) not in after, (finding.message, finding.edits)
        assert after <= keys, sorted(after - keys)
