"""API keys: read from the environment only, and scrubbed from every text that may carry a provider's words.

SDK exceptions sometimes echo request headers or URLs with the key in them; a
provider's error text therefore passes through :func:`scrub` before it reaches
the ledger, the settings log, an event or a printed line. The scrubber knows
the values of every credential variable a provider declares plus the usual
names (``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``), and the usual header forms.
"""

from __future__ import annotations

import os
import re
from typing import Any

from shotcraft.errors import InputError

REDACTED = "[redacted]"
#: variables scrubbed even when no provider declared them
_NAME_PATTERN = re.compile(r"(API_KEY|APIKEY|_TOKEN|_SECRET|_KEY)$", re.IGNORECASE)
#: "Authorization: Bearer abc", "x-api-key: abc", "?key=abc", "api_key=abc"
_FORMS = re.compile(r"(?i)(bearer\s+|authorization[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?|x-api-key[\"']?\s*[:=]\s*[\"']?|[?&](?:api_)?key=|api_key[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]+")
_MIN_SECRET = 6  # shorter values are too likely to be ordinary words

_declared: set[str] = set()


def declare(*names: str) -> None:
    """Provider modules declare their credential variables (the scrubber reads their values at scrub time)."""
    _declared.update(names)


def credential(name: str, *, provider: str) -> str:
    """An API key from the environment, or an InputError saying which variable to set (never its value)."""
    declare(name)
    value = os.environ.get(name, "").strip()
    if not value:
        raise InputError(f"{provider}: set the {name} environment variable to your API key (it is read from the environment only)")
    return value


def _secrets() -> list[str]:
    values = set()
    for name, value in os.environ.items():
        if (name in _declared or _NAME_PATTERN.search(name)) and len(value.strip()) >= _MIN_SECRET:
            values.add(value.strip())
    return sorted(values, key=len, reverse=True)


def scrub(text: Any) -> str:
    """``text`` with every known credential value and every header-style secret replaced by [redacted]."""
    out = str(text)
    for secret in _secrets():
        out = out.replace(secret, REDACTED)
    return _FORMS.sub(lambda m: m.group(1) + REDACTED, out)


def scrub_data(value: Any) -> Any:
    """``scrub`` through JSON-like data (the payload and details written to the settings log)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k) if isinstance(k, str) else k: scrub_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_data(v) for v in value]
    return value
