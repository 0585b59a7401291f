"""The guided start as a studio form, driven in Debian's Chromium: same questions, same drafter, same
security gate; the plan it writes checks clean."""

from __future__ import annotations

import httpx
import pytest

from shotcraft.lint import lint_plan
from shotcraft.plan import load_plan
from shotcraft.plan.questions import QUESTIONS


@pytest.fixture
def form_server(tmp_path):
    from shotcraft.studio.new_film import NewFilmServer

    server = NewFilmServer(tmp_path / "night").start()
    yield server, tmp_path / "night"
    server.stop()


def test_the_form_asks_every_question_and_writes_a_plan_that_checks_clean(browser, form_server):
    server, folder = form_server
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url)
    for question in QUESTIONS:  # the same questions as the terminal
        assert page.locator(f"[name='{question.key}']").count() == 1, question.key
    page.fill("[name='title']", "Night Return")
    page.fill("[name='logline']", "Jack comes home and finds Lucas waiting under the streetlamp.")
    page.fill("[name='character1.name']", "Jack")
    page.fill("[name='character2.name']", "Lucas")
    page.select_option("[name='contact']", "yes")
    page.fill("[name='location.geography']", "car on the left, door on the right")
    page.click("#write")
    page.wait_for_selector("#written", timeout=30_000)
    assert "0 error(s)" in page.inner_text("#written")
    context.close()
    assert not errors, errors
    plan = load_plan(folder / "film.yaml")
    assert plan.film.production.title == "Night Return"
    assert "profile-two-shot" in [s.type.value for s in plan.film.shots]
    assert not [f for f in lint_plan(plan) if f.severity == "error"]


def test_the_form_is_behind_the_studio_gate(form_server):
    server, folder = form_server
    base = f"http://127.0.0.1:{server.port}"
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/").status_code == 403  # no token
        client.get(server.url)  # the token sets the cookie
        assert client.post("/api/new", json={"title": "x"}).status_code == 403  # no write header
        foreign = client.post("/api/new", json={"title": "x"}, headers={"x-shotcraft": "1", "origin": "http://evil.example"})
        assert foreign.status_code == 403
        bad = client.post("/api/new", json={"titel": "x"}, headers={"x-shotcraft": "1"})
        assert bad.status_code == 400 and "titel" in bad.json()["error"]
    assert not (folder / "film.yaml").exists()
