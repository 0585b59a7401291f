"""An ad's end card: the plan's logo and CTA over the last seconds, inside each format's safe area."""

from __future__ import annotations


import cv2
import numpy as np
import pytest
from skimage import data

from shotcraft.deliver.deliver import deliver
from shotcraft.deliver.end_card import CardLayer, CardSpec
from shotcraft.deliver.reframe import SAFE_MARGINS
from shotcraft.errors import InputError
from shotcraft.media.video import read_frames
from tests.grade.media import make_cut, make_plan, plan_text, write_take

FRAMES = 12


@pytest.mark.parametrize("size", [(1080, 1920), (1080, 1350), (1080, 1080), (1920, 1080)])
def test_the_card_lies_inside_the_safe_area(size, tmp_path):
    logo = tmp_path / "logo.png"
    cv2.imwrite(str(logo), cv2.cvtColor(data.logo(), cv2.COLOR_RGBA2BGRA))
    layer = CardLayer(CardSpec("Order today at example.com", logo, "x", 0, 12), size)
    width, height = size
    left, top, right, bottom = SAFE_MARGINS
    ys, xs = np.nonzero(layer.alpha[..., 0] > 0.05)
    assert xs.min() >= left * width and xs.max() <= (1 - right) * width
    assert ys.min() >= top * height and ys.max() <= (1 - bottom) * height
    x0, y0, x1, y1 = layer.text_box
    assert x1 - x0 > 0.25 * width  # a CTA that reads on a phone


def test_an_ad_ends_on_its_card(tmp_path):
    logo = tmp_path / "logo.png"
    cv2.imwrite(str(logo), cv2.cvtColor(data.logo(), cv2.COLOR_RGBA2BGRA))
    takes = {"s01": write_take(tmp_path / "s01.mp4", FRAMES), "s02": write_take(tmp_path / "s02.mp4", FRAMES)}
    extra = "delivery:\n  end_card: {cta: 'Order today', logo: logo.png, seconds: 0.25}\n"
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], extra=extra))
    cut = make_cut(takes, FRAMES)
    entries = deliver(plan, cut, None, tmp_path / "out", None, audio=None, kinds=("master",))
    frames = list(read_frames(tmp_path / "out" / entries[0].path))
    plain = list(read_frames(takes["s02"]))
    assert np.abs(frames[FRAMES + 2].astype(int) - plain[2]).mean() < 3  # before the card: the picture
    last = frames[-1].astype(int)
    assert last.mean() < plain[-1].mean() * 0.8  # dimmed under the card
    assert (last.min(axis=2) > 200).mean() > 0.002  # white CTA text and the logo


def test_a_missing_logo_names_the_field(tmp_path):
    takes = {"s01": write_take(tmp_path / "s01.mp4", FRAMES)}
    plan = make_plan(tmp_path, plan_text(["s01"], extra="delivery:\n  end_card: {cta: Buy, logo: nope.png}\n"))
    with pytest.raises(InputError, match="delivery.end_card.logo: .*nope.png not found"):
        deliver(plan, make_cut(takes, FRAMES), None, tmp_path / "out", None, audio=None, kinds=("master",))
