"""How the CLI shows the event stream, with two stages running at once (the cut beside the finish)."""

from __future__ import annotations

import io
import json

from shotcraft.cli.progress_view import ProgressView
from shotcraft.events import Event

OVERLAPPING = [
    Event("cut", "start"),
    Event("finish", "start"),
    Event("finish", "note", "grading"),
    Event("cut", "done", "45 shot(s), 180.0 s", seconds=1.5),
    Event("finish", "progress", "encoding", done=3, total=9, unit="segments"),
    Event("finish", "done", "3 deliverable(s)", seconds=3.4),
]


def test_plain_lines_close_each_stage_once_in_the_order_they_ended() -> None:
    stream = io.StringIO()
    view = ProgressView("plain", stream=stream)
    for event in OVERLAPPING:
        view(event)
    assert view.lines == ["cut      45 shot(s), 180.0 s  (1.5 s)", "finish   3 deliverable(s)  (3.4 s)"]
    assert stream.getvalue().splitlines() == ["finish   grading", view.lines[0], "finish   encoding 3/9 segments", view.lines[1]]


def test_on_a_terminal_the_running_stage_keeps_its_status_when_the_other_ends() -> None:
    stream = io.StringIO()
    view = ProgressView("rich", stream=stream)
    try:
        for event in OVERLAPPING[:4]:
            view(event)
        assert view._status is not None and view._status_stage == "finish"  # the cut's end did not stop the finish's
        for event in OVERLAPPING[4:]:
            view(event)
        assert view._status is None
    finally:
        view.close()
    assert view.lines[0].startswith("cut ") and view.lines[1].startswith("finish ")
    assert "cut      45 shot(s)" in stream.getvalue()


def test_json_lines_carry_every_event() -> None:
    stream = io.StringIO()
    view = ProgressView("json", stream=stream)
    for event in OVERLAPPING:
        view(event)
    assert [json.loads(line)["stage"] for line in stream.getvalue().splitlines()] == [e.stage for e in OVERLAPPING]
