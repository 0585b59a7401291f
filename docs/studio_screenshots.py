"""Take the screenshots in docs/studio.md: the neo-noir example rendered (animatic), QA'd, reviewed a little.

    .venv/bin/python docs/studio_screenshots.py [--film /tmp/neo-noir/film.yaml]

Everything goes through the library and the real studio in Debian's Chromium;
the pictures land in docs/img/studio-*.png.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from shotcraft.plan import load_plan
from shotcraft.qa.run import run_qa_for_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.reviews import Reviews, current_renderings
from shotcraft.render.store import open_project
from shotcraft.studio.server import make_studio

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip
SETTLED = "() => window.studio && !studio.loading && studio.speed === 0 && studio.target === studio.frame && document.querySelectorAll('#viewer canvas').length > 0"


def prepare(film: Path) -> None:
    if not film.exists():
        film.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "examples" / "neo-noir" / "film.yaml", film)
    plan = load_plan(film)
    render_plan(plan, progress=False, jobs=2)
    run_qa_for_plan(plan)
    project = open_project(plan)
    reviews = Reviews(project.ledger)
    project.set_pick("s01", "B")
    s02 = current_renderings(project, "s02")
    reviews.reject("s02", "A", s02["A"], reason="the sedan door opens twice", severity="major", reviewer="director")
    if not reviews.notes("s02"):
        reviews.add_note("s02", "B", s02["B"], frame=30, x=0.72, y=0.4, text="gloves: black leather, keep", reviewer="director")
    reviews.tick("validated mobile version", True)
    reviews.set_production_note(worked="fixed seeds on the keyframes", broke="the wide shots drift in colour", reuse="Jack's sheet")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--film", type=Path, default=Path("/tmp/shotcraft-studio-docs/film.yaml"))
    args = parser.parse_args()
    prepare(args.film)
    OUT.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    studio = make_studio(args.film, reviewer="director").start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            page.goto(studio.url)
            page.wait_for_selector("body[data-ready='1']")

            def keys(*presses: str, name: str | None = None) -> None:
                for key in presses:
                    page.keyboard.press(key)
                page.wait_for_function(SETTLED)
                page.wait_for_timeout(300)
                if name:
                    page.screenshot(path=str(OUT / f"studio-{name}.png"))

            page.click("#shot-table tr[data-shot='s02']")
            page.wait_for_function("() => studio.shotId === 's02'")
            keys(*["Shift+."] * 3, name="main")
            keys("w", "z", "z", *["ArrowRight"] * 6, name="wipe-loupe")
            keys("z", "z", "s", "e", name="edges")
            keys("e", "?", name="help")
            keys("Escape", "c", "]", name="cold")
            keys("c", "o", name="film")
            keys("Escape")
            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True).new_page()
            phone.goto(studio.url)
            phone.wait_for_selector("body[data-ready='1']")
            for key in ("m", "Shift+.", "Shift+.", "Shift+.", "Shift+.", "Shift+."):
                phone.keyboard.press(key)
            phone.wait_for_function(SETTLED)
            phone.wait_for_timeout(300)
            phone.screenshot(path=str(OUT / "studio-mobile.png"))
            browser.close()
    finally:
        studio.stop()
    for path in sorted(OUT.glob("studio-*.png")):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
