"""Luma's Dream Machine API (https://api.lumalabs.ai/dream-machine/v1) as the lumaai SDK speaks to it.

POST /generations/video {model, prompt, keyframes: {frame0: {type: image, url}, frame1}, aspect_ratio,
     resolution, duration, loop} -> 201 Generation {id, state: queued, ...}
GET  /generations/{id} -> Generation {state queued|dreaming|completed|failed, failure_reason, model,
     assets: {video}}
Luma takes images by URL only (it has no upload endpoint): the fake fetches each keyframe URL as Luma does and
answers 400 when it cannot. ``image_host`` is the user's side of that contract: a folder published over HTTP.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from .media import clip_from_image
from .server import FakeState

CREATED_AT = "2026-11-30T12:00:00.000000Z"
MODERATION = "400: Prompt not allowed because advanced moderation failed"


def luma_error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def make_app(state: FakeState, api_key: str) -> FastAPI:
    app = FastAPI()

    def generation(gen_id: str, task: dict, base: str) -> dict:
        body = task["body"]
        out = {"id": gen_id, "generation_type": "video", "state": task["state"], "failure_reason": task.get("failure_reason"),
               "created_at": CREATED_AT, "model": body["model"], "assets": None,
               "request": {key: body[key] for key in ("model", "prompt", "aspect_ratio", "resolution", "duration", "keyframes", "loop")
                           if key in body}}  # fmt: skip
        if task["state"] == "completed":
            out["assets"] = {"video": f"{base}/_cdn/{gen_id}.mp4", "image": None, "progress_video": None}
        return out

    @app.post("/dream-machine/v1/generations/video")
    async def create(request: Request):  # noqa: ANN202
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return luma_error(401, "Invalid API key")
        body = await request.json()
        state.count_create(body)
        await state.stall()
        behaviour = state.behaviour
        if behaviour.create_status is not None:
            if behaviour.create_status == 429:
                return luma_error(429, "Too many requests: concurrent generation limit reached", {"Retry-After": "15"})
            return luma_error(behaviour.create_status, "Internal server error")
        images = {}
        for name, frame in (body.get("keyframes") or {}).items():
            if frame.get("type") != "image" or not str(frame.get("url", "")).startswith(("https://", "http://")):
                return luma_error(400, f"keyframes.{name}: expected an image reference with a URL")
            async with httpx.AsyncClient(timeout=10) as client:
                fetched = await client.get(frame["url"])
            if fetched.status_code != 200:
                return luma_error(400, f"Failed to download image from URL: {frame['url']}")
            images[name] = fetched.content
        gen_id = f"0b2c3a1e-5f6d-4e7a-9b8c-{len(state.tasks) + 1:012d}"
        task = {"body": body, "images": images, "polls": 0, "state": "queued", "clip": None, "refuse": behaviour.refuse, "fail": behaviour.fail}
        state.tasks[gen_id] = task
        return JSONResponse(generation(gen_id, task, str(request.base_url).rstrip("/")), status_code=201)

    @app.get("/dream-machine/v1/generations/{gen_id}")
    async def get(gen_id: str, request: Request):  # noqa: ANN202
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return luma_error(401, "Invalid API key")
        if state.take_poll_429():
            return luma_error(429, "Too many requests", {"Retry-After": "0"})
        task = state.tasks.get(gen_id)
        if task is None:
            return luma_error(404, "Generation not found")
        task["polls"] += 1
        if task["state"] in ("queued", "dreaming"):
            if task["polls"] <= state.behaviour.polls_until_done:
                task["state"] = "dreaming"
            elif task["refuse"] or task["fail"]:
                task["state"], task["failure_reason"] = "failed", MODERATION if task["refuse"] else task["fail"]
            else:
                task["state"] = "completed"
        return generation(gen_id, task, str(request.base_url).rstrip("/"))

    @app.get("/_cdn/{gen_id}.mp4")
    async def video(gen_id: str):  # noqa: ANN202
        task = state.tasks.get(gen_id)
        if task is None or task["state"] != "completed":
            return Response(status_code=404)
        if task["clip"] is None:
            body = task["body"]
            w, h = (float(part) for part in body.get("aspect_ratio", "16:9").split(":"))
            width, height = state.clip_size(w / h)
            seconds = float(str(body.get("duration", "5s")).rstrip("s"))
            task["clip"] = clip_from_image(task["images"]["frame0"], width=width, height=height, seconds=seconds)
        state.downloads += 1
        return Response(task["clip"], media_type="video/mp4")

    return app


def image_host(folder: Path) -> FastAPI:
    """The user's publishing side: files of ``folder`` by name (a content hash), nothing else."""
    app = FastAPI()

    @app.get("/keyframes/{name}")
    async def image(name: str):  # noqa: ANN202
        if not re.fullmatch(r"[0-9a-f]{64}\.(png|jpg|webp)", name) or not (folder / name).is_file():
            return Response(status_code=404)
        return Response((folder / name).read_bytes(), media_type="image/png")

    return app
