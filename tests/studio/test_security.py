"""The gate, probed with httpx against the running server: token, Host, Origin, write header, media by id, bind."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.errors import InputError
from shotcraft.studio.security import COOKIE
from shotcraft.studio.server import make_studio

_opened: list[str] = []
_watching = threading.Event()


def _audit(event: str, args: tuple) -> None:
    if _watching.is_set() and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # the server runs in this process: every file it opens passes here


@pytest.fixture(scope="module")
def client(studio):
    with httpx.Client(base_url=studio.base, follow_redirects=False, timeout=20) as http:
        opening = http.get("/", params={"token": studio.token})
        assert opening.status_code == 303 and "HttpOnly" in opening.headers["set-cookie"] and "SameSite=Strict" in opening.headers["set-cookie"]
        assert http.cookies.get(COOKIE) == studio.token
        yield http


def test_no_token_or_a_wrong_one_is_refused(studio):
    assert httpx.get(f"{studio.base}/api/film").status_code == 403
    assert httpx.get(f"{studio.base}/", params={"token": "x" * 43}).status_code == 403
    wrong = studio.token[:-1] + ("B" if studio.token.endswith("A") else "A")  # the token is random: one character surely off
    assert httpx.get(f"{studio.base}/api/film", cookies={COOKIE: wrong}).status_code == 403
    assert httpx.get(f"{studio.base}/events", timeout=5).status_code == 403


def test_the_cookie_opens_the_api(client):
    assert client.get("/api/film").json()["title"] == "Studio Test"


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example", "https://127.0.0.1"])
def test_foreign_and_null_origins_are_refused_on_http_and_the_event_stream(client, studio, origin):
    assert client.get("/api/film", headers={"Origin": origin}).status_code == 403
    assert client.post("/api/shots/s02/pick", json={"take": "A"}, headers={"Origin": origin, "X-Shotcraft": "1"}).status_code == 403
    assert client.get("/events", headers={"Origin": origin}).status_code == 403


def test_own_origin_is_accepted(client, studio):
    assert client.get("/api/film", headers={"Origin": studio.base}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "192.168.1.20", "evil.example:{port}", "10.0.0.1:{port}", "127.0.0.1:1"])
def test_a_host_that_is_not_loopback_at_our_port_is_refused(client, studio, host):
    assert client.get("/api/film", headers={"Host": host.format(port=studio.port)}).status_code == 403


def test_writes_need_the_custom_header(client, film):
    from shotcraft.plan import load_plan
    from shotcraft.render.store import open_project

    before = open_project(load_plan(film)).ledger.pick("s03")
    response = client.post("/api/shots/s03/pick", json={"take": "A"})
    assert response.status_code == 403
    assert client.post("/api/shots/s03/pick", json={"take": "A"}, headers={"X-Shotcraft": "0"}).status_code == 403
    assert open_project(load_plan(film)).ledger.pick("s03") == before  # nothing written


def test_media_only_by_take_id_from_the_store(client, studio, film):
    good = client.get("/api/shots/s02").json()["takes"][0]["id"]
    ok = client.get(f"/frames/{good}/0")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg" and ok.headers["x-frame-index"] == "0"
    store = (film.parent / ".shotcraft").resolve()
    package = Path(__import__("shotcraft").__file__).parent.resolve()
    _opened.clear()
    _watching.set()
    try:
        for probe in [
            "/frames/..%2F..%2F..%2Fetc%2Fpasswd/0",
            "/frames/%2e%2e/0",
            f"/frames/{good[:2]}%2F{good}.mp4/0",
            "/frames/%2Fetc%2Fpasswd/0",
            f"/frames/{'0' * 64}/0",  # well-formed, but no such take
            f"/frames/{good}/99999",
            "/static/..%2Fapp.py",
            "/static/%2Fetc%2Fpasswd",
            "/sound/..%2F..%2Ffilm.yaml",
            "/api/shots/..%2F..%2Fetc%2Fpasswd",
        ]:
            response = client.get(probe)
            assert response.status_code == 404, probe
            assert b"root:" not in response.content
    finally:
        _watching.clear()
    outside = [p for p in _opened if not Path(p).resolve().is_relative_to(store) and not Path(p).resolve().is_relative_to(package)]
    assert not [p for p in outside if not p.startswith(("/proc", "/sys", "/dev"))], outside


def test_non_loopback_bind_needs_a_token_and_an_explicit_flag(film):
    for kwargs in ({}, {"token": "t" * 32}, {"allow_remote": True}):
        with pytest.raises(InputError, match="--allow-remote and --token"):
            make_studio(film, host="0.0.0.0", **kwargs)
    with pytest.raises(InputError):
        make_studio(film, host="192.168.1.20", allow_remote=True)
    with pytest.raises(InputError, match="not a wildcard"):
        make_studio(film, host="0.0.0.0", token="t" * 32, allow_remote=True)
    allowed = make_studio(film, host="192.168.1.20", port=8765, token="t" * 32, allow_remote=True)  # configured, never started
    assert allowed.token == "t" * 32 and allowed.base == "http://192.168.1.20:%d" % allowed.port
    result = CliRunner().invoke(app, ["studio", str(film), "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code != 0
    assert "--allow-remote and --token" in result.output and "Traceback" not in result.output
