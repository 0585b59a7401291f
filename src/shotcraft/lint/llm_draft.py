"""Optional drafting with a language model the user runs: any OpenAI-compatible endpoint.

1. Ask the model (through the official ``openai`` SDK, pointed at the user's ``base_url``) to improve
   the rule-drafted shot list: the 12-line briefs, actions and timing beats, with the seeds' rules in
   the instructions. The answer is constrained to a JSON Schema (structured output).
2. Parse and validate it as a plan (pydantic, the same loader as `shotcraft check`), then lint it.
   Invalid output or lint errors and warnings go back to the model once, with the findings, for one
   repair round. Output that is still invalid never reaches the plan file.
3. Show each changed shot as a diff; the user accepts shot by shot (or all with ``accept_all``).

No automatic retries (a create call to a paid endpoint is never repeated silently); a refusal, a
timeout, a malformed answer or an unreachable endpoint keeps the built-in draft with a one-line note.
The API key comes from the environment (SHOTCRAFT_LLM_API_KEY or OPENAI_API_KEY) and is never written.
"""

from __future__ import annotations

import copy
import difflib
import io
import json
import os
from typing import Any

from ruamel.yaml import YAML

from shotcraft.errors import ShotcraftError
from shotcraft.plan.presets import Role, ShotType
from shotcraft.plan.questions import Answers
from shotcraft.plan.schema import BRIEF_FIELDS

TIMEOUT_S = 120.0
INSTRUCTIONS = """You are the first assistant director of a short film made with AI video models.
Improve the draft shot list you are given, keeping its ids, and answer only with JSON matching the schema.
Rules (from the method the film follows):
- Every shot has a mission; each brief has the 12 lines: subject, emotion, place, time, weather, shot_type,
  focal_length, camera_movement, palette, texture, prohibition, mission.
- Shots last 3 to 5 seconds (object details and inserts 2 to 4); moderate motion.
- An establishing shot shows the geography before any interaction.
- Exchanges between two characters are shot-reverse-shot close-ups, one character per shot.
- Physical contact starts from a profile shot with the characters already inches apart.
- A mechanical action (searching pockets, walking) gets a timing trigger: "almost immediately", "suddenly".
- Name only what the shot shows; never contradict the locked character descriptors or the prohibitions.
"""


class LlmDraftError(ShotcraftError):
    code = "llm-draft"
    exit_code = 1


def draft_schema() -> dict[str, Any]:
    """The structured-output schema: a shot list with the 12-line brief (strict: every field required)."""
    brief = {"type": "object", "properties": {f: {"type": "string"} for f in BRIEF_FIELDS}, "required": list(BRIEF_FIELDS), "additionalProperties": False}
    shot = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "type": {"type": "string", "enum": [t.value for t in ShotType]},
            "duration": {"type": "number"},
            "action": {"type": "string"},
            "brief": brief,
        },
        "required": ["id", "role", "type", "duration", "action", "brief"],
        "additionalProperties": False,
    }
    return {"type": "object", "properties": {"shots": {"type": "array", "items": shot}}, "required": ["shots"], "additionalProperties": False}


def improve_with_llm(text: str, answers: Answers, *, endpoint: str, model: str | None, accept_all: bool, console: Any,
                     timeout: float = TIMEOUT_S) -> str:  # fmt: skip
    """The plan text with the shots the user accepted from the model; ``text`` unchanged on any failure."""
    try:
        proposal = propose(text, answers, endpoint=endpoint, model=model, timeout=timeout)
    except LlmDraftError as error:
        console.print(f"drafter: {error}; kept the built-in draft", markup=False, soft_wrap=True)
        return text
    return accept_shots(text, proposal, accept_all=accept_all, console=console)


def propose(text: str, answers: Answers, *, endpoint: str, model: str | None, timeout: float = TIMEOUT_S) -> str:
    """A valid plan text from the model (after at most one repair round), or LlmDraftError."""
    import openai

    client = openai.OpenAI(
        base_url=endpoint, timeout=timeout, max_retries=0,
        api_key=os.environ.get("SHOTCRAFT_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or "no-key",
    )  # fmt: skip
    draft = _shots_json(text)
    messages: list[dict[str, str]] = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": "Answers to the intention questions:\n" + json.dumps(answers, ensure_ascii=False)
         + "\n\nDraft shot list to improve:\n" + json.dumps(draft, ensure_ascii=False)},
    ]  # fmt: skip
    problems = ""
    for attempt in (1, 2):
        reply = _ask(client, model or "default", messages, endpoint)
        try:
            candidate = _merge(text, reply)
            problems = _problems(candidate)
        except LlmDraftError as error:
            candidate, problems = None, str(error)
        if candidate is not None and not problems:
            return candidate
        if attempt == 1:  # one repair round, with what was wrong
            messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": f"Fix these problems and answer again with the whole JSON:\n{problems}"}]
    raise LlmDraftError(f"the model's shot list is still not valid after one repair round ({problems.splitlines()[0][:160]})")


