"""The two kinds of reader stream the hub writes to."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import deque

from liveblog.headers import SECURITY_HEADERS

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-store\r\n"
    b"x-accel-buffering: no\r\n"
    + "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS).encode()
    + b"connection: close\r\n"
    b"\r\n"
)


def plain_response(status: int, reason: str, text: str, retry_after: int | None = None) -> bytes:
    """A whole short text response, for what the hub answers on its own (404, 429), with
    the headers every response of ours carries."""
    body = text.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\n"
        "cache-control: no-store\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS)
        + (f"retry-after: {retry_after}\r\n" if retry_after is not None else "")
        + "connection: close\r\n\r\n"
    )
    return head.encode() + body


class TransportStream:
    """A socket taken over from the HTTP server: a write is one ``transport.write``.

    The response has no length and no chunking: it ends when the connection closes, which
    is how an event stream ends anyway. ``send_buffer`` is the socket's kernel send buffer
    once the stream opens (LIVEBLOG_SOCKET_BUFFER_KB; None leaves it as it is).
    """

    __slots__ = ("send_buffer", "transport")

    def __init__(self, transport: asyncio.WriteTransport, send_buffer: int | None = None) -> None:
        self.transport = transport
        self.send_buffer = send_buffer

    def open(self, first: bytes = b"") -> None:
        """Sends the response head, with ``first`` (the stream's opening bytes) in the
        same write."""
        if self.gone():
            return  # the reader left while the stream was being opened: nothing to send
        sock = self.transport.get_extra_info("socket")
        if sock is not None and self.send_buffer is not None:
            # A small kernel buffer per reader: less memory at 10,000 readers, and a reader
            # that stops reading shows up in our own buffer soon, where it is dropped.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        self.transport.write(SSE_HEAD + first if first else SSE_HEAD)

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def buffered(self) -> int:
        return self.transport.get_write_buffer_size()

    def gone(self) -> bool:
        """The connection is closed or closing: the reader cannot get anything more."""
        return self.transport.is_closing()

    def close(self) -> None:
        self.transport.close()

    def abort(self) -> None:
        self.transport.abort()


class BufferStream:
    """For any other ASGI server: a bounded buffer that the request's own task drains."""

    __slots__ = ("_chunks", "_ready", "_size", "aborted", "closed", "opened")

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._ready = asyncio.Event()
        self.closed = False
        self.aborted = False
        self.opened = False

    def open(self, first: bytes = b"") -> None:
        self.opened = True
        if first:
            self.write(first)

    def write(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        self._ready.set()

    def buffered(self) -> int:
        return self._size

    def gone(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    def abort(self) -> None:
        self.aborted = self.closed = True
        self._ready.set()

    async def next_chunk(self, timeout: float) -> bytes | None:
        """Everything buffered as one chunk; b"" on timeout; None once closed and empty."""
        if not self._chunks and not self.closed:
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return b""
        if self.aborted or (self.closed and not self._chunks):
            return None
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        return data
