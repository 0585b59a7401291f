"""Cross-field checks pydantic cannot express: unique ids, references, ranges within a shot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shotcraft.plan.resolve import take_count

if TYPE_CHECKING:
    from shotcraft.plan.loader import LoadedPlan, PlanIssue, Path_


def check_references(plan: LoadedPlan) -> list[PlanIssue]:
    from shotcraft.plan.loader import PlanIssue

    film = plan.film
    file = plan.file
    issues: list[PlanIssue] = []

    def report(path: Path_, message: str, *, key: bool = False) -> None:
        line, col = plan.locate(path, prefer_key=key)
        issues.append(PlanIssue(file, line, col, path, message))

    def unique(section: str, items: list) -> set[str]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                report((section, index, "id"), f"duplicate id {item.id!r} (first used at {section}[{seen[item.id]}])")
            else:
                seen[item.id] = index
        return set(seen)

    characters = unique("characters", film.characters)
    locations = unique("locations", film.locations)
    props = unique("props", film.props)
    shots = unique("shots", film.shots)

    def known(path: Path_, value: str | None, ids: set[str], kind: str) -> None:
        if value is not None and value not in ids:
            choices = ", ".join(sorted(ids)) or "none defined"
            report(path, f"unknown {kind} {value!r} (known: {choices})")

    for index, shot in enumerate(film.shots):
        base: Path_ = ("shots", index)
        for c_index, character in enumerate(shot.characters):
            known(base + ("characters", c_index), character, characters, "character")
        if len(set(shot.characters)) != len(shot.characters):
            report(base + ("characters",), "a character is listed twice")
        known(base + ("location",), shot.location, locations, "location")
        for p_index, prop in enumerate(shot.props):
            known(base + ("props", p_index), prop, props, "prop")
        for character in shot.blocking:
            if character not in shot.characters:
                report(base + ("blocking", character), f"blocking names {character!r}, who is not in this shot's characters", key=True)
        if shot.end_frame is not None:
            for character in shot.end_frame.blocking:
                if character not in shot.characters:
                    report(base + ("end_frame", "blocking", character), f"{character!r} is not in this shot's characters", key=True)
        for character in shot.overrides:
            if character not in shot.characters:
                report(base + ("overrides", character), f"override for {character!r}, who is not in this shot", key=True)
        for t_index, trigger in enumerate(shot.triggers):
            if trigger.at >= shot.duration:
                report(base + ("triggers", t_index, "at"), f"trigger at {trigger.at:g} s is past the shot's end ({shot.duration:g} s)")
        if shot.trim.out is not None and shot.trim.out <= shot.trim.in_:
            report(base + ("trim", "out"), f"trim out ({shot.trim.out:g} s) must be after trim in ({shot.trim.in_:g} s)")
        if shot.trim.out is not None and shot.trim.out > shot.duration:
            report(base + ("trim", "out"), f"trim out ({shot.trim.out:g} s) is past the shot's duration ({shot.duration:g} s)")
        if shot.transition.duration > shot.duration / 2:
            report(base + ("transition", "duration"), f"transition ({shot.transition.duration:g} s) is longer than half the shot")
        known(base + ("grade", "reference"), shot.grade.reference, shots, "shot")
        if shot.takes is not None and shot.takes.vary != "seed":
            count = take_count(film, shot)
            if len(shot.takes.values) != count:
                report(base + ("takes", "values"), f"takes vary {shot.takes.vary}: give one value per take ({count}), found {len(shot.takes.values)}")
            if shot.takes.vary in ("motion", "cfg"):
                for v_index, value in enumerate(shot.takes.values):
                    if not isinstance(value, (int, float)):
                        report(base + ("takes", "values", v_index), f"expected a number for {shot.takes.vary}, found {value!r}")
                    elif shot.takes.vary == "motion" and not 0 <= value <= 1:
                        report(base + ("takes", "values", v_index), f"motion must be within 0..1, found {value!r}")
        elif shot.takes is not None and shot.takes.values:
            report(base + ("takes", "values"), "values are only used when takes vary motion, cfg or prompt")

    for location in film.sound.ambience:
        known(("sound", "ambience", location), location, locations, "location")
    for index, cue in enumerate(film.sound.cues):
        known(("sound", "cues", index, "shot"), cue.shot, shots, "shot")
        if cue.shot in shots and cue.at >= film.shot(cue.shot).duration:
            report(("sound", "cues", index, "at"), f"cue at {cue.at:g} s is past the end of shot {cue.shot!r}")
    for index, line in enumerate(film.sound.dialogue):
        known(("sound", "dialogue", index, "shot"), line.shot, shots, "shot")
    known(("grade", "reference"), film.grade.reference, shots, "shot")
    known(("delivery", "poster_shot"), film.delivery.poster_shot, shots, "shot")
    return issues
