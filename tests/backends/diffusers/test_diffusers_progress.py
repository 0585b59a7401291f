"""A diffusers job reports each denoising step (callback_on_step_end) through the render's event stream; planning a
diffusers film never imports torch in the main process."""

from __future__ import annotations

import os
import subprocess
import sys

from shotcraft.events import listen
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan

from test_diffusers_render import _plan_text


def test_keyframe_and_clip_jobs_report_their_denoising_steps(tmp_path, tiny_model):
    folder = tmp_path / "film"
    folder.mkdir()
    (folder / "film.yaml").write_text(_plan_text(tiny_model("sd15").folder, tiny_model("ltx").folder))
    seen = []
    with listen(seen.append):
        report = render_plan(load_plan(folder / "film.yaml"), shots=["s01"], jobs=1, progress=False)
    assert report.ok
    steps = [(e.message, e.done, e.total) for e in seen if e.unit == "steps"]
    assert ("s01 A keyframe: denoising", 1, 2) in steps and ("s01 A keyframe: denoising", 2, 2) in steps
    assert ("s01 A clip: denoising", 2, 2) in steps


def test_planning_a_diffusers_film_does_not_import_torch(tmp_path, tiny_model):
    folder = tmp_path / "film"
    folder.mkdir()
    (folder / "film.yaml").write_text(_plan_text(tiny_model("sd15").folder, tiny_model("ltx").folder))
    code = ("import sys; from shotcraft.plan import load_plan; from shotcraft.render.jobs import plan_jobs; "
            f"plan_jobs(load_plan({str(folder / 'film.yaml')!r})); print('torch' in sys.modules)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the second run answers the device question from the cache, without a child process
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "cache" / "shotcraft" / "devices.json").is_file()