def _ask(client: Any, model: str, messages: list[dict[str, str]], endpoint: str) -> str:
    import openai

    try:
        response = client.chat.completions.create(
            model=model, messages=messages, temperature=0,
            response_format={"type": "json_schema", "json_schema": {"name": "shot_list", "strict": True, "schema": draft_schema()}},
        )  # fmt: skip
    except openai.APITimeoutError:
        raise LlmDraftError(f"{endpoint}: no answer within {client.timeout:g} s") from None
    except openai.APIConnectionError:
        raise LlmDraftError(f"{endpoint}: cannot connect") from None
    except openai.APIStatusError as error:
        raise LlmDraftError(f"{endpoint}: HTTP {error.status_code} ({str(error.message)[:120]})") from None
    choice = response.choices[0] if response.choices else None
    if choice is None:
        raise LlmDraftError(f"{endpoint}: empty answer")
    refusal = getattr(choice.message, "refusal", None)
    if refusal:
        raise LlmDraftError(f"the model refused ({refusal[:120]})")
    return choice.message.content or ""


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _shots_json(text: str) -> list[dict[str, Any]]:
    data = YAML(typ="safe").load(text)
    keep = ("id", "role", "type", "duration", "action", "brief")
    return [{k: shot[k] for k in keep if k in shot} for shot in data["shots"]]


def _merge(text: str, reply: str) -> str:
    """The drafted plan with the model's shots in place of the draft's (by id; new ids appended)."""
    try:
        proposal = json.loads(reply)
    except ValueError as error:
        raise LlmDraftError(f"not JSON ({error})") from None
    shots = proposal.get("shots") if isinstance(proposal, dict) else None
    if not isinstance(shots, list) or not shots or not all(isinstance(s, dict) and isinstance(s.get("id"), str) for s in shots):
        raise LlmDraftError("no shot list with ids in the answer")
    yaml = _yaml()
    film = yaml.load(text)
    by_id = {shot["id"]: shot for shot in film["shots"]}
    merged = []
    for proposed in shots:
        base = copy.deepcopy(by_id.get(proposed["id"], by_id[next(iter(by_id))]))
        for key in ("role", "type", "duration", "action"):
            if proposed.get(key) not in (None, ""):  # strict output fills every field; empty means "none"
                base[key] = proposed[key]
        if isinstance(proposed.get("brief"), dict):
            for key, value in proposed["brief"].items():
                if isinstance(value, str) and value.strip() and value.strip() != "-":
                    base.setdefault("brief", {})[key] = value
        base["id"] = proposed["id"]
        if "triggers" in base and proposed.get("action") and not any(t["beat"] in proposed["action"] for t in base["triggers"]):
            del base["triggers"]  # the draft's beat belonged to the draft's action
        merged.append(base)
    film["shots"].clear()
    film["shots"].extend(merged)
    stream = io.StringIO()
    yaml.dump(film, stream)
    return stream.getvalue()


def _problems(text: str) -> str:
    """What `shotcraft check` would say (invalid plan or lint errors and warnings), '' when clean."""
    from shotcraft.errors import PlanError
    from shotcraft.lint import lint_plan
    from shotcraft.plan.loader import load_plan_text

    try:
        plan = load_plan_text(text)
    except PlanError as error:
        return "\n".join(issue.format() for issue in error.issues)
    findings = [f for f in lint_plan(plan) if f.severity in ("error", "warning")]
    return "\n".join(f"{f.code} {f.shot or ''}: {f.message}" + (f" (fix: {f.fix})" if f.fix else "") for f in findings)


def accept_shots(text: str, proposal: str, *, accept_all: bool, console: Any) -> str:
    """Show each changed shot as a diff and keep the ones the user accepts; the result must still be valid."""
    from rich.prompt import Confirm

    yaml = _yaml()
    draft, proposed = yaml.load(text), yaml.load(proposal)
    drafted = {shot["id"]: shot for shot in draft["shots"]}
    result = []
    for shot in proposed["shots"]:
        old, new = _dump(drafted.get(shot["id"])), _dump(shot)
        if old == new:
            result.append(shot)
            continue
        diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"draft {shot['id']}", f"model {shot['id']}"))
        console.print(diff, markup=False, highlight=False)
        if accept_all or Confirm.ask(f"accept the model's {shot['id']}?", default=True, console=console):
            result.append(shot)
        elif shot["id"] in drafted:
            result.append(drafted[shot["id"]])
    draft["shots"].clear()
    draft["shots"].extend(result)
    stream = io.StringIO()
    yaml.dump(draft, stream)
    merged = stream.getvalue()
    problems = _problems(merged)
    if problems and any(line.split(" ")[0] in _error_codes() for line in problems.splitlines()) or _invalid(merged):
        console.print("drafter: the accepted shots do not hold together; kept the built-in draft", markup=False, soft_wrap=True)
        return text
    return merged


def _dump(node: Any) -> str:
    if node is None:
        return ""
    stream = io.StringIO()
    _yaml().dump(node, stream)
    return stream.getvalue()


def _invalid(text: str) -> bool:
    from shotcraft.errors import PlanError
    from shotcraft.plan.loader import load_plan_text

    try:
        load_plan_text(text)
    except PlanError:
        return True
    return False


def _error_codes() -> set[str]:
    from shotcraft.lint import RULES, Severity

    return {code for code, rule in RULES.items() if rule.severity == Severity.ERROR}
