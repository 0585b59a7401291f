"""The prompt compiler: from the film plan to exact, reproducible prompts per model family.

    from shotcraft.prompts import compile_take, compile_plan, CompiledTake

Families: ``sd`` (tag-style, CLIP) and ``prose`` (sentence-style, T5/LLM);
see :mod:`shotcraft.prompts.families` to add one.
"""

from shotcraft.prompts.base import PromptOptions
from shotcraft.prompts.compiler import COMPILER_VERSION, CompiledTake, compile_plan, compile_shot, compile_take
from shotcraft.prompts.families import FAMILIES, family, family_names
from shotcraft.prompts.report import format_json, format_text
from shotcraft.prompts.tokens import chunks, estimate_tokens, split_chunks

__all__ = [
    "COMPILER_VERSION",
    "FAMILIES",
    "CompiledTake",
    "PromptOptions",
    "chunks",
    "compile_plan",
    "compile_shot",
    "compile_take",
    "estimate_tokens",
    "family",
    "family_names",
    "format_json",
    "format_text",
    "split_chunks",
]
