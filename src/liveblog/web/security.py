"""Headers every response carries: no sniffing, and a script policy with no inline code."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveblog.headers import CSP

__all__ = ["CSP", "SecurityHeaders"]


class SecurityHeaders:
    """Pure ASGI middleware: cheaper than BaseHTTPMiddleware and safe for streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                # A 304 carries no policy: a browser or a cache would put it in place of the
                # one stored with the 200 (a reader page's, which names its frames).
                if b"content-security-policy" not in names and message["status"] != 304:
                    headers.append((b"content-security-policy", CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
