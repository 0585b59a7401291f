"""Property: EDL reel names are unique and 1-8 characters of A-Z 0-9 for any set of valid shot ids and takes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shotcraft.edit.media import reel_names

SHOT_ID = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")  # the plan schema's Id
TAKE = st.one_of(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,15}\Z"))


@settings(max_examples=100, deadline=None)
@given(sources=st.lists(st.tuples(SHOT_ID, TAKE), min_size=1, max_size=30, unique=True),
       sounds=st.lists(st.sampled_from(["mix", "dialogue", "music", "ambience", "effects"]), unique=True))
def test_reel_names_are_unique_and_short(sources, sounds):
    reels = reel_names(sources + [(name, "") for name in sounds])
    assert set(reels) == set(sources) | {(name, "") for name in sounds}
    assert len(set(reels.values())) == len(reels)
    assert all(re.fullmatch(r"[A-Z0-9]{1,8}", reel) for reel in reels.values())


def test_the_issues_collisions_are_resolved_and_readable_names_kept():
    reels = reel_names([("scene10_shot01", "A"), ("scene10_shot02", "A"), ("s1.1", "A"), ("s11", "A")])
    assert len(set(reels.values())) == 4
    assert reel_names([("s03", "B"), ("s04", "A")]) == {("s03", "B"): "S03B", ("s04", "A"): "S04A"}


def test_many_sources_still_fit():
    sources = [(f"shot{i:04d}", "A") for i in range(2000)] + [(f"shot{i:04d}x", "A") for i in range(2000)]
    reels = reel_names(sources)
    assert len(set(reels.values())) == len(sources) and max(map(len, reels.values())) <= 8
