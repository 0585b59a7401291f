"""Run the studio: check the bind, make the token, start uvicorn, say (and open) the URL."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from shotcraft.errors import InputError
from shotcraft.studio.app import create_app
from shotcraft.studio.security import check_bind, is_loopback, new_token, opening_url
from shotcraft.studio.service import StudioService


@dataclass
class Studio:
    """A configured studio server; ``serve()`` blocks, ``start()`` runs it in a thread (tests, benchmarks)."""

    service: StudioService
    host: str
    port: int
    token: str
    server: uvicorn.Server
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return opening_url(self.host, self.port, self.token)

    @property
    def base(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{name}:{self.port}"

    def serve(self) -> None:
        self.server.run()

    def start(self) -> Studio:
        self._thread = threading.Thread(target=self.server.run, name="studio", daemon=True)
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("studio server failed to start")
            self._thread.join(0.02)
        return self

    def stop(self) -> None:
        self.server.config.app.stopping.set()  # end the event streams first: nothing waits on them
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)


def make_studio(
    plan_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    allow_remote: bool = False,
    reviewer: str | None = None,
    two_reviewers: bool | None = None,
) -> Studio:
    """Everything but serving: refuses an unsafe bind before touching the plan."""
    try:
        check_bind(host, token=token, allow_remote=allow_remote)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if port < 0 or port > 65535:
        raise InputError(f"--port: expected 0..65535, found {port}")
    service = StudioService(plan_path, reviewer=reviewer)
    if two_reviewers is not None:
        service.set_two_reviewers(two_reviewers)
    port = port or free_port(host)
    token = token or new_token()
    extra = () if is_loopback(host) else (f"[{host}]" if ":" in host else host,)
    app = create_app(service, token=token, port=port, extra_hosts=extra)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=5, lifespan="on")
    return Studio(service, host, port, token, uvicorn.Server(config))


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def open_browser(url: str, opener: Callable[[str], bool] = webbrowser.open) -> None:
    threading.Timer(0.5, lambda: opener(url)).start()
