"""Load film.yaml into a :class:`Film`, with every problem located at file:line:col.

ruamel.yaml's round-trip loader gives us line and column of every key and
value (PyYAML's safe loader drops them); it never constructs Python objects
from tags, and any non-standard tag is refused here explicitly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from shotcraft.errors import PlanError
from shotcraft.plan.schema import Film
from shotcraft.plan.versions import upgrade

Path_ = tuple[str | int, ...]

_STANDARD_TAGS = {
    None,
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def format_path(path: Path_) -> str:
    """('shots', 3, 'duration') -> 'shots[3].duration'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top)"


@dataclass(frozen=True)
class PlanIssue:
    file: str
    line: int
    column: int
    path: Path_
    message: str

    def format(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {format_path(self.path)}: {self.message}"


@dataclass
class Positions:
    """Line/column (1-based) of each key and value, by field path."""

    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, prefer_key: bool = False) -> tuple[int, int]:
        """Best position for a path: the deepest known ancestor if the path itself is unknown."""
        probe = tuple(path)
        while probe:
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if probe in first:
                return first[probe]
            if probe in second:
                return second[probe]
            probe = probe[:-1]
        return (1, 1)


@dataclass
class LoadedPlan:
    """A validated film with where each field came from (for linters and reports)."""

    film: Film
    path: Path
    positions: Positions
    raw: dict[str, Any]
    file: str = "film.yaml"  # the name as the user gave it, for messages
    upgraded_from: int | None = None

    @property
    def root(self) -> Path:
        """Folder that relative paths in the plan are resolved against."""
        return self.path.parent

    def resolve_path(self, relative: Path) -> Path:
        return relative if relative.is_absolute() else (self.root / relative)

    def locate(self, path: Path_, *, prefer_key: bool = False) -> tuple[int, int]:
        return self.positions.locate(path, prefer_key=prefer_key)


#: A real plan has a few thousand nodes; aliases (&a / *a) nested a few levels deep
#: expand exponentially ("billion laughs"), so conversion stops past this budget.
MAX_NODES = 200_000


class _TooLarge(Exception):
    pass


def _key_value_positions(node: CommentedMap, key: str) -> tuple[Any, Any]:
    """Where a key and its value are written; a key brought in by a merge (``<<: *one``)
    is located in the mapping it was merged from."""
    if key in node.lc.data:
        return node.lc.key(key), node.lc.value(key)
    for source in getattr(node, "merge", None) or ():
        merged = source[1] if isinstance(source, tuple) else source  # (index, map) in older ruamel
        if isinstance(merged, CommentedMap) and key in merged:
            return _key_value_positions(merged, key)
    return None, None


def _spell_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG_PREFIX):] if tag.startswith(_YAML_TAG_PREFIX) else tag


_YAML_TAG_PREFIX = "tag:yaml.org,2002:"


