"""Errors the HTTP layer turns into JSON answers: ``{"error": "<one line saying what to do>"}``.

Each carries its HTTP status, so routes raise them and one handler in :mod:`.app` writes the
response. facestyle's own errors (bad options, unreadable images) map to 422 there.
"""

from __future__ import annotations


class ApiError(Exception):
    """A request the studio refuses, with the status to answer and a one-line message."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"error": self.message}


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    """The job exists but is not in a state that allows the request (e.g. no result yet)."""

    status = 409


class TooLarge(ApiError):
    status = 413


class UnsupportedMedia(ApiError):
    status = 415


class Unprocessable(ApiError):
    status = 422


class Busy(ApiError):
    """The queue is full. The body says ``"error": "busy"`` so scripts can test for it."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 30):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        return {"error": "busy", "message": self.message, "retry_after": self.retry_after}
