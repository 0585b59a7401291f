"""A local server that follows the OpenAI chat-completions contract, for the drafter's tests.

POST /v1/chat/completions answers by the request's ``model``: ``good`` (a valid improved shot list),
``repair`` (a broken list first, a valid one once the request carries the findings), ``malformed``
(not JSON), ``refuse`` (a refusal), ``slow`` (answers after the client's timeout), ``broken`` (always
an invalid shot list). Requests are recorded so tests can check what the SDK sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

IMPROVED = "almost immediately freezes as the streetlamp flickers, shot with rain-dark cobbles"


def _completion(model: str, content: str | None, refusal: str | None = None) -> dict:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1_790_000_000, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }  # fmt: skip


def improved(shots: list[dict]) -> list[dict]:
    out = []
    for shot in shots:
        shot = json.loads(json.dumps(shot))
        shot.setdefault("action", "")
        shot["brief"] = {**{k: "-" for k in ("subject", "emotion", "place", "time", "weather", "shot_type", "focal_length",
                                              "camera_movement", "palette", "texture", "prohibition", "mission")}, **shot.get("brief", {})}  # fmt: skip
        shot["brief"]["subject"] = f"{shot['brief']['subject']}, {IMPROVED}"
        out.append(shot)
    return out


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.app = Starlette(routes=[Route("/v1/chat/completions", self.chat, methods=["POST"])])

    async def chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        model = body["model"]
        user = body["messages"][1]["content"]
        shots = json.loads(user.split("Draft shot list to improve:\n", 1)[1])
        if model == "slow":
            time.sleep(3)
        if model == "refuse":
            return JSONResponse(_completion(model, None, "I can't help with that request."))
        if model == "malformed":
            return JSONResponse(_completion(model, '{"shots": [ this is not json'))
        if model == "error":
            return JSONResponse({"error": {"message": "model overloaded", "type": "server_error"}}, status_code=503)
        broken = [{**shots[0], "type": "tight-portrait", "duration": 12.0}]  # 12 s: SC101, an error
        if model == "broken" or (model == "repair" and len(body["messages"]) <= 2):
            return JSONResponse(_completion(model, json.dumps({"shots": improved(broken + shots[1:])})))
        return JSONResponse(_completion(model, json.dumps({"shots": improved(shots)})))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve():
    fake = FakeOpenAI()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield fake, f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