def _explicit_tags(text: str, file: str) -> list[PlanIssue]:
    """Every explicit tag in the text (``!!str``, ``!!binary``, ``!!set``, ``!custom``, ``!``), on keys or values.

    Checked on the parser's events, before anything is constructed, so every tag is
    refused the same way with its own position: a plan is plain data, and a tag either
    changes what a value means (``!!binary``, ``!!set``, ``!!timestamp``) or says nothing.
    """
    from ruamel.yaml.events import (
        AliasEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    yaml = YAML(typ="rt", pure=True)
    issues = []
    # one frame per open container: [path, is_mapping, next key or index, expecting a key, anchor]
    stack: list[list[Any]] = []

    def node_path() -> Path_:
        if not stack:
            return ()
        path, is_mapping, slot, expecting_key, _ = stack[-1]
        return path if is_mapping and expecting_key else path + (slot,)

    def node_done(value: Any) -> None:
        if not stack:
            return
        frame = stack[-1]
        if frame[1]:
            if frame[3]:
                frame[2] = value if isinstance(value, str) else "?"
            frame[3] = not frame[3]
        else:
            frame[2] += 1

    for event in yaml.parse(io.StringIO(text)):
        if not isinstance(event, (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent, MappingEndEvent, SequenceEndEvent)):
            continue
        if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            stack.pop()
            node_done(None)
            continue
        path = node_path()
        if isinstance(event, AliasEvent) and any(frame[4] == event.anchor for frame in stack):
            # `production: &a {<<: *a}`: a node that contains itself is not data (ruamel crashes on it)
            mark = event.start_mark
            issues.append(PlanIssue(file, mark.line + 1, mark.column + 1, path, f"alias *{event.anchor} refers to a value that contains it (recursive)"))
        tag = getattr(event, "tag", None)
        if tag is not None:
            mark = event.start_mark
            spelled = _spell_tag(str(getattr(tag, "value", tag)))
            issues.append(PlanIssue(file, mark.line + 1, mark.column + 1, path, f"YAML tag {spelled!r} is not allowed (plain data only)"))
        if isinstance(event, MappingStartEvent):
            stack.append([path, True, None, True, event.anchor])
        elif isinstance(event, SequenceStartEvent):
            stack.append([path, False, 0, False, event.anchor])
        else:
            node_done(getattr(event, "value", None))
    return issues


def _to_plain(node: Any, path: Path_, positions: Positions, issues: list[PlanIssue], file: str, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None and tag not in _STANDARD_TAGS:
        line, col = positions.locate(path)
        issues.append(PlanIssue(file, line, col, path, f"YAML tag {tag!r} is not allowed (plain data only)"))
        return None
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key in node:
            if not isinstance(key, str):
                line, col = positions.locate(path)
                issues.append(PlanIssue(file, line, col, path, f"keys must be text, found {key!r}"))
                continue
            child = path + (key,)
            key_at, value_at = _key_value_positions(node, key)
            if key_at is not None:
                positions.keys[child] = (key_at[0] + 1, key_at[1] + 1)
            if value_at is not None:
                positions.values[child] = (value_at[0] + 1, value_at[1] + 1)
            out[key] = _to_plain(node[key], child, positions, issues, file, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            child = path + (index,)
            where = node.lc.item(index)
            if where is not None:
                positions.values[child] = (where[0] + 1, where[1] + 1)
            items.append(_to_plain(item, child, positions, issues, file, budget))
        return items
    if hasattr(node, "value") and type(node).__name__ == "TaggedScalar":
        line, col = positions.locate(path)
        issues.append(PlanIssue(file, line, col, path, "YAML tags are not allowed (plain data only)"))
        return None
    # ruamel scalar subclasses (ScalarFloat, ScalarInt, ...) -> plain Python values
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def parse_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse YAML text to plain data plus positions; raise PlanError on bad YAML."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        # every tag (`!x`, `!!x`, `!<x>`, a %TAG handle) is written with a "!": a text without one holds none, and its
        # second parse (a third of loading a 45-shot plan) is skipped
        tag_issues = _explicit_tags(text, file) if "!" in text else []
        if tag_issues:
            raise PlanError(tag_issues)
        node = yaml.load(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in str(exc) or "found duplicate key" in problem:
            problem = "duplicate key " + problem.split("duplicate key", 1)[-1].strip()
        raise PlanError([PlanIssue(file, line, col, (), f"not valid YAML: {problem}")]) from None
    except TypeError:
        # ruamel raises TypeError for complex keys such as `? [a, b]: c`
        raise PlanError([PlanIssue(file, 1, 1, (), "not valid plan YAML: mapping keys must be plain text")]) from None
    except (YAMLError, ValueError, RecursionError, AttributeError, KeyError, IndexError) as exc:
        # ruamel's constructor fails in these ways on data no plan holds; never a traceback
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PlanError([PlanIssue(file, 1, 1, (), f"not valid YAML: {first_line}")]) from None
    positions = Positions()
    issues: list[PlanIssue] = []
    try:
        data = _to_plain(node, (), positions, issues, file, [MAX_NODES])
    except _TooLarge:
        message = f"plan expands to more than {MAX_NODES} values (YAML aliases nested too deep?)"
        raise PlanError([PlanIssue(file, 1, 1, (), message)]) from None
    if issues:
        raise PlanError(issues)
    return data, positions


def _describe_found(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _clean_loc(loc: tuple[Any, ...], data: Any) -> Path_:
    """Keep the parts of a pydantic error location that are real keys or indexes of the data.

    pydantic inserts union member names ('float', 'TakesSpec') into ``loc``;
    they are not fields, so they are dropped by walking the data itself.
    """
    kept: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, dict) and part in current:
            kept.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            kept.append(part)
            current = current[part]
        elif last and isinstance(current, dict) and isinstance(part, str) and "[" not in part:
            kept.append(part)  # a missing key
    return tuple(kept)


def _validation_issues(exc: ValidationError, positions: Positions, file: str, data: Any) -> list[PlanIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"], data)
        kind = error["type"]
        message = error["msg"]
        message = message.replace("Input should be", "expected")
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if kind == "extra_forbidden":
            suggestion = _suggest(loc)
            message = f"unknown field {loc[-1]!r}" + (f" (did you mean {suggestion!r}?)" if suggestion else "")
            line, col = positions.locate(loc, prefer_key=True)
        elif kind == "missing":
            message = "required field is missing"
            line, col = positions.locate(loc[:-1])
        else:
            if "input" in error and kind not in ("model_type", "dict_type") and "found " not in message:
                message = f"{message}; found {_describe_found(error['input'])}"
            line, col = positions.locate(loc)
        issues.append(PlanIssue(file, line, col, loc, message))
    return issues


def _suggest(loc: Path_) -> str | None:
    """The nearest valid field name for a typo'd key."""
    import difflib

    from shotcraft.plan import schema

    model: Any = schema.Film
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return None
        model = _model_of(info.annotation)
        if model is None:
            return None
    fields = list(getattr(model, "model_fields", {}))
    aliases = [info.alias for info in getattr(model, "model_fields", {}).values() if info.alias]
    match = difflib.get_close_matches(str(loc[-1]), fields + aliases, n=1, cutoff=0.6)
    return match[0] if match else None


def _model_of(annotation: Any) -> Any:
    """Find the pydantic model inside list[X] / dict[str, X] / X | None / Annotated[X, ...]."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return _model_of(origin)
    return None


def load_plan_text(text: str, file: str = "film.yaml", path: Path | None = None) -> LoadedPlan:
    """Validate plan text. Raises PlanError listing every problem found."""
    from shotcraft.plan.references import check_references

    data, positions = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise PlanError([PlanIssue(file, 1, 1, (), f"expected a mapping at the top of the plan, found {type(data).__name__}")])
    data, upgraded_from, upgrade_issues = upgrade(data, file, positions)
    if upgrade_issues:
        raise PlanError(upgrade_issues)
    try:
        film = Film.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_validation_issues(exc, positions, file, data)) from None
    plan = LoadedPlan(
        film=film, path=path or Path(file), positions=positions, raw=data, file=file, upgraded_from=upgraded_from
    )
    reference_issues = check_references(plan)
    if reference_issues:
        raise PlanError(reference_issues)
    return plan


def load_plan(path: str | Path) -> LoadedPlan:
    """Read and validate a film.yaml file."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanError([PlanIssue(file, 1, 1, (), "no such file")]) from None
    except IsADirectoryError:
        candidate = path / "film.yaml"
        if candidate.is_file():
            return load_plan(candidate)
        raise PlanError([PlanIssue(file, 1, 1, (), "is a folder with no film.yaml in it")]) from None
    except OSError as exc:
        raise PlanError([PlanIssue(file, 1, 1, (), f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError([PlanIssue(file, 1, 1, (), f"not UTF-8 text (byte {exc.start})")]) from None
    return load_plan_text(text, file=file, path=path.resolve())
