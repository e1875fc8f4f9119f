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

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from liveblog.realtime.hub import Hub
from liveblog.realtime.streams import TransportStream

EVENTS_PATH = re.compile(rb"^/live/([a-z0-9-]{1,120})/events$")
NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 17\r\nconnection: close\r\n\r\nno such live blog"
)


def parse_last_event_id(header: bytes | None, query: bytes) -> int | None:
    raw = header.decode("latin-1") if header else None
    if raw is None and query:
        values = parse_qs(query.decode("latin-1")).get("last_event_id")
        raw = values[0] if values else None
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 12:
        return None
    return int(raw.strip())


def find_hub(app: Any) -> Hub | None:
    """The hub of the app that uvicorn wrapped in its middlewares."""
    for _ in range(10):
        state = getattr(app, "state", None)
        hub = getattr(state, "hub", None) if state is not None else None
        if isinstance(hub, Hub):
            return hub
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


class LiveHttpProtocol(HttpToolsProtocol):
    _live_stream: TransportStream | None = None
    _live_hub: Hub | None = None

    def on_headers_complete(self) -> None:
        method = self.parser.get_method()
        path, _, query = self.url.partition(b"?")
        match = EVENTS_PATH.match(path) if method == b"GET" else None
        hub = find_hub(self.app) if match else None
        if match is None or hub is None:
            super().on_headers_complete()
            return
        last_id = dict(self.headers).get(b"last-event-id")
        stream = TransportStream(self.transport)
        self._live_stream, self._live_hub = stream, hub
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
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self._live_stream is not None:
            self.transport.close()
            return
        super().shutdown()
