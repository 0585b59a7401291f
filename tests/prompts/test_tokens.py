"""The CLIP token estimate and A1111-style chunking."""

from __future__ import annotations

from shotcraft.prompts.tokens import CHUNK_TOKENS, chunks, clean, estimate_tokens, overflow_warning, split_chunks


def test_pieces_follow_clip_pre_tokenizer_rules() -> None:
    assert estimate_tokens("a cat") == 2
    assert estimate_tokens("2200K") == 5  # every digit is its own token, then "k"
    assert estimate_tokens("it's") == 2  # "it" + "'s"
    assert estimate_tokens("red, blue") == 3  # the comma is a token
    assert estimate_tokens("apartment") == 1  # up to 9 letters: one token
    assert estimate_tokens("cobblestones") == 2  # longer: split
    assert estimate_tokens("café") == 2  # a non-ASCII letter costs extra
    assert estimate_tokens("") == 0


def test_clean_lowercases_and_collapses_whitespace() -> None:
    assert clean("  Neo-Noir\n  Street ") == "neo-noir street"


def test_text_without_commas_splits_at_exactly_75_tokens() -> None:
    parts = chunks(" ".join(["word"] * 100))
    assert [part.tokens for part in parts] == [CHUNK_TOKENS, 25]


def test_a_tag_is_moved_whole_to_the_next_chunk_when_a_comma_is_near() -> None:
    # Seven tokens per tag (six words and a comma): the 75th token falls inside tag 11,
    # so A1111 cuts after tag 10's comma and carries tag 11 over.
    tags = [" ".join(f"w{letter}" for letter in "abcdef").replace("w", chr(ord("a") + i)) for i in range(14)]
    text = ", ".join(tags)
    parts = chunks(text)
    assert parts[0].tokens == 70
    assert parts[0].text.endswith(",")
    assert parts[1].text.startswith(tags[10])
    assert sum(part.tokens for part in parts) == estimate_tokens(text)


def test_overflow_warning_names_the_cut() -> None:
    assert overflow_warning("keyframe prompt", "a red door, night") is None
    warning = overflow_warning("keyframe prompt", ", ".join(f"tag number {word}" for word in ["alpha"] * 25))
    assert warning is not None and "in 2 chunks of 75" in warning and "encode chunk 2 separately" in warning
    assert "from 'tag number alpha" in warning


def test_split_chunks_works_on_real_token_ids() -> None:
    comma = 267  # CLIP's ",</w>" id; any id works
    ids = ([1, 2, 3, 4, 5, 6, comma] * 12)[:84]
    parts = split_chunks(ids, lambda token: token == comma)
    assert [len(part) for part in parts] == [70, 14]
    assert parts[0][-1] == comma and parts[1][:6] == [1, 2, 3, 4, 5, 6]
    assert split_chunks(ids, lambda token: token == comma, backtrack=0)[0] == ids[:75]  # A1111 with backtrack off
    assert split_chunks([], lambda token: False) == []
