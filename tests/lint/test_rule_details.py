"""Rule details the fixture pairs do not pin down: exemptions, escape fields, edge cases."""

from __future__ import annotations

from shotcraft.lint import lint_plan
from shotcraft.plan import load_plan, load_plan_text
from tests.lint.casebook import BASE

BASE_TEXT = BASE.read_text(encoding="utf-8")


def codes_after(*edits: tuple[str, str], select: str | None = None) -> set[str]:
    text = BASE_TEXT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return {f.code for f in lint_plan(load_plan_text(text), select=select)}


def test_shot_reverse_shot_eyeline_flip_is_not_a_gaze_change() -> None:
    # s2 (mara, gaze right) -> s3 (theo, gaze left) is the normal eyeline match; make the same
    # character flip and add two more changes: now three elements change
    flip_same_character = ("    characters: [theo]\n", "    characters: [mara]\n")
    heavy_grain = ("      texture: natural skin texture, light film grain\n      prohibition: no second person\n      mission: the answer", "      texture: natural skin texture, heavy film grain\n      prohibition: no second person\n      mission: the answer")
    contrast = ("    gaze: left\n", "    gaze: left\n    grade: {contrast: 0.5}\n")
    assert "SC206" not in codes_after(heavy_grain, contrast)
    assert "SC206" in codes_after(flip_same_character, heavy_grain, contrast)


def test_override_with_a_reason_is_allowed() -> None:
    change = "    overrides:\n      mara: {wardrobe: [red raincoat]%s}\n    gaze: right\n"
    assert "SC203" in codes_after(("    gaze: right\n", change % ""))
    assert "SC203" not in codes_after(("    gaze: right\n", change % ", reason: she came in from the storm"))


def test_wardrobe_garment_not_on_the_sheet() -> None:
    assert "SC203" in codes_after(("in her white linen apron and pauses", "in a red silk dress and pauses"))
    assert "SC203" not in codes_after(("in her white linen apron and pauses", "in her grey wool sweater and pauses"))


def test_timing_phrase_in_the_action_counts_as_a_trigger() -> None:
    searching = "Mara searches her apron pockets for the oven key"
    assert "SC109" in codes_after(("Mara almost immediately lifts her eyes towards the back entrance", searching))
    assert "SC109" not in codes_after(("Mara almost immediately lifts her eyes towards the back entrance", searching + " and suddenly freezes"))


def test_negative_directing_silences_style_associations() -> None:
    noir = ("      palette: oven orange and deep brown\n", "      palette: neo-noir, oven orange and deep brown\n")
    assert "SC304" in codes_after(noir)
    assert "SC304" not in codes_after(noir, ("  prohibitions: [neon signs", "  negative_directing: true\n  prohibitions: [neon signs"))


def test_shot_prohibition_covers_the_association_for_that_shot() -> None:
    noir = ("      palette: oven orange and deep brown\n", "      palette: neo-noir, oven orange and deep brown\n")
    covered = ("      prohibition: no second person\n      mission: show the geography", "      prohibition: no second person, no rain\n      mission: show the geography")
    assert "SC304" not in codes_after(noir, covered)


def test_brief_lines_can_come_from_the_location_but_not_the_subject() -> None:
    assert "SC305" not in codes_after(("      weather: cold breath visible\n", ""))
    assert "SC305" in codes_after(("      subject: Theo's face framed by the back entrance, breathless, a faint smile\n", ""))


def test_profile_two_shot_is_not_a_wide_interaction() -> None:
    approach = ("their flour-dusted hands touch on the worktable", "they close the distance and their flour-dusted hands touch")
    assert "SC201" not in codes_after(approach)
    assert "SC201" in codes_after(approach, ("    type: profile-two-shot\n", "    type: medium-action\n"))


def test_shot_clip_rate_needs_its_own_override() -> None:
    clip = ("    anchor: true\n", "    anchor: true\n    clip: {fps: 48%s}\n")
    assert "SC106" in codes_after((clip[0], clip[1] % ""))
    assert "SC106" not in codes_after((clip[0], clip[1] % ", fps_override: slow-motion reveal at half speed"))


def test_motion_take_values_are_checked_against_the_shot_type() -> None:
    takes = ("    characters: []\n", "    characters: []\n    takes: {count: 2, vary: motion, values: [%s]}\n")
    assert "SC104" in codes_after((takes[0], takes[1] % "0.25, 0.6"))
    assert "SC104" not in codes_after((takes[0], takes[1] % "0.2, 0.3"))


