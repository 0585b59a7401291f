"""Where a command may write its results: anywhere but inside a takes store.

`shotcraft gc` deletes what the ledger does not reference under ``.shotcraft/``;
an output folder inside it (``--out film/.shotcraft/out``) would be deleted with
the garbage. Every command with an output folder checks it here first.
"""

from __future__ import annotations

from pathlib import Path

from shotcraft.errors import InputError
from shotcraft.render.store import PROJECT_FOLDER


def check_output_folder(folder: str | Path, *, option: str = "--out") -> Path:
    """``folder`` as given; InputError when it lies inside a ``.shotcraft`` store (links resolved)."""
    path = Path(folder)
    if PROJECT_FOLDER in path.resolve().parts or PROJECT_FOLDER in path.absolute().parts:
        raise InputError(
            f"{option} {folder}: inside a {PROJECT_FOLDER} takes store, which `shotcraft gc` cleans; "
            "choose a folder outside it (nothing was written)"
        )
    return path
