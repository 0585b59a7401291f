"""The price table remote providers estimate from: a packaged TOML file, overridable by one beside the plan.

``prices.toml`` ships with shotcraft (list prices when it was written); a
``prices.toml`` in the plan's folder replaces entries, model by model, so a
filmmaker with a negotiated rate or a new model edits their own copy. Lookups
never touch the network. ``use_plan_folder`` tells this process which plan's
table counts (the render engine sets it in the main process and in workers).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shotcraft.backends.remote.protocol import Cost
from shotcraft.errors import InputError

PRICES_FILE = "prices.toml"
PACKAGED = Path(__file__).with_name(PRICES_FILE)
PRICE_FIELDS = ("per_second", "per_image", "per_job")

_plan_folder: Path | None = None
_tables: dict[Path, dict[str, Any]] = {}


@dataclass(frozen=True)
class Price:
    provider: str
    model: str  # the entry that matched ("*" for the provider's fallback)
    values: dict[str, float] = field(default_factory=dict)
    source: str = ""  # which file and its as_of date

    def get(self, name: str) -> float | None:
        return self.values.get(name)


def use_plan_folder(folder: Path | None) -> None:
    """Make ``folder/prices.toml`` (when it exists) override the packaged table in this process."""
    global _plan_folder
    _plan_folder = Path(folder) if folder is not None else None


@contextmanager
def plan_prices(folder: Path | None) -> Iterator[None]:
    previous = _plan_folder
    use_plan_folder(folder)
    try:
        yield
    finally:
        use_plan_folder(previous)


def _load(path: Path) -> dict[str, Any]:
    stamp = path.stat().st_mtime_ns if path.exists() else None
    cached = _tables.get(path)
    if cached is not None and cached.get("__stamp") == stamp:
        return cached
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the price table ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not a valid price table ({exc})") from None
    for provider, models in data.items():
        if provider == "as_of":
            continue
        if not isinstance(models, dict):
            raise InputError(f"{path}: [{provider}] must hold one table per model, found {type(models).__name__}")
        for model, entry in models.items():
            if not isinstance(entry, dict):
                raise InputError(f"{path}: [{provider}.\"{model}\"] must be a table of prices")
            for name, value in entry.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise InputError(f"{path}: [{provider}.\"{model}\"] {name} = {value!r}: expected a price >= 0 in USD")
    data["__stamp"] = stamp
    _tables[path] = data
    return data


def _tables_in_order() -> list[tuple[Path, dict[str, Any]]]:
    tables = []
    if _plan_folder is not None and (_plan_folder / PRICES_FILE).is_file():
        tables.append((_plan_folder / PRICES_FILE, _load(_plan_folder / PRICES_FILE)))
    tables.append((PACKAGED, _load(PACKAGED)))
    return tables


def price(provider: str, model: str) -> Price:
    """The entry for ``provider``/``model``: the plan folder's table first, then the packaged one; exact model,
    then the provider's ``"*"``. InputError naming both files when neither has one."""
    tables = _tables_in_order()
    for wanted in (model, "*"):
        for path, data in tables:
            entry = (data.get(provider) or {}).get(wanted)
            if entry is not None:
                where = "packaged prices.toml" if path == PACKAGED else str(path)
                as_of = data.get("as_of")
                return Price(provider, wanted, {k: float(v) for k, v in entry.items()}, f"{where}{f' {as_of}' if as_of else ''}")
    files = " or ".join(str(p) for p, _ in tables)
    raise InputError(f"no price for {provider} model {model!r} in {files}: add [{provider}.\"{model}\"] with per_second, per_image or per_job")


def cost(provider: str, model: str, *, seconds: float = 0.0, images: int = 0, variant: str | None = None) -> Cost:
    """The usual estimate: seconds x per_second (or ``<variant>_per_second``) + images x per_image + per_job."""
    entry = price(provider, model)
    parts, amount = [], 0.0
    rate_name = f"{variant}_per_second" if variant and entry.get(f"{variant}_per_second") is not None else "per_second"
    if seconds and entry.get(rate_name) is not None:
        amount += seconds * entry.values[rate_name]
        parts.append(f"{seconds:g} s x ${entry.values[rate_name]:g}/s")
    if images and entry.get("per_image") is not None:
        amount += images * entry.values["per_image"]
        parts.append(f"{images} image(s) x ${entry.values['per_image']:g}")
    if entry.get("per_job") is not None:
        amount += entry.values["per_job"]
        parts.append(f"${entry.values['per_job']:g} per job")
    if not parts:
        raise InputError(f"{entry.source}: [{provider}.\"{entry.model}\"] has no price for this request "
                         f"({'seconds' if seconds else 'images'}): add {rate_name if seconds else 'per_image'} or per_job")  # fmt: skip
    return Cost(round(amount, 4), "USD", f"{' + '.join(parts)} ({provider} {entry.model}, {entry.source})")
