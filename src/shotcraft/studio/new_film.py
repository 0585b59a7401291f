"""The guided start as a form in the studio: the same questions as `shotcraft new`, the same drafter.

`shotcraft new DIR --studio` serves this page (behind the studio's security gate: loopback, token
cookie, Host and Origin checks, a custom header on every write). The form posts the answers as JSON;
the server drafts the plan with :func:`shotcraft.plan.draft.draft_plan`, writes DIR/film.yaml and its
schema, and answers with the lint findings and the next commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from shotcraft import __version__
from shotcraft.errors import InputError
from shotcraft.plan.questions import QUESTIONS, Answers
from shotcraft.studio.app import SECURITY_HEADERS, STATIC, STATIC_TYPES
from shotcraft.studio.security import Gate, allowed_hosts


def sections() -> list[tuple[str, list[dict[str, Any]]]]:
    """The questions grouped by section, in order, as the template shows them."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for q in QUESTIONS:
        grouped.setdefault(q.section, []).append({"key": q.key, "prompt": q.text({}), "help": q.help, "default": q.default, "choices": list(q.choices)})
    return list(grouped.items())


def answers_from(body: Any) -> Answers:
    """The posted answers, checked: known keys, text values; questions whose condition fails are dropped."""
    if not isinstance(body, dict):
        raise InputError("request body: expected a JSON object of question keys to answers")
    known = {q.key: q for q in QUESTIONS}
    answers: Answers = {}
    for key, value in body.items():
        if key not in known:
            raise InputError(f"{key}: not a question of the guided start")
        if not isinstance(value, str) or len(value) > 2000:
            raise InputError(f"{key}: expected text of at most 2000 characters")
        question = known[key]
        if question.choices and value.strip() and value.strip() not in question.choices:
            raise InputError(f"{key}: expected one of {', '.join(question.choices)}, found {value!r}")
    for question in QUESTIONS:  # in order, so a condition sees the answers before it
        value = str(body.get(question.key, "")).strip()
        if question.asked(answers) and value:
            answers[question.key] = value
    return answers


def write_film(folder: Path, answers: Answers) -> dict[str, Any]:
    """Draft and write folder/film.yaml; what the page shows next."""
    from shotcraft.lint import lint_plan
    from shotcraft.plan import load_plan
    from shotcraft.plan.draft import Beats, draft_plan
    from shotcraft.plan.scaffold import film_target, write_schema_beside
    from shotcraft.fsutil import write_text

    target = film_target(folder)
    beats = None
    if answers.get("kind") == "music-video" and answers.get("music"):
        from shotcraft.sound.beats import measure_beats

        music = Path(answers["music"]).expanduser()
        beats = Beats(measure_beats(music if music.is_absolute() else folder / music).times)
    write_text(target, draft_plan(answers, beats=beats))
    write_schema_beside(folder)
    findings = lint_plan(load_plan(target))
    return {
        "plan": str(target),
        "shots": len(load_plan(target).film.shots),
        "findings": [{"code": f.code, "severity": str(f.severity), "shot": f.shot, "line": f.line, "message": f.message} for f in findings],
        "errors": sum(1 for f in findings if f.severity == "error"),
        "next": [f"shotcraft check {target}", f"shotcraft doc {target}", f"shotcraft make {target} --out out", f"shotcraft studio {target}"],
    }


def create_new_film_app(folder: Path, *, token: str, port: int) -> Gate:
    app = FastAPI(title="shotcraft new", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Environment(loader=PackageLoader("shotcraft.studio", "templates"), autoescape=select_autoescape())

    @app.exception_handler(InputError)
    async def bad_input(_: Any, error: InputError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=400)

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        html = templates.get_template("new.html").render(folder=str(folder), sections=sections(), version=__version__)
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        files = {p.name: p for p in STATIC.iterdir() if p.suffix in STATIC_TYPES}  # looked up, never joined
        if name not in files:
            return JSONResponse({"error": "not found"}, status_code=404)
        return Response(files[name].read_bytes(), media_type=STATIC_TYPES[files[name].suffix])

    @app.post("/api/new")
    def new(body: Any = Body(None)) -> JSONResponse:
        return JSONResponse(write_film(folder, answers_from(body)))

    return Gate(app, token=token, hosts=allowed_hosts(port), headers=SECURITY_HEADERS)


class NewFilmServer:
    """The form on 127.0.0.1 (a loopback bind only: it writes files); ``serve()`` blocks, ``start()`` threads."""

    def __init__(self, folder: Path, *, port: int = 0) -> None:
        import uvicorn

        from shotcraft.studio.security import new_token, opening_url
        from shotcraft.studio.server import free_port

        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder}: exists and is not a folder")
        if (folder / "film.yaml").exists():
            raise InputError(f"{folder / 'film.yaml'}: already exists (open it with `shotcraft studio`)")
        self.port = port or free_port()
        self.token = new_token()
        self.url = opening_url("127.0.0.1", self.port, self.token)
        app = create_new_film_app(folder, token=self.token, port=self.port)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False))
        self._thread = None

    def serve(self) -> None:
        self.server.run()

    def start(self) -> "NewFilmServer":
        import threading

        self._thread = threading.Thread(target=self.server.run, name="new-film", daemon=True)
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the form's server failed to start")
            self._thread.join(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
