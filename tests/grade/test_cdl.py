"""ASC CDL out of the grade, checked by OpenColorIO and OpenTimelineIO's own CMX 3600 adapter; the grade report page."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import opentimelineio as otio
import PyOpenColorIO as ocio
import pytest

from shotcraft.grade.cdl import CDL, CDL_NAMESPACE
from shotcraft.grade.export import export_grade
from shotcraft.grade.plan import GradePlan, plan_grade
from shotcraft.grade.report import _thumbnails
from shotcraft.media.video import read_frames
from tests.grade.media import NO_GRAIN, make_cut, make_plan, plan_text

SHOTS = ("s01", "s02", "s03")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, takes: dict[str, Path]):
    folder = tmp_path_factory.mktemp("cdl")
    plan = make_plan(folder, plan_text(list(SHOTS), extra=NO_GRAIN, shot_grade={"s03": "{exposure: 0.5, saturation: 1.1}"}))
    cut = make_cut({"s01": takes["neutral"], "s02": takes["cyan"], "s03": takes["cool"]}, 6)
    grade_plan = plan_grade(plan, cut)
    entries = export_grade(grade_plan, cut, folder / "out", "testfilm", title="Test <Film>")
    return folder / "out", grade_plan, cut, {e.kind: e for e in entries}, [e for e in entries if e.kind == "cdl"]


def _ocio(transform) -> ocio.CPUProcessor:
    return ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()


def _apply(processor: ocio.CPUProcessor, frame: np.ndarray) -> np.ndarray:
    pixels = np.ascontiguousarray(frame.astype(np.float32) / 255.0)
    processor.applyRGB(pixels)
    return np.clip(pixels, 0.0, 1.0).astype(np.float64)


def test_each_cdl_through_opencolorio_reproduces_the_primary_grade(exported) -> None:
    out, grade_plan, cut, _, cdl_entries = exported
    assert sorted(e.path for e in cdl_entries) == [f"luts/{s}.cdl" for s in SHOTS]
    assert grade_plan.shots["s02"].cdl.slope != (1.0, 1.0, 1.0)  # the cyan cast is removed in the primary
    for event in cut.events:
        grade = grade_plan.shots[event.shot_id]
        frame = next(read_frames(event.clip_path, start=2, count=1))
        ours = grade.ops.primaries(frame.reshape(-1, 3) / 255.0).reshape(frame.shape)
        from_file = _apply(_ocio(ocio.FileTransform(src=str(out / "luts" / f"{event.shot_id}.cdl"))), frame)
        assert np.abs(from_file - ours).max() * 255 <= 1.0, event.shot_id
        cdl = grade.cdl
        by_values = ocio.CDLTransform(slope=list(cdl.slope), offset=list(cdl.offset), power=list(cdl.power), sat=cdl.saturation)
        by_values.setStyle(ocio.CDL_NO_CLAMP)  # what OpenColorIO reads a .cdl file as
        assert np.abs(_apply(_ocio(by_values), frame) - ours).max() * 255 <= 1.0, event.shot_id


def test_the_ccc_loads_in_opencolorio_by_shot_id(exported) -> None:
    out, grade_plan, cut, entries, _ = exported
    ccc = out / entries["ccc"].path
    root = ET.parse(ccc).getroot()
    assert root.tag == f"{{{CDL_NAMESPACE}}}ColorCorrectionCollection"
    assert [node.get("id") for node in root] == list(SHOTS)
    frame = next(read_frames(cut.events[1].clip_path, start=0, count=1))
    for shot_id in SHOTS:
        processor = _ocio(ocio.FileTransform(src=str(ccc), cccId=shot_id))
        ours = grade_plan.shots[shot_id].ops.primaries(frame.reshape(-1, 3) / 255.0).reshape(frame.shape)
        assert np.abs(_apply(processor, frame) - ours).max() * 255 <= 1.0, shot_id


def test_the_graded_edl_carries_asc_sop_and_sat_per_event(exported) -> None:
    out, grade_plan, _, entries, _ = exported
    edl = out / entries["graded-edl"].path
    assert edl.read_text().count("*ASC_SOP") == len(SHOTS) and "*ASC_SAT" in edl.read_text()
    timeline = otio.adapters.read_from_file(str(edl), adapter_name="cmx_3600", rate=24)
    clips = list(timeline.find_clips())
    assert len(clips) == len(SHOTS)
    for clip, shot_id in zip(clips, SHOTS, strict=True):
        expected = grade_plan.shots[shot_id].cdl
        read = clip.metadata["cdl"]
        assert np.allclose(read["asc_sop"]["slope"], expected.slope, atol=1e-6)
        assert np.allclose(read["asc_sop"]["power"], expected.power, atol=1e-6)
        assert read["asc_sat"] == pytest.approx(expected.saturation, abs=1e-6)
    graded_otio = otio.adapters.read_from_file(str(out / entries["graded-otio"].path))
    assert [c.metadata["cdl"]["asc_sat"] for c in graded_otio.find_clips()] == [grade_plan.shots[s].cdl.saturation for s in SHOTS]


def test_the_plans_trims_fold_into_the_cdl() -> None:
    from shotcraft.grade.ops import ShotOps, display_slope

    ops = ShotOps(exposure=0.5, saturation=1.1, primary=CDL((1.2, 1.0, 0.9), saturation=0.95))
    assert ops.cdl.slope == pytest.approx(tuple(v * display_slope(0.5) for v in (1.2, 1.0, 0.9)), abs=1e-6)
    assert ops.cdl.saturation == pytest.approx(1.045, abs=1e-6)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag in ("link", "script") or (tag == "a" and values.get("href")):
            self.links.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_grade_report_shows_each_shot_ungraded_and_graded(exported) -> None:
    import cv2

    out, grade_plan, _, entries, _ = exported
    assert entries["grade-report"].path == "grade/report.html"
    page = _Page()
    page.feed((out / "grade" / "report.html").read_text(encoding="utf-8"))
    assert len(page.images) == 2 * len(SHOTS) and not page.links  # self-contained
    for uri in page.images:
        assert uri.startswith("data:image/jpeg;base64,")
        image = cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape[:2] == (270, 480)
    # JPEG shows the grade as it is: each picture within a couple of code values of the exact frame, on average
    timeline = exported[2]
    for index, event in enumerate(timeline.events):
        exact = _thumbnails(event, grade_plan.shots[event.shot_id])
        for uri, frame in zip(page.images[2 * index : 2 * index + 2], exact, strict=True):
            shown = cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
            assert np.abs(cv2.cvtColor(shown, cv2.COLOR_BGR2RGB).astype(int) - frame).mean() < 2.0
    text = " ".join(page.text)
    assert "Test <Film>" in text  # escaped in the page, read back as text
    for needle in ("stops", "ΔE2000", "cast ΔE2000", "contrast", "saturation", "grain", "s01 → s02"):
        assert needle in text, needle
    assert isinstance(grade_plan, GradePlan)
