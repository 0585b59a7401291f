"""Identity against the character sheet (QA115) and across the shots of the cut (QA207).

The seeds' worst failures are about identity: "the character loses their
identity", "perception of fake casting". A character's *sheet* is the
reference images the plan gives it (``characters[].references``); when it
has none, the take's locked keyframe stands in (the take was animated from
it, so its face is what the clip must keep). Every face track is described
by dlib's 128-D descriptor at a few points (see :mod:`shotcraft.qa.faces`)
and compared with the nearest character of the shot:

- QA115: the track's face is farther than ``QA115`` from every character of
  the shot over the whole track ("this is not the character"), or starts
  close and ends farther ("drifts away from the character from frame N");
- QA207 (plan mode, on the cut): the same character's face in two shots of
  the cut differs by more than ``QA207`` (the "fake casting" the viewer sees
  at the cut, even when each take alone is close enough to the sheet).

dlib's descriptor: two photographs of the same person are under 0.6 apart
(its documented operating point, 99.38 % on LFW); on the QA corpus the
same face under pose, expression, crop and light stays under 0.31 and other
people are 0.62-0.92 away.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.face_models import embed_image, identity_distance
from shotcraft.qa.model import CharacterSheet, Flag, file_digest as _file_digest
from shotcraft.qa.thresholds import severity_of


@lru_cache(maxsize=64)
def _embedding_of(path: str, digest: str) -> np.ndarray | None:  # noqa: ARG001 - the digest keys the cache
    from PIL import Image

    try:
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
    except OSError:
        return None
    return embed_image(rgb)


def sheet_embeddings(sheet: CharacterSheet) -> list[np.ndarray]:
    out = []
    for path in sheet.images:
        vector = _embedding_of(path, _file_digest(path))
        if vector is not None:
            out.append(vector)
    return out


def check_identity(ci: CheckInput) -> list[Flag]:
    """QA115: each face track against the characters of the shot."""
    tracker = ci.face_tracker
    sheets = ci.expected.characters if ci.expected is not None else ()
    if tracker is None or tracker.models is None or not sheets:
        return []
    references = {s.character: sheet_embeddings(s) for s in sheets}
    references = {name: vectors for name, vectors in references.items() if vectors}
    if not references:
        return []
    limit = ci.t("QA115")
    flags = []
    identities = []
    for track in tracker.judged_tracks(ci.t("QA112")):
        points = tracker.identity_points(track)
        if not points:
            continue
        distances = {name: [min(identity_distance(v, r) for r in refs) for _, v in points] for name, refs in references.items()}
        name = min(distances, key=lambda n: float(np.median(distances[n])))
        along = distances[name]
        mean_vector = np.mean([v for _, v in points], axis=0)
        identities.append({"character": name, "distance": round(float(np.median(along)), 4),
                           "frames": [track.first_frame, track.last_frame],
                           "embedding": [round(float(x), 5) for x in mean_vector]})
        region = _grow(points[0][0].box)
        if along[0] > limit and float(np.median(along)) > limit:
            flags.append(Flag("QA115", severity_of("QA115"), track.first_frame, track.last_frame, float(np.median(along)), limit,
                              f"the face is not {name}'s: identity distance {np.median(along):.2f} to the character sheet "
                              f"(the same person stays under {limit:.2f}; frames {track.first_frame}-{track.last_frame})", region=region))
            continue
        away = [i for i, d in enumerate(along) if d > limit]
        if away:
            first = points[away[0]][0]
            flags.append(Flag("QA115", severity_of("QA115"), first.frame, track.last_frame, along[away[0]], limit,
                              f"the face drifts away from {name} from frame {first.frame}: identity distance {along[away[0]]:.2f} "
                              f"(starts at {along[0]:.2f}; the same person stays under {limit:.2f})", region=_grow(first.box)))
    ci.identities = identities
    return flags


def cut_identity(shots: Sequence[tuple[str, Sequence[dict[str, Any]]]], thresholds: dict[str, float]) -> list[Flag]:
    """QA207: ``shots`` in cut order as (shot id, identities of its chosen take); one flag per far pair."""
    limit = thresholds["QA207"]
    seen: dict[str, tuple[str, np.ndarray]] = {}
    flags = []
    for index, (shot_id, identities) in enumerate(shots):
        for identity in identities:
            name, vector = identity["character"], np.asarray(identity["embedding"], np.float32)
            if name in seen:
                first_shot, first_vector = seen[name]
                distance = identity_distance(first_vector, vector)
                if distance > limit:
                    flags.append(Flag("QA207", severity_of("QA207"), index, index, distance, limit,
                                      f"{name} in {shot_id} looks like a different actor than in {first_shot}: identity distance "
                                      f"{distance:.2f} (the same face across shots stays under {limit:.2f})"))
            else:
                seen[name] = (shot_id, vector)
    return flags


def _grow(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return (max(0.0, x - w / 2), max(0.0, y - h / 2), min(1.0, w * 2), min(1.0, h * 2))


CHECKS = (check_identity,)
