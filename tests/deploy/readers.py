"""Thousands of readers in one thread: raw-socket event-stream readers that reconnect as a
browser's EventSource does (with Last-Event-ID, after the server's ``retry:``), and pollers
of ``updates.json`` that do what the page's script does without EventSource.

Each pool runs its own event loop in a daemon thread; the test drives it with blocking
calls. Readers connect from 100 loopback addresses (127.0.0.2 to 127.0.0.101), so that
nginx's X-Forwarded-For tells the nodes apart what a real audience would look like.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import random
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import brotli

from tests.waiting import poll_until

try:
    import uvloop

    new_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
    new_loop = asyncio.new_event_loop

T = TypeVar("T")
SOURCES = [f"127.0.0.{n}" for n in range(2, 102)]
Reconnect = Literal["retry", "now", "never"]


class LoopThread:
    """An event loop in a daemon thread, and a blocking way to run coroutines on it."""

    def __init__(self) -> None:
        self.loop = new_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        async def wrapped() -> T:
            return fn()

        return self.run(wrapped())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()


# --- event streams -------------------------------------------------------------------------


class Connection(asyncio.Protocol):
    """One HTTP connection of a reader: the response's head, its chunks, the SSE blocks."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.transport: asyncio.Transport | None = None
        self.raw = b""
        self.sse = b""
        self.in_body = False
        self.chunked = False
        self.chunk_left = 0
        self.ended = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.reader.request())  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.raw += data
        if not self.in_body:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.raw[:end].decode("latin-1")
            self.raw = self.raw[end + 4 :]
            status = head.split(" ", 2)[1] if " " in head else "?"
            if status != "200":
                self.reader.refused(status)
                self.close()
                return
            self.in_body = True
            self.chunked = "transfer-encoding: chunked" in head.lower()
        if self.chunked:
            self.dechunk()
        else:
            self.sse += self.raw
            self.raw = b""
        self.parse()
        if self.ended:
            self.close()

    def dechunk(self) -> None:
        while self.raw:
            if self.chunk_left:
                piece = self.raw[: self.chunk_left]
                self.sse += piece
                self.raw = self.raw[len(piece) :]
                self.chunk_left -= len(piece)
                continue
            line_end = self.raw.find(b"\r\n")
            if line_end < 0:
                return
            size_text = self.raw[:line_end].split(b";")[0].strip()
            self.raw = self.raw[line_end + 2 :]
            if not size_text:  # the CRLF that closes a chunk
                continue
            size = int(size_text, 16)
            if size == 0:
                self.ended = True  # the response is over: EventSource reconnects
                self.raw = b""
                return
            self.chunk_left = size

    def parse(self) -> None:
        while True:
            end = self.sse.find(b"\n\n")
            if end < 0:
                return
            block = self.sse[:end]
            self.sse = self.sse[end + 2 :]
            event_id: int | None = None
            kind = "message"
            has_data = False
            for line in block.split(b"\n"):
                if line.startswith(b"id: "):
                    event_id = int(line[4:])
                elif line.startswith(b"event: "):
                    kind = line[7:].decode()
                elif line.startswith(b"data: "):
                    has_data = True
                elif line.startswith(b"retry: "):
                    self.reader.retry(int(line[7:]))
            if has_data and event_id is not None:
                self.reader.event(event_id, kind)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.reader.lost(self)


