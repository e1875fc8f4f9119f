"""A scripted origin for nginx: answers each path as the test says, and records every request
it gets (line, headers), so a test sees exactly what nginx sends to a node and how often.

It stands in for a node only where the question is nginx's behaviour (headers it adds, its
cache, its failover); the cluster tests run the real `liveblog serve`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    version: str
    headers: dict[str, str]


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0
    # An event stream: (pause, bytes) pieces written one after the other, then close.
    stream: list[tuple[float, bytes]] | None = None


Route = Callable[[Seen], Answer]


class Origin:
    def __init__(self, port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                origin.handle(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                origin.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def route(self, path: str, answer: Route | Answer) -> None:
        """``path`` without its query; ``answer`` an Answer, or a function of the request."""
        self.routes[path] = answer if callable(answer) else (lambda _seen: answer)

    def requests(self, path: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path.split("?")[0] == path]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        seen = Seen(
            handler.command,
            handler.path,
            handler.request_version,
            {name.lower(): value for name, value in handler.headers.items()},
        )
        with self.lock:
            self.seen.append(seen)
        route = self.routes.get(handler.path.split("?")[0])
        answer = route(seen) if route else Answer(404, body=b"no such route")
        if answer.delay:
            time.sleep(answer.delay)  # the subject: a slow node, as the test asked for
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        if answer.stream is not None:
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.flush()
            for pause, piece in answer.stream:
                time.sleep(pause)  # the subject: a stream that trickles, as the test asked
                handler.wfile.write(piece)
                handler.wfile.flush()
            handler.close_connection = True
            return
        body = b"" if answer.status == 304 else answer.body
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def origin(port: int = 0) -> Iterator[Origin]:
    server = Origin(port)
    try:
        yield server
    finally:
        server.close()
