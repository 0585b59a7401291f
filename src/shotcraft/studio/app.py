"""The studio's HTTP face: pages, JSON, frames by number, the shot's sound, and the live event stream.

Every route is a thin call into :class:`~shotcraft.studio.service.StudioService`;
:class:`~shotcraft.studio.security.Gate` wraps the whole app.
"""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import Body, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from shotcraft import __version__
from shotcraft.errors import InputError
from shotcraft.studio.frames import FrameCache, FrameError
from shotcraft.studio.security import Gate, allowed_hosts
from shotcraft.studio.service import NotFound, StudioService

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
LIVE_POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
#: no inline scripts, nothing from another origin: the page can only talk to this server
CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = (("content-security-policy", CSP), ("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"))


def create_app(service: StudioService, *, token: str, port: int, extra_hosts: tuple[str, ...] = ()) -> Gate:
    """The ASGI application: the FastAPI app behind the security gate."""
    stopping = threading.Event()  # set by Studio.stop() from another thread; the event streams poll it

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        stopping.set()

    app = FastAPI(title="shotcraft studio", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    frames = FrameCache()
    templates = Environment(loader=PackageLoader("shotcraft.studio", "templates"), autoescape=select_autoescape())

    @app.exception_handler(InputError)
    async def bad_input(_: Request, error: InputError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=400)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=404)

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        html = templates.get_template("studio.html").render(title=service.plan.film.production.title, version=__version__)
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        # a fixed set of shipped files: the name is looked up, never joined to a path
        files = {p.name: p for p in STATIC.iterdir() if p.suffix in STATIC_TYPES}
        if name not in files:
            raise NotFound("no such file")
        return Response(files[name].read_bytes(), media_type=STATIC_TYPES[files[name].suffix], headers={"cache-control": "no-cache"})

    @app.get("/api/film")
    def film() -> dict[str, Any]:
        return service.outline()

    @app.get("/api/shots/{shot_id}")
    def shot(shot_id: str) -> dict[str, Any]:
        return service.shot_detail(shot_id)

    @app.get("/api/shots/{shot_id}/context")
    def context(shot_id: str) -> dict[str, Any]:
        return service.context(shot_id)

    @app.get("/frames/{take_id}/{index}")
    def frame(take_id: str, index: int) -> Response:
        take = service.take_by_id(take_id)
        if index < 0 or (take.frames is not None and index >= take.frames):
            raise NotFound(f"take has frames 0..{(take.frames or 1) - 1}")
        try:
            data = frames.frame(take.key, take.clip_path, index)
        except FrameError as exc:
            return JSONResponse({"error": str(exc)}, status_code=500)
        if data is None:
            raise NotFound("past the last decoded frame")
        # content-addressed take: frame n of this id never changes
        return Response(data, media_type="image/jpeg", headers={"x-frame-index": str(index), "cache-control": "private, max-age=86400, immutable"})

    @app.get("/sound/{shot_id}")
    def sound(shot_id: str) -> Response:
        return Response(_shot_sound(service, shot_id), media_type="audio/wav", headers={"cache-control": "no-cache"})

    @app.get("/events")
    async def events(request: Request) -> StreamingResponse:
        return StreamingResponse(_changes(service, request, stopping), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})  # fmt: skip

    # --- deciding -------------------------------------------------------------------------------

    @app.post("/api/shots/{shot_id}/pick")
    def pick(shot_id: str, body: dict = Body(...)) -> dict[str, Any]:
        service.pick(shot_id, _field(body, "take", str, optional=True))
        return service.shot_detail(shot_id)

    @app.post("/api/shots/{shot_id}/reject")
    def reject(shot_id: str, body: dict = Body(...)) -> dict[str, Any]:
        result = service.reject(shot_id, _field(body, "take", str), reason=_field(body, "reason", str),
                                severity=_field(body, "severity", str, optional=True) or "major")  # fmt: skip
        return {**service.shot_detail(shot_id), **result}

    @app.post("/api/shots/{shot_id}/unreject")
    def unreject(shot_id: str, body: dict = Body(...)) -> dict[str, Any]:
        service.unreject(shot_id, _field(body, "take", str))
        return service.shot_detail(shot_id)

    @app.post("/api/shots/{shot_id}/notes")
    def add_note(shot_id: str, body: dict = Body(...)) -> dict[str, Any]:
        service.add_note(shot_id, _field(body, "take", str), frame=_field(body, "frame", int), x=_field(body, "x", float),
                         y=_field(body, "y", float), text=_field(body, "text", str))  # fmt: skip
        return service.shot_detail(shot_id)

    @app.delete("/api/notes/{note_id}")
    def delete_note(note_id: int) -> dict[str, bool]:
        service.delete_note(note_id)
        return {"deleted": True}

    @app.post("/api/shots/{shot_id}/signoff")
    def sign_off(shot_id: str, body: dict = Body(...)) -> dict[str, Any]:
        service.sign_off(shot_id, _field(body, "role", str), _field(body, "take", str, optional=True))
        return service.shot_detail(shot_id)

    @app.post("/api/settings")
    def settings(body: dict = Body(...)) -> dict[str, Any]:
        service.set_two_reviewers(_field(body, "two_reviewers", bool))
        return service.outline()

    @app.post("/api/checklist")
    def checklist(body: dict = Body(...)) -> dict[str, Any]:
        service.tick(_field(body, "item", str), _field(body, "done", bool))
        return service.outline()

    @app.post("/api/production-note")
    def production_note(body: dict = Body(...)) -> dict[str, Any]:
        service.set_production_note({k: _field(body, k, str) for k in body})
        return service.outline()

    gate = Gate(app, token=token, hosts=allowed_hosts(port, extra_hosts), headers=SECURITY_HEADERS)
    gate.stopping = stopping
    return gate


