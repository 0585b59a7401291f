"""Carry out a finding's fix: apply its :class:`~shotcraft.lint.registry.Edit` s to plan data.

A rule whose fix is mechanical (add a timing trigger, add a prohibition,
cast a named character) attaches the fix as edits; a tool (or a test) can
apply them to the plan's plain data and validate the result again. Edits
never delete user text except where the fix says to remove an entry.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from shotcraft.lint.registry import Edit


def apply_edits(data: dict[str, Any], edits: Iterable[Edit]) -> dict[str, Any]:
    """A copy of ``data`` with ``edits`` applied in order. A path that cannot be reached raises KeyError."""
    out = copy.deepcopy(data)
    for edit in edits:
        *parents, last = edit.path
        node: Any = out
        for part in parents:
            if isinstance(node, dict) and part not in node:
                node[part] = {}
            node = node[part]
        if edit.op == "set":
            node[last] = copy.deepcopy(edit.value)
        elif edit.op == "append":
            if isinstance(node, dict) and node.get(last) is None:
                node[last] = []
            if edit.value not in node[last]:
                node[last].append(copy.deepcopy(edit.value))
        elif edit.op == "add-phrase":
            current = node.get(last) if isinstance(node, dict) else node[last]
            node[last] = f"{current}, {edit.value}" if current else str(edit.value)
        elif edit.op == "remove":
            del node[last]
        else:
            raise ValueError(f"unknown edit op {edit.op!r}")
    return out
