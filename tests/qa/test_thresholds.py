"""The threshold table: one row per key, defaults, overrides, clean errors."""

from __future__ import annotations

import pytest

from shotcraft.errors import InputError
from shotcraft.qa.model import CHECK_NAMES
from shotcraft.qa.thresholds import DEFAULTS, TABLE, resolve_thresholds, table_markdown


def test_every_check_code_has_a_documented_threshold() -> None:
    keys = {row.key.split(".")[0] for row in TABLE}
    assert set(CHECK_NAMES) <= keys
    assert len({row.key for row in TABLE}) == len(TABLE)
    assert all(row.meaning and row.unit for row in TABLE)
    assert "| QA101 |" in table_markdown()


def test_film_then_shot_overrides() -> None:
    values = resolve_thresholds({"QA101": 6, "QA104.high": 4}, {"QA101": 8})
    assert values["QA101"] == 8.0 and values["QA104.high"] == 4.0
    assert values["QA102"] == DEFAULTS["QA102"]


def test_unknown_key_names_where_and_suggests() -> None:
    with pytest.raises(InputError, match=r"film.yaml: qa.thresholds: unknown QA threshold 'QA104.hgh' \(known for QA104: .*QA104.high"):
        resolve_thresholds({"QA104.hgh": 1}, where="film.yaml: qa.thresholds")
    with pytest.raises(InputError, match="expected a number"):
        resolve_thresholds({"QA101": "loud"})