class Reader:
    """One EventSource: ``ids`` are the ids of the events it received, in order."""

    def __init__(self, pool: ReaderPool, source: str, start: int) -> None:
        self.pool = pool
        self.source = source
        self.start = start
        self.ids: list[int] = []
        self.resyncs = 0
        self.connects = 0
        self.failures: list[str] = []
        self.retry_ms = 3000
        self.opened = asyncio.Event()
        self.connection: Connection | None = None
        self.reconnecting = False

    @property
    def last_id(self) -> int:
        return self.ids[-1] if self.ids else self.start

    def request(self) -> bytes:
        lines = [
            f"GET /live/{self.pool.slug}/events?last_event_id={self.start} HTTP/1.1",
            f"Host: {self.pool.host}:{self.pool.port}",
            "Accept: text/event-stream",
            "Cache-Control: no-cache",
        ]
        if self.connects > 1:  # a browser sends the header when it reconnects
            lines.append(f"Last-Event-ID: {self.last_id}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def connect(self) -> None:
        self.connects += 1
        self.opened.clear()
        connection = self.connection = Connection(self)
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(
                lambda: connection, self.pool.host, self.pool.port, local_addr=(self.source, 0)
            )
        except OSError as exc:
            self.failures.append(f"connect: {exc!r}")
            self.pool.failed_connects += 1
            self.lost(connection)

    # -- what a connection reports ------------------------------------------------------
    def retry(self, ms: int) -> None:
        self.retry_ms = ms
        self.opened.set()

    def event(self, event_id: int, kind: str) -> None:
        if kind == "resync":
            self.resyncs += 1
            return
        self.ids.append(event_id)
        self.pool.saw(event_id)

    def refused(self, status: str) -> None:
        self.failures.append(f"HTTP {status}")
        self.pool.refusals[status] = self.pool.refusals.get(status, 0) + 1

    def lost(self, connection: Connection) -> None:
        if connection is not self.connection:
            return  # an earlier connection, replaced already
        self.connection = None
        self.pool.disconnects += 1
        policy = self.pool.reconnect
        if policy == "never" or self.pool.closing or self.reconnecting:
            return
        delay = self.retry_ms / 1000 if policy == "retry" else 0.0
        self.reconnecting = True
        asyncio.get_running_loop().call_later(delay, self._reconnect)

    def _reconnect(self) -> None:
        self.reconnecting = False
        if not self.pool.closing and self.connection is None:
            self.pool.spawn(self.connect())

    def hang_up(self) -> None:
        if self.connection is not None:
            self.connection.abort()

    def problems(self, last: int) -> list[str]:
        """What is wrong with what this reader received, if it should have every event
        after its start up to ``last``, exactly once and in order."""
        wanted = list(range(self.start + 1, last + 1))
        out: list[str] = []
        if self.ids != wanted:
            missed = sorted(set(wanted) - set(self.ids))
            doubled = sorted({i for i in self.ids if self.ids.count(i) > 1})
            out.append(
                f"got {len(self.ids)} events, wanted {len(wanted)}: missed {missed[:10]}, "
                f"doubled {doubled[:10]}, in order: {self.ids == sorted(self.ids)}"
            )
        if self.resyncs:
            out.append(f"{self.resyncs} resync(s)")
        return out


class ReaderPool:
    """Many readers of one blog's event stream, through one address (nginx)."""

    def __init__(self, host: str, port: int, slug: str, reconnect: Reconnect = "retry") -> None:
        self.host, self.port, self.slug = host, port, slug
        self.reconnect: Reconnect = reconnect
        self.readers: list[Reader] = []
        self.closing = False
        self.failed_connects = 0
        self.disconnects = 0
        self.refusals: dict[str, int] = {}
        self.counts: dict[int, int] = {}
        self.first_seen: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.thread = LoopThread()

    # called in the pool's thread
    def saw(self, event_id: int) -> None:
        self.counts[event_id] = self.counts.get(event_id, 0) + 1
        self.first_seen.setdefault(event_id, time.monotonic())

    def spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- blocking API for the test ------------------------------------------------------
    def open(self, count: int, start: int, timeout: float = 60, batch: int = 500) -> float:
        """Opens ``count`` more readers whose page was at seq ``start``; waits until every
        one has its stream (a response and its first ``retry:``). Returns the seconds taken."""

        async def go() -> float:
            began = time.monotonic()
            new = [
                Reader(self, SOURCES[(len(self.readers) + i) % len(SOURCES)], start)
                for i in range(count)
            ]
            self.readers += new
            for i in range(0, count, batch):
                await asyncio.gather(*(reader.connect() for reader in new[i : i + batch]))
            await self._wait_opened(new, began + timeout)
            return time.monotonic() - began

        return self.thread.run(go())

    async def _wait_opened(self, readers: list[Reader], deadline: float) -> None:
        for reader in readers:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.opened.wait(), left)
        waiting = sum(1 for r in readers if not r.opened.is_set())
        if waiting:
            raise AssertionError(
                f"{waiting} of {len(readers)} readers have no stream; refusals "
                f"{self.refusals}, failed connects {self.failed_connects}, e.g. "
                f"{next((r.failures for r in readers if r.failures), [])[:3]}"
            )

    def wait_all_have(self, seq: int, timeout: float) -> float | None:
        """Seconds until every reader has received ``seq`` (or passed it), or None."""
        began = time.monotonic()
        if poll_until(lambda: self.behind(seq) == 0, timeout, interval=0.05):
            return time.monotonic() - began
        return None

    def behind(self, seq: int) -> int:
        return self.thread.call(lambda: sum(1 for r in self.readers if r.last_id < seq))

    def hang_up_all(self) -> None:
        """Every reader's connection drops at once (they do not reconnect by themselves
        unless the pool's policy says so)."""

        def hang_up() -> None:
            for reader in self.readers:
                reader.hang_up()

        self.thread.call(hang_up)

    def reconnect_all(self, timeout: float = 60, batch: int = 5000) -> float:
        """Every reader reconnects at once, with Last-Event-ID; waits for their streams."""

        async def go() -> float:
            began = time.monotonic()
            for i in range(0, len(self.readers), batch):
                await asyncio.gather(*(r.connect() for r in self.readers[i : i + batch]))
            await self._wait_opened(self.readers, began + timeout)
            return time.monotonic() - began

        return self.thread.run(go())

    def problems(self, last: int) -> dict[int, list[str]]:
        def check() -> dict[int, list[str]]:
            out = {}
            for i, reader in enumerate(self.readers):
                found = reader.problems(last)
                if found:
                    out[i] = found
            return out

        return self.thread.call(check)

    def stats(self) -> dict[str, Any]:
        def collect() -> dict[str, Any]:
            return {
                "readers": len(self.readers),
                "connects": sum(r.connects for r in self.readers),
                "disconnects": self.disconnects,
                "failed_connects": self.failed_connects,
                "refusals": dict(self.refusals),
            }

        return self.thread.call(collect)

    def close(self) -> None:
        def shut() -> None:
            self.closing = True
            for reader in self.readers:
                reader.hang_up()

        with contextlib.suppress(Exception):
            self.thread.call(shut)
            # Teardown only: the hang-ups get a moment to go out before the loop stops.
            time.sleep(0.2)
        self.thread.close()


