"""Which clip duration a service is asked for: the one decision the linter (SC610/SC611) and the job planner share.

Services accept a few fixed durations (Veo 4/6/8 s, Runway 5/10 s). A shot
needs its planned seconds plus its edit handles; the service is asked for the
shortest duration that holds all of it, and the rest is generated, paid for
and trimmed. When none is long enough, the longest is asked for: the handles
shrink first, and a shot longer than the longest duration cannot be made in
one request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DurationChoice:
    requested: float  # seconds the service is asked for
    needed: float  # the shot's seconds plus both handles
    shot: float  # the shot's planned seconds

    @property
    def trimmed(self) -> float:
        """Seconds generated and cut away (0 when the request is shorter than what was needed)."""
        return max(0.0, self.requested - self.needed)

    @property
    def handles_lost(self) -> float:
        """Seconds of handles the request cannot hold (both sides together)."""
        return max(0.0, self.needed - max(self.requested, self.shot))

    @property
    def fits(self) -> bool:
        """The planned moment itself fits in one request."""
        return self.requested + 1e-9 >= self.shot


def requested_duration(shot_seconds: float, handle_seconds: float, durations: tuple[float, ...]) -> DurationChoice | None:
    """The duration to request for a shot with ``handle_seconds`` each side; None when the service lists none."""
    if not durations:
        return None
    needed = shot_seconds + 2 * handle_seconds
    long_enough = [d for d in sorted(durations) if d + 1e-9 >= needed]
    requested = long_enough[0] if long_enough else max(durations)
    return DurationChoice(float(requested), float(needed), float(shot_seconds))
