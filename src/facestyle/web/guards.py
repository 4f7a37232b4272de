"""ASGI middleware that protects the studio before any route runs.

- :class:`BodyLimit` refuses a request body over the limit from its Content-Length, before
  reading it, and stops counting bytes of a body sent without one as soon as it is too big.
- :class:`HostGuard` answers only to the host names the studio was bound to (DNS rebinding) and
  refuses state-changing requests that a page on another site makes (cross-site form posts).
- :class:`SecurityHeaders` adds a strict Content-Security-Policy (the page loads nothing from
  anywhere else) and keeps job responses out of caches.

Written as plain ASGI rather than ``BaseHTTPMiddleware`` so streamed answers (the progress
events) pass through untouched.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from facestyle.web.errors import TooLarge

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413 and a JSON message."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await send_json(send, 413, {"error": self._message()})
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route that reads the body; the app's handler answers 413.
                    raise TooLarge(self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"the request is larger than {self.max_bytes / (1024 * 1024):g} MB; send smaller images"


class HostGuard:
    """Answer only to ``allowed_hosts`` (None: any) and refuse cross-site unsafe requests."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: tuple[str, ...] | None):
        self.app = app
        self.allowed_hosts = None if allowed_hosts is None else {host.lower() for host in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = (header(scope, b"host") or "").lower()
        if self.allowed_hosts is not None and _hostname(host) not in self.allowed_hosts:
            await send_json(send, 400, {"error": "unknown Host header; open the studio at the address it printed"})
            return
        origin = header(scope, b"origin")
        if scope["method"] in UNSAFE_METHODS and origin is not None and urlsplit(origin).netloc.lower() != host:
            await send_json(
                send, 403, {"error": "requests from other web sites are refused; use the studio's own page or curl"}
            )
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Add the headers every answer should carry."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                if not path.startswith("/docs"):
                    # The API page (Swagger UI) needs its own inline script; everything else gets none.
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                if path.startswith("/api/jobs"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hostname(host: str) -> str:
    """``127.0.0.1:8765`` → ``127.0.0.1``; ``[::1]:8765`` → ``::1``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
