"""Plans for the remote-backend tests: a tiny film whose clips (and optionally keyframes) go to a ComfyUI."""

from __future__ import annotations

import shutil
from pathlib import Path

WORKFLOWS = Path(__file__).with_name("workflows")
CLIP_MAPPING = ('{prompt: "2.text", negative_prompt: "3.text", image: "4.image", seed: "6.seed", frames: "5.length", '
                'width: "5.width", height: "5.height", fps: "8.fps"}')  # fmt: skip
IMAGE_MAPPING = '{prompt: "2.text", negative_prompt: "3.text", seed: "5.seed", width: "4.width", height: "4.height"}'


def write_plan(folder: Path, url: str, *, shots: int = 1, stills_too: bool = False, budget: float | None = None,
               clip_mapping: str = CLIP_MAPPING, duration: float = 1.0) -> Path:  # fmt: skip
    """film.yaml in ``folder`` (created), its workflows copied beside it; returns the plan path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("image_to_video_api.json", "text_to_image_api.json"):
        shutil.copy(WORKFLOWS / name, folder / name)
    keyframe = (f'  keyframe: {{resolution: 256x144, backend: comfyui, service: {{url: "{url}", workflow: text_to_image_api.json, '
                f'mapping: {IMAGE_MAPPING}}}}}\n' if stills_too else "  keyframe: {resolution: 256x144}\n")  # fmt: skip
    budget_line = f"  budget_usd: {budget}\n" if budget is not None else ""
    shot_lines = "".join(f"  - {{id: s{n:02d}, type: establishing, duration: {duration}, action: 'the harbour at dawn, shot {n}'}}\n"
                         for n in range(1, shots + 1))  # fmt: skip
    text = (
        "schema_version: 2\n"
        "production:\n  id: remote-test\n  title: Remote Test\n  format: {resolution: 256x144, fps: 24}\n" + budget_line +
        "defaults:\n  takes: 1\n" + keyframe +
        f'  clip: {{backend: comfyui, service: {{url: "{url}", workflow: image_to_video_api.json, mapping: {clip_mapping}}}}}\n'
        "shots:\n" + shot_lines
    )  # fmt: skip
    path = folder / "film.yaml"
    path.write_text(text)
    return path
