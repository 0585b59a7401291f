"""The seeds' other two films, examples/cliff (article 002) and examples/serum (article 001's ad):
`check` clean at full size, and `make` end to end on a low-resolution copy (same shots, same text).

The make copy only shrinks the frame (and keeps one take per shot) so the test stays cheap; every
stage runs, and the deliverables are checked with ffprobe, not with shotcraft's own reader.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.pipeline import STEPS, make
from shotcraft.plan import load_plan

REPO = Path(__file__).resolve().parents[1]
#: example -> (full-size resolution line, low-resolution line with the same aspect)
EXAMPLES = {
    "cliff": (("resolution: 1680x720", "resolution: 224x96"), ("resolution: 1792x768", "resolution: 224x96")),
    "serum": (("resolution: 1280x720", "resolution: 192x108"),),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_checks_clean(name: str) -> None:
    result = CliRunner().invoke(app, ["check", str(REPO / "examples" / name / "film.yaml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def _low_res_copy(name: str, folder: Path) -> Path:
    text = (REPO / "examples" / name / "film.yaml").read_text(encoding="utf-8")
    for old, new in EXAMPLES[name]:
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("defaults:\n  takes: 2\n", "defaults:\n  takes: 1\n")
    path = folder / "film.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _decode_with_ffmpeg(path: Path, width: int, height: int) -> tuple[int, str]:
    """Frames decoded by the ffmpeg executable itself (not shotcraft's PyAV reader), and its stream listing."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "info", "-i", str(path), "-map", "0:v:0", "-s", f"{width}x{height}",
               "-f", "rawvideo", "-pix_fmt", "gray", "-"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, check=True)
    return len(out.stdout) // (width * height), out.stderr.decode(errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_makes_end_to_end(name: str, tmp_path: Path) -> None:
    plan = load_plan(_low_res_copy(name, tmp_path))
    manifest = make(plan, tmp_path / "out", jobs=2, progress=False)
    data = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert data["checks"]["stages"] == {step.name: "done" for step in STEPS}
    [master] = [entry for entry in data["deliverables"] if entry["kind"] == "master"]
    width, height = plan.film.production.format.resolution
    frames, listing = _decode_with_ffmpeg(tmp_path / "out" / master["path"], width, height)
    assert f"{width}x{height}" in listing and "Audio:" in listing
    expected = round(sum(shot.duration for shot in plan.film.shots) * 24)
    assert abs(frames - expected) <= 2, (frames, expected)
    assert manifest is not None
