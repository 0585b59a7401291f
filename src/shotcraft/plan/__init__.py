"""The film plan: schema, loading with located errors, versions, effective settings."""

from shotcraft.plan.loader import LoadedPlan, PlanIssue, load_plan, load_plan_text
from shotcraft.plan.resolve import ResolvedShot, TakeSpec, resolve_shot, resolve_shots
from shotcraft.plan.schema import Film, Shot, json_schema

__all__ = [
    "Film",
    "LoadedPlan",
    "PlanIssue",
    "ResolvedShot",
    "Shot",
    "TakeSpec",
    "json_schema",
    "load_plan",
    "load_plan_text",
    "resolve_shot",
    "resolve_shots",
]
