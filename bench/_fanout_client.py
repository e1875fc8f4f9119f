"""SSE readers for bench/fanout.py: one process holding many raw-socket event streams.

Started by ``bench/fanout.py``, never by hand. It talks JSON lines: commands on stdin,
answers on stdout. Each reader sends ``GET <path> HTTP/1.1`` and records, with
``CLOCK_MONOTONIC`` (system-wide on Linux, so comparable with the publisher's clock in
another process), the time at which each ``id: <seq>`` line reaches it.

Commands:
    {"cmd": "open"}                          open every reader; answers "opened"
    {"cmd": "expect", "seq": S, "timeout": T} wait until every reader has seq S (or T
                                              seconds pass); answers "got" with one receive
                                              time (or null) per reader
    {"cmd": "close"}                          close every reader and exit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import Any, cast

from _common import now, raise_nofile


class Readers:
    """Everything the readers share: counts per seq, so that a wait is not a scan."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.waiting: dict[int, tuple[int, asyncio.Future[None]]] = {}
        self.lost = 0

    def saw(self, seq: int) -> None:
        count = self.counts.get(seq, 0) + 1
        self.counts[seq] = count
        wait = self.waiting.get(seq)
        if wait is not None and count >= wait[0] and not wait[1].done():
            wait[1].set_result(None)


class Reader(asyncio.Protocol):
    __slots__ = (
        "buf",
        "error",
        "head_ok",
        "in_body",
        "opened",
        "request",
        "retry_ok",
        "seen",
        "shared",
        "transport",
    )

    def __init__(self, request: bytes, shared: Readers, opened: asyncio.Future[None]) -> None:
        self.request = request
        self.shared = shared
        self.opened = opened
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.in_body = False
        self.head_ok = False
        self.retry_ok = False
        self.seen: dict[int, float] = {}
        self.error = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport: a cast, not a check.
        self.transport = cast(asyncio.Transport, transport)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        at = now()
        buf = self.buf + data if self.buf else data
        if not self.in_body:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            self.head_ok = buf.startswith(b"HTTP/1.1 200")
            if not self.head_ok:
                self.error = buf[:60].decode("latin-1", "replace")
            self.in_body = True
            buf = buf[end + 4 :]
        lines = buf.split(b"\n")
        self.buf = lines.pop()
        for line in lines:
            seq = -1
            if line.startswith(b"id: ") and line[4:].isdigit():
                seq = int(line[4:])
            elif line.startswith(b'data: {"seq":'):
                # At an edge (nchan) the id: line is the edge's own: the seq is in the data.
                digits = line[13:].split(b",", 1)[0]
                seq = int(digits) if digits.isdigit() else -1
            elif line.startswith(b"retry:") or line.startswith(b": hi"):
                self.retry_ok = True  # our hub's first line, or nchan's
            if seq >= 0 and seq not in self.seen:
                self.seen[seq] = at
                self.shared.saw(seq)
        if self.head_ok and self.retry_ok and not self.opened.done():
            self.opened.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.shared.lost += 1
        if not self.error:
            self.error = f"connection lost: {exc!r}" if exc else "connection closed"
        if not self.opened.done():
            self.opened.set_result(None)


SOURCES = 4


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def open_all(
    host: str, port: int, path: str, count: int, concurrency: int, timeout: float
) -> tuple[list[Reader], Readers, dict[str, Any]]:
    loop = asyncio.get_running_loop()
    shared = Readers()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    readers: list[Reader] = []
    gate = asyncio.Semaphore(concurrency)
    errors: list[str] = []

    async def one(index: int) -> None:
        opened: asyncio.Future[None] = loop.create_future()
        reader = Reader(request, shared, opened)
        readers.append(reader)
        # Readers come from 127.0.0.1, .2, .3, ... in turn: one source address has fewer
        # ephemeral ports (about 28,000 here) than the largest runs have readers.
        source = (f"127.0.0.{1 + index % SOURCES}", 0) if host.startswith("127.") else None
        async with gate:
            try:
                await loop.create_connection(lambda: reader, host, port, local_addr=source)
                await asyncio.wait_for(opened, timeout)
            except (OSError, TimeoutError) as exc:
                reader.error = reader.error or repr(exc)
        if reader.error and len(errors) < 5:
            errors.append(reader.error)

    start = now()
    await asyncio.gather(*(one(index) for index in range(count)))
    end = now()
    answer = {
        "event": "opened",
        "start": start,
        "end": end,
        "readers": count,
        "head_ok": sum(r.head_ok for r in readers),
        "retry_ok": sum(r.retry_ok for r in readers),
        "failed": sum(1 for r in readers if not (r.head_ok and r.retry_ok)),
        "errors": errors,
    }
    return readers, shared, answer


async def expect(readers: list[Reader], shared: Readers, seq: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    shared.waiting[seq] = (len(readers), done)
    if shared.counts.get(seq, 0) >= len(readers):
        done.set_result(None)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done, timeout)
    del shared.waiting[seq]
    send(
        {
            "event": "got",
            "seq": seq,
            "times": [r.seen.get(seq) for r in readers],
            "lost": shared.lost,
            "other_ids": sorted({s for r in readers for s in r.seen if s > seq})[:5],
        }
    )


async def main(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    soft, hard = raise_nofile()
    send({"event": "ready", "nofile": [soft, hard], "uvloop": args.uvloop_used})
    readers: list[Reader] = []
    shared = Readers()
    while line := await commands.readline():
        command = json.loads(line)
        if command["cmd"] == "open":
            readers, shared, answer = await open_all(
                args.host, args.port, args.path, args.readers, args.concurrency, args.timeout
            )
            send(answer)
        elif command["cmd"] == "expect":
            await expect(readers, shared, int(command["seq"]), float(command["timeout"]))
        elif command["cmd"] == "close":
            break
    for reader in readers:
        if reader.transport is not None:
            reader.transport.close()
    await asyncio.sleep(0.2)
    send({"event": "closed"})


def run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--readers", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    raise_nofile()
    try:
        import uvloop
    except ImportError:
        args.uvloop_used = False
        asyncio.run(main(args))
        return
    args.uvloop_used = True
    uvloop.run(main(args))


if __name__ == "__main__":
    run()
