"""Guided start and the one-page document: new, doc. Thin shells over plan.questions / plan.draft / plan.document."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.prompt import Prompt

from shotcraft.cli import app
from shotcraft.cli.common import command, console, err_console
from shotcraft.cli.console import styled
from shotcraft.errors import InputError
from shotcraft.fsutil import write_text
from shotcraft.plan.questions import QUESTIONS, Answers, pending

ANSWERS_FILE = ".shotcraft-new.json"  # answers so far: an interrupted `new` resumes here


def _load_answers(folder: Path, answers_path: Path | None) -> Answers:
    source = answers_path or folder / ANSWERS_FILE
    if not source.is_file():
        if answers_path is not None:
            raise InputError(f"{answers_path}: answers file not found")
        return {}
    try:
        data = json.loads(source.read_text(encoding="utf-8")) if source.suffix == ".json" else _yaml_answers(source)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: not a readable answers file ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping of question keys to answers")
    known = {q.key for q in QUESTIONS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{source}: unknown question key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def _yaml_answers(path: Path) -> object:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _ask(folder: Path, answers: Answers) -> Answers:
    """Ask what is pending, saving after each answer; Enter keeps the default or skips."""
    section = None
    while True:
        todo = pending(answers)
        if not todo:
            return answers
        question = todo[0]
        if question.section != section:
            section = question.section
            console.print(styled("\n", (section, "bold")))
        hint = (f" ({question.help})", "dim") if question.help else ""
        choices = list(question.choices) or None
        answer = Prompt.ask(styled(question.text(answers), hint), default=question.default or "", choices=choices, show_choices=bool(choices), console=console)
        answers[question.key] = (answer or "").strip()
        write_text(folder / ANSWERS_FILE, json.dumps(answers, indent=2, ensure_ascii=False) + "\n")


@command(app, "new", summary="Start a film from an idea: guided questions, a drafted plan that checks clean.", example="shotcraft new my-film")
def new_command(
    folder: Path = typer.Argument(..., help="Folder to create the film in."),
    kind: str = typer.Option(None, "--kind", help="film, music-video or ad (skips that question)."),
    answers_path: Path = typer.Option(None, "--answers", help="Answers as YAML or JSON (question key -> answer): no questions asked."),
    yes: bool = typer.Option(False, "--yes", help="Ask nothing: skipped questions take their defaults."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing film.yaml."),
    llm: str = typer.Option(None, "--llm", help="An OpenAI-compatible endpoint (llama.cpp, Ollama, vLLM...) that drafts the briefs."),
    model: str = typer.Option(None, "--model", help="The model name at --llm."),
    accept_all: bool = typer.Option(False, "--accept-all", help="With --llm: accept every drafted shot without asking."),
    studio: bool = typer.Option(False, "--studio", help="Answer in the browser: the same questions as a form, served on 127.0.0.1."),
    no_browser: bool = typer.Option(False, "--no-browser", help="With --studio: print the URL; do not open a browser."),
) -> None:
    """Ask the seed's questions (intention first), then write FOLDER/film.yaml: a plan that `shotcraft check` passes.

    Every question can be skipped with Enter; an interrupted session resumes where it stopped.
    With --llm, a language model you run improves the briefs and the shot list; its output is
    validated and linted, and you accept it shot by shot.
    """
    from shotcraft.plan.draft import Beats, draft_plan
    from shotcraft.plan.scaffold import film_target, write_schema_beside

    if studio:
        from shotcraft.studio.new_film import NewFilmServer
        from shotcraft.studio.server import open_browser

        server = NewFilmServer(folder)
        console.print(f"new film form: {server.url}", markup=False, soft_wrap=True)
        console.print("Ctrl+C here stops the form's server")
        if not no_browser:
            open_browser(server.url)
        server.serve()
        return
    target = film_target(folder, force=force)
    answers = _load_answers(folder, answers_path)
    if kind is not None:
        if kind not in ("film", "music-video", "ad"):
            raise InputError(f"--kind: expected film, music-video or ad, found {kind!r}")
        answers["kind"] = kind
    if answers_path is None and not yes:
        if not sys.stdin.isatty():
            raise InputError("new: no terminal to ask in; give --answers FILE or --yes")
        console.print(styled(("shotcraft new", "bold"), ": intention first. Enter skips a question; Ctrl-C stops, and `shotcraft new` resumes."))
        answers = _ask(folder, answers)
    beats = None
    if answers.get("kind") == "music-video" and answers.get("music", "").strip():
        from shotcraft.sound.beats import measure_beats

        music = Path(answers["music"]).expanduser()
        grid = measure_beats(music if music.is_absolute() else folder / music if (folder / music).exists() else music)
        beats = Beats(grid.times)
        console.print(f"music: {grid.tempo_bpm:.1f} BPM, {len(grid.times)} beats; cuts on whole bars")
    text = draft_plan(answers, beats=beats)
    if llm:
        from shotcraft.lint.llm_draft import improve_with_llm

        text = improve_with_llm(text, answers, endpoint=llm, model=model, accept_all=accept_all or yes or answers_path is not None, console=console)
    write_text(target, text)
    write_schema_beside(folder)
    (folder / ANSWERS_FILE).unlink(missing_ok=True)
    from shotcraft.lint import lint_plan
    from shotcraft.plan import load_plan

    findings = lint_plan(load_plan(target))
    errors = [f for f in findings if f.severity == "error"]
    console.print(styled("Wrote ", (str(target), "bold"), f": {len(findings)} lint finding(s), {len(errors)} error(s)."))
    console.print(styled("Next: ", (f"shotcraft check {target}", "bold"), ", ", (f"shotcraft doc {target}", "bold"), ", then ",
                         (f"shotcraft make {target} --out out", "bold"), "."))
    if errors:
        for finding in errors:
            err_console.print(f"{target}:{finding.line}:{finding.column}: {finding.code} {finding.message}", markup=False)
        raise typer.Exit(1)


@command(app, "doc", summary="The one-page production document: HTML, a one-page PDF and the 90-second pitch.", example="shotcraft doc examples/neo-noir/film.yaml --out out/doc")
def doc_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN"),
    out: Path = typer.Option(None, "--out", help="Folder for the HTML and PDF (default: beside the plan)."),
    paper: str = typer.Option("a4", "--paper", help="a4 or letter."),
) -> None:
    """Write PLAN's one-page production document (logline, arc, intention, character sheets, charters,
    prohibitions, the shot list with missions and keyframe thumbnails) as HTML and a one-page PDF,
    and print the 90-second pitch."""
    from shotcraft.plan import load_plan
    from shotcraft.plan.document import pitch_text, write_document

    plan = load_plan(plan_path)
    written = write_document(plan, out or plan.root, paper=paper, thumbnails=_keyframes(plan))
    pitch, seconds = pitch_text(plan)
    console.print(styled(("Pitch", "bold"), f" ({seconds:.0f} s spoken):"))
    console.print(pitch, markup=False)
    for path in written:
        console.print(f"  {path}", markup=False)


def _keyframes(plan) -> dict[str, Path]:
    """Each shot's picked (or first done) take's keyframe, when the plan was rendered; nothing is created."""
    from shotcraft.render.store import PROJECT_FOLDER, open_project

    if not (plan.root / PROJECT_FOLDER / "ledger.sqlite").is_file():
        return {}
    project = open_project(plan)
    found: dict[str, Path] = {}
    for shot in plan.film.shots:
        take = project.picked_take(shot.id) or next((t for t in project.takes(shot.id) if t.keyframe_path), None)
        if take is not None and take.keyframe_path is not None:
            found[shot.id] = take.keyframe_path
    return found