def _field(body: Any, name: str, kind: type, *, optional: bool = False) -> Any:
    """One JSON field, type-checked, naming the field when wrong."""
    if not isinstance(body, dict):
        raise InputError("request body: expected a JSON object")
    value = body.get(name)
    if value is None and optional:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputError(f"{name}: expected {kind.__name__}, found {json.dumps(value)}")
    return value


def _ledger_state(path: Path, db: sqlite3.Connection | None) -> tuple[Any, ...]:
    """What changes when any process commits to the ledger: the files' mtimes and SQLite's data_version."""
    stamps = []
    for suffix in ("", "-wal"):
        try:
            stat = Path(str(path) + suffix).stat()
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append(None)
    version = db.execute("PRAGMA data_version").fetchone()[0] if db is not None else None
    return (*stamps, version)


async def _changes(service: StudioService, request: Request, stopping: threading.Event) -> AsyncIterator[str]:
    """Server-sent events: 'change' whenever the ledger or the plan changes (a render, a take add, a pick elsewhere)."""
    path = service.ledger_path
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        last = (_ledger_state(path, db), service.plan_mtime())
        yield "retry: 1000\nevent: hello\ndata: {}\n\n"
        idle = 0.0
        while not stopping.is_set() and not await request.is_disconnected():
            await asyncio.sleep(LIVE_POLL_SECONDS)
            now = (_ledger_state(path, db), service.plan_mtime())
            if now != last:
                last = now
                idle = 0.0
                yield "event: change\ndata: {}\n\n"
            else:
                idle += LIVE_POLL_SECONDS
                if idle >= HEARTBEAT_SECONDS:
                    idle = 0.0
                    yield ": keep-alive\n\n"
    finally:
        db.close()


def _shot_sound(service: StudioService, shot_id: str) -> bytes:
    shot = service.shot(shot_id)
    return _ambience_wav(service.plan_path, service.plan_mtime(), shot_id, shot.location, float(shot.duration))


@lru_cache(maxsize=64)
def _ambience_wav(plan_path: Path, plan_mtime: int, shot_id: str, location: str | None, seconds: float) -> bytes:
    """The shot's location ambience, as the sound stage lays it under the cut (synthesized, at its loudness)."""
    import soundfile

    from shotcraft.plan import load_plan
    from shotcraft.sound import synth
    from shotcraft.sound.audio import load_conformed
    from shotcraft.sound.loudness import SAMPLE_RATE, gain_to, integrated_loudness
    from shotcraft.sound.stems import DEFAULT_ROOM_TONE, ambience_source

    plan = load_plan(plan_path)
    source = ambience_source(plan, location)
    n = max(1, int(round(seconds * SAMPLE_RATE)))
    if source.ambience is not None and source.ambience.file is not None:
        clip = load_conformed(plan.resolve_path(source.ambience.file), what=f"sound.ambience.{source.key}.file")
        samples = np.resize(clip.samples, (n, clip.samples.shape[1]))
    else:
        samples = synth.ambience_bed(source.description or DEFAULT_ROOM_TONE, seconds, plan.film.production.id, source.key or "-").samples
    samples = samples * gain_to(integrated_loudness(samples, fast=True), source.lufs, what=f"shot {shot_id} ambience")
    out = io.BytesIO()
    soundfile.write(out, samples.clip(-1, 1), SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()
