"""One fixture per error kind: each asserts the line, column and field path in the message."""

from __future__ import annotations

import textwrap

import pytest

from shotcraft.errors import PlanError
from shotcraft.plan import load_plan, load_plan_text

BASE = """\
production:
  id: demo
  title: Demo
characters:
  - id: ann
locations:
  - id: room
    description: a small room
shots:
  - id: s1
    type: tight-portrait
    characters: [ann]
    location: room
"""


def issues_of(text: str) -> list[str]:
    with pytest.raises(PlanError) as caught:
        load_plan_text(textwrap.dedent(text), file="film.yaml")
    return [issue.format() for issue in caught.value.issues]


def test_valid_base_loads() -> None:
    plan = load_plan_text(BASE)
    assert plan.film.shots[0].id == "s1"


def test_not_yaml() -> None:
    [message] = issues_of("production: [unclosed\nshots: 1\n")
    assert message.startswith("film.yaml:2:")
    assert "not valid YAML" in message


def test_top_level_not_a_mapping() -> None:
    [message] = issues_of("- just\n- a list\n")
    assert message == "film.yaml:1:1: (top): expected a mapping at the top of the plan, found list"


def test_unknown_key_typo_is_caught_with_suggestion() -> None:
    text = BASE.replace("    type: tight-portrait\n", "    type: tight-portrait\n    duraton: 3\n")
    [message] = issues_of(text)
    assert message == "film.yaml:12:5: shots[0].duraton: unknown field 'duraton' (did you mean 'duration'?)"


def test_wrong_type() -> None:
    text = BASE.replace("    type: tight-portrait\n", "    type: tight-portrait\n    duration: three\n")
    [message] = issues_of(text)
    assert message.startswith("film.yaml:12:15: shots[0].duration: expected a valid number")
    assert "found 'three'" in message


def test_out_of_range_value() -> None:
    text = BASE.replace("    type: tight-portrait\n", "    type: tight-portrait\n    motion: 1.7\n")
    [message] = issues_of(text)
    assert message.startswith("film.yaml:12:13: shots[0].motion: expected less than or equal to 1")
    assert "found 1.7" in message


def test_bad_enum_value() -> None:
    [message] = issues_of(BASE.replace("type: tight-portrait", "type: tight-portait"))
    assert message.startswith("film.yaml:11:11: shots[0].type: unknown shot type 'tight-portait' (did you mean 'tight-portrait'?)")


def test_missing_required_field() -> None:
    [message] = issues_of(BASE.replace("  title: Demo\n", ""))
    assert message == "film.yaml:2:3: production.title: required field is missing"


def test_dangling_character_reference() -> None:
    [message] = issues_of(BASE.replace("characters: [ann]", "characters: [bob]"))
    assert message == "film.yaml:12:18: shots[0].characters[0]: unknown character 'bob' (known: ann)"


def test_dangling_location_reference() -> None:
    [message] = issues_of(BASE.replace("    location: room", "    location: attic"))
    assert message == "film.yaml:13:15: shots[0].location: unknown location 'attic' (known: room)"


def test_duplicate_ids() -> None:
    text = BASE + "  - id: s1\n    type: insert\n"
    [message] = issues_of(text)
    assert message == "film.yaml:14:9: shots[1].id: duplicate id 's1' (first used at shots[0])"


def test_duplicate_yaml_key() -> None:
    [message] = issues_of(BASE.replace("  title: Demo\n", "  title: Demo\n  title: Again\n"))
    assert message.startswith("film.yaml:4:3:")
    assert "duplicate key" in message


def test_python_object_tag_is_refused_not_constructed() -> None:
    text = BASE.replace("  title: Demo", "  title: !!python/object/apply:os.system ['echo pwned']")
    [message] = issues_of(text)
    assert message.startswith("film.yaml:3:")
    assert "tag" in message


def test_bad_frame_rate_and_resolution() -> None:
    text = BASE.replace("  title: Demo\n", "  title: Demo\n  format:\n    fps: 23.5\n    resolution: 1281x720\n")
    messages = issues_of(text)
    assert any(m.startswith("film.yaml:5:10: production.format.fps:") and "exact frame rate" in m for m in messages)
    assert any(m.startswith("film.yaml:6:17: production.format.resolution:") and "even" in m for m in messages)


def test_trigger_past_the_end_of_the_shot() -> None:
    text = BASE.replace("    location: room\n", "    location: room\n    duration: 3\n    triggers:\n      - {at: 4, beat: turns}\n")
    [message] = issues_of(text)
    assert message == "film.yaml:16:14: shots[0].triggers[0].at: trigger at 4 s is past the shot's end (3 s)"


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = BASE.replace("type: tight-portrait", "type: nope").replace("  title: Demo\n", "  title: Demo\n  colour: red\n")
    assert len(issues_of(text)) == 2


def test_missing_file_and_folder_without_plan(tmp_path) -> None:
    with pytest.raises(PlanError, match="no such file"):
        load_plan(tmp_path / "absent.yaml")
    with pytest.raises(PlanError, match="no film.yaml"):
        load_plan(tmp_path)


def test_not_utf8(tmp_path) -> None:
    path = tmp_path / "film.yaml"
    path.write_bytes(b"production:\n  title: \xff\xfe\n")
    with pytest.raises(PlanError, match="not UTF-8"):
        load_plan(path)


def test_alias_bomb_is_refused_quickly() -> None:
    levels = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    for n in range(1, 7):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    text = "\n".join(levels) + "\nshots: [*a6]\n"
    [message] = issues_of(text)
    assert "expands to more than" in message
