"""The studio in Chromium, keyboard only: review a shot, step, reject, note, pick; frame-exact A/B; live takes."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np

from tests.studio.conftest import read_code

SETTLED = "() => window.studio && !studio.loading && studio.speed === 0 && studio.target === studio.frame && document.querySelectorAll('#viewer canvas').length > 0"


def shotcraft(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (another terminal, as far as the studio can tell)."""
    return subprocess.run([sys.executable, "-c", "from shotcraft.cli import main; main()", *args], capture_output=True, text=True, timeout=120, check=False)


def takes_json(film, shot: str) -> dict[str, dict]:
    result = shotcraft("takes", str(film), "--shot", shot, "--format", "json")
    assert result.returncode == 0, result.stderr
    return {row["take"]: row for row in json.loads(result.stdout)}


def pane_codes(page) -> list[int | None]:
    """The frame number each pane shows, read from the screenshot's pixels."""
    page.wait_for_function(SETTLED)
    shot = cv2.imdecode(np.frombuffer(page.screenshot(), np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
    boxes = page.eval_on_selector_all("#viewer canvas", "cs => cs.map(c => { const r = c.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })")
    return [read_code(shot[int(y) + 2 : int(y + h) - 2, int(x) + 2 : int(x + w) - 2]) for x, y, w, h in boxes]


def counter(page) -> int:
    return int(page.inner_text("#frame-no"))


def open_shot(page, shot: str) -> None:
    page.click(f"#shot-table tr[data-shot='{shot}']")
    page.wait_for_function(f"() => studio.shotId === '{shot}' && studio.sources.length > 0")
    page.wait_for_function(SETTLED)


def test_review_step_reject_note_and_pick_with_the_keyboard(page, film):
    page.keyboard.press("]")  # next shot: s02
    page.wait_for_function("() => studio.shotId === 's02'")
    page.wait_for_function(SETTLED)
    assert "Ana walks down the hallway" in page.inner_text("#brief")
    assert "varies: seed" in page.inner_text("#prompts")
    for _ in range(3):
        page.keyboard.press(".")
    page.wait_for_function(SETTLED)
    assert counter(page) == 3
    page.keyboard.press("Shift+.")  # ten on
    page.wait_for_function(SETTLED)
    assert counter(page) == 13
    page.keyboard.press(",")
    page.wait_for_function(SETTLED)
    assert counter(page) == 12

    page.keyboard.press("1")
    page.keyboard.press("x")
    page.keyboard.type("the hand melts into the rail")
    page.keyboard.press("Enter")
    page.wait_for_selector(".take.rejected[data-take='A']")

    page.keyboard.press("2")
    canvas = page.query_selector_all("#viewer canvas")[1].bounding_box()
    page.mouse.click(canvas["x"] + canvas["width"] * 0.25, canvas["y"] + canvas["height"] * 0.5)
    page.keyboard.press("n")
    page.keyboard.type("check the left edge here")
    page.keyboard.press("Enter")
    page.wait_for_selector("#notes li[data-frame='12']")

    page.keyboard.press("p")
    page.wait_for_selector(".take.picked[data-take='B']")

    rows = takes_json(film, "s02")  # the CLI, a separate process, reads the same ledger
    assert rows["B"]["picked"] and rows["B"]["pick_reason"] == "user"
    assert not rows["A"]["picked"]
    assert rows["A"]["review"]["rejected"] == {"severity": "major", "reason": "the hand melts into the rail"}
    assert rows["B"]["review"]["notes"] == 1 and rows["B"]["review"]["shot_state"] == "picked"
    text = shotcraft("takes", str(film), "--shot", "s02")
    assert "rejected (major): the hand melts into the rail" in text.stdout


def test_both_panes_show_the_same_frame_after_play_pause_step_and_seek(page):
    open_shot(page, "s01")  # takes C and D carry their frame numbers as stripes
    assert pane_codes(page) == [0, 0]

    page.keyboard.press("l")
    page.wait_for_function("() => studio.frame >= 5")
    page.keyboard.press("k")
    codes = pane_codes(page)
    assert codes[0] == codes[1] == counter(page) >= 5

    page.keyboard.press(".")
    page.keyboard.press(".")
    codes = pane_codes(page)
    assert codes[0] == codes[1] == counter(page)

    page.keyboard.press("Shift+,")
    codes = pane_codes(page)
    assert codes[0] == codes[1] == counter(page)

    page.keyboard.press("End")  # seek to the last frame
    assert pane_codes(page) == [23, 23] and counter(page) == 23
    page.eval_on_selector("#scrub", "s => { s.value = '17'; s.dispatchEvent(new Event('input')); }")  # seek with the scrubber
    assert pane_codes(page) == [17, 17] and counter(page) == 17

    page.keyboard.press("j")  # play backwards, then pause
    page.wait_for_function("() => studio.frame <= 12")
    page.keyboard.press("k")
    codes = pane_codes(page)
    assert codes[0] == codes[1] == counter(page) <= 12

    page.keyboard.press("w")  # the wipe: one canvas, C left of the line, D right of it, one frame number
    page.keyboard.press("Home")
    page.keyboard.press(".")
    page.wait_for_function(SETTLED)
    canvas = page.query_selector("#viewer canvas")
    assert canvas.get_attribute("data-frame") == canvas.get_attribute("data-frame-b") == "1"
    page.keyboard.press("s")


def test_a_take_added_elsewhere_appears_without_reload(page, film):
    open_shot(page, "s03")
    page.evaluate("() => { window.__sameDocument = true; }")
    result = shotcraft("take", "add", str(film), "s03", str(film.parent / "coded-a.mp4"), "--label", "C", "--source", "another terminal")
    assert result.returncode == 0, result.stderr
    page.wait_for_selector("#decide .take[data-take='C']", timeout=20_000)
    assert page.evaluate("() => window.__sameDocument === true")  # no reload happened
    assert page.query_selector_all("#viewer canvas").__len__() == 3


def test_the_seeds_checks_as_views(page):
    open_shot(page, "s02")
    page.keyboard.press("c")  # cold review: nothing scored shows until the shot is decided
    page.wait_for_function("() => studio.cold")
    undecided = page.inner_text("#shot-table tr[data-shot='s03'] td.qa")
    assert undecided == "·"
    page.keyboard.press("c")
    first = page.evaluate("() => allFlags()[0]")  # QA-flagged ranges: F jumps to each with its code
    page.keyboard.press("f")
    page.wait_for_function(SETTLED)
    assert counter(page) == first["start_frame"] and first["code"] in page.inner_text("#flags li.current")
    for zoom in (1, 2, 4, 0):  # the loupe, then back to fit
        page.keyboard.press("z")
        page.wait_for_function(f"() => studio.zoom === {zoom}")
    page.keyboard.press("z")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => studio.pan.x > 0.5")  # one pan for every pane
    page.keyboard.press("z"), page.keyboard.press("z"), page.keyboard.press("z")
    page.keyboard.press("e")
    page.wait_for_function("() => studio.edges")
    page.keyboard.press("m")  # the vertical reframe at phone size
    page.wait_for_function("() => studio.mobile")
    box = page.query_selector("#viewer canvas").bounding_box()
    assert abs(box["width"] / box["height"] - 9 / 16) < 0.05
    page.keyboard.press("m"), page.keyboard.press("e")
    page.keyboard.press("v")
    page.wait_for_function("() => document.querySelector('#sound').volume === 0.25")
    page.keyboard.press("v"), page.keyboard.press("v")
    page.keyboard.press("g")  # in context: the previous and next picked shots around this take
    page.wait_for_function("() => studio.context && studio.context.segments.length === 3")
    names = page.evaluate("() => studio.context.segments.map((s) => s.name)")
    assert names[0].startswith("s01 ") and names[1].startswith("s02 ") and names[2].startswith("s03 ")
    page.keyboard.press("k"), page.keyboard.press("g")
    page.keyboard.press("w")  # the wipe's line follows the mouse
    box = page.query_selector("#viewer canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    assert abs(page.evaluate("() => studio.wipe") - 0.8) < 0.03
    page.keyboard.press("s")
    page.keyboard.press("r")  # narrative sign-off on the chosen take
    page.wait_for_function("() => studio.detail.review.signoffs.narrative !== undefined")
    page.keyboard.press("}")  # the next shot still to review (s02 is picked now)
    page.wait_for_function("() => studio.shotId !== 's02' && studio.film.shots.find((s) => s.id === studio.shotId).review.state === 'to review'")
    page.keyboard.press("?")
    assert "reject the chosen take" in page.inner_text("#help")
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    page.check("#checklist input >> nth=6")  # validated mobile version
    page.wait_for_function("() => studio.film.checklist['validated mobile version'] === true")
    page.keyboard.press("Escape")


def test_a_refresh_answered_after_moving_on_does_not_bring_back_the_shot_left(page):
    """A refresh of the shot shown (after a sign-off, or a change from another terminal) that is answered after the
    reviewer moved to the next shot leaves them on the next shot: before, on a loaded machine, the late answer took the
    studio back to the shot they had left."""
    open_shot(page, "s02")
    page.evaluate("""() => {
      const fetchNow = window.fetch;
      window.__fetchNow = fetchNow;
      window.fetch = (url, options) => {
        if (!String(url).endsWith("/api/shots/s02")) return fetchNow(url, options);
        window.__s02Asked = true;  // this answer comes 1.5 s late, after s03's
        return new Promise((done) => setTimeout(done, 1500)).then(() => fetchNow(url, options))
          .finally(() => { window.__s02Answered = true; });
      };
    }""")
    page.evaluate("() => { refresh(); }")  # what the server's change event does
    page.wait_for_function("() => window.__s02Asked === true")
    page.keyboard.press("]")  # on to s03 while s02's refresh is still out
    page.wait_for_function("() => window.__s02Answered === true && !studio.loading")
    page.evaluate("() => { window.fetch = window.__fetchNow; }")
    assert page.evaluate("() => [studio.shotId, studio.wanted, location.hash]") == ["s03", "s03", "#s03"]
    page.wait_for_function(SETTLED)
    assert "Ana turns her head" in page.inner_text("#brief")


def test_a_phone_sized_window_picks_by_touch(browser, studio, film):
    from shotcraft.plan import load_plan
    from shotcraft.render.store import open_project

    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    phone = context.new_page()
    phone.goto(studio.url)
    phone.wait_for_selector("body[data-ready='1']")
    assert not phone.is_visible("#shots")  # the shot list folds behind ☰
    phone.tap("#shots-toggle")
    phone.tap("#shot-table tr[data-shot='s03']")
    phone.wait_for_function(f"() => studio.shotId === 's03' && {SETTLED[6:]}")
    phone.tap("#decide .take[data-take='B']")
    phone.tap("#decide button[data-action='p']")
    phone.wait_for_selector(".take.picked[data-take='B']")
    assert open_project(load_plan(film)).ledger.pick("s03") == "B"
    context.close()
