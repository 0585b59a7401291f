"""The price table: packaged list prices, a plan folder's copy replacing entries, one-line errors."""

from __future__ import annotations

import pytest

from shotcraft.backends.remote import prices
from shotcraft.errors import InputError


def test_packaged_prices_and_the_fallback_entry():
    with prices.plan_prices(None):
        veo = prices.cost("veo", "veo-3.1-generate-preview", seconds=8)
        assert veo.amount == pytest.approx(8 * prices.price("veo", "veo-3.1-generate-preview").values["per_second"])
        assert "packaged prices.toml" in veo.basis and "8 s" in veo.basis
        with_audio = prices.cost("veo", "veo-3.1-generate-preview", seconds=8, variant="audio")
        assert with_audio.amount > veo.amount
        assert prices.price("runway", "a-future-model").model == "*"


def test_a_plan_folder_table_replaces_entries_model_by_model(tmp_path):
    (tmp_path / "prices.toml").write_text('[runway."gen4_turbo"]\nper_second = 0.01\n')
    with prices.plan_prices(tmp_path):
        assert prices.cost("runway", "gen4_turbo", seconds=10).amount == pytest.approx(0.1)
        assert str(tmp_path / "prices.toml") in prices.cost("runway", "gen4_turbo", seconds=10).basis
        assert prices.price("luma", "ray-2").source.startswith("packaged")  # untouched entries stay packaged


def test_bad_tables_and_missing_entries_are_named(tmp_path):
    (tmp_path / "prices.toml").write_text('[kling."kling-v2-1"]\nper_second = "cheap"\n')
    with prices.plan_prices(tmp_path), pytest.raises(InputError, match=r"prices.toml: \[kling.\"kling-v2-1\"\] per_second = 'cheap'"):
        prices.cost("kling", "kling-v2-1", seconds=5)
    with prices.plan_prices(None), pytest.raises(InputError, match="no price for nobody model 'x'"):
        prices.price("nobody", "x")
