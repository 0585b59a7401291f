"""Helpers for engine tests: small real plans on disk and a store snapshot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shotcraft.plan import LoadedPlan, load_plan

#: test backends, registered through the registry hook by the ``test_backends`` fixture
TEST_BACKENDS = {
    "test-solid": "tests.render.render_test_backend:SolidBackend",
    "test-flaky": "tests.render.render_test_backend:FlakyBackend",
    "test-broken": "tests.render.render_test_backend:BrokenBackend",
    "test-broken-keyframe": "tests.render.render_test_backend:BrokenKeyframeBackend",
    "test-device": "tests.render.render_test_backend:DeviceBackend",
    "test-crashing": "tests.render.render_test_backend:CrashingBackend",
}


def plan_text(backend: str = "test-solid", *, shots: int = 3, takes: int = 2, resolution: str = "160x96", extra_shot: str = "") -> str:
    """A small valid plan; shot i lasts 0.5 + 0.25*i seconds at 24 fps."""
    lines = [
        "schema_version: 2",
        "production: {id: enginetest, title: Engine Test, format: {resolution: %s, fps: 24}}" % resolution,
        "characters:",
        "  - {id: ana, descriptors: {hair: short red hair}, wardrobe: [yellow raincoat]}",
        "locations:",
        "  - {id: hall, description: a long empty hallway}",
        "defaults:",
        f"  takes: {takes}",
        f"  keyframe: {{backend: {backend}, resolution: 192x108}}",
        f"  clip: {{backend: {backend}}}",
        "shots:",
    ]
    kinds = ["establishing", "medium-action", "tight-portrait", "insert", "wide-ambience"]
    for index in range(shots):
        sid = f"s{index + 1:02d}"
        lines.append(
            f"  - {{id: {sid}, type: {kinds[index % len(kinds)]}, duration: {0.5 + 0.25 * index}, characters: [ana],"
            f" location: hall, camera: push-in, brief: {{subject: 'Ana in shot {index + 1}'}}{extra_shot}}}"
        )
    return "\n".join(lines) + "\n"


def write_plan(folder: Path, text: str) -> LoadedPlan:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "film.yaml").write_text(text, encoding="utf-8")
    return load_plan(folder / "film.yaml")


def store_snapshot(plan: LoadedPlan) -> dict:
    """What 'the store is unchanged' means: the object files and the done takes."""
    from shotcraft.render.store import open_project

    folder = plan.root / ".shotcraft"
    if not folder.exists():
        return {"objects": [], "done": []}
    project = open_project(plan)
    return {
        "objects": sorted(p.name for p in project.objects.all_objects()),
        "done": sorted((t.shot_id, t.label, t.key) for t in project.takes() if t.state == "done"),
    }


def done_jobs(folder: Path) -> int:
    """Jobs the ledger under ``folder`` records done, read without locking or writing (0 when none)."""
    ledger = folder / ".shotcraft" / "ledger.sqlite"
    if not ledger.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM jobs WHERE state = 'done'").fetchone()[0]
    except sqlite3.Error:
        return 0
