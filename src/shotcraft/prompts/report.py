"""Plain-text and JSON views of compiled prompts (what `shotcraft prompts` prints).

Plain text, not Rich markup: prompts contain brackets and must print byte
for byte, whatever the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from shotcraft.prompts.compiler import CompiledTake


def _sources(take: CompiledTake) -> str:
    """'rain, crowd (charters.prohibitions); doorman (brief.prohibition)' in first-seen order."""
    groups: dict[str, list[str]] = {}  # dicts keep insertion order
    for term, source in take.negative_sources:
        groups.setdefault(source, []).append(term)
    return "; ".join(f"{', '.join(terms)} ({source})" for source, terms in groups.items())


def format_text(takes: Sequence[CompiledTake]) -> str:
    blocks = []
    for take in takes:
        value = f" = {take.variable_value}" if take.variable_value is not None else ""
        lines = [
            f"== {take.shot_id} take {take.take}  (varies: {take.varies}{value}; "
            f"keyframe {take.keyframe_family}, clip {take.clip_family}; ~{take.token_estimate} CLIP tokens)",
            f"keyframe:          {take.keyframe_prompt}",
            f"keyframe negative: {take.keyframe_negative}",
            f"clip:              {take.clip_prompt}",
            f"clip negative:     {take.clip_negative}",
        ]
        if take.negative_sources:
            lines.append(f"negative sources:  {_sources(take)}")
        lines += [f"warning: {warning}" for warning in take.warnings]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def format_json(takes: Sequence[CompiledTake]) -> str:
    return json.dumps([take.to_dict() for take in takes], indent=2, ensure_ascii=False) + "\n"
