"""What a model family is: a name and four small functions over :class:`Ingredients`.

A family decides wording and order only; the ingredients (which plan fields,
overrides, take variant) are decided in :mod:`shotcraft.prompts.ingredients`.
Adding a family = one module that defines ``FAMILY`` and one line in
:mod:`shotcraft.prompts.families`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shotcraft.prompts.ingredients import Ingredients


@dataclass(frozen=True)
class PromptOptions:
    """Compiler options that change the text (they are part of the render key through the text)."""

    #: A1111/ComfyUI/compel weighting syntax "(subject:1.2)" in tag-style prompts
    weights: bool = False
    subject_weight: float = 1.2


@dataclass(frozen=True)
class Family:
    name: str
    summary: str  # one line: which models read text this way
    keyframe: Callable[[Ingredients, PromptOptions], str]
    clip: Callable[[Ingredients, PromptOptions], str]
    negative: Callable[[Sequence[str]], str]
    #: warnings about one compiled prompt: (ingredients, label, text) -> messages
    check: Callable[[Ingredients, str, str], list[str]]
    #: last step for tools that take one pasted text or no negative prompt:
    #: (ingredients, label "keyframe"/"clip", prompt, negative) -> (prompt, negative, notes)
    finish: Callable[[Ingredients, str, str, str], tuple[str, str, list[str]]] | None = None
    #: the budget target (shotcraft.prompts.budgets) when the model is not known; None: the table's default
    target: str | None = None


def sentence(text: str) -> str:
    """Capitalise the first letter and end with one full stop (user text otherwise untouched)."""
    text = text.strip().rstrip(",;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def and_join(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def unique_phrases(texts: Sequence[str]) -> list[str]:
    """Comma-separated phrases of ``texts`` in order, each said once (case-insensitive).

    Brief lines and charters overlap ("light film grain" in both); a phrase
    said twice only costs tokens.
    """
    seen: set[str] = set()
    out = []
    for text in texts:
        for phrase in text.split(","):
            phrase = phrase.strip()
            if phrase and phrase.casefold() not in seen:
                seen.add(phrase.casefold())
                out.append(phrase)
    return out
