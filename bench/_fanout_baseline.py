"""The baseline of bench/fanout.py: the least a server can do to fan one event out over SSE.

Bare asyncio (uvloop when importable), no framework. ``GET /live/<anything>/events`` gets
the response head liveblog's hub sends (``liveblog.realtime.streams.SSE_HEAD``) and a
``retry:`` line, and the socket joins one set. ``POST /publish`` writes one event (the bytes
in ``--event-file``, after an ``id:`` line with the next seq) to every socket of the set in
one plain loop of ``transport.write``, then answers with the seq. ``GET /health`` answers
200. Started by ``bench/fanout.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import cast

from _common import raise_nofile
from liveblog.realtime.streams import SSE_HEAD

RETRY = b"retry: 3000\n\n"


def answer(body: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n%s" % (len(body), body)
    )


class Fanout:
    def __init__(self, event: bytes) -> None:
        self.event = event
        self.readers: set[asyncio.Transport] = set()
        self.seq = 0

    def publish(self) -> int:
        self.seq += 1
        data = b"id: %d\n" % self.seq + self.event
        for transport in self.readers:
            transport.write(data)
        return self.seq


class Connection(asyncio.Protocol):
    __slots__ = ("buf", "fanout", "reader", "transport")

    def __init__(self, fanout: Fanout) -> None:
        self.fanout = fanout
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.reader = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: a cast, not a check.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.reader or self.transport is None:
            return
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buf[:end]
        transport = self.transport
        if head.startswith(b"GET /live/"):
            self.reader = True
            self.buf = b""
            transport.write(SSE_HEAD)
            transport.write(RETRY)
            self.fanout.readers.add(transport)
        elif head.startswith(b"POST /publish"):
            seq = self.fanout.publish()
            transport.write(answer(b"%d" % seq))
            transport.close()
        elif head.startswith(b"GET /health"):
            transport.write(answer(b"%d" % len(self.fanout.readers)))
            transport.close()
        else:
            transport.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.reader and self.transport is not None:
            self.fanout.readers.discard(self.transport)


async def serve(host: str, port: int, event: bytes) -> None:
    loop = asyncio.get_running_loop()
    fanout = Fanout(event)
    server = await loop.create_server(lambda: Connection(fanout), host, port, backlog=2048)
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()
    for transport in list(fanout.readers):
        transport.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--event-file", type=Path, required=True)
    args = parser.parse_args()
    raise_nofile()
    event = args.event_file.read_bytes()
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.host, args.port, event))
        return
    uvloop.run(serve(args.host, args.port, event))


if __name__ == "__main__":
    main()
