"""The scrubber: declared credential values and header-style secrets never survive into a message."""

from __future__ import annotations

import pytest

from shotcraft.backends.remote import secrets
from shotcraft.errors import InputError


def test_declared_values_and_header_forms_are_redacted(monkeypatch):
    monkeypatch.setenv("SHOTCRAFT_TEST_PROVIDER_CRED", "abcd-1234-efgh")
    secrets.declare("SHOTCRAFT_TEST_PROVIDER_CRED")
    text = secrets.scrub("401 for abcd-1234-efgh; Authorization: Bearer zzz999; GET /v1/x?key=AIzaSy123&alt=json; x-api-key: k-77")
    assert "abcd-1234-efgh" not in text and "zzz999" not in text and "AIzaSy123" not in text and "k-77" not in text
    assert "Authorization: Bearer [redacted]" in text and "alt=json" in text
    assert secrets.scrub_data({"headers": ["Bearer zzz999"], "n": 3}) == {"headers": ["Bearer [redacted]"], "n": 3}


def test_a_missing_key_names_the_variable_not_a_value(monkeypatch):
    monkeypatch.delenv("SHOTCRAFT_TEST_MISSING_KEY", raising=False)
    with pytest.raises(InputError, match="set the SHOTCRAFT_TEST_MISSING_KEY environment variable"):
        secrets.credential("SHOTCRAFT_TEST_MISSING_KEY", provider="veo")
    monkeypatch.setenv("SHOTCRAFT_TEST_MISSING_KEY", "value-from-env")
    assert secrets.credential("SHOTCRAFT_TEST_MISSING_KEY", provider="veo") == "value-from-env"
