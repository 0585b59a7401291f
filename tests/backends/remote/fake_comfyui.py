"""A local ComfyUI following its documented HTTP and websocket API (server.py, script_examples/websockets_api_example.py).

Routes: POST /prompt ({prompt, client_id} -> {prompt_id, number, node_errors}; 400 with error/node_errors for a
node class it does not have or an image it was never sent), GET /history/{prompt_id}, GET /queue, GET /view
(files served by the name this server gave them, never a path from the request), POST /upload/image
(multipart field "image"), GET /object_info, GET /system_stats, and /ws?clientId= sending status,
execution_start, executing, progress, executed, executing(node None) and execution_success to the client
that queued the prompt.

It "runs" two graphs made of core node classes: SaveImage graphs give a PNG (a real photograph from
scikit-image, cropped to the latent's size and tinted by the seed), SaveVideo graphs give an H.264 MP4 of the
uploaded start image at CreateVideo's fps, WanImageToVideo's length and size, with a seeded slow push-in.
Knobs for tests: ``corrupt_output`` (a truncated video), ``hold`` (an Event the worker waits on before finishing), ``stall_create_s`` (answer /prompt
late, after queueing it), ``fail_with`` (an execution error), ``token`` (require Authorization: Bearer).
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import hashlib
import queue
import socket
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

LINK = ["LINK"]
OBJECT_INFO: dict[str, dict[str, Any]] = {
    "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["wan2.1_i2v_480p.safetensors", "sdxl_base_1.0.safetensors"]]}},
                               "output": ["MODEL", "CLIP", "VAE"]},
    "CLIPTextEncode": {"input": {"required": {"text": ["STRING", {"multiline": True}], "clip": ["CLIP"]}}, "output": ["CONDITIONING"]},
    "LoadImage": {"input": {"required": {"image": [[], {"image_upload": True}]}}, "output": ["IMAGE", "MASK"]},
    "EmptyLatentImage": {"input": {"required": {"width": ["INT", {"default": 512}], "height": ["INT", {"default": 512}],
                                                "batch_size": ["INT", {"default": 1}]}}, "output": ["LATENT"]},
    "WanImageToVideo": {"input": {"required": {"positive": ["CONDITIONING"], "negative": ["CONDITIONING"], "vae": ["VAE"],
                                               "width": ["INT", {"default": 832}], "height": ["INT", {"default": 480}],
                                               "length": ["INT", {"default": 81}], "batch_size": ["INT", {"default": 1}]},
                                  "optional": {"clip_vision_output": ["CLIP_VISION_OUTPUT"], "start_image": ["IMAGE"]}},
                        "output": ["CONDITIONING", "CONDITIONING", "LATENT"]},
    "KSampler": {"input": {"required": {"model": ["MODEL"], "seed": ["INT", {"min": 0}], "steps": ["INT", {"default": 20}],
                                        "cfg": ["FLOAT", {"default": 8.0}], "sampler_name": [["euler", "uni_pc"]],
                                        "scheduler": [["normal", "simple"]], "positive": ["CONDITIONING"], "negative": ["CONDITIONING"],
                                        "latent_image": ["LATENT"], "denoise": ["FLOAT", {"default": 1.0}]}}, "output": ["LATENT"]},
    "VAEDecode": {"input": {"required": {"samples": ["LATENT"], "vae": ["VAE"]}}, "output": ["IMAGE"]},
    "CreateVideo": {"input": {"required": {"images": ["IMAGE"], "fps": ["FLOAT", {"default": 30.0}]}, "optional": {"audio": ["AUDIO"]}},
                    "output": ["VIDEO"]},
    "SaveVideo": {"input": {"required": {"video": ["VIDEO"], "filename_prefix": ["STRING"], "format": [["auto", "mp4"]],
                                         "codec": [["auto", "h264"]]}}, "output": []},
    "SaveImage": {"input": {"required": {"images": ["IMAGE"], "filename_prefix": ["STRING"]}}, "output": []},
}
STEPS = 4  # progress messages per sampler


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeComfyUI:
    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.creates = 0
        self.create_bodies: list[dict[str, Any]] = []
        self.hold = threading.Event()
        self.hold.set()  # cleared by a test to keep prompts running
        self.running_now = threading.Event()  # set while a prompt is executing
        self.stall_create_s = 0.0
        self.fail_with: str | None = None
        self.corrupt_output = False  # the next video is a truncated file that does not decode
        self.uploads: dict[str, bytes] = {}
        self.files: dict[tuple[str, str, str], bytes] = {}
        self.history: dict[str, dict[str, Any]] = {}
        self.pending: list[tuple[int, str, dict, str]] = []
        self.current: tuple[int, str, dict, str] | None = None
        self.clients: dict[str, queue.Queue] = {}
        self.counter = 0
        self.closing = False
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.app = Starlette(routes=[
            Route("/prompt", self.prompt, methods=["POST"]),
            Route("/history/{prompt_id}", self.history_of),
            Route("/queue", self.queue),
            Route("/view", self.view),
            Route("/upload/image", self.upload, methods=["POST"]),
            Route("/object_info", self.object_info),
            Route("/system_stats", self.system_stats),
            WebSocketRoute("/ws", self.ws),
        ])  # fmt: skip
        self.worker = threading.Thread(target=self._work, daemon=True)
        self.worker.start()

    # --- HTTP ---

    def _denied(self, request: Request) -> Response | None:
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return None

    async def prompt(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        body = await request.json()
        graph, client_id = body.get("prompt") or {}, body.get("client_id") or ""
        for node_id, node in graph.items():
            if node.get("class_type") not in OBJECT_INFO:
                return JSONResponse({"error": {"type": "invalid_prompt", "message": f"Cannot execute because node {node.get('class_type')} does not exist.",
                                               "details": f"Node ID '#{node_id}'", "extra_info": {}}, "node_errors": {}}, status_code=400)
            if node["class_type"] == "LoadImage" and node["inputs"].get("image") not in self.uploads:
                return JSONResponse({"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
                                               "details": "", "extra_info": {}},
                                     "node_errors": {node_id: {"errors": [{"type": "value_not_in_list", "message": "Value not in list",
                                                                           "details": f"image: '{node['inputs'].get('image')}' not in []",
                                                                           "extra_info": {}}],
                                                               "dependent_outputs": [], "class_type": "LoadImage"}}}, status_code=400)
        with self.wake:
            self.creates += 1
            self.create_bodies.append(body)
            self.counter += 1
            prompt_id = str(uuid.UUID(bytes=hashlib.sha256(f"{self.counter}-{time.time_ns()}".encode()).digest()[:16]))
            self.pending.append((self.counter, prompt_id, graph, client_id))
            number = self.counter
            self.wake.notify_all()
        if self.stall_create_s:
            await asyncio.sleep(self.stall_create_s)  # queued, but the answer comes too late for the client
        return JSONResponse({"prompt_id": prompt_id, "number": number, "node_errors": {}})

    async def history_of(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        prompt_id = request.path_params["prompt_id"]
        with self.lock:
            entry = self.history.get(prompt_id)
        return JSONResponse({prompt_id: entry} if entry is not None else {})

    async def queue(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        with self.lock:
            running = [[n, p, g, {"client_id": c}, []] for n, p, g, c in ([self.current] if self.current else [])]
            pending = [[n, p, g, {"client_id": c}, []] for n, p, g, c in self.pending]
        return JSONResponse({"queue_running": running, "queue_pending": pending})

    async def view(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        key = (request.query_params.get("filename", ""), request.query_params.get("subfolder", ""), request.query_params.get("type", "output"))
        data = self.files.get(key)  # served by the name this server gave it, never a path
        if data is None:
            return Response(status_code=404)
        media = "video/mp4" if key[0].endswith(".mp4") else "image/png"
        return Response(data, media_type=media)

    async def upload(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        # multipart parsed with the standard library (python-multipart, which Starlette's form() needs, is not installed)
        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + await request.body())
        image, name = None, None
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "image":
                image, name = part.get_payload(decode=True), part.get_filename()
        if image is None or not name:
            return Response(status_code=400)
        self.uploads[name] = image
        return JSONResponse({"name": name, "subfolder": "", "type": "input"})

    async def object_info(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        info = {k: {**v, "name": k} for k, v in OBJECT_INFO.items()}
        info["LoadImage"] = {"input": {"required": {"image": [sorted(self.uploads), {"image_upload": True}]}}, "output": ["IMAGE", "MASK"], "name": "LoadImage"}
        return JSONResponse(info)

    async def system_stats(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        return JSONResponse({"system": {"os": "posix", "comfyui_version": "0.3.40-fake", "python_version": "3"}, "devices": []})

    async def ws(self, websocket: WebSocket) -> None:
        if self.token and websocket.headers.get("authorization") != f"Bearer {self.token}":
            await websocket.close(code=1008)
            return
        await websocket.accept()
        client_id = websocket.query_params.get("clientId") or uuid.uuid4().hex
        messages = self.clients.setdefault(client_id, queue.Queue())
        await websocket.send_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": len(self.pending)}}, "sid": client_id}})
        try:
            while not self.closing:
                try:
                    message = await asyncio.to_thread(messages.get, True, 0.2)
                except queue.Empty:
                    continue
                await websocket.send_json(message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass

    # --- execution ---

    def _send(self, client_id: str, kind: str, data: dict[str, Any]) -> None:
        if client_id in self.clients:
            self.clients[client_id].put({"type": kind, "data": data})

    def _work(self) -> None:
        while True:
            with self.wake:
                while not self.pending and not self.closing:
                    self.wake.wait(0.2)
                if self.closing:
                    return
                self.current = self.pending.pop(0)
            number, prompt_id, graph, client_id = self.current
            self.running_now.set()
            self._send(client_id, "execution_start", {"prompt_id": prompt_id, "timestamp": 0})
            messages: list = [["execution_start", {"prompt_id": prompt_id, "timestamp": 0}]]
            outputs: dict[str, Any] = {}
            try:
                for node_id in graph:
                    self._send(client_id, "executing", {"node": node_id, "display_node": node_id, "prompt_id": prompt_id})
                    if graph[node_id]["class_type"] == "KSampler":
                        for step in range(1, STEPS + 1):
                            self._send(client_id, "progress", {"value": step, "max": STEPS, "prompt_id": prompt_id, "node": node_id})
                while not self.hold.wait(0.1):
                    if self.closing:
                        return
                if self.fail_with:
                    raise RuntimeError(self.fail_with)
                node_id, ui = self._run(graph)
                outputs[node_id] = ui
                self._send(client_id, "executed", {"node": node_id, "display_node": node_id, "output": ui, "prompt_id": prompt_id})
                self._send(client_id, "executing", {"node": None, "prompt_id": prompt_id})
                self._send(client_id, "execution_success", {"prompt_id": prompt_id, "timestamp": 0})
                messages.append(["execution_success", {"prompt_id": prompt_id, "timestamp": 0}])
                status = {"status_str": "success", "completed": True, "messages": messages}
            except Exception as exc:  # noqa: BLE001 - reported the way ComfyUI reports a node's exception
                error = {"prompt_id": prompt_id, "node_id": "6", "node_type": "KSampler", "exception_message": str(exc),
                         "exception_type": type(exc).__name__, "traceback": [], "current_inputs": {}, "current_outputs": []}
                self._send(client_id, "execution_error", error)
                messages.append(["execution_error", error])
                status = {"status_str": "error", "completed": False, "messages": messages}
            with self.lock:
                self.history[prompt_id] = {"prompt": [number, prompt_id, graph, {"client_id": client_id}, list(outputs)],
                                           "outputs": outputs, "status": status, "meta": {}}
                self.current = None
            self.running_now.clear()

    def _node(self, graph: dict, class_type: str) -> dict[str, Any] | None:
        return next((n["inputs"] for n in graph.values() if n["class_type"] == class_type), None)

    def _run(self, graph: dict) -> tuple[str, dict[str, Any]]:
        seed = int(self._node(graph, "KSampler")["seed"])
        save_video = next((k for k, n in graph.items() if n["class_type"] == "SaveVideo"), None)
        if save_video is not None:
            video = self._node(graph, "WanImageToVideo")
            width, height, length = int(video["width"]), int(video["height"]), int(video["length"])
            fps = float(self._node(graph, "CreateVideo")["fps"])
            start = cv2.imdecode(np.frombuffer(self.uploads[self._node(graph, "LoadImage")["image"]], np.uint8), cv2.IMREAD_COLOR)
            data = _push_in(cv2.cvtColor(start, cv2.COLOR_BGR2RGB), width, height, length, fps, seed)
            if self.corrupt_output:
                data = data[:64]
            name = f"shotcraft_{len(self.files) + 1:05d}_.mp4"
            self.files[(name, "video", "output")] = data
            return save_video, {"images": [{"filename": name, "subfolder": "video", "type": "output"}], "animated": [True]}
        save_image = next(k for k, n in graph.items() if n["class_type"] == "SaveImage")
        latent = self._node(graph, "EmptyLatentImage")
        prompt = next((n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode"), "")
        image = _photograph(int(latent["width"]), int(latent["height"]), seed, prompt)
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        name = f"shotcraft_{len(self.files) + 1:05d}_.png"
        self.files[(name, "", "output")] = encoded.tobytes()
        return save_image, {"images": [{"filename": name, "subfolder": "", "type": "output"}]}


def _cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    cw, ch = round(width / scale), round(height / scale)
    x, y = (w - cw) // 2, (h - ch) // 2
    return cv2.resize(image[y:y + ch, x:x + cw], (width, height), interpolation=cv2.INTER_AREA)


def _photograph(width: int, height: int, seed: int, prompt: str) -> np.ndarray:
    from skimage import data

    source = [data.astronaut, data.coffee, data.chelsea, data.rocket][seed % 4]()
    tint = np.array([(seed >> 3) % 40, (seed >> 9) % 40, len(prompt) % 40], dtype=np.int16) - 20
    return np.clip(_cover(source, width, height).astype(np.int16) + tint, 0, 255).astype(np.uint8)


def _push_in(start: np.ndarray, width: int, height: int, length: int, fps: float, seed: int) -> bytes:
    from fractions import Fraction

    from shotcraft.media.video import VideoWriter

    base = _cover(start, width, height)
    drift = (seed % 7) - 3
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.mp4"
        with VideoWriter(path, width, height, Fraction(fps).limit_denominator(1001), encoder="h264") as writer:
            for index in range(length):
                zoom = 1.0 + 0.15 * index / max(1, length - 1)
                matrix = cv2.getRotationMatrix2D((width / 2 + drift * index / max(1, length), height / 2), 0.0, zoom)
                writer.write(cv2.warpAffine(base, matrix, (width, height), borderMode=cv2.BORDER_REFLECT))
        return path.read_bytes()


@contextmanager
def serve(token: str | None = None):
    """(fake, base url) of a FakeComfyUI on 127.0.0.1 at a free port, for the block's duration."""
    fake = FakeComfyUI(token)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        fake.closing = True
        fake.hold.set()
        server.should_exit = True
        thread.join(timeout=10)
