"""`shotcraft doc`: a self-contained HTML page and a PDF of exactly one page, checked with pypdf and
rendered to PNG by poppler's pdftoppm (an independent renderer)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from shotcraft.plan import load_plan
from shotcraft.plan.document import PITCH_LIMIT_S, pitch_text, write_document
from tests.conftest import EXAMPLE

SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")


def _png_pages(pdf: Path, out: Path) -> list[np.ndarray]:
    import cv2

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; `make test` installs it")
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out / "page")], check=True, timeout=60)
    return [cv2.imread(str(p)) for p in sorted(out.glob("page*.png"))]


def test_neo_noir_document_is_one_page_html_and_pdf(tmp_path):
    result = subprocess.run([SHOTCRAFT, "doc", str(EXAMPLE), "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Pitch (" in result.stdout
    html = (tmp_path / "neo-noir-production.html").read_text(encoding="utf-8")
    plan = load_plan(EXAMPLE)
    assert plan.film.production.title in html
    for shot in plan.film.shots:  # every shot with its mission
        assert f"<td>{shot.id}</td>" in html
    assert "src='http" not in html and 'src="http' not in html  # self-contained
    pdf = tmp_path / "neo-noir-production.pdf"
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Night Return" in text and "s12" in text
    pages = _png_pages(pdf, tmp_path)
    assert len(pages) == 1
    ink = (pages[0] < 128).mean()
    assert 0.01 < ink < 0.5  # not blank, not a black page


def test_a_long_shot_list_still_fits_one_page_and_thumbnails_show(tmp_path):
    import cv2

    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, shots = text.partition("\nshots:\n")
    blocks = re.split(r"\n(?=  - id: )", shots.strip("\n"))
    more = [re.sub(r"id: (s\d+)", lambda m, i=i: f"id: {m.group(1)}x{i}", b, count=1) for i in range(3) for b in blocks]
    (tmp_path / "film.yaml").write_text(head + "\nshots:\n" + "\n".join(blocks + more) + "\n", encoding="utf-8")
    plan = load_plan(tmp_path / "film.yaml")
    assert len(plan.film.shots) == 48
    thumb = tmp_path / "k.png"
    cv2.imwrite(str(thumb), np.full((54, 96, 3), (40, 120, 200), np.uint8))
    html, pdf = write_document(plan, tmp_path / "doc", paper="letter", thumbnails={"s01": thumb})
    assert len(PdfReader(str(pdf)).pages) == 1
    assert "data:image/png;base64," in html.read_text(encoding="utf-8")
    page = _png_pages(pdf, tmp_path)[0]
    assert (np.abs(page.astype(int) - (40, 120, 200)).sum(axis=2) < 60).sum() > 5  # the thumbnail is drawn


def test_pitch_reads_the_plan_and_times_it(tmp_path):
    plan = load_plan(EXAMPLE)
    pitch, seconds = pitch_text(plan)
    assert pitch.startswith("Night Return.") and plan.film.production.arc.decision.rstrip(".") in pitch
    assert 10 < seconds < PITCH_LIMIT_S
