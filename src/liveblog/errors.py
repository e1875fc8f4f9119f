"""Errors that carry a message for a person; the web layer maps them to 4xx, the CLI to one line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

Location = tuple[int | str, ...]
"""Where pydantic found a problem: field names and list indexes, outermost first."""


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

    def __init__(
        self,
        message: str,
        current_version: int,
        changed: list[str] | None = None,
        conflicting: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.current_version = current_version
        # The fields saved meanwhile (since the version the editor had), and those of them
        # the refused edit also set: what a client needs to merge (docs/api.md).
        self.changed = changed
        self.conflicting = conflicting


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


def field_path(loc: Location) -> str:
    """Where a problem is, as the API names it: ``elements.0.markdown`` (a request's
    ``body`` left out)."""
    return ".".join(str(part) for part in loc if part != "body")


def problems(
    errors: Iterable[Mapping[str, Any]], name: Callable[[Location], str] = field_path
) -> list[dict[str, str]]:
    """Each problem pydantic found, as ``{"field": …, "message": …}`` with the field named
    by ``name`` (the API's dotted path unless the caller names fields its own way)."""
    return [problem(name(tuple(err["loc"])), str(err["msg"])) for err in errors]


def problem(field: str, message: str) -> dict[str, str]:
    """One entry of a 422 answer's ``errors`` (see docs/api.md#errors)."""
    return {"field": field, "message": message}


def invalid_input(exc: ValidationError, name: Callable[[Location], str] = field_path) -> Invalid:
    """The first problem pydantic found, as the one error a person reads:
    ``field: message``."""
    first = problems(exc.errors()[:1], name)[0]
    return Invalid(first["message"], first["field"])
