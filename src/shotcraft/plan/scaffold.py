"""`shotcraft init`: a new film folder from the commented template."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from shotcraft.errors import InputError
from shotcraft.fsutil import write_text
from shotcraft.plan.schema import json_schema


def template_text() -> str:
    return resources.files("shotcraft.plan").joinpath("template.yaml").read_text(encoding="utf-8")


def scaffold(folder: str | Path, *, force: bool = False) -> Path:
    """Write ``folder/film.yaml`` from the template, and ``film.schema.json`` beside it for editors.

    Refuses to overwrite an existing film.yaml unless ``force``.
    """
    folder = Path(folder)
    target = film_target(folder, force=force)
    slug = "".join(ch if ch.isalnum() else "-" for ch in folder.resolve().name.lower()).strip("-") or "my-film"
    text = template_text().replace("id: my-film ", f"id: {slug[:40]} ", 1)
    write_text(target, text)
    write_schema_beside(folder)
    return target


def film_target(folder: Path, *, force: bool = False) -> Path:
    """``folder/film.yaml`` for a new film: the folder is created; an existing plan is kept unless ``force``."""
    target = folder / "film.yaml"
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder")
    if target.exists() and not force:
        raise InputError(f"{target}: already exists (use --force to overwrite)")
    folder.mkdir(parents=True, exist_ok=True)
    return target


def write_schema_beside(folder: Path) -> Path:
    """``film.schema.json`` beside a plan: the plan's modeline points here, so editors work offline."""
    target = Path(folder) / "film.schema.json"
    write_text(target, json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    return target
