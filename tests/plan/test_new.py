"""`shotcraft new`: driven through a pseudo-terminal like a person; every question skippable; answers files."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shotcraft.lint import lint_plan
from shotcraft.plan import load_plan
from shotcraft.plan.questions import pending

SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
# A prompt ends with Rich's default or choices, then ": ": "...? (): ", "... [film/ad] (film): ". The space is
# optional: Rich before 15 drops a trailing space that passes the terminal width. No question these films ask has
# "): " or "]: " inside (the music video's "Music file (WAV/FLAC): ..." has), so a read that stops inside a prompt
# never matches early: the match does not depend on how the child's output is split into reads.
PROMPT = r"[)\]]: ?$"
WROTE = r"Wrote .*?\n"

FULL = {
    "kind": "film",
    "title": "Night Return",
    "logline": "After years apart, Jack finds Lucas waiting under the streetlamp where they said goodbye.",
    "platform": "web",
    "aspect": "16:9",
    "intention.feeling": "fear turning into relief",
    "intention.understanding": "they still love each other",
    "intention.light_source": "a sodium streetlamp above, camera left",
    "intention.camera_movement": "slow push-ins, almost fixed",
    "intention.emotional_detail": "the keys trembling in Jack's hand",
    "arc.setup": "Jack walks home alone at night",
    "arc.tension": "he senses someone waiting by his door",
    "arc.decision": "he turns and recognizes Lucas",
    "arc.consequence": "they hold each other in the rain-soaked silence",
    "character1.name": "Jack",
    "character1.face": "sharp jaw, grey eyes, three-day stubble",
    "character1.hair": "short dark hair",
    "character1.age": "mid thirties, lean",
    "character1.wardrobe": "black wool coat, grey scarf",
    "character2.name": "Lucas",
    "character2.face": "soft round face, brown eyes",
    "character2.hair": "curly auburn hair",
    "character2.age": "early thirties, slim",
    "character2.wardrobe": "olive parka",
    "exchange": "yes",
    "contact": "yes",
    "location.description": "a narrow street of brick houses at night",
    "location.geography": "Jack's car on the left, his front door on the right",
    "location.time_of_day": "night",
    "location.weather": "after rain, wet cobbles",
    "palette": "sodium amber, teal shadows",
    "skin": "natural skin texture, visible pores",
    "prohibitions": "text, watermark, double doors",
}


def _errors(path: Path) -> list:
    return [f for f in lint_plan(load_plan(path)) if f.severity == "error"]


class Terminal:
    """A child process on a pseudo-terminal: wait for text, type a line."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.chdir(cwd)
            os.environ.update({"COLUMNS": "200", "TERM": "dumb"})
            os.execv(argv[0], argv)
        self.buffer = b""

    def expect(self, pattern: str, timeout: float = 900) -> str:
        """The screen up to the first match. The child exiting fails at once; `timeout` only stops a hung child
        (it is no measure of speed: a loaded machine waits as long as it needs)."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern.encode())
        while time.monotonic() < deadline:
            clean = ANSI.sub(b"", self.buffer)
            match = regex.search(clean)
            if match:
                self.buffer = clean[match.end() :]
                return clean[: match.end()].decode(errors="replace")
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                self.buffer += chunk
        raise AssertionError(f"timed out waiting for {pattern!r}; screen: {ANSI.sub(b'', self.buffer)[-800:]!r}")

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


@pytest.mark.slow
def test_new_through_a_terminal_with_scripted_answers_checks_clean(tmp_path):
    term = Terminal([SHOTCRAFT, "new", "night"], tmp_path)
    asked: dict[str, str] = {}
    while True:
        text = term.expect(f"({PROMPT}|{WROTE})")
        if "Wrote" in text:
            break
        question = pending(asked)[0]  # the order a person sees
        assert question.text(asked) in text, (question.key, text[-300:])
        asked[question.key] = FULL.get(question.key, "")
        term.send(asked[question.key])
        assert len(asked) < 60
    assert term.wait() == 0
    plan_path = tmp_path / "night" / "film.yaml"
    assert _errors(plan_path) == []
    assert set(asked) == set(FULL)  # every question of a two-character film was asked once
    plan = load_plan(plan_path)
    film = plan.film
    assert film.production.logline == FULL["logline"]
    types = [s.type.value for s in film.shots]
    assert types[0] == "establishing"  # geography before interaction
    assert "profile-two-shot" in types  # contact from a profile anchor
    gazes = [s.gaze for s in film.shots if s.gaze]
    assert gazes == ["left", "right"]  # shot-reverse-shot with opposed eyelines
    assert not (tmp_path / "night" / ".shotcraft-new.json").exists()


@pytest.mark.slow
def test_every_question_skipped_still_gives_a_valid_plan(tmp_path):
    term = Terminal([SHOTCRAFT, "new", "blank"], tmp_path)
    for _ in range(80):
        text = term.expect(f"({PROMPT}|{WROTE})")
        if "Wrote" in text:
            break
        term.send("")
    assert term.wait() == 0
    assert _errors(tmp_path / "blank" / "film.yaml") == []


def test_an_interrupted_session_resumes_where_it_stopped(tmp_path):
    folder = tmp_path / "resume"
    folder.mkdir()
    (folder / ".shotcraft-new.json").write_text(json.dumps({"kind": "ad", "title": "Aube"}))
    term = Terminal([SHOTCRAFT, "new", "resume"], tmp_path)
    first = term.expect(PROMPT)
    assert "What does the character feel" in first and "What are you making" not in first  # kind and title were already answered
    os.kill(term.pid, 9)
    term.wait()


@pytest.mark.parametrize("kind", ["film", "ad", "music-video"])
def test_answers_files_for_each_kind_check_clean(tmp_path, kind):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({**FULL, "kind": kind, "product.name": "Aube serum", "cta": "Try Aube"} if kind == "ad" else {**FULL, "kind": kind}))
    result = subprocess.run([SHOTCRAFT, "new", str(tmp_path / kind), "--answers", str(answers)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _errors(tmp_path / kind / "film.yaml") == []


def test_bad_answers_file_is_one_line(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"titel": "typo"}))
    result = subprocess.run([SHOTCRAFT, "new", str(tmp_path / "x"), "--answers", str(answers)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "unknown question key 'titel'" in result.stderr


def test_no_terminal_and_no_answers_is_a_clear_error(tmp_path):
    result = subprocess.run([SHOTCRAFT, "new", str(tmp_path / "x")], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode != 0 and "--answers FILE or --yes" in result.stderr
