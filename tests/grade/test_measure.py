"""The grade's CIEDE2000 against colour-science (an independent implementation) and Sharma's published pairs."""

from __future__ import annotations

import numpy as np
import pytest

from shotcraft.grade.measure import delta_e2000

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", table 1: pairs and their ΔE00
SHARMA = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_sharmas_published_pairs() -> None:
    first = np.array([p[0] for p in SHARMA])
    second = np.array([p[1] for p in SHARMA])
    expected = np.array([p[2] for p in SHARMA])
    assert np.allclose(delta_e2000(first, second), expected, atol=1e-4)
    assert np.allclose(delta_e2000(second, first), expected, atol=1e-4)  # symmetric


def test_agrees_with_colour_science_on_many_colours() -> None:
    colour = pytest.importorskip("colour")
    rng = np.random.default_rng(7)
    first = np.column_stack([rng.uniform(0, 100, 5000), rng.uniform(-90, 90, 5000), rng.uniform(-90, 90, 5000)])
    second = first + rng.normal(0, 12, first.shape)
    second[:200] = first[:200]  # identical colours: 0
    second[200:300, 1:] = 0.0  # greys: the hue of a zero chroma
    reference = colour.delta_E(first, second, method="CIE 2000")
    assert np.allclose(delta_e2000(first, second), reference, atol=1e-9, rtol=1e-9)
    assert delta_e2000(first[:3].reshape(1, 3, 3), second[:3].reshape(1, 3, 3)).shape == (1, 3)