def test_a_shared_default_seed_is_one_finding_at_the_defaults() -> None:
    findings = lint_plan(load_plan_text(BASE_TEXT.replace("shots:\n", "defaults:\n  keyframe: {seed: 3}\n\nshots:\n", 1)), select="SC205")
    assert [f.path for f in findings] == [("defaults", "keyframe", "seed")]


def test_imported_clips_are_not_held_to_generation_length() -> None:
    long_s1 = ("    duration: 5\n", "    duration: 9\n")
    assert "SC101" in codes_after(long_s1)
    assert "SC101" not in codes_after(long_s1, ("    camera: push-in\n\n  - id: s2", "    camera: push-in\n    clips: [takes/s1-phone.mp4]\n\n  - id: s2"))


def test_window_light_is_a_light_source_not_a_reflection() -> None:
    assert "SC207" not in codes_after(("      palette: oven orange on skin\n", "      palette: window light from the left on skin\n"))
    assert "SC207" in codes_after(("      palette: oven orange on skin\n", "      palette: the window behind her\n"))


def test_a_keyframe_size_is_judged_by_pixels_and_the_film_aspect() -> None:
    seven_three = ("    fps: 24\n", "    fps: 24\n    aspect: \"7:3\"\n")
    size = "    blocking: {mara: center}\n    keyframe: {resolution: %s}\n"
    assert "SC308" not in codes_after(seven_three, ("    blocking: {mara: center}\n", size % "1792x768"))
    assert "SC308" in codes_after(seven_three, ("    blocking: {mara: center}\n", size % "1536x864"))  # 16:9 on a 7:3 film
    assert "SC308" in codes_after(("    blocking: {mara: center}\n", size % "512x288"))  # too few pixels
    assert "SC308" not in codes_after(("    blocking: {mara: center}\n", size % "1920x1080"))


def test_style_association_reports_every_shot_it_reaches() -> None:
    # the trigger in the location reaches every shot there; each shot gets its own checked suggestion
    location = ("    description: a small stone-walled bakery kitchen", "    description: a small stone-walled western saloon kitchen")
    findings = lint_plan(load_plan_text(BASE_TEXT.replace(*location)), select="SC304")
    assert sorted(f.shot for f in findings) == ["s1", "s2", "s3", "s4", "s5"]
    assert all("also reaches" in f.message for f in findings)


def test_prohibited_words_match_their_forms_and_synonyms() -> None:
    fire = ("  prohibitions: [neon signs", "  prohibitions: [fire, spaceships, neon signs")
    assert "SC306" in codes_after(fire, ("      palette: oven orange and deep brown\n", "      palette: flames and deep brown\n"))
    assert "SC306" in codes_after(fire, ("      palette: oven orange and deep brown\n", "      palette: a spaceship glow\n"))
    # a prohibition naming what the shot is about is dropped for that shot (SC310), not an invitation (SC306)
    burning = ("shaping a single round loaf", "shaping a single round loaf as the oven fire roars")
    codes = codes_after(fire, burning)
    assert "SC310" in codes and "SC306" not in codes


def test_the_timing_fix_suits_the_kind_of_film_and_is_not_already_said() -> None:
    searching = ("Mara almost immediately lifts her eyes towards the back entrance", "Mara searches her apron pockets for the oven key")
    text = BASE_TEXT.replace(*searching)
    [film_fix] = [f for f in lint_plan(load_plan_text(text), select="SC109")]
    assert "senses a presence" in film_fix.fix
    [ad_fix] = [f for f in lint_plan(load_plan_text(text.replace("  kind: film\n", "  kind: ad\n")), select="SC109")]
    assert "senses a presence" not in ad_fix.fix and "result" in ad_fix.fix


def test_a_finding_points_at_the_matched_words(tmp_path) -> None:  # noqa: ANN001
    searching = ("Mara almost immediately lifts her eyes towards the back entrance", "Mara searches her apron pockets for the oven key")
    text = BASE_TEXT.replace(*searching)
    (tmp_path / "film.yaml").write_text(text, encoding="utf-8")
    [finding] = lint_plan(load_plan(tmp_path / "film.yaml"), select="SC109")
    line = text.splitlines()[finding.line - 1]
    start, end = finding.span
    assert line[finding.column - 1 :].startswith("searches her apron pockets"[: end - start])
