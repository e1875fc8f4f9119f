"""Request bodies are limited while they are read, not after.

A pure ASGI middleware counts the bytes of a body as they arrive and answers 413 as soon as
the limit is passed; a Content-Length over the limit is refused before a byte is read.
JSON and plain forms get the small limit (``LIVEBLOG_MAX_BODY_MB``). A multipart send (photos,
a page to import) gets the large one (``LIVEBLOG_MAX_UPLOAD_MB``) only when its login cookie or
API token, read from the headers, is valid: nobody unknown makes the server spool megabytes.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveblog.actions.users import signed_in
from liveblog.site import Site
from liveblog.web.auth import SESSION_COOKIE

Render = Callable[[Request, int, str], Response]


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):g} MB"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes its limit; rendered as a 413 like any
    other error (JSON under /api, a page elsewhere)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, site: Site, render: Render) -> None:
        self.app = app
        self.site = site
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length_header = headers.get("content-length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        if length == 0 or (length is None and "transfer-encoding" not in headers):
            await self.app(scope, receive, send)  # no body to count
            return
        limit, message = await self._limit(headers, length)
        if length is not None and length > limit:
            await self.render(Request(scope), 413, message)(scope, receive, send)
            return

        received = 0

        async def counted() -> Message:
            nonlocal received
            if received > limit:
                raise BodyTooLarge(message)
            got = await receive()
            if got["type"] == "http.request":
                received += len(got.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(message)
            return got

        started = False

        async def watched(reply: Message) -> None:
            nonlocal started
            started = started or reply["type"] == "http.response.start"
            await send(reply)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:
            # Normally the app's error handler answers; this is for parts of it that have none.
            if started:
                raise
            await self.render(Request(scope), 413, exc.detail)(scope, receive, send)

    async def _limit(self, headers: Headers, length: int | None) -> tuple[int, str]:
        settings = self.site.settings
        small = settings.max_body_bytes
        small_message = f"The request is larger than {_megabytes(small)}, the most this site takes."
        multipart = headers.get("content-type", "").lower().startswith("multipart/form-data")
        if not multipart or (length is not None and length <= small):
            return small, small_message
        if await self._signed_in(headers):
            large = settings.max_upload_bytes
            return large, (
                f"This send is larger than {_megabytes(large)}, the most one send may hold. "
                "Nothing was saved: send fewer or smaller photos at a time."
            )
        return small, f"{small_message} Sending files needs a login."

    async def _signed_in(self, headers: Headers) -> bool:
        cookie = Request({"type": "http", "headers": headers.raw}).cookies.get(SESSION_COOKIE, "")
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        if not cookie and not token:
            return False
        return await anyio.to_thread.run_sync(
            lambda: signed_in(self.site, cookie=cookie, token=token)
        )
