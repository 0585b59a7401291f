"""The studio's gate: token then cookie, Host allowlist, Origin check, custom header on every write.

One pure ASGI middleware in front of every route, the live channel included:

- **Host allowlist** (DNS rebinding): only ``127.0.0.1``, ``localhost`` and ``[::1]`` at the
  server's port, plus an explicitly allowed non-loopback host.
- **Origin**: when a request carries one it must be one of those hosts over http; a foreign
  origin and the opaque ``null`` origin (sandboxed frames, file: pages) are refused, on HTTP
  and on the event stream (the ComfyUI holes: CVE-2024-10481, GHSA-5xxr-jvhm-jxmj).
- **Token**: a random token in the opening URL (``/?token=...``) is exchanged for an HttpOnly,
  SameSite=Strict cookie; every request must carry it. Compared with ``hmac.compare_digest``.
- **Writes** (anything but GET/HEAD) need ``X-Shotcraft: 1``: a cross-site form cannot set it,
  and a cross-site fetch that sets it needs a CORS preflight this server never grants.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

COOKIE = "shotcraft_studio"
WRITE_HEADER = "x-shotcraft"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = ("GET", "HEAD")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, token: str | None, allow_remote: bool) -> None:
    """Refuse a non-loopback bind unless the user set a token and said so explicitly."""
    if is_loopback(host):
        return
    if not allow_remote or not token:
        raise ValueError(
            f"--host {host}: the studio binds to loopback only; to serve on {host} give both --allow-remote and --token "
            "(anyone who can reach the port and has the token can pick and reject takes)"
        )
    if host.strip("[]") in ("0.0.0.0", "::"):
        # the Host allowlist needs the name clients will use: a wildcard bind would accept any
        raise ValueError(f"--host {host}: give the address clients will use (e.g. --host 192.168.1.20), not a wildcard")


def allowed_hosts(port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    return frozenset(f"{name}:{port}" for name in (*LOOPBACK_NAMES, *extra))


def opening_url(host: str, port: int, token: str) -> str:
    name = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{name}:{port}/?{urlencode({'token': token})}"


class Gate:
    """ASGI middleware applying the checks above before the app sees a request."""

    def __init__(self, app: Callable[..., Awaitable[None]], *, token: str, hosts: frozenset[str], headers: Iterable[tuple[str, str]] = ()) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in headers]  # added to every response the app sends
        self.token = token.encode()
        self.hosts = hosts
        self.origins = frozenset(f"http://{host}" for host in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope.get("method", "GET")
        host = headers.get("host", "")
        if host not in self.hosts:
            await _deny(send, 403, "forbidden host")
            return
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:  # 'null' is never in the set
            await _deny(send, 403, "forbidden origin")
            return
        if method not in SAFE_METHODS and headers.get(WRITE_HEADER) != "1":
            await _deny(send, 403, "missing X-Shotcraft header")
            return
        cookie = _cookie(headers.get("cookie", ""))
        if cookie is not None and hmac.compare_digest(cookie.encode(), self.token):

            async def send_with_headers(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *self.headers]}
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        offered = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if scope.get("path") == "/" and method == "GET" and offered and hmac.compare_digest(offered.encode(), self.token):
            # exchange the URL token for the cookie, and drop the token from the address bar
            await send({
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/"),
                    (b"set-cookie", f"{COOKIE}={self.token.decode()}; HttpOnly; SameSite=Strict; Path=/".encode()),
                    (b"cache-control", b"no-store"),
                    (b"referrer-policy", b"no-referrer"),
                ],
            })  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return
        await _deny(send, 403, "open the studio with the URL it printed (it carries the token)")


def _cookie(header: str) -> str | None:
    if not header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 - a malformed cookie header is simply no cookie
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


async def _deny(send: Send, status: int, message: str) -> None:
    body = f"{status} {message}\n".encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
