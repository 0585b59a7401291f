"""Run a fake on 127.0.0.1 at a random port in a background thread; the behaviour switches every fake shares."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI


@dataclass
class Behaviour:
    """What a fake does; tests flip these between calls."""

    #: answer the create call with this HTTP status (429, 500, ...) instead of creating a task
    create_status: int | None = None
    #: the task ends as a content-policy refusal
    refuse: bool = False
    #: the task ends as an ordinary failure with this text
    fail: str | None = None
    #: hold the create call (after counting it) until ``release`` is set: the client's timeout fires first
    stall_create: bool = False
    #: answer this many reads (polls) with 429 + Retry-After: 0 before answering normally
    poll_429: int = 0
    #: reads that find the task still running before it is done
    polls_until_done: int = 1
    #: output URLs answer 410 Gone this many times (expired signed URLs)
    expired_downloads: int = 0
    #: the clip's pixel size as the fake renders it (small: the engine conforms to the plan's size)
    clip_short_side: int = 180


@dataclass
class FakeState:
    behaviour: Behaviour = field(default_factory=Behaviour)
    creates: int = 0
    polls: int = 0
    downloads: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    created: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        """A fresh behaviour and counters for the next test (the server keeps running)."""
        self.release.set()  # let a create still held by an earlier test finish
        self.behaviour = Behaviour()
        self.creates = self.polls = self.downloads = 0
        self.requests.clear()
        self.tasks.clear()
        self.release = threading.Event()
        self.created = threading.Event()

    def count_create(self, body: dict[str, Any]) -> None:
        self.creates += 1
        self.requests.append(body)
        self.created.set()

    def wait_for_task(self, seconds: float = 20.0) -> dict[str, dict[str, Any]]:
        """The tasks once the server has stored one: a create held by ``stall`` finishes on the server's thread after
        ``release``. Each pause waits on an event nobody sets (``release`` is set by then: waiting on it returns at
        once, which made this a busy loop that a loaded machine could end before the server stored anything)."""
        pause = threading.Event()
        for _ in range(int(seconds / 0.05)):
            if self.tasks:
                break
            pause.wait(0.05)
        return self.tasks

    async def stall(self) -> None:
        """Hold a create until the test releases it (never a fixed sleep: no timing in tests)."""
        while self.behaviour.stall_create and not self.release.is_set():
            await asyncio.sleep(0.05)

    def take_poll_429(self) -> bool:
        self.polls += 1
        if self.behaviour.poll_429 > 0:
            self.behaviour.poll_429 -= 1
            return True
        return False

    def clip_size(self, aspect: float) -> tuple[int, int]:
        short = self.behaviour.clip_short_side
        if aspect >= 1:
            return _even(short * aspect), short
        return short, _even(short / aspect)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


class RunningServer:
    """``with RunningServer(app) as server: server.url``; stops the server on exit."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="fake-server", daemon=True)
        self.url = ""

    def __enter__(self) -> "RunningServer":
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("fake server failed to start")
            threading.Event().wait(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
