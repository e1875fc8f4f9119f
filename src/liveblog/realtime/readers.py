""" "N reading now": how many readers each blog has, over every process and node, approximately.

Each process counts the event streams its hub holds per blog and, every
``LIVEBLOG_READERS_SECONDS``, reports them on the bus, tagged with a random id of its own.
Every process keeps each process's latest count per blog, drops one not refreshed for three
reports (its process stopped or died), and adds up the rest. No reader is stored anywhere
and nothing is written to the database; a lost report costs a few seconds of accuracy.

A report is text: ``<process> <seconds it is good for> <blog id>:<count> …``, cut into
pieces that fit a PostgreSQL notification; a count of 0 says the process has no more
readers of that blog.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping

from liveblog.realtime.bus import InProcessBus
from liveblog.realtime.hub import Hub

log = logging.getLogger("liveblog.readers")

KEPT_FOR = 3
"""Reports a count outlives: after that many intervals without news, it is dropped."""
REPORT_BYTES = 4000
"""At most this long a report (PostgreSQL refuses notifications from 8,000 bytes)."""
EVENT = "readers"
"""The stream's ``event:`` name for the count. Not a kind of event: it is not in the log,
has no ``id:`` (so Last-Event-ID is untouched) and is never replayed."""

_PROCESS = re.compile(r"[0-9A-Za-z_.-]{1,64}")


def shown(count: int) -> int:
    """What readers are told: the count up to 100, then to two significant figures (1,204
    is 1,200), so that a large audience's comings and goings do not mean a message to
    every reader every few seconds. The desk and the API have the count itself."""
    if count < 100:
        return count
    return round(count, 2 - len(str(count)))


def readers_message(count: int) -> bytes:
    """The stream message a blog's readers get when its count changes."""
    return f"event: {EVENT}\ndata: {json.dumps({'readers': count})}\n\n".encode()


def encode(process: str, good_for: float, counts: Mapping[int, int]) -> list[str]:
    """The report(s) saying this process holds ``counts`` readers per blog id."""
    head = f"{process} {good_for:g}"
    reports: list[str] = []
    line = head
    for blog_id, count in sorted(counts.items()):
        pair = f" {blog_id}:{count}"
        if len(line) + len(pair) > REPORT_BYTES:
            reports.append(line)
            line = head
        line += pair
    if line != head or not reports:
        reports.append(line)
    return reports


def decode(report: str) -> tuple[str, float, dict[int, int]] | None:
    """A report's process, seconds it is good for and counts; None if it is not one."""
    process, _, rest = report.partition(" ")
    seconds, _, pairs = rest.partition(" ")
    if not _PROCESS.fullmatch(process):
        return None
    try:
        good_for = float(seconds)
    except ValueError:
        return None
    if not 0 < good_for < 3600:
        return None
    counts: dict[int, int] = {}
    for pair in pairs.split():
        blog, _, count = pair.partition(":")
        if not (blog.isdigit() and count.isdigit() and len(blog) < 19 and len(count) < 10):
            return None
        counts[int(blog)] = int(count)
    return process, good_for, counts


class ReaderCounts:
    """The latest count each process reported for each blog, until it expires."""

    def __init__(self) -> None:
        # blog id -> process -> (count, when it expires, monotonic)
        self._counts: dict[int, dict[str, tuple[int, float]]] = {}
        self._lock = threading.Lock()  # reports arrive on the loop and from worker threads

    def heard(self, process: str, counts: Mapping[int, int], expires: float) -> None:
        with self._lock:
            for blog_id, count in counts.items():
                per_process = self._counts.setdefault(blog_id, {})
                if count > 0:
                    per_process[process] = (count, expires)
                else:
                    per_process.pop(process, None)
                    if not per_process:
                        del self._counts[blog_id]

    def totals(self, now: float) -> dict[int, int]:
        """Every blog's readers, over the processes whose counts have not expired."""
        with self._lock:
            totals: dict[int, int] = {}
            for blog_id, per_process in list(self._counts.items()):
                for process, (count, expires) in list(per_process.items()):
                    if expires <= now:
                        del per_process[process]
                    else:
                        totals[blog_id] = totals.get(blog_id, 0) + count
                if not per_process:
                    del self._counts[blog_id]
            return totals

    def total(self, blog_id: int, now: float) -> int:
        return self.totals(now).get(blog_id, 0)


class ReadersNow:
    """This process's part: reports its hub's readers, hears the others', and tells each
    blog's streams the total when it changes."""

    def __init__(self, hub: Hub | None, bus: InProcessBus, seconds: float) -> None:
        self.hub = hub
        self.bus = bus
        self.seconds = seconds
        self.process = secrets.token_hex(8)
        self.counts = ReaderCounts()
        self._reported: set[int] = set()  # blogs this process last reported readers of
        self.unread: set[int] = set()
        """Blogs whose count this process could not read in its last look (the edge's relay
        only): their last report is neither renewed nor taken back, so it stands until it
        expires, three intervals later."""
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def heard(self, report: str) -> None:
        """The bus's listener: another process's report."""
        decoded = decode(report)
        if decoded is None:
            log.debug("readers: ignored a report that is not one: %.80r", report)
            return
        process, good_for, counts = decoded
        if process != self.process:  # this process's own counts are kept as they are
            self.counts.heard(process, counts, time.monotonic() + KEPT_FOR * good_for)

    def total(self, blog_id: int) -> int:
        return self.counts.total(blog_id, time.monotonic())

    def start(self) -> None:
        self._unsubscribe = self.bus.subscribe_readers(self.heard)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            # A process that stops says so: its readers leave the others' totals now, not
            # three reports later (they come back, counted, wherever they reconnect).
            self.unread = set()  # every count goes, the unread ones' too
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.report({}), timeout=1)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            try:
                await self.report(await self.held())
                await self.tell()
            except Exception:  # a failing pass must not end the loop
                log.exception("readers: could not report")

    async def held(self) -> dict[int, int]:
        """The streams this process holds (its hub's), per blog."""
        if self.hub is None:
            return {}
        return {c.blog_id: len(c.streams) for c in self.hub.channels.values() if c.streams}

    async def report(self, held: Mapping[int, int]) -> None:
        """Keeps this process's counts and sends them to the others (a blog whose readers
        all left is reported once more, as 0; nothing is sent while there are none). A blog
        in ``unread`` is left as it was: not renewed, not reported as 0."""
        unread = self.unread - held.keys()
        counts = dict.fromkeys(self._reported - held.keys() - unread, 0) | dict(held)
        self._reported = {blog_id for blog_id, count in held.items() if count} | (
            self._reported & unread
        )
        self.counts.heard(self.process, counts, time.monotonic() + KEPT_FOR * self.seconds)
        if counts:
            for report in encode(self.process, self.seconds, counts):
                await asyncio.to_thread(self.bus.publish_readers, report)

    async def tell(self) -> None:
        """Sends each followed blog's streams the total, when it is not what they have."""
        if self.hub is None:
            return
        totals = self.counts.totals(time.monotonic())
        for channel in list(self.hub.channels.values()):
            message = readers_message(shown(totals.get(channel.blog_id, 0)))
            if channel.readers_sse != message:
                # Kept on the channel: a reader who joins gets it in its first write.
                channel.readers_sse = message
                await self.hub.fan_out(channel, message)
