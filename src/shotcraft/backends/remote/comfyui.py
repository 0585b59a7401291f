"""ComfyUI: the user's own server, an API-format workflow and a mapping of roles to node inputs.

The plan names the server (``service.url``, else ``COMFYUI_URL``), the workflow
saved with ComfyUI's "Export (API)" and a mapping such as ``seed: "3.seed"``.
A job fills the mapped inputs (prompt, negative prompt, seed, keyframe image,
last image, frames, fps, width, height, motion), uploads the keyframe through
``/upload/image`` under a name made of its content hash, submits through
``/prompt`` with a ``client_id``, follows ``/ws`` (progress, executing,
executed), reads ``/history/{prompt_id}`` (or ``/queue`` while it waits) and
downloads through ``/view``. Documented API: ComfyUI's server.py and
script_examples/websockets_api_example.py.

The mapping is checked against the workflow's own node ids offline
(:meth:`ComfyUIProvider.payload`) and against the server's ``/object_info``
(:meth:`ComfyUIProvider.preflight`) before anything is submitted. A server
behind an authenticating proxy gets ``Authorization: Bearer $COMFYUI_TOKEN``.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from shotcraft import files
from shotcraft.backends.remote.backend import RemoteBackend
from shotcraft.backends.remote.protocol import (
    Cost,
    ProviderCapabilities,
    ProviderError,
    ProviderUnavailable,
    RemoteRequest,
    SubmitUncertain,
    TaskStatus,
)
from shotcraft.backends.remote import prices
from shotcraft.backends.remote.secrets import declare, scrub
from shotcraft.errors import InputError
from shotcraft.fsutil import file_sha256

URL_VARIABLE = "COMFYUI_URL"
TOKEN_VARIABLE = "COMFYUI_TOKEN"
declare(TOKEN_VARIABLE)

#: roles a mapping may name, and what each receives
ROLES = {
    "prompt": "the compiled prompt (text)",
    "negative_prompt": "the compiled negative prompt (text)",
    "seed": "the take's seed (integer)",
    "image": "the locked keyframe, uploaded (file name)",
    "last_image": "the end frame still, uploaded (file name)",
    "frames": "frames to generate (integer)",
    "fps": "frame rate (number)",
    "width": "width in pixels",
    "height": "height in pixels",
    "motion": "motion strength 0..1 (number)",
}
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".gif")
CREATE_TIMEOUT_S = 30.0
READ_TIMEOUT_S = 30.0
#: how long one poll listens on the websocket before reading /history
LISTEN_S = 1.0


def _base(url: str | None) -> str:
    base = (url or os.environ.get(URL_VARIABLE, "")).strip().rstrip("/")
    if not base:
        raise InputError(f"comfyui: set service.url in the plan (or {URL_VARIABLE}) to your server, e.g. http://127.0.0.1:8188")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"comfyui: service.url {base!r} is not an http(s) address")
    return base


def _split(target: str, role: str) -> tuple[str, str]:
    node, dot, name = target.partition(".")
    if not dot or not node or not name:
        raise InputError(f"mapping {role} -> {target!r}: expected 'node_id.input_name'")
    return node, name


def load_workflow(path: Path | None) -> dict[str, Any]:
    """The API-format workflow (node id -> {class_type, inputs}); a UI-format save is named as such."""
    if path is None:
        raise InputError("comfyui: set service.workflow to the workflow saved in API format (Export (API))")
    data = files.read_input(path, "workflow", where="comfyui service.workflow")
    try:
        graph = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(graph, dict) and "nodes" in graph and "links" in graph:
        raise InputError(f"{path}: this is ComfyUI's UI format; save the workflow with 'Export (API)' instead")
    if not isinstance(graph, dict) or not graph or not all(isinstance(n, dict) and "class_type" in n and isinstance(n.get("inputs"), dict)
                                                          for n in graph.values()):  # fmt: skip
        raise InputError(f"{path}: not an API-format ComfyUI workflow (expected node id -> {{class_type, inputs}})")
    return graph


class ComfyUIProvider:
    name = "comfyui"
    version = "1"
    capabilities = ProviderCapabilities(
        resolutions=("any",), seed=True, negative_prompt=True, first_frame=True, last_frame=True,
        text_to_image=True, image_to_video=True, deterministic=True,  # a seeded graph on the same server repeats itself
    )  # fmt: skip
    key_variables = (TOKEN_VARIABLE,)
    concurrency = 1  # one GPU: ComfyUI runs its queue one prompt at a time anyway
    default_model = "workflow"  # the workflow is the model; its content hash is in the key
    poll_interval = 1.0

    def __init__(self) -> None:
        self._client_id = uuid.uuid4().hex
        self._sockets: dict[str, Any] = {}  # base url -> open websocket (this process's client id)
        self._progress: dict[str, float] = {}  # prompt id -> last progress seen on /ws
        self._finished: set[str] = set()
        self._bases: dict[str, str] = {}  # prompt id -> server, for poll()
        self._object_info: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # --- HTTP -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _get(self, base: str, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        """A read: failures worth retrying are ProviderUnavailable (the engine backs off)."""
        try:
            response = httpx.get(f"{base}{path}", params=params, headers=self._headers(), timeout=READ_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(scrub(f"GET {path}: {type(exc).__name__}: {exc}")) from None
        if response.status_code == 429 or response.status_code >= 500:
            retry = response.headers.get("retry-after")
            raise ProviderUnavailable(f"GET {path}: HTTP {response.status_code}", retry_after=float(retry) if retry and retry.isdigit() else None)
        if response.status_code in (401, 403):
            raise ProviderError(f"GET {path}: HTTP {response.status_code}: the server refused the credentials ({TOKEN_VARIABLE})")
        return response

    # --- the protocol -------------------------------------------------------------------

    def _filled(self, request: RemoteRequest) -> dict[str, Any]:
        graph = copy.deepcopy(load_workflow(request.workflow))
        unknown = sorted(set(request.mapping) - set(ROLES))
        if unknown:
            raise InputError(f"mapping: unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})")
        values: dict[str, Any] = {
            "prompt": request.prompt, "negative_prompt": request.negative_prompt, "seed": request.seed,
            "width": request.width, "height": request.height, "frames": request.frames, "motion": request.motion,
            "fps": float(request.fps) if request.fps.denominator != 1 else int(request.fps),
        }  # fmt: skip
        if request.first_frame is not None:
            values["image"] = upload_name(request.first_frame)
        elif request.kind == "clip":
            values["image"] = "shotcraft-keyframe.png"  # before the keyframe exists (estimate, checks): named at submit
        if request.last_frame is not None:
            values["last_image"] = upload_name(request.last_frame)
        if request.kind == "clip" and "image" not in request.mapping:
            raise InputError("mapping: a clip workflow needs 'image' (the LoadImage input that receives the keyframe)")
        if request.last_frame is not None and "last_image" not in request.mapping:
            raise InputError("the shot has an end frame but the mapping has no 'last_image'")
        for role, target in sorted(request.mapping.items()):
            node, name = _split(target, role)
            if node not in graph:
                raise InputError(f"mapping {role} -> {target!r}: the workflow has no node {node!r} (nodes: {', '.join(sorted(graph, key=_order))})")
            if role not in values:
                continue
            graph[node]["inputs"][name] = values[role]
        return graph

    def payload(self, request: RemoteRequest) -> dict[str, Any]:
        """The graph as sent to /prompt (files named by content hash); the client id is transport, not content."""
        return {"prompt": self._filled(request), "uploads": _uploads(request)}

    def estimate(self, request: RemoteRequest) -> Cost:
        seconds = float(request.frames / request.fps) if request.kind == "clip" else 0.0
        return prices.cost(self.name, request.model, seconds=seconds, images=0 if request.kind == "clip" else 1)

    def preflight(self, request: RemoteRequest) -> None:
        """Every mapped node input against the server's /object_info (missing custom nodes, misspelt inputs)."""
        base = _base(request.url)
        graph = self._filled(request)
        info = self._object_info.get(base)
        if info is None:
            response = self._get(base, "/object_info")
            if response.status_code != 200:
                raise ProviderError(f"GET /object_info: HTTP {response.status_code}")
            info = self._object_info[base] = response.json()
        for role, target in sorted(request.mapping.items()):
            node, name = _split(target, role)
            class_type = graph[node]["class_type"]
            spec = info.get(class_type)
            if spec is None:
                raise InputError(f"mapping {role} -> {target!r}: node {node} is a {class_type}, which {base} does not have (a missing custom node?)")
            inputs = {**(spec.get("input", {}).get("required") or {}), **(spec.get("input", {}).get("optional") or {})}
            if name not in inputs:
                raise InputError(f"mapping {role} -> {target!r}: node {node} ({class_type}) has no input {name!r} (inputs: {', '.join(sorted(inputs))})")
        missing = sorted({n["class_type"] for n in graph.values()} - set(info))
        if missing:
            raise InputError(f"the workflow uses {', '.join(missing)}, which {base} does not have (a missing custom node?)")

    def submit(self, request: RemoteRequest) -> str:
        base = _base(request.url)
        graph = self._filled(request)
        for path in (request.first_frame, request.last_frame):
            if path is not None:
                self._upload(base, path)  # idempotent (same name, same bytes): safe before the one create call
        self._listen(base)
        body = {"prompt": graph, "client_id": self._client_id}
        try:
            response = httpx.post(f"{base}/prompt", json=body, headers=self._headers(), timeout=CREATE_TIMEOUT_S)
        except httpx.ConnectError as exc:  # the connection was never made: nothing was sent
            raise ProviderUnavailable(scrub(f"POST /prompt: cannot connect to {base} ({exc})")) from None
        except httpx.HTTPError as exc:  # sent, answer lost: the server may have queued it
            raise SubmitUncertain(scrub(f"POST /prompt: {type(exc).__name__} after sending ({exc})")) from None
        if response.status_code == 200:
            prompt_id = str(response.json().get("prompt_id") or "")
            if not prompt_id:
                raise SubmitUncertain("POST /prompt answered 200 without a prompt_id")
            self._bases[prompt_id] = base
            return prompt_id
        if response.status_code == 400:
            raise ProviderError(_prompt_error(response))
        if response.status_code in (401, 403):
            raise ProviderError(f"POST /prompt: HTTP {response.status_code}: the server refused the credentials ({TOKEN_VARIABLE})")
        raise SubmitUncertain(f"POST /prompt: HTTP {response.status_code} (the server may have queued it)")

    def resume(self, task_id: str, request: RemoteRequest) -> None:
        """Which server a task lives on (the engine calls this before polling, also after a restart)."""
        self._bases[task_id] = _base(request.url)

    def poll(self, task_id: str) -> TaskStatus:
        base = self._bases.get(task_id) or _base(None)
        self._drain(base, task_id)
        history = self._get(base, f"/history/{task_id}")
        entry = history.json().get(task_id) if history.status_code == 200 else None
        if entry is None:
            queue = self._get(base, "/queue").json()
            running = [item for item in queue.get("queue_running", []) if _queue_id(item) == task_id]
            pending = [item for item in queue.get("queue_pending", []) if _queue_id(item) == task_id]
            if running or pending:
                return TaskStatus("running" if running else "queued", progress=self._progress.get(task_id))
            entry = self._get(base, f"/history/{task_id}").json().get(task_id)  # it may have finished in between
            if entry is None:
                return TaskStatus("failed", reason=f"{base} knows no prompt {task_id} (the server restarted, or its history was cleared)")
        status = entry.get("status") or {}
        if status.get("status_str") == "error":
            return TaskStatus("failed", reason=_execution_error(status), details={"prompt_id": task_id})
        if not status.get("completed", True):
            return TaskStatus("running", progress=self._progress.get(task_id))
        return TaskStatus("succeeded", progress=1.0, output={"base": base, "outputs": entry.get("outputs") or {}},
                          model_version=f"comfyui {_server_version(self, base)}", details={"prompt_id": task_id})  # fmt: skip

    def download(self, status: TaskStatus, destination: Path) -> None:
        base, outputs = status.output["base"], status.output["outputs"]
        chosen = _pick_output(outputs)
        params = {"filename": chosen["filename"], "subfolder": chosen.get("subfolder", ""), "type": chosen.get("type", "output")}
        try:  # streamed to the file: a long clip never sits in memory
            with httpx.stream("GET", f"{base}/view", params=params, headers=self._headers(), timeout=READ_TIMEOUT_S) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise ProviderUnavailable(f"GET /view: HTTP {response.status_code}")
                if response.status_code != 200:
                    raise ProviderError(f"GET /view {chosen['filename']}: HTTP {response.status_code}")
                with open(destination, "wb") as handle:
                    for chunk in response.iter_bytes():
                        handle.write(chunk)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(scrub(f"GET /view: {type(exc).__name__}: {exc}")) from None

    # --- uploads and the websocket --------------------------------------------------------

    def _upload(self, base: str, path: Path) -> None:
        name = upload_name(path)
        data = files.read_input(path, "image", where="comfyui upload")
        try:
            response = httpx.post(f"{base}/upload/image", files={"image": (name, data, "image/png")},
                                  data={"overwrite": "true", "type": "input"}, headers=self._headers(), timeout=READ_TIMEOUT_S)  # fmt: skip
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(scrub(f"POST /upload/image: {type(exc).__name__}: {exc}")) from None
        if response.status_code != 200:
            raise ProviderError(f"POST /upload/image: HTTP {response.status_code}")
        stored = response.json().get("name")
        if stored != name:
            raise ProviderError(f"POST /upload/image stored {stored!r}, expected {name!r}")

    def _listen(self, base: str) -> None:
        """Open /ws for this process's client id (progress); polling works without it, so a failure is not fatal."""
        import websocket

        with self._lock:
            if base in self._sockets:
                return
            scheme = "wss" if base.startswith("https") else "ws"
            url = f"{scheme}://{urlsplit(base).netloc}{urlsplit(base).path}/ws?{urlencode({'clientId': self._client_id})}"
            try:
                socket = websocket.create_connection(url, timeout=READ_TIMEOUT_S, header=[f"{k}: {v}" for k, v in self._headers().items()])
            except (OSError, websocket.WebSocketException):
                return
            self._sockets[base] = socket

    def _drain(self, base: str, task_id: str) -> None:
        """Read /ws messages for up to LISTEN_S: progress (value/max), executing (node None: finished)."""
        import websocket

        socket = self._sockets.get(base)
        if socket is None or task_id in self._finished:
            return
        socket.settimeout(LISTEN_S)
        while True:
            try:
                message = socket.recv()
            except websocket.WebSocketTimeoutException:
                return
            except (OSError, websocket.WebSocketException):
                self._sockets.pop(base, None)
                return
            if not isinstance(message, str):
                continue  # binary previews
            try:
                event = json.loads(message)
            except ValueError:
                continue
            data = event.get("data") or {}
            if data.get("prompt_id") != task_id:
                continue
            if event.get("type") == "progress" and data.get("max"):
                self._progress[task_id] = float(data["value"]) / float(data["max"])
            elif event.get("type") == "executing" and data.get("node") is None:
                self._finished.add(task_id)
                return
            elif event.get("type") in ("execution_error", "execution_success"):
                self._finished.add(task_id)
                return


