"""The embedded generator: keyword selection kept as data, determinism, sane signals."""

from __future__ import annotations

import numpy as np
import pytest

from shotcraft.sound import synth


def test_neo_noir_street_description_selects_its_layers() -> None:
    assert synth.match_keywords("night city hum, distant traffic, dripping gutters", synth.AMBIENCE_KEYWORDS) == [
        "city_hum", "traffic", "drips",
    ]


@pytest.mark.parametrize(
    ("description", "kinds"),
    [
        ("keys jingle", ("jingle",)),
        ("keys drop on cobblestones", ("impact", "jingle")),
        ("door creak", ("creak",)),
        ("footsteps on wet pavement", ("footsteps",)),
        ("two knocks on the door", ("knock",)),
        ("a car whoosh passes by", ("whoosh",)),
        ("lighter click", ("click",)),
    ],
)
def test_effect_descriptions_select_kinds(description: str, kinds: tuple[str, ...]) -> None:
    made = synth.effect(description, "film", "cue")
    assert made.layers == kinds and made.matched
    assert made.samples.shape[1] == 2 and made.samples.shape[0] > 1000
    assert np.all(np.isfinite(made.samples)) and np.max(np.abs(made.samples)) > 0.1


def test_every_table_entry_has_a_synthesizer_and_a_level() -> None:
    assert set(synth.AMBIENCE_KEYWORDS) == set(synth.AMBIENCE_LAYERS) == set(synth.AMBIENCE_LEVELS_DB)
    assert set(synth.EFFECT_KEYWORDS) == set(synth.EFFECTS)
    assert set(synth.MATERIAL_KEYWORDS) == set(synth.MATERIALS)


def test_unknown_effect_falls_back_and_says_so() -> None:
    made = synth.effect("a distant gunshot echo", "film", "cue")
    assert not made.matched and made.layers == ("impact",)


def test_same_ids_same_samples_other_ids_other_samples() -> None:
    first = synth.ambience_bed("rain and wind", 2.0, "film", "street")
    again = synth.ambience_bed("rain and wind", 2.0, "film", "street")
    other = synth.ambience_bed("rain and wind", 2.0, "film", "alley")
    assert np.array_equal(first.samples, again.samples)
    assert not np.allclose(first.samples, other.samples)


@pytest.mark.parametrize("name", sorted(synth.AMBIENCE_LAYERS))
def test_every_ambience_layer_is_a_finite_stereo_bed(name: str) -> None:
    layer = synth.AMBIENCE_LAYERS[name](synth.rng_for("t", name), 48_000 * 2, False)
    assert layer.shape == (96_000, 2)
    assert np.all(np.isfinite(layer)) and np.std(layer) > 0


def test_unmatched_ambience_is_room_tone_with_no_clicks_at_the_ends() -> None:
    bed = synth.ambience_bed("something indescribable", 1.0, "film", "x")
    assert not bed.matched and bed.layers == ("room_tone",)
    assert abs(bed.samples[0]).max() < 1e-6 and abs(bed.samples[-1]).max() < 1e-3


@pytest.mark.parametrize(
    ("description", "layers"),
    [
        ("dry after the rain, damp cobblestones", ["mist"]),
        ("night street, no rain, distant traffic", ["city_hum", "traffic"]),
        ("rain on the windows", ["rain"]),
    ],
)
def test_negated_sounds_are_not_laid(description: str, layers: list[str]) -> None:
    # the seeds' neo-noir trap: "dry after the rain" must not bring rain in
    assert synth.match_keywords(description, synth.AMBIENCE_KEYWORDS) == layers


@pytest.mark.parametrize(
    ("description", "kinds"),
    [
        ("distant explosions, fire roar", ("explosion", "fire", "roar")),
        ("flames crackling", ("fire",)),
        ("a heavy impact", ("impact",)),
        ("a whoosh of air", ("whoosh",)),
        ("sudden downpour of rain", ("rain",)),
        ("traffic horns below", ("traffic",)),
        ("a crowd cheering", ("crowd",)),
        ("the spaceship engine roar", ("roar",)),
    ],
)
def test_genre_cue_vocabulary_selects_a_recipe(description: str, kinds: tuple[str, ...]) -> None:
    made = synth.effect(description, "film", "cue")
    assert made.matched and made.layers == kinds
    assert made.samples.shape[1] == 2 and np.all(np.isfinite(made.samples))
    assert np.max(np.abs(made.samples)) > 0.1


def test_an_explosion_is_darker_than_a_fire() -> None:
    """Independent check of the recipes' character: spectral centroid by numpy's FFT."""
    def centroid(samples: np.ndarray) -> float:
        mono = samples.mean(axis=1)
        spectrum = np.abs(np.fft.rfft(mono))
        freqs = np.fft.rfftfreq(mono.size, 1 / synth.RATE)
        return float((spectrum * freqs).sum() / spectrum.sum())

    boom = synth.effect("an explosion", "film", "cue").samples
    fire = synth.effect("fire crackling", "film", "cue").samples
    assert centroid(boom) < 0.75 * centroid(fire)
