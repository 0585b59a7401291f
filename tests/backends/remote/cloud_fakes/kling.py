"""Kling's developer API (https://api-singapore.klingai.com) as documented, for the REST provider.

Authorization: Bearer <JWT HS256 {iss: access key, exp, nbf} signed with the secret key>
POST /v1/videos/image2video {model_name, mode, image (raw base64), image_tail, prompt, negative_prompt,
     cfg_scale, duration "5"|"10", external_task_id} -> {code: 0, message, request_id, data: {task_id,
     task_status: submitted, task_info: {external_task_id}, created_at, updated_at}}
GET  /v1/videos/image2video/{task_id or external_task_id} -> data.task_status submitted|processing|succeed|
     failed, task_status_msg, task_result.videos[{id, url, duration}]
Errors: {code, message, request_id} with HTTP 400 (1201 bad params, 1301 content policy), 401 (1000-1004),
429 (1102 no credit, 1302 too fast, 1303 too many at once), 500 (5000).
"""

from __future__ import annotations

import base64
import binascii
import io

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image

from .media import clip_from_image
from .server import FakeState

CREATED_AT = 1764504000000
RISK_CONTROL = "Failure to pass the risk control system"


def kling_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "request_id": "fake-request"}, status_code=status, headers=headers)


def make_app(state: FakeState, access_key: str, secret_key: str) -> FastAPI:
    app = FastAPI()
    by_external: dict[str, str] = {}

    def refused_auth(request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return kling_error(401, 1001, "Authorization is empty")
        try:
            claims = jwt.decode(header[7:], secret_key, algorithms=["HS256"], options={"require": ["iss", "exp", "nbf"]})
        except jwt.ExpiredSignatureError:
            return kling_error(401, 1004, "Authorization is expired")
        except jwt.InvalidTokenError:
            return kling_error(401, 1002, "Authorization is invalid")
        if claims["iss"] != access_key:
            return kling_error(401, 1000, "Authentication failed")
        return None

    def task_data(task_id: str, task: dict, base: str) -> dict:
        data = {"task_id": task_id, "task_status": task["status"], "task_status_msg": task.get("message", ""),
                "task_info": {"external_task_id": task["body"].get("external_task_id", "")},
                "created_at": CREATED_AT, "updated_at": CREATED_AT + 1000 * task["polls"]}  # fmt: skip
        if task["status"] == "succeed":
            data["task_result"] = {"videos": [{"id": f"v-{task_id}", "url": f"{base}/_kcdn/{task_id}.mp4?x-expires=2592000",
                                              "duration": task["body"]["duration"]}]}  # fmt: skip
        return data

    @app.post("/v1/videos/image2video")
    async def create(request: Request):  # noqa: ANN202
        if (answer := refused_auth(request)) is not None:
            return answer
        body = await request.json()
        state.count_create(body)
        await state.stall()
        behaviour = state.behaviour
        if behaviour.create_status == 429:
            return kling_error(429, 1302, "API request too fast, please slow down", {"Retry-After": "10"})
        if behaviour.create_status is not None:
            return kling_error(behaviour.create_status, 5000, "Server internal error")
        if behaviour.refuse:
            return kling_error(400, 1301, "Trigger the content security policy of the platform")
        external = body.get("external_task_id")
        if external and external in by_external:
            return kling_error(400, 1201, "external_task_id already exists")
        try:
            picture = base64.b64decode(str(body.get("image", "")), validate=True)
            width, height = Image.open(io.BytesIO(picture)).size
        except (binascii.Error, OSError):
            return kling_error(400, 1201, "image: expected base64 image data without a data: prefix")
        if min(width, height) < 300:
            return kling_error(400, 1201, "image: width and height must be at least 300px")
        if str(body.get("duration", "5")) not in ("5", "10"):
            return kling_error(400, 1201, "duration: must be 5 or 10")
        task_id = f"8{len(state.tasks) + 1:017d}"
        state.tasks[task_id] = {"body": body, "image": picture, "polls": 0, "status": "submitted", "clip": None, "fail": behaviour.fail}
        if external:
            by_external[external] = task_id
        return {"code": 0, "message": "SUCCEED", "request_id": "fake-request",
                "data": task_data(task_id, state.tasks[task_id], str(request.base_url).rstrip("/"))}  # fmt: skip

    @app.get("/v1/videos/image2video/{task_id}")
    async def query(task_id: str, request: Request):  # noqa: ANN202
        if (answer := refused_auth(request)) is not None:
            return answer
        if state.take_poll_429():
            return kling_error(429, 1302, "API request too fast, please slow down", {"Retry-After": "0"})
        task_id = by_external.get(task_id, task_id)
        task = state.tasks.get(task_id)
        if task is None:
            return kling_error(400, 1203, "task not found")
        task["polls"] += 1
        if task["status"] in ("submitted", "processing"):
            if task["polls"] <= state.behaviour.polls_until_done:
                task["status"] = "processing"
            elif task["fail"]:
                task["status"], task["message"] = "failed", task["fail"]
            else:
                task["status"] = "succeed"
        return {"code": 0, "message": "SUCCEED", "request_id": "fake-request", "data": task_data(task_id, task, str(request.base_url).rstrip("/"))}

    @app.get("/_kcdn/{task_id}.mp4")
    async def video(task_id: str):  # noqa: ANN202
        task = state.tasks.get(task_id)
        if task is None or task["status"] != "succeed":
            return Response(status_code=404)
        if task["clip"] is None:
            with Image.open(io.BytesIO(task["image"])) as opened:
                aspect = opened.width / opened.height
            width, height = state.clip_size(aspect)
            task["clip"] = clip_from_image(task["image"], width=width, height=height, seconds=float(task["body"]["duration"]))
        state.downloads += 1
        return Response(task["clip"], media_type="video/mp4")

    return app
