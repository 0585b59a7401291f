"""A model source as the plan means it: local paths read against the plan's folder, not the working directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shotcraft.plan.loader import LoadedPlan


def anchored_model(plan: LoadedPlan, model: Any) -> Any:
    """The model source with local paths resolved against the plan's folder, not the working directory."""
    if model is None:
        return None
    update: dict[str, Any] = {}
    if model.path is not None and not model.path.is_absolute():
        update["path"] = plan.resolve_path(model.path)
    for name in ("base", "ip_adapter"):
        value = getattr(model, name, None)
        if isinstance(value, str) and value.startswith("."):  # "./models/x" is a folder, "org/repo" a hub id
            update[name] = str(plan.resolve_path(Path(value)))
    return model.model_copy(update=update) if update else model
