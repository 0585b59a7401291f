"""Runway's developer API (X-Runway-Version 2024-11-06) as the runwayml SDK speaks to it.

POST /v1/image_to_video {model, promptImage, promptText, ratio, duration, seed} -> {"id"}
GET  /v1/tasks/{id} -> {id, status PENDING|THROTTLED|RUNNING|SUCCEEDED|FAILED|CANCELLED, createdAt, progress,
     output: [signed URLs that expire], failure, failureCode, cost|estimatedCost}
Errors: {"error": message} with 400/401/429/5xx. Content refusals end the task FAILED with a SAFETY.* code.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from .media import clip_from_image
from .server import FakeState

API_VERSION = "2024-11-06"
CREATED_AT = "2026-11-30T12:00:00.000Z"


def runway_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def make_app(state: FakeState, api_key: str) -> FastAPI:
    app = FastAPI()

    def refused_auth(request: Request) -> JSONResponse | None:
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return runway_error(401, "Incorrect API key provided.")
        if request.headers.get("x-runway-version") != API_VERSION:
            return runway_error(400, "The X-Runway-Version header is missing or is not a supported version.")
        return None

    @app.post("/v1/image_to_video")
    async def create(request: Request):  # noqa: ANN202
        if (answer := refused_auth(request)) is not None:
            return answer
        body = await request.json()
        state.count_create(body)
        await state.stall()
        behaviour = state.behaviour
        if behaviour.create_status is not None:
            if behaviour.create_status == 429:
                return runway_error(429, "You have exceeded the rate limit for this endpoint.", {"Retry-After": "20"})
            return runway_error(behaviour.create_status, "An unexpected error occurred.")
        image = body.get("promptImage")
        uri = image[0]["uri"] if isinstance(image, list) else image
        if not isinstance(uri, str) or not uri.startswith("data:image/") or ";base64," not in uri:
            return runway_error(400, "promptImage: expected an HTTPS URL, a Runway upload URI or a base64 data URI")
        try:
            picture = base64.b64decode(uri.split(",", 1)[1], validate=True)
        except binascii.Error:
            return runway_error(400, "promptImage: the data URI is not valid base64")
        task_id = f"17f20503-6c24-4f16-946b-{len(state.tasks) + 1:012d}"
        state.tasks[task_id] = {"body": body, "image": picture, "polls": 0, "refuse": behaviour.refuse, "fail": behaviour.fail, "clip": None}
        return {"id": task_id}

    @app.get("/v1/tasks/{task_id}")
    async def retrieve(task_id: str, request: Request):  # noqa: ANN202
        if (answer := refused_auth(request)) is not None:
            return answer
        if state.take_poll_429():
            return runway_error(429, "You have exceeded the rate limit for this endpoint.", {"Retry-After": "0"})
        task = state.tasks.get(task_id)
        if task is None:
            return runway_error(404, "Task not found.")
        task["polls"] += 1
        base = {"id": task_id, "createdAt": CREATED_AT}
        if task["polls"] <= state.behaviour.polls_until_done:
            return {**base, "status": "RUNNING", "progress": 0.5, "estimatedCost": {"credits": 5 * task["body"]["duration"]}}
        if task["refuse"]:
            return {**base, "status": "FAILED", "failure": "Your input image was flagged by our content moderation system.",
                    "failureCode": "SAFETY.INPUT.IMAGE", "cost": {"credits": 0}}  # fmt: skip
        if task["fail"]:
            return {**base, "status": "FAILED", "failure": task["fail"], "failureCode": "INTERNAL.BAD_OUTPUT.CODE01", "cost": {"credits": 0}}
        signature = f"sig{task['polls']}"  # a fresh signed URL on every read, as Runway's are
        url = f"{str(request.base_url).rstrip('/')}/_outputs/{task_id}.mp4?_jwt={signature}"
        return {**base, "status": "SUCCEEDED", "output": [url], "cost": {"credits": 5 * task["body"]["duration"]}}

    @app.get("/_outputs/{task_id}.mp4")
    async def output(task_id: str):  # noqa: ANN202
        task = state.tasks.get(task_id)
        if task is None:
            return Response(status_code=404)
        if state.behaviour.expired_downloads > 0:
            state.behaviour.expired_downloads -= 1
            return Response("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", status_code=403)
        if task["clip"] is None:
            w, h = (float(part) for part in task["body"]["ratio"].split(":"))
            width, height = state.clip_size(w / h)
            task["clip"] = clip_from_image(task["image"], width=width, height=height, seconds=float(task["body"]["duration"]))
        state.downloads += 1
        return Response(task["clip"], media_type="video/mp4")

    return app
