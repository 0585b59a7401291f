"""Takes left out of an archive on purpose: absent by choice, not lost.

``shotcraft archive`` keeps the picked takes by default (the issue's "the
picked takes, optionally every take"); the other current takes' objects stay
behind. It lists their job keys in ``store/archived-out.json``, which restore
puts at ``.shotcraft/archived-out.json``. The render engine reads it: a job in
the list whose object is missing is reported as "archived" instead of being
rendered again, so ``make`` after a restore renders nothing. Asking for the take
(``render --shot`` / ``--take``) or ``--force`` renders it again; once its object
is back in the store the entry no longer matters.
"""

from __future__ import annotations

import json
from pathlib import Path

from shotcraft.errors import InputError

#: the file's name inside the project folder (``.shotcraft/``) and, under ``store/``, inside an archive
ARCHIVED_OUT = "archived-out.json"
VERSION = 1


def archived_out_record(takes: list[dict]) -> bytes:
    """The file's bytes for ``takes``: [{"shot", "take", "keys": [job keys]}], sorted (archives are reproducible)."""
    ordered = sorted(({"shot": t["shot"], "take": t["take"], "keys": sorted(t["keys"])} for t in takes), key=lambda t: (t["shot"], t["take"]))
    return (json.dumps({"version": VERSION, "takes": ordered}, indent=2, sort_keys=True) + "\n").encode("utf-8")


def archived_out_keys(project_folder: Path) -> frozenset[str]:
    """Job keys archived out of this project (empty when it was not restored from a picked-only archive)."""
    path = Path(project_folder) / ARCHIVED_OUT
    if not path.is_file():
        return frozenset()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        return frozenset(key for take in data["takes"] for key in take["keys"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: unreadable list of archived-out takes ({exc}); delete it to render those takes again") from None