# --- polling -------------------------------------------------------------------------------


def decode(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return bytes(brotli.decompress(body))
    if coding == "deflate":
        return zlib.decompress(body)
    return body


@dataclass(eq=False)
class Poller:
    """A page without EventSource: asks ``updates.json?after=<seq>`` every 4 to 6 s, as the
    page's script does, on one kept-alive connection, revalidating with its ETag."""

    pool: PollerPool
    source: str
    seq: int
    ids: list[int] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    not_modified: int = 0
    failures: list[str] = field(default_factory=list)
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def run(self, until: float, interval: tuple[float, float]) -> None:
        # The subject: pages opened, and polling, at random times (a load's pacing).
        await asyncio.sleep(random.uniform(0, interval[1]))
        while time.monotonic() < until:
            try:
                await self.poll()
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                self.failures.append(repr(exc))
                await self.hang_up()
            await asyncio.sleep(random.uniform(*interval))
        await self.hang_up()

    async def poll(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.pool.host, self.pool.port, local_addr=(self.source, 0)
            )
        assert self.reader is not None
        path = f"/live/{self.pool.slug}/updates.json?after={self.seq}"
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {self.pool.host}:{self.pool.port}",
            "Accept: application/json",
            "Accept-Encoding: gzip, deflate, br, zstd",
            "Cache-Control: max-age=0",  # fetch(..., {cache: "no-cache"})
        ]
        if path in self.etags:
            lines.append(f"If-None-Match: {self.etags[path]}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.requests += 1
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = int(head.split(" ", 2)[1])
        headers = {}
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunks()
        else:
            body = await self.reader.readexactly(length) if length else b""
        self.pool.statuses[status] = self.pool.statuses.get(status, 0) + 1
        cache = headers.get("x-cache-status", "-")
        self.pool.cache_statuses[cache] = self.pool.cache_statuses.get(cache, 0) + 1
        if headers.get("connection", "").lower() == "close":
            await self.hang_up()
        if status == 304:
            self.not_modified += 1
            return
        if status != 200:
            raise ValueError(f"HTTP {status}")
        if "etag" in headers:
            self.etags[path] = headers["etag"]
        data = json.loads(decode(body, headers.get("content-encoding", "identity")))
        if data.get("resync"):
            self.failures.append(f"resync: {data['resync']}")
            return
        for event in data["events"]:
            if event["seq"] > self.seq:
                self.ids.append(event["seq"])
                self.seq = event["seq"]

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        body = b""
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return body
            body += await self.reader.readexactly(size)
            await self.reader.readexactly(2)

    async def hang_up(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class PollerPool:
    def __init__(self, host: str, port: int, slug: str) -> None:
        self.host, self.port, self.slug = host, port, slug
        self.pollers: list[Poller] = []
        self.statuses: dict[int, int] = {}
        self.cache_statuses: dict[str, int] = {}
        self.thread = LoopThread()
        self._future: Any = None

    def start(self, count: int, seq: int, seconds: float, interval: tuple[float, float]) -> None:
        """Starts ``count`` pollers at ``seq``, polling for ``seconds``; returns at once."""
        self.pollers = [Poller(self, SOURCES[i % len(SOURCES)], seq) for i in range(count)]
        until = time.monotonic() + seconds

        async def go() -> None:
            await asyncio.gather(*(p.run(until, interval) for p in self.pollers))

        self._future = asyncio.run_coroutine_threadsafe(go(), self.thread.loop)

    def join(self, timeout: float) -> None:
        self._future.result(timeout)

    def close(self) -> None:
        self.thread.close()
