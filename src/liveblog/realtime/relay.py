"""``liveblog relay``: feeds an edge fan-out engine (nginx with the nchan module) from the
event log, so that readers' streams are held by nginx instead of by Python.

The relay follows every public blog's log, woken by the bus (PostgreSQL or Redis; on SQLite
it only polls) and polling as a safety net, and publishes each event once, in seq order, to
``<publish URL>/<slug>`` with its kind as the EventSource event name and its JSON as the
data: the same ``event:`` and ``data:`` lines our own hub sends. nchan numbers messages its
own way, so the ``id:`` lines differ, and nchan is set to keep no messages (deploy/
nginx-nchan.conf): nothing that is later removed lingers at the edge. Readers stay whole
because the reader script orders events by the ``seq`` inside each event: when it sees a
gap, or (re)opens a stream at the edge, it asks ``updates.json`` (which nginx caches) for
what it missed.

A relay that restarts begins at each blog's current end of the log; readers fill what it
skipped from ``updates.json`` at the next event. Two relays publish every event twice, and
readers drop the second copy by its seq, so a standby relay is harmless.

"N reading now": every ``LIVEBLOG_READERS_SECONDS`` the relay asks nchan how many
subscribers each blog's channel has, reports them on the bus as a process of its own (so
the desk on every node counts them), and publishes the total to the channel as a
``readers`` message when it changes, and again every three intervals while the channel has
subscribers (nchan keeps no message, so that is how a reader who arrives is told).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from sqlalchemy import select

from liveblog.realtime.log import LiveEvent, events_after
from liveblog.realtime.readers import EVENT, ReadersNow, shown
from liveblog.site import Site
from liveblog.states import BlogStatus
from liveblog.storage import Blog

log = logging.getLogger("liveblog.relay")


@dataclass
class Followed:
    slug: str
    relayed: int  # the last seq published to the edge


class Relay:
    def __init__(self, site: Site, publish_url: str, *, poll_seconds: float = 2.0) -> None:
        self.site = site
        self.publish_url = publish_url.rstrip("/")
        self.poll_seconds = poll_seconds
        self.blogs: dict[int, Followed] = {}
        self.published = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _on_wakeup(self, _blog_id: int, _seq: int) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def _public_heads(self) -> dict[int, tuple[str, int]]:
        with self.site.db.reading() as session:
            rows = session.execute(
                select(Blog.id, Blog.slug, Blog.last_seq).where(Blog.status != BlogStatus.DRAFT)
            )
            return {row.id: (row.slug, row.last_seq) for row in rows}

    def _events(self, blog_id: int, after: int) -> list[LiveEvent]:
        with self.site.db.reading() as session:
            return events_after(session, blog_id, after, self.site.settings.replay_limit)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        unsubscribe = self.site.bus.subscribe(self._on_wakeup)
        await self.site.bus.start()
        stop = stop or asyncio.Event()
        try:
            # Begin at the end of each log: what came before is in the page and updates.json.
            heads = await asyncio.to_thread(self._public_heads)
            self.blogs = {blog_id: Followed(slug, seq) for blog_id, (slug, seq) in heads.items()}
            async with httpx.AsyncClient(timeout=10) as client:
                readers = EdgeReaders(self, client)
                readers.start()
                try:
                    await self._relay(client, stop)
                finally:
                    await readers.stop()
        finally:
            unsubscribe()
            await self.site.bus.stop()

    async def _relay(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.catch_up(client)
            except Exception:  # the database or the edge is down: try again soon
                log.exception("relay: could not relay; trying again")
            waits = [
                asyncio.create_task(self._wake.wait()),
                asyncio.create_task(stop.wait()),
            ]
            await asyncio.wait(waits, timeout=self.poll_seconds, return_when="FIRST_COMPLETED")
            for task in waits:
                task.cancel()

    async def catch_up(self, client: httpx.AsyncClient) -> None:
        """Publishes every event past what was relayed, blog by blog, in seq order."""
        heads = await asyncio.to_thread(self._public_heads)
        for blog_id in [b for b in self.blogs if b not in heads]:
            # Back to draft: its channel at the edge goes, and its open streams with it.
            gone = self.blogs.pop(blog_id)
            await client.delete(self._channel_url(gone.slug))
        for blog_id, (slug, last_seq) in heads.items():
            followed = self.blogs.setdefault(blog_id, Followed(slug, last_seq))
            while followed.relayed < last_seq:
                events = await asyncio.to_thread(self._events, blog_id, followed.relayed)
                if not events:
                    break
                hidden = [i for i, event in enumerate(events) if event.hides_blog]
                if hidden:
                    # The blog went back to draft in this batch: nothing up to that point
                    # leaves (readers fill any gap from updates.json). If it is still in
                    # draft, the next look finds it gone and ends its channel.
                    followed.relayed = events[hidden[-1]].seq
                    events = events[hidden[-1] + 1 :]
                for event in events:
                    await self._publish(client, followed.slug, event)
                    followed.relayed = event.seq

    async def _publish(self, client: httpx.AsyncClient, slug: str, event: LiveEvent) -> None:
        body = json.dumps(event.data, ensure_ascii=False, separators=(",", ":"))
        response = await client.post(
            self._channel_url(slug),
            content=body.encode(),
            headers={"Content-Type": "application/json", "X-EventSource-Event": event.kind},
        )
        if response.status_code >= 400:
            raise RuntimeError(f"the edge answered {response.status_code} for {slug}")
        self.published += 1

    def _channel_url(self, slug: str) -> str:
        return f"{self.publish_url}/{quote(slug)}"


class EdgeReaders(ReadersNow):
    """The readers nginx holds: nchan's count of each followed blog's subscribers, reported
    like a node's; each blog's total goes to its channel as a ``readers`` message.

    Each look asks nchan about every followed blog at once, at most ``AT_ONCE`` at a time,
    and ends before the next one is due (``LOOK_SHARE`` of an interval). A blog whose
    channel could not be read in time (nchan down, an error, an answer that is not its JSON)
    is ``unread``: its last count stands until it expires, three intervals on, so one
    missed look makes no count flicker and a dead edge's counts still drop out."""

    AT_ONCE = 16
    LOOK_SHARE = 0.8
    AGAIN_AFTER = 3

    def __init__(self, relay: Relay, client: httpx.AsyncClient) -> None:
        super().__init__(None, relay.site.bus, relay.site.settings.readers_seconds)
        self.relay = relay
        self.client = client
        self.look_seconds = self.seconds * self.LOOK_SHARE
        self._looks = 0
        self._told: dict[int, tuple[int, int]] = {}  # blog id -> (count told, at which look)

    async def held(self) -> dict[int, int]:
        followed = list(self.relay.blogs.items())
        gate = asyncio.Semaphore(self.AT_ONCE)

        async def subscribers(slug: str) -> int:
            async with gate:
                response = await self.client.get(
                    self.relay._channel_url(slug),
                    headers={"Accept": "text/json"},
                    timeout=self.look_seconds,
                )
            if response.status_code == 404:  # no channel, so no one is there
                return 0
            response.raise_for_status()
            count = response.json()["subscribers"]
            if not isinstance(count, int) or count < 0:
                raise ValueError(f"subscribers is {count!r}")
            return count

        asked = {blog_id: asyncio.create_task(subscribers(blog.slug)) for blog_id, blog in followed}
        held: dict[int, int] = {}
        self.unread = set()
        if not asked:
            return held
        _done, late = await asyncio.wait(asked.values(), timeout=self.look_seconds)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        for blog_id, task in asked.items():
            failure = None if task.cancelled() else task.exception()
            if task.cancelled() or failure is not None:
                self.unread.add(blog_id)
                log.debug("readers: no count for blog %s: %r", blog_id, failure or "too slow")
            elif task.result() > 0:
                held[blog_id] = task.result()
        if self.unread:
            log.warning(
                "readers: nchan gave no count for %d of %d blogs; their last counts stand",
                len(self.unread),
                len(asked),
            )
        return held

    async def tell(self) -> None:
        """Publishes each blog's total to its channel when it changes, and again every
        ``AGAIN_AFTER`` looks while the edge holds readers of it, unchanged or not: nchan
        keeps no message, so a reader who arrives at the edge is told the count within
        that many intervals, however rarely it changes."""
        self._looks += 1
        totals = self.counts.totals(time.monotonic())
        due: list[tuple[int, str, int]] = []
        for blog_id, followed in list(self.relay.blogs.items()):
            count = shown(totals.get(blog_id, 0))
            told, told_at = self._told.get(blog_id, (0, self._looks))
            stale = blog_id in self._reported and self._looks - told_at >= self.AGAIN_AFTER
            if count != told or stale:
                due.append((blog_id, followed.slug, count))
        gate = asyncio.Semaphore(self.AT_ONCE)

        async def publish(blog_id: int, slug: str, count: int) -> None:
            async with gate:
                # Not stored at the edge (no message is), and it carries no seq: the reader
                # script takes it as a count, never as an event of the log.
                response = await self.client.post(
                    self.relay._channel_url(slug),
                    content=json.dumps({"readers": count}).encode(),
                    headers={"Content-Type": "application/json", "X-EventSource-Event": EVENT},
                    timeout=self.look_seconds,
                )
            response.raise_for_status()
            self._told[blog_id] = (count, self._looks)

        failed = [
            outcome
            for outcome in await asyncio.gather(
                *(publish(*blog) for blog in due), return_exceptions=True
            )
            if outcome is not None
        ]
        if failed:  # not told: tried again at the next look
            log.warning(
                "readers: could not publish %d of %d counts (%r)", len(failed), len(due), failed[0]
            )
