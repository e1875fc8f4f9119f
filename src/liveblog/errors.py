"""Errors that carry a message for a person; the web layer maps them to 4xx, the CLI to one line."""

from __future__ import annotations


class LiveblogError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LiveblogError):
    status = 404


class Unauthorized(LiveblogError):
    status = 401


class Forbidden(LiveblogError):
    status = 403


class Conflict(LiveblogError):
    status = 409


class PreconditionFailed(LiveblogError):
    """The editor's copy is stale: someone saved a newer version first."""

    status = 412

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class PreconditionRequired(LiveblogError):
    status = 428


class Invalid(LiveblogError):
    status = 422

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.detail = message


class TryLater(LiveblogError):
    """Refused for now: the answer says when to try again (the Retry-After header)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyRequests(TryLater):
    status = 429


class Busy(TryLater):
    status = 503
