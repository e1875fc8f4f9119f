"""A small blocking SSE client on a raw socket, for tests that read the stream as a browser does."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Message:
    id: str | None
    event: str
    data: str
    retry: int | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


class SSEClient:
    opened: ClassVar[list[SSEClient]] = []  # closed after each test (tests/conftest.py)

    def __init__(
        self,
        base_url: str,
        path: str,
        headers: dict[str, str] | None = None,
        recv_buffer: int | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        SSEClient.opened.append(self)
        if recv_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, recv_buffer)
        self.sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
        lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        self.status = 0
        self.head = ""
        self.closed = False
        self.comments = 0
        self.retries: list[int] = []

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.closed:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return False
        except OSError:
            self.closed = True
            return False
        if not chunk:
            self.closed = True
            return False
        self.buffer += chunk
        return True

    def read_head(self, timeout: float = 5) -> int:
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill(deadline):
                raise AssertionError(f"no response head; got {self.buffer[:200]!r}")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.head = head.decode("latin-1")
        self.status = int(self.head.split()[1])
        return self.status

    def messages(self, count: int, timeout: float = 5, readers: bool = False) -> list[Message]:
        """The next `count` messages with data (retry-only blocks and comments are skipped,
        and so are "N reading now" counts, which come every few seconds, unless
        ``readers``)."""
        if not self.status:
            self.read_head(timeout)
        deadline = time.monotonic() + timeout
        found: list[Message] = []
        while len(found) < count:
            while b"\n\n" not in self.buffer:
                if not self._fill(deadline):
                    return found
            block, _, self.buffer = self.buffer.partition(b"\n\n")
            message = self._parse(block.decode())
            if message is not None and (readers or message.event != "readers"):
                found.append(message)
        return found

    def _parse(self, block: str) -> Message | None:
        fields: dict[str, str] = {}
        data: list[str] = []
        for line in block.split("\n"):
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            else:
                fields[name] = value
        if "retry" in fields:
            self.retries.append(int(fields["retry"]))
        if not data:
            return None
        return Message(
            fields.get("id"),
            fields.get("event", "message"),
            "\n".join(data),
            int(fields["retry"]) if "retry" in fields else None,
        )

    def wait_closed(self, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self._fill(deadline)
        return self.closed

    def close(self) -> None:
        self.sock.close()
