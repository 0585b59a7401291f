"""What a backend can do for one shot: the one place the engine and the linter read capabilities from.

A backend declares :class:`~shotcraft.backends.protocol.Capabilities`; a backend
whose abilities depend on the model (FLUX reads prose, SVD has no last frame)
refines them with ``capabilities_for(model)``. A remote service's backend also
carries ``provider_capabilities``
(:class:`~shotcraft.backends.remote.protocol.ProviderCapabilities`). Nothing
here loads weights or calls a service.
"""

from __future__ import annotations

import re
from typing import Any

from shotcraft.backends.protocol import Capabilities
from shotcraft.backends.remote.protocol import ProviderCapabilities

_LINEAR_RULE = re.compile(r"^\s*(\d+)\s*k\s*\+\s*(\d+)\s*$")


def capabilities_of(backend: Any, model: Any) -> Capabilities:
    """A backend's capabilities once its model is known (FLUX reads prose; Wan 2.1 has no last frame)."""
    refine = getattr(backend, "capabilities_for", None)
    return refine(model) if (refine is not None and model is not None) else backend.capabilities


def clip_handle_frames(resolved: Any, capabilities: Capabilities) -> int:
    """Handle frames a shot's clip is drawn with each side of its planned moment: the plan's, where the backend draws them."""
    return resolved.handle_frames if capabilities.handles else 0


def provider_capabilities_of(backend: Any) -> ProviderCapabilities | None:
    """A remote service's capabilities, or None for a backend that runs here."""
    provided = getattr(backend, "provider_capabilities", None)
    return provided if isinstance(provided, ProviderCapabilities) else None


def frame_count_allowed(rule: str, frames: int) -> bool:
    """Whether ``frames`` satisfies a frame-count rule: "any", "4k+1" (k >= 0), or a list "14,25"."""
    rule = rule.strip().lower()
    if rule in ("", "any"):
        return True
    linear = _LINEAR_RULE.match(rule)
    if linear:
        step, offset = int(linear.group(1)), int(linear.group(2))
        return frames >= offset and (frames - offset) % step == 0
    return frames in _listed_counts(rule)


def nearest_frame_count(rule: str, frames: int) -> int:
    """The allowed count closest to ``frames`` (the larger one on a tie: trimming beats stretching)."""
    if frame_count_allowed(rule, frames):
        return frames
    linear = _LINEAR_RULE.match(rule.strip().lower())
    if linear:
        step, offset = int(linear.group(1)), int(linear.group(2))
        below = offset + max(0, (frames - offset) // step) * step
        above = below + step if below < frames else below
        candidates = [count for count in (below, above) if count >= 1]
    else:
        candidates = list(_listed_counts(rule))
    return min(candidates, key=lambda count: (abs(count - frames), -count))


def _listed_counts(rule: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in rule.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"frame-count rule {rule!r} is not 'any', 'Nk+M' or a list of counts") from None
    if not counts:
        raise ValueError(f"frame-count rule {rule!r} lists no count")
    return counts
