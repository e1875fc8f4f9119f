"""uvicorn's HTTP protocol, with event streams taken over by the hub.

``GET /live/{slug}/events`` never enters the ASGI app: once its headers are parsed, the
socket is handed to the hub, which writes the same bytes to every stream in one loop.
Every other request is served by uvicorn as usual. (Under another server the same URL is
served by the ASGI route in web/live.py, more slowly.)
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from liveblog.realtime.hub import Hub, retry_field
from liveblog.realtime.streams import TransportStream, plain_response

EVENTS_PATH = re.compile(rb"^/live/([a-z0-9-]{1,120})/events$")
NOT_FOUND = plain_response(404, "Not Found", "no such live blog")
TOO_MANY = plain_response(
    429,
    "Too Many Requests",
    "too many event streams from this address; close some tabs and reload",
    retry_after=30,
)


def parse_last_event_id(header: bytes | None, query: bytes) -> int | None:
    """The reader's last seq, or None when absent or not a plain number (no 500 for '²')."""
    raw = header.decode("latin-1") if header else None
    if raw is None and query:
        values = parse_qs(query.decode("latin-1")).get("last_event_id")
        raw = values[0] if values else None
    raw = raw.strip() if raw is not None else None
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    return int(raw)


def _wrapped(app: Any) -> list[Any]:
    """The app and the middlewares uvicorn wrapped around it, outermost first."""
    chain = []
    for _ in range(10):
        if app is None:
            break
        chain.append(app)
        app = getattr(app, "app", None)
    return chain


def find_hub(app: Any) -> Hub | None:
    """The hub of the app that uvicorn wrapped in its middlewares."""
    for layer in _wrapped(app):
        state = getattr(layer, "state", None)
        hub = getattr(state, "hub", None) if state is not None else None
        if isinstance(hub, Hub):
            return hub
    return None


def client_host(app: Any, peer: tuple[str, int] | None, headers: list[tuple[bytes, bytes]]) -> str:
    """The reader's address as the ASGI app would see it: X-Forwarded-For counts only when
    the peer is a trusted proxy (uvicorn's own rule, ``--forwarded-allow-ips``)."""
    host = peer[0] if peer else ""
    proxies = next((m for m in _wrapped(app) if isinstance(m, ProxyHeadersMiddleware)), None)
    if proxies is None or host not in proxies.trusted_hosts:
        return host
    forwarded = b", ".join(value for name, value in headers if name == b"x-forwarded-for")
    if not forwarded:
        return host
    found, _ = proxies.trusted_hosts.get_trusted_client_address(forwarded.decode("latin-1"))
    return str(found) or host


class LiveHttpProtocol(HttpToolsProtocol):
    _live_stream: TransportStream | None = None
    _live_hub: Hub | None = None
    _live_address: str | None = None

    def on_headers_complete(self) -> None:
        method = self.parser.get_method()
        path, _, query = self.url.partition(b"?")
        match = EVENTS_PATH.match(path) if method == b"GET" else None
        hub = find_hub(self.app) if match else None
        if match is None or hub is None:
            super().on_headers_complete()
            return
        address = client_host(self.app, self.client, self.headers)
        if not hub.admit(address):
            self._refuse(TOO_MANY)
            return
        last_id = dict(self.headers).get(b"last-event-id")
        stream = TransportStream(self.transport, hub.socket_buffer)
        self._live_stream, self._live_hub, self._live_address = stream, hub, address
        task = self.loop.create_task(
            self._follow(hub, match.group(1).decode(), parse_last_event_id(last_id, query), stream)
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _follow(
        self, hub: Hub, slug: str, after: int | None, stream: TransportStream
    ) -> None:
        try:
            found = await hub.follow(slug, after, stream)
        except Exception:
            self.logger.exception("liveblog: could not open an event stream")
            self.transport.abort()
            return
        if not found:
            self.transport.write(NOT_FOUND)
            self.transport.close()

    def _refuse(self, response: bytes) -> None:
        """Answers at once and takes no further part in the connection."""
        self._live_stream = TransportStream(self.transport)  # swallows what the client sends
        self.transport.write(response)
        self.transport.close()

    def on_body(self, body: bytes) -> None:
        if self._live_stream is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._live_stream is None:
            super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        if self._live_stream is not None:
            return  # a reader sends nothing after its request; ignore whatever comes
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._live_stream is not None and self._live_hub is not None:
            self._live_hub.leave(self._live_stream)
            if self._live_address is not None:
                self._live_hub.release(self._live_address)
                self._live_address = None
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """The server is stopping (SIGTERM): the reader gets a fresh jittered ``retry:``
        and the stream ends, so it reconnects elsewhere, spread over a few seconds."""
        if self._live_stream is not None:
            self.transport.write(retry_field())
            self.transport.close()
            return
        super().shutdown()