def upload_name(path: Path) -> str:
    """The keyframe's name on the server: its content hash (the same picture is the same file)."""
    return f"shotcraft-{file_sha256(path)[:32]}.png"


def _uploads(request: RemoteRequest) -> dict[str, str]:
    out = {}
    for role, path in (("image", request.first_frame), ("last_image", request.last_frame)):
        if path is not None:
            out[role] = f"sha256:{file_sha256(path)}"
    return out


def _order(node: str) -> tuple[int, str]:
    return (int(node), "") if node.isdigit() else (1 << 30, node)


def _queue_id(item: Any) -> str | None:
    # /queue items are [number, prompt_id, prompt, extra_data, outputs_to_execute]
    return str(item[1]) if isinstance(item, list) and len(item) > 1 else None


def _prompt_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"POST /prompt: HTTP 400 ({response.text[:200]})"
    error = body.get("error") or {}
    parts = [str(error.get("message") or error.get("type") or "invalid prompt")]
    for node, problem in sorted((body.get("node_errors") or {}).items()):
        for item in problem.get("errors", [])[:2]:
            parts.append(f"node {node} ({problem.get('class_type', '?')}): {item.get('message')} {item.get('details') or ''}".strip())
    return "the server refused the workflow: " + "; ".join(parts)


def _execution_error(status: dict[str, Any]) -> str:
    for name, data in status.get("messages") or []:
        if name == "execution_error" and isinstance(data, dict):
            return f"node {data.get('node_id')} ({data.get('node_type')}): {data.get('exception_message', '').strip()}"
    return "the workflow failed on the server"


def _pick_output(outputs: dict[str, Any]) -> dict[str, Any]:
    """The first video file among the outputs (SaveVideo, VHS_VideoCombine 'gifs'), else the first image."""
    found = []
    for node in sorted(outputs, key=_order):
        for key in ("videos", "gifs", "images", "video"):
            for item in outputs[node].get(key) or []:
                if isinstance(item, dict) and item.get("filename"):
                    found.append(item)
    if not found:
        raise ProviderError("the workflow finished without an output file (add SaveImage or SaveVideo)")
    videos = [item for item in found if Path(item["filename"]).suffix.lower() in VIDEO_SUFFIXES]
    return (videos or found)[0]


def _server_version(provider: ComfyUIProvider, base: str) -> str:
    try:
        stats = provider._get(base, "/system_stats").json()
    except (ProviderError, ProviderUnavailable, ValueError):
        return "unknown"
    return str((stats.get("system") or {}).get("comfyui_version") or "unknown")


backend = RemoteBackend(ComfyUIProvider())
