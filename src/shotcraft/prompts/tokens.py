"""CLIP token estimate and A1111-style chunking, without a tokenizer file.

Why estimate: the keyframe models (SD 1.5 / SDXL) read prompts through CLIP,
which sees 77 positions: a start token, 75 content tokens, an end token.
diffusers' plain pipelines truncate everything past the 75th content token;
AUTOMATIC1111, ComfyUI and shotcraft's own diffusers backend
(:mod:`shotcraft.backends.diffusers_long_prompts`) instead split the prompt
into 75-token chunks that are encoded separately and concatenated. Either way the filmmaker must know
where the 75-token boundary falls, and we do not ship (or download) CLIP's
49 408-entry BPE vocabulary to find out exactly.

How the estimate works (it mirrors CLIP's own pre-tokenizer, then guesses
the BPE split per word):

1. Text is lower-cased and whitespace collapsed, as CLIP's ``basic_clean``
   and ``whitespace_clean`` do.
2. The pre-tokenizer regex splits letters runs, single digits, the English
   contractions ('s 't 're 've 'm 'll 'd) and runs of other symbols, exactly
   like CLIP's ``pat`` (``\\p{L}`` approximated by ``[^\\W\\d_]``).
3. Each piece costs tokens:
   - a digit: 1 (CLIP splits numbers into single digits: "2200" is 4);
   - a contraction: 1;
   - a symbol run: 1 per character (",", ".", "-" are single tokens);
   - a word of up to 9 ASCII letters: 1 (common English words up to that
     length are nearly all one vocabulary entry: "apartment", "freckles");
   - a longer word: 1 + ceil((letters - 9) / 4): long words are sometimes
     one token ("residential") and rare ones split into 2-4 pieces
     ("cobble" + "stones", "street" + "lamp"); counting them as split errs
     high, so the warning comes early, never late;
   - each non-ASCII letter adds 1 more (byte-level BPE spends 2-3 bytes on
     it and rarely merges them).

Chunking follows A1111 (``modules/sd_hijack_clip.py``): tokens fill a
75-token chunk; when a chunk is full and a comma lies within the last 20
tokens (``comma_padding_backtrack``), the chunk is cut just after that
comma and the rest moves to the next chunk, so a comma-separated tag is not
split across two chunks.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

#: content tokens per CLIP window (77 with the start and end tokens)
CHUNK_TOKENS = 75
CLIP_WINDOW = CHUNK_TOKENS + 2
#: A1111's default comma_padding_backtrack
COMMA_BACKTRACK = 20

T = TypeVar("T")

_PIECE = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+")
_SHORT_WORD = 9
_LETTERS_PER_EXTRA_TOKEN = 4


@dataclass(frozen=True)
class Piece:
    """One pre-token of the text and the tokens it is estimated to cost."""

    text: str
    tokens: int
    start: int  # character offset in the cleaned text


@dataclass(frozen=True)
class Chunk:
    """One CLIP window: its estimated content tokens and the text it covers."""

    index: int
    tokens: int
    text: str


def clean(text: str) -> str:
    """Lower-case and collapse whitespace, as CLIP does before tokenizing."""
    return " ".join(text.split()).lower()


@functools.lru_cache(maxsize=8192)  # prompts repeat the same words shot after shot
def _piece_cost(piece: str) -> int:
    if piece.isdigit():
        return 1
    if piece.startswith("'") and len(piece) <= 3 and piece[1:].isalpha():
        return 1
    if piece[0].isalpha():
        non_ascii = sum(1 for char in piece if ord(char) > 127)
        extra = max(0, len(piece) - _SHORT_WORD)
        return 1 + math.ceil(extra / _LETTERS_PER_EXTRA_TOKEN) + non_ascii
    return len(piece)  # punctuation and symbols: one token each


def pieces(text: str) -> list[Piece]:
    """CLIP-like pre-tokens of ``text`` with their estimated token cost."""
    cleaned = clean(text)
    return [Piece(match.group(), _piece_cost(match.group()), match.start()) for match in _PIECE.finditer(cleaned)]


def estimate_tokens(text: str) -> int:
    """Estimated CLIP content tokens (without the start and end tokens)."""
    return sum(piece.tokens for piece in pieces(text))


def split_chunks(
    tokens: Sequence[T], is_comma: Callable[[T], bool], *, size: int = CHUNK_TOKENS, backtrack: int = COMMA_BACKTRACK
) -> list[list[T]]:
    """A1111's chunking over any token sequence (see the module docstring).

    Works on estimated units here, and on real CLIP token ids in a backend
    that encodes long prompts chunk by chunk (``is_comma = lambda t: t == comma_id``).
    Each returned chunk holds at most ``size`` tokens, start/end tokens not included.
    """
    groups: list[list[T]] = [[]]
    last_comma = -1
    for token in tokens:
        current = groups[-1]
        if is_comma(token):
            last_comma = len(current)
        elif backtrack and len(current) == size and last_comma != -1 and len(current) - last_comma <= backtrack:
            moved = current[last_comma + 1 :]
            del current[last_comma + 1 :]
            groups.append(moved)
            last_comma = -1
            current = groups[-1]
        if len(current) == size:
            groups.append([])
            last_comma = -1
            current = groups[-1]
        current.append(token)
    return [group for group in groups if group]


def chunks(text: str, *, size: int = CHUNK_TOKENS, backtrack: int = COMMA_BACKTRACK) -> list[Chunk]:
    """Split ``text`` into A1111-style CLIP chunks of estimated tokens."""
    cleaned = clean(text)
    all_pieces = pieces(text)
    # One unit per estimated token, remembering its piece: (piece index, is a comma).
    units = [(index, piece.text == ",") for index, piece in enumerate(all_pieces) for _ in range(piece.tokens)]
    result = []
    for number, group in enumerate(split_chunks(units, lambda unit: unit[1], size=size, backtrack=backtrack)):
        first_piece, last_piece = all_pieces[group[0][0]], all_pieces[group[-1][0]]
        text_span = cleaned[first_piece.start : last_piece.start + len(last_piece.text)]
        result.append(Chunk(number, len(group), text_span))
    return result


def overflow_warning(label: str, text: str) -> str | None:
    """A one-line warning when ``text`` passes one CLIP window, naming where the cut falls."""
    parts = chunks(text)
    if len(parts) <= 1:
        return None
    total = sum(part.tokens for part in parts)
    lost = parts[1].text.lstrip(", ")  # a chunk may open on the comma that closed the last one, as in A1111
    if len(lost) > 40:
        lost = lost[:37] + "..."
    return (
        f"{label} is ~{total} CLIP tokens in {len(parts)} chunks of {CHUNK_TOKENS} "
        f"({CLIP_WINDOW} with start/end): shotcraft's diffusers backend, A1111 and ComfyUI encode "
        f"chunk 2 separately from {lost!r} (a plain diffusers pipeline would cut it)"
    )
