"""The desk's forms as sent: their size limits, their form token, and their fields.

A form that comes back with an error is shown again with everything typed still in it,
so a route checks the token itself, inside the code that shows the form again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from liveblog.errors import Forbidden, Invalid
from liveblog.web.auth import EXPIRED_FORM, check_origin, token_matches

# A pasted page can be long: an archive of a day's coverage runs to megabytes.
MAX_FORM_PART = 8 * 1024 * 1024
MAX_FORM_FIELDS = 3_000


def text_field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def password_field(form: FormData, name: str) -> str:
    """As typed: a password's spaces are part of it."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class SentForm:
    """A form as sent. Its token is checked by the route, inside the code that shows the
    form again on an error, so that an expired token costs the person nothing."""

    data: FormData
    token_ok: bool

    def check(self) -> None:
        if not self.token_ok:
            raise Forbidden(EXPIRED_FORM)

    def text(self, name: str) -> str:
        return text_field(self.data, name)

    def action(self) -> str:
        """The button that sent the form."""
        return self.text("action") or "publish"


@asynccontextmanager
async def _opened_form(request: Request, *, token_checked: bool) -> AsyncIterator[FormData]:
    form = await request.form(max_part_size=MAX_FORM_PART, max_fields=MAX_FORM_FIELDS)
    try:
        check_origin(request, token_checked=token_checked)
        yield form
    finally:
        await form.close()  # uploaded files are spooled to disk; let them go


async def sent_form(request: Request) -> AsyncIterator[SentForm]:
    async with _opened_form(request, token_checked=True) as form:
        yield SentForm(form, token_matches(request, form.get("csrf")))


async def checked_form(request: Request) -> AsyncIterator[FormData]:
    """For forms with nothing typed into them (buttons): a bad token is simply refused."""
    async with _opened_form(request, token_checked=True) as form:
        SentForm(form, token_matches(request, form.get("csrf"))).check()
        yield form


async def login_form(request: Request) -> AsyncIterator[FormData]:
    # No session yet, so no form token: the Origin check and the SameSite cookie guard it.
    async with _opened_form(request, token_checked=False) as form:
        yield form


Sent = Annotated[SentForm, Depends(sent_form)]
Buttons = Annotated[FormData, Depends(checked_form)]
LoginForm = Annotated[FormData, Depends(login_form)]


def local_time(value: str, field: str, label: str) -> datetime | None:
    """A date-time field (``2024-05-29T14:05``) as sent, without a zone: the action reads
    it in the blog's time zone. None when empty; one line naming the field when it is not a
    date and time."""
    if not value:
        return None
    try:
        if len(value) > 32:
            raise ValueError(value)
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise Invalid(f"{label}: give a date and a time, such as 2025-05-29 21:00", field) from None
