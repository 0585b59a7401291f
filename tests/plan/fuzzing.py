"""A plan fuzzer: valid plans re-emitted as YAML with hostile twists, for `check` and `show`.

Twists: YAML merge keys (``<<: *a`` and ``<<: [*a, *b]``) and anchors, every YAML
tag on values and keys, NaN / infinite / huge / tiny / odd-spelled numbers in
every number field, and Rich markup, emoji codes, terminal escapes and odd
Unicode in every text field. Driven by a ``random.Random`` so the suite's small
Hypothesis run and the big script run (tests/fuzz_run.py) share one generator.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
SEED_PLANS = [
    ROOT / "examples" / "neo-noir" / "film.yaml",
    ROOT / "tests" / "lint" / "fixtures" / "base.yaml",
    ROOT / "tests" / "lint" / "fixtures" / "bad-film.yaml",
]
SEEDS = [YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) for path in SEED_PLANS]

TAGS = [
    "!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!timestamp", "!!set", "!!omap", "!!pairs",
    "!!seq", "!!map", "!!merge", "!!value", "!!yaml", "!custom", "!", "!<tag:yaml.org,2002:str>",
    "!!python/object/apply:os.system", "!!python/name:builtins.eval", "!local-tag",
]
NUMBERS = [
    ".nan", ".NaN", ".inf", "-.inf", "+.inf", "1e308", "1e400", "-1e400", "1e-320", "5e-324", "-0.0", "0",
    "-1", "99999999999999999999999999", "2147483648", "4294967296", "0x7fffffff", "0o777", "1_000", "'1e-400'",
    "'1/1000'", "'1e999999999'", "'nan'", "'inf'", "1e-400", "0.0000001", "-0.5", "1.5e3",
]
MARKUP = [
    "[/]", "[bold]", "[/bold]", "[red]x[/red]", "[link=file:///etc/passwd]x[/link]", ":100:", ":smile:", ":fire: :100:",
    "\x1b[31m", "\x1b]8;;http://x\x07", "\u202e", "\u200b", "🎬", "é", "\\", "%s%n", "{0}", "${x}", "`rm -rf`", "<b>",
    "a[/]b.mp4", "line100.yaml:100:14:", "[", "]", "[[", "]]",
]


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, path + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, path + (index,)))
    return found


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: tuple, value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


class Raw(str):
    """Emitted verbatim (a YAML spelling: .nan, a tag + value, an alias)."""


def _scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value).replace("NaN", ".nan").replace("-Infinity", "-.inf").replace("Infinity", ".inf")
    return json.dumps(str(value), ensure_ascii=False)


def emit(node: Any, rng: random.Random, twists: dict[str, float], indent: int = 0, anchors: list[str] | None = None) -> str:
    """Block-style YAML of ``node``, with tags, anchors and merge keys sprinkled per ``twists``."""
    anchors = anchors if anchors is not None else []
    pad = "  " * indent
    if isinstance(node, dict) and node:
        lines = []
        if anchors and rng.random() < twists.get("merge", 0):
            chosen = rng.sample(anchors, k=min(len(anchors), rng.choice([1, 1, 2])))
            lines.append(f"{pad}<<: " + ("*" + chosen[0] if len(chosen) == 1 else "[" + ", ".join("*" + a for a in chosen) + "]"))
        for key, value in node.items():
            key_text = _scalar(key)
            if rng.random() < twists.get("key_tag", 0):
                key_text = f"{rng.choice(TAGS)} {key_text}"
            lines.append(f"{pad}{key_text}:" + _child(value, rng, twists, indent, anchors))
        return "\n".join(lines)
    if isinstance(node, list) and node:
        return "\n".join(f"{pad}-" + _child(value, rng, twists, indent, anchors) for value in node)
    return pad + ("{}" if isinstance(node, dict) else "[]" if isinstance(node, list) else _scalar(node))


def _child(value: Any, rng: random.Random, twists: dict[str, float], indent: int, anchors: list[str]) -> str:
    prefix = ""
    if rng.random() < twists.get("tag", 0):
        prefix = " " + rng.choice(TAGS)
    if isinstance(value, dict) and value:
        if rng.random() < twists.get("anchor", 0):
            name = f"a{len(anchors)}"
            anchors.append(name)
            prefix += f" &{name}"
        return prefix + "\n" + emit(value, rng, twists, indent + 1, anchors)
    if isinstance(value, list) and value:
        return prefix + "\n" + emit(value, rng, twists, indent + 1, anchors)
    return prefix + " " + (("{}" if isinstance(value, dict) else "[]") if isinstance(value, (dict, list)) else _scalar(value))


def hostile_plan(rng: random.Random) -> str:
    """One plan text: a seed plan with numbers, texts, tags and merges twisted."""
    data = copy.deepcopy(rng.choice(SEEDS))
    paths = _paths(data)
    numbers = [p for p in paths if p and isinstance(_get(data, p), (int, float)) and not isinstance(_get(data, p), bool)]
    texts = [p for p in paths if p and isinstance(_get(data, p), str)]
    prose = [p for p in texts if " " in _get(data, p)]  # free text; ids and enum words have no spaces
    # one emphasis per plan, so that many plans stay valid and reach the linter and `show`
    mode = rng.choice(["text", "text", "numbers", "tags", "merges", "everything"])
    if mode in ("numbers", "everything"):
        for path in rng.sample(numbers, k=min(len(numbers), rng.randint(1, 3))):
            _set(data, path, Raw(rng.choice(NUMBERS)))
    if mode in ("text", "everything") or rng.random() < 0.3:
        pool = texts if mode == "everything" else prose
        for path in rng.sample(pool, k=min(len(pool), rng.randint(1, 12))):
            original = _get(data, path)
            marks = "".join(rng.choice(MARKUP) for _ in range(rng.randint(1, 3)))
            place = rng.choice(["before", "after", "replace", "middle"])
            value = {"before": marks + original, "after": original + marks, "replace": marks}.get(place, original[: len(original) // 2] + marks + original[len(original) // 2 :])
            _set(data, path, value)
    twists = {
        "tag": rng.choice([0.01, 0.05]) if mode in ("tags", "everything") else 0.0,
        "key_tag": rng.choice([0.0, 0.01]) if mode in ("tags", "everything") else 0.0,
        "anchor": rng.choice([0.1, 0.3]) if mode in ("merges", "everything", "text") else 0.0,
        "merge": rng.choice([0.05, 0.2]) if mode in ("merges", "everything") else 0.0,
    }
    return emit(data, rng, twists) + "\n"
