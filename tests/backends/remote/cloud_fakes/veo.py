"""Veo on Vertex AI (express mode: API key), as google-genai speaks to it.

POST {base}/v1beta1/publishers/google/models/{model}:predictLongRunning  -> {"name": operation}
POST {base}/v1beta1/{model resource}:fetchPredictOperation {"operationName"} -> the operation; when done,
``response.videos[].bytesBase64Encoded`` (no storageUri given) or ``raiMediaFilteredCount/Reasons``.
Errors are Google's JSON: {"error": {"code", "message", "status"}}.
"""

from __future__ import annotations

import base64

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .media import clip_from_image
from .server import FakeState

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}  # fmt: skip
RAI_REASON = ("Your current safety settings for person generation prevented this video from being generated. "
              "Support codes: 58061214")  # fmt: skip


def still(width: int, height: int, prompt: str) -> bytes:
    """A real photograph (scikit-image's coffee) cropped to the asked shape: the same prompt, the same bytes."""
    import io

    import skimage.data
    from PIL import Image

    picture = Image.fromarray(skimage.data.coffee())
    scale = max(width / picture.width, height / picture.height)
    resized = picture.resize((max(width, round(picture.width * scale)), max(height, round(picture.height * scale))))
    left, top = (resized.width - width) // 2, (resized.height - height) // 2
    out = io.BytesIO()
    resized.crop((left, top, left + width, top + height)).save(out, format="PNG")
    return out.getvalue()


def google_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}}
    return JSONResponse(body, status_code=status, headers=headers)


def make_app(state: FakeState, api_key: str) -> FastAPI:
    app = FastAPI()

    def authorised(request: Request) -> bool:
        return request.headers.get("x-goog-api-key") == api_key

    @app.post("/v1beta1/{resource:path}")
    async def vertex(resource: str, request: Request):  # noqa: ANN202
        if not authorised(request):
            return google_error(401, "API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials")
        resource, _, method = resource.rpartition(":")
        body = await request.json()
        if method == "predictLongRunning":
            return await create(resource, body)
        if method == "fetchPredictOperation":
            return fetch(body.get("operationName", ""))
        if method == "predict":
            return await predict(body)
        return google_error(404, f"method {method} not found")

    async def create(resource: str, body: dict):  # noqa: ANN202
        model = resource.rsplit("/", 1)[-1]
        state.count_create(body)
        await state.stall()
        behaviour = state.behaviour
        if behaviour.create_status is not None:
            return google_error(behaviour.create_status, "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model",
                                headers={"Retry-After": "30"} if behaviour.create_status == 429 else None)  # fmt: skip
        instance = body["instances"][0]
        if "image" in instance and "bytesBase64Encoded" not in instance["image"] and "gcsUri" not in instance["image"]:
            return google_error(400, "image must carry bytesBase64Encoded or gcsUri")
        name = f"projects/fake-project/locations/us-central1/publishers/google/models/{model}/operations/{len(state.tasks) + 1:06d}"
        state.tasks[name] = {"body": body, "polls": 0, "refuse": behaviour.refuse, "fail": behaviour.fail, "clip": None}
        return {"name": name}

    async def predict(body: dict):  # noqa: ANN202
        """Imagen: answers at once with the picture (or the reason it was filtered)."""
        state.count_create(body)
        await state.stall()
        if state.behaviour.create_status is not None:
            return google_error(state.behaviour.create_status, "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model")
        if state.behaviour.refuse:
            return {"predictions": [{"raiFilteredReason": RAI_REASON}]}
        parameters = body.get("parameters", {})
        w, h = (float(part) for part in parameters.get("aspectRatio", "1:1").split(":"))
        width, height = state.clip_size(w / h)
        return {"predictions": [{"bytesBase64Encoded": base64.b64encode(still(width, height, body["instances"][0]["prompt"])).decode("ascii"),
                                 "mimeType": "image/png"}]}  # fmt: skip

    def fetch(name: str):  # noqa: ANN202
        if state.take_poll_429():
            return google_error(429, "Resource exhausted. Please try again later.", headers={"Retry-After": "0"})
        task = state.tasks.get(name)
        if task is None:
            return google_error(404, f"Operation {name} not found")
        task["polls"] += 1
        if task["polls"] <= state.behaviour.polls_until_done:
            return {"name": name, "done": False}
        if task["fail"]:
            return {"name": name, "done": True, "error": {"code": 13, "message": task["fail"]}}
        if task["refuse"]:
            return {"name": name, "done": True, "response": {
                "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                "raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [RAI_REASON]}}  # fmt: skip
        if task["clip"] is None:
            instance, parameters = task["body"]["instances"][0], task["body"]["parameters"]
            w, h = (float(part) for part in parameters.get("aspectRatio", "16:9").split(":"))
            width, height = state.clip_size(w / h)
            image = base64.b64decode(instance["image"]["bytesBase64Encoded"])
            task["clip"] = clip_from_image(image, width=width, height=height, seconds=float(parameters.get("durationSeconds", 8)))
        state.downloads += 1
        return {"name": name, "done": True, "response": {
            "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
            "videos": [{"bytesBase64Encoded": base64.b64encode(task["clip"]).decode("ascii"), "mimeType": "video/mp4"}]}}  # fmt: skip

    return app
