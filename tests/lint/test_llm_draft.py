"""The drafter against a local server following the OpenAI chat-completions contract, through the
official openai SDK: structured output, a repair round, and failures that never reach the plan."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from shotcraft.lint import lint_plan
from shotcraft.lint.llm_draft import improve_with_llm
from shotcraft.plan.draft import draft_plan
from shotcraft.plan.loader import load_plan_text
from tests.lint.openai_fake import IMPROVED, serve

ANSWERS = {"kind": "film", "title": "Night Return", "character1.name": "Jack", "character2.name": "Lucas", "contact": "yes",
           "location.description": "a narrow street at night", "location.geography": "car on the left, door on the right"}  # fmt: skip
SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")


@pytest.fixture(scope="module")
def fake():
    with serve() as (server, url):
        yield server, url


def _run(url: str, model: str, timeout: float = 30) -> tuple[str, str, str]:
    draft = draft_plan(ANSWERS)
    out = io.StringIO()
    text = improve_with_llm(draft, ANSWERS, endpoint=url, model=model, accept_all=True, console=Console(file=out, width=200), timeout=timeout)
    return draft, text, out.getvalue()


def test_structured_output_is_requested_validated_and_accepted(fake):
    server, url = fake
    before = len(server.requests)
    draft, text, log = _run(url, "good")
    sent = server.requests[before]
    assert sent["response_format"]["type"] == "json_schema" and sent["response_format"]["json_schema"]["strict"] is True
    assert text != draft and IMPROVED in text
    plan = load_plan_text(text)
    assert not [f for f in lint_plan(plan) if f.severity == "error"]
    assert "--- draft s01" in log  # each changed shot shown as a diff


def test_a_repair_round_fixes_what_the_linter_found(fake):
    server, url = fake
    before = len(server.requests)
    _, text, _ = _run(url, "repair")
    assert len(server.requests) - before == 2
    repair = server.requests[-1]["messages"][-1]["content"]
    assert "SC101" in repair  # the findings went back to the model
    assert IMPROVED in text and "duration: 12" not in text


@pytest.mark.parametrize("model,said", [
    ("malformed", "not JSON"), ("refuse", "refused"), ("broken", "still not valid after one repair round"), ("error", "HTTP 503"),
])  # fmt: skip
def test_failures_keep_the_built_in_draft(fake, model, said):
    _, url = fake
    draft, text, log = _run(url, model)
    assert text == draft and said in log and "kept the built-in draft" in log


def test_a_timeout_keeps_the_built_in_draft(fake):
    _, url = fake
    draft, text, log = _run(url, "slow", timeout=1)
    assert text == draft and "no answer within 1 s" in log


def test_new_with_llm_writes_only_a_valid_plan(fake, tmp_path):
    _, url = fake
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    for model, improved in (("good", True), ("malformed", False)):
        folder = tmp_path / model
        result = subprocess.run([SHOTCRAFT, "new", str(folder), "--answers", str(answers), "--llm", url, "--model", model],
                                capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-test-secret"})  # fmt: skip
        assert result.returncode == 0, result.stderr
        text = (folder / "film.yaml").read_text()
        assert (IMPROVED in text) is improved
        assert "sk-test-secret" not in text + result.stdout + result.stderr
