"""Props and products are drawn as objects in the animatic, in their sheet's colour, never as people."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from skimage.color import rgb2hsv

from shotcraft.backends.panel import draw_picture, panel_spec
from shotcraft.backends.prop_drawing import prop_look
from shotcraft.render.jobs import drawing_context
from tests.prompts.examples import example


def _spec(name: str, shot_id: str):
    plan = example(name)
    return panel_spec(drawing_context(plan, plan.film.shot(shot_id)), shot_id=shot_id, take="A")


def test_a_product_sheet_reads_as_a_bottle_and_a_ship_as_a_ship() -> None:
    serum = example("serum").film.prop("aube-serum").model_dump(mode="json")
    ship = example("cliff").film.prop("spaceship").model_dump(mode="json")
    assert prop_look(serum).shape == "bottle" and prop_look(ship).shape == "ship"


def test_the_packshot_draws_the_product_where_the_object_goes() -> None:
    spec = _spec("serum", "s7")
    assert spec.props and not spec.looks  # a product, not a person
    with_prop = draw_picture(spec, (320, 180), seed=7)
    without = draw_picture(replace(spec, props=()), (320, 180), seed=7)
    centre = (slice(50, 130), slice(130, 190))
    changed = np.abs(with_prop.astype(int) - without.astype(int)).sum(axis=2)
    assert (changed[centre] > 30).mean() > 0.3  # the bottle covers the centre of the frame
    hue, saturation, _value = (rgb2hsv(with_prop[centre]).reshape(-1, 3)).T
    amber = (hue > 0.03) & (hue < 0.15) & (saturation > 0.3)
    assert amber.mean() > 0.1  # in its sheet's amber


def test_a_wide_shot_floats_the_ship_over_the_city() -> None:
    spec = _spec("cliff", "c4")
    with_prop = draw_picture(spec, (336, 144), seed=3)
    without = draw_picture(replace(spec, props=()), (336, 144), seed=3)
    changed = np.abs(with_prop.astype(int) - without.astype(int)).sum(axis=2) > 30
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.size and rows.mean() < 144 * 0.5  # drawn in the upper half: hovering
