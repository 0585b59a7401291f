"""The ComfyUI backend against a local server following ComfyUI's documented API: stills and clips, mapping errors
before anything is submitted, execution errors as failed takes, the workflow's content in the key."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from shotcraft.errors import InputError
from shotcraft.media.video import ffmpeg_exe
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.jobs import plan_jobs
from shotcraft.render.store import open_project
from tests.backends.remote.helpers import CLIP_MAPPING, write_plan


def _ffprobe(path) -> dict:
    """Stream facts read by the ffmpeg binary itself (an independent decoder): frames counted by decoding."""
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    line = next(x for x in result.stderr.splitlines() if "Video:" in x)
    frames = int(result.stderr.rsplit("frame=", 1)[1].split()[0])
    return {"line": line, "frames": frames}


def test_stills_and_clips_through_comfyui(comfy, tmp_path):
    fake, url = comfy
    plan = load_plan(write_plan(tmp_path / "film", url, stills_too=True))
    report = render_plan(plan, jobs=1, progress=False)
    assert report.ok and len(report.rendered) == 2
    assert fake.creates == 2  # one keyframe prompt, one clip prompt
    take = open_project(plan).take("s01", "A")
    facts = _ffprobe(take.clip_path)
    assert facts["frames"] == 24 and "256x144" in facts["line"] and "24 fps" in facts["line"]  # conformed to the plan
    # the clip workflow received the keyframe ComfyUI made, uploaded under its content hash, and the take's seed
    clip_graph = fake.create_bodies[1]["prompt"]
    assert clip_graph["4"]["inputs"]["image"] in fake.uploads
    assert clip_graph["6"]["inputs"]["seed"] == take.seed
    assert clip_graph["5"]["inputs"]["length"] == 24 and clip_graph["8"]["inputs"]["fps"] == 24
    log = open_project(plan).settings_log("s01", "A")
    sent = log["remote"]["clip"][0]
    assert sent["payload"]["prompt"] == clip_graph  # the settings log holds exactly what was sent
    assert sent["task_id"] in fake.history and sent["model_version"] == "comfyui 0.3.40-fake"
    assert sent["state"] == "downloaded" and sent["estimate"]["amount"] == 0.0
    from shotcraft.backends.remote.comfyui import backend

    assert backend.provider._progress.get(sent["task_id"]) == 1.0  # the sampler's progress messages arrived on /ws


def test_mapping_errors_are_reported_before_anything_is_submitted(comfy, tmp_path):
    fake, url = comfy
    misspelt = CLIP_MAPPING.replace('seed: "6.seed"', 'seed: "6.sed"')
    plan = load_plan(write_plan(tmp_path / "a", url, clip_mapping=misspelt))
    with pytest.raises(InputError) as error:
        render_plan(plan, jobs=1, progress=False)
    message = str(error.value)
    assert "shot s01" in message and "'6.sed'" in message and "KSampler" in message and "\n" not in message
    no_node = CLIP_MAPPING.replace('seed: "6.seed"', 'seed: "60.seed"')
    with pytest.raises(InputError, match=r"shot s01 .*no node '60'"):
        render_plan(load_plan(write_plan(tmp_path / "b", url, clip_mapping=no_node)), jobs=1, progress=False)
    unknown_role = CLIP_MAPPING.replace('seed: "6.seed"', 'sed: "6.seed"')
    with pytest.raises(InputError, match="unknown role 'sed'"):
        render_plan(load_plan(write_plan(tmp_path / "c", url, clip_mapping=unknown_role)), jobs=1, progress=False)
    assert fake.creates == 0 and not fake.uploads


def test_a_node_the_server_lacks_is_named_before_submission(comfy, tmp_path):
    fake, url = comfy
    path = write_plan(tmp_path / "film", url)
    workflow = path.parent / "image_to_video_api.json"
    graph = json.loads(workflow.read_text())
    graph["5"]["class_type"] = "WanFunControlToVideo"  # a custom node this server does not have
    workflow.write_text(json.dumps(graph))
    with pytest.raises(InputError, match="node 5 is a WanFunControlToVideo, which .* does not have"):
        render_plan(load_plan(path), jobs=1, progress=False)
    assert fake.creates == 0


def test_an_execution_error_fails_the_take_with_the_servers_words(comfy, tmp_path):
    fake, url = comfy
    fake.fail_with = "CUDA out of memory. Tried to allocate 2.00 GiB"
    plan = load_plan(write_plan(tmp_path / "film", url))
    report = render_plan(plan, jobs=1, progress=False)
    assert [o.kind for o in report.failed] == ["clip"]
    assert "CUDA out of memory" in report.failed[0].error and "KSampler" in report.failed[0].error
    assert open_project(plan).take("s01", "A").state == "failed"
    fake.fail_with = None
    again = render_plan(plan, jobs=1, progress=False)  # a failed task is closed: the next render submits anew
    assert again.ok and fake.creates == 2


def test_the_workflows_content_is_in_the_key_not_its_path(comfy, tmp_path):
    _, url = comfy
    path = write_plan(tmp_path / "film", url)
    key = plan_jobs(load_plan(path))[0].clip.key
    workflow = path.parent / "image_to_video_api.json"
    moved = path.parent / "graphs" / "i2v.json"
    moved.parent.mkdir()
    workflow.rename(moved)
    path.write_text(path.read_text().replace("workflow: image_to_video_api.json", "workflow: graphs/i2v.json"))
    assert plan_jobs(load_plan(path))[0].clip.key == key  # moved: same key
    graph = json.loads(moved.read_text())
    graph["6"]["inputs"]["steps"] = 30
    moved.write_text(json.dumps(graph))
    assert plan_jobs(load_plan(path))[0].clip.key != key  # edited: new key


def test_a_ui_format_workflow_is_named_as_such(comfy, tmp_path):
    fake, url = comfy
    path = write_plan(tmp_path / "film", url)
    (path.parent / "image_to_video_api.json").write_text(json.dumps({"last_node_id": 9, "nodes": [], "links": []}))
    with pytest.raises(InputError, match="UI format.*Export \\(API\\)"):
        render_plan(load_plan(path), jobs=1, progress=False)
    assert fake.creates == 0


def test_the_backend_called_directly_submits_once_and_yields_the_frames(comfy, tmp_path):
    """Outside the render engine (a script): RemoteBackend.keyframe()/clip() submit once and wait, no ledger."""
    from fractions import Fraction

    from shotcraft.backends.protocol import ClipRequest, KeyframeRequest
    from shotcraft.backends.remote.comfyui import backend
    from shotcraft.plan.schema import ServiceSettings
    from tests.backends.remote.helpers import IMAGE_MAPPING, WORKFLOWS

    fake, url = comfy
    image_service = ServiceSettings(url=url, workflow=WORKFLOWS / "text_to_image_api.json", mapping=yaml.safe_load(IMAGE_MAPPING))
    still = backend.keyframe(KeyframeRequest(shot_id="s01", take="A", prompt="a harbour at dawn", negative_prompt="", width=160, height=96,
                                             seed=7, steps=1, cfg=1.0, sampler="euler", denoise=1.0, model=image_service))  # fmt: skip
    assert still.shape == (96, 160, 3)
    clip_service = ServiceSettings(url=url, workflow=WORKFLOWS / "image_to_video_api.json", mapping=yaml.safe_load(CLIP_MAPPING))
    frames = list(backend.clip(ClipRequest(shot_id="s01", take="A", prompt="waves", negative_prompt="", keyframe=still, width=160,
                                           height=96, fps=Fraction(12), frames=9, motion=0.3, seed=7, camera_move="static",
                                           model=clip_service)))  # fmt: skip
    assert len(frames) == 9 and frames[0].shape == (96, 160, 3)
    assert fake.creates == 2


def test_an_output_that_does_not_decode_fails_the_take_and_is_not_reused(comfy, tmp_path):
    fake, url = comfy
    fake.corrupt_output = True
    plan = load_plan(write_plan(tmp_path / "film", url))
    report = render_plan(plan, jobs=1, progress=False)
    assert [o.kind for o in report.failed] == ["clip"] and "not a readable video" in report.failed[0].error
    fake.corrupt_output = False
    assert render_plan(plan, jobs=1, progress=False).ok and fake.creates == 2  # a new task, not the broken file again
    _ffprobe(open_project(plan).take("s01", "A").clip_path)
