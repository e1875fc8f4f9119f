"""The hub: this process's open reader streams, and the one loop that writes to all of them.

The hot path is ``_broadcast``: one event's bytes, encoded once, written to every stream of
the blog in a plain loop. No task, queue or serialization per reader: a stream is a
transport (or, outside our own server, a small buffer) and a write is one call. A stream
whose buffer grows past ``LIVEBLOG_STREAM_BUFFER_KB``, or stays stuck across two heartbeats,
is dropped; its reader reconnects with Last-Event-ID and replays from the log. The hub's
tuning (heartbeat, poll, buffer cap, broadcast slice, recent events, replay limit) comes
from the ``Settings`` it is built with.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select

from liveblog import metrics
from liveblog.realtime.log import (
    Backlog,
    LiveEvent,
    backlog,
    blog_head,
    events_after,
    resync_event,
)
from liveblog.settings import Settings
from liveblog.storage import Blog, Database

log = logging.getLogger("liveblog.realtime")

HEARTBEAT = b": heartbeat\n\n"


class Stream(Protocol):
    def open(self, first: bytes = b"") -> None: ...
    def write(self, data: bytes) -> None: ...
    def buffered(self) -> int: ...
    def gone(self) -> bool: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


@dataclass(eq=False, slots=True)
class Channel:
    blog_id: int
    last_seq: int
    recent: deque[LiveEvent]  # the latest events, as many as the hub keeps (maxlen)
    streams: set[Stream] = field(default_factory=set)
    refreshing: bool = False
    dirty: bool = False
    joining: int = 0  # readers between arriving and joining: keeps the channel alive
    closed: bool = False  # the blog left public view: its streams were ended
    slug: str = ""  # the blog's address, as its readers asked for it (metrics' label)
    readers_sse: bytes = b""  # the latest "N reading now" message (readers.py), for joiners
    idle: asyncio.Event = field(default_factory=asyncio.Event)


def _restate_recent(recent: deque[LiveEvent], latest: LiveEvent) -> None:
    """Keeps the recent events as the log now holds them: when an event passes through,
    earlier ones about the same post (or the blog) are restated as the writing transaction
    restated their rows (a tombstone after a deletion, the new state after an edit), so a
    reconnecting reader is never handed the old text from memory."""
    about = latest.subject
    if about is None:
        return
    for i, event in enumerate(recent):
        if event.subject == about:
            recent[i] = event.restated(latest)


def retry_field() -> bytes:
    # Jitter, so that a restart does not bring every reader back in the same second.
    return f"retry: {random.randint(2_000, 7_000)}\n\n".encode()


Looked = tuple[int, int, list[LiveEvent]]


class Hub:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        # At most this many open streams per client address (0: no limit).
        self.streams_per_address = settings.streams_per_address
        self.heartbeat_seconds = settings.heartbeat_seconds
        # Safety net: even with no wake-up at all (Redis down, a lost message), every
        # followed blog is checked against the log this often.
        self.poll_seconds = settings.poll_seconds
        self.max_buffer = settings.stream_buffer_bytes
        # Streams written between two turns of the event loop during a broadcast (2,000 is
        # about 30 ms here).
        self.broadcast_slice = settings.broadcast_slice
        self.recent_events = settings.recent_events
        self.replay_limit = settings.replay_limit
        self.socket_buffer = settings.socket_buffer_bytes
        self.addresses: dict[str, int] = {}
        self.channels: dict[int, Channel] = {}
        self.slugs: dict[str, int] = {}
        self._looking: dict[str, asyncio.Future[Looked | None]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stuck: dict[Stream, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._tasks = [
            self.loop.create_task(self._every(self.heartbeat_seconds, self._heartbeat)),
            self.loop.create_task(self._every(self.poll_seconds, self._poll)),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self.close_all()

    def close_all(self) -> None:
        """Tells every reader to come back (to this node's successor, through the proxy):
        each stream gets a fresh jittered ``retry:`` and what it had buffered, then closes,
        and its reader reconnects with Last-Event-ID, missing nothing."""
        for channel in self.channels.values():
            for stream in list(channel.streams):
                stream.write(retry_field())
                stream.close()  # flushes what is buffered, then closes
                self._counted_out(channel)
            channel.streams.clear()
        self.channels.clear()

    def new_channel(self, blog_id: int, last_seq: int) -> Channel:
        return Channel(blog_id, last_seq, deque(maxlen=self.recent_events))

    # -- how many streams each client holds -------------------------------------------
    def admit(self, address: str) -> bool:
        """Counts one more stream for ``address``; False (and nothing counted) at the cap."""
        held = self.addresses.get(address, 0)
        if self.streams_per_address and held >= self.streams_per_address:
            metrics.STREAMS_REFUSED.labels("per-address cap").inc()
            return False
        self.addresses[address] = held + 1
        return True

    def release(self, address: str) -> None:
        held = self.addresses.get(address, 0) - 1
        if held > 0:
            self.addresses[address] = held
        else:
            self.addresses.pop(address, None)

    async def _every(self, seconds: float, job: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                result = job()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # a failing pass must not end the loop
                log.exception("hub: periodic job failed")

    # -- wake-ups ---------------------------------------------------------------------
    def wake(self, blog_id: int, seq: int) -> None:
        """Called from any thread (actions run in worker threads) or another process's bus."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._wake_in_loop, blog_id, seq)

    def _wake_in_loop(self, blog_id: int, seq: int) -> None:
        channel = self.channels.get(blog_id)
        if channel is not None and seq > channel.last_seq:
            self._refresh_soon(channel)

    def _refresh_soon(self, channel: Channel) -> None:
        if channel.refreshing:
            channel.dirty = True
            return
        assert self.loop is not None
        task = self.loop.create_task(self._refresh(channel))
        # The loop keeps only weak references to tasks: hold this one until it is done.
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh(self, channel: Channel) -> None:
        """Reads what the log has past the channel's seq, once, and sends it to everyone."""
        channel.refreshing = True
        channel.idle.clear()
        try:
            while True:
                channel.dirty = False
                events = await asyncio.to_thread(
                    self._read_after, channel.blog_id, channel.last_seq
                )
                if any(event.hides_blog for event in events):
                    # Back to draft: nothing of it leaves the server any more, not even
                    # what came before in this batch.
                    self._close_channel(channel)
                    return
                for event in events:
                    if event.seq == channel.last_seq + 1:
                        channel.last_seq = event.seq
                        _restate_recent(channel.recent, event)
                        channel.recent.append(event)
                        await self._broadcast(channel, event.sse)
                if not channel.dirty and len(events) < self.replay_limit:
                    break
        except Exception:
            # The database is unreachable, say: readers keep their streams, and the next
            # wake-up or poll tries again from the same seq.
            log.exception("hub: could not read the event log")
        finally:
            channel.refreshing = False
            channel.idle.set()

    def _close_channel(self, channel: Channel) -> None:
        """The blog is no longer public (back to draft): its streams end now, and it is
        forgotten, so that the next reader asks the database and gets a 404. Readers'
        pages then find the stream and ``updates.json`` gone, and stop."""
        channel.closed = True
        channel.recent.clear()
        for stream in list(channel.streams):
            self.leave(stream)
            stream.close()
        if self.channels.get(channel.blog_id) is channel:
            del self.channels[channel.blog_id]
        for slug in [s for s, blog_id in self.slugs.items() if blog_id == channel.blog_id]:
            del self.slugs[slug]

    async def _settle(self, channel: Channel, seq: int) -> None:
        """Waits until the channel has sent everything up to ``seq``."""
        while channel.last_seq < seq and not channel.closed:
            if channel.refreshing:
                await channel.idle.wait()
            else:
                before = channel.last_seq
                await self._refresh(channel)
                if channel.last_seq == before:
                    return  # the log has nothing more (yet): do not spin

    def _read_after(self, blog_id: int, after: int) -> list[LiveEvent]:
        with self.db.reading() as session:
            return events_after(session, blog_id, after, self.replay_limit)

    async def _poll(self) -> None:
        if not self.channels:
            return
        heads = await asyncio.to_thread(self._read_heads, list(self.channels))
        for blog_id, last_seq in heads.items():
            channel = self.channels.get(blog_id)
            if channel is not None and last_seq > channel.last_seq:
                self._refresh_soon(channel)

    def _read_heads(self, blog_ids: list[int]) -> dict[int, int]:
        with self.db.reading() as session:
            rows = session.execute(select(Blog.id, Blog.last_seq).where(Blog.id.in_(blog_ids)))
            return {row.id: row.last_seq for row in rows}

    # -- the hot path -----------------------------------------------------------------
    async def _broadcast(self, channel: Channel, data: bytes) -> None:
        """Writes ``data`` to every stream of the channel, ``broadcast_slice`` streams at a
        time: between slices the loop answers other requests (the editor's POST among them),
        which would otherwise wait for the whole broadcast. A reader who joins during a
        broadcast already got this event from ``recent``; one who leaves is skipped."""
        started = time.perf_counter()
        await self.fan_out(channel, data)
        metrics.BROADCAST_SECONDS.observe(time.perf_counter() - started)
        metrics.EVENTS_BROADCAST.inc()
        metrics.DELIVERIES.inc(len(channel.streams))

    async def fan_out(self, channel: Channel, data: bytes) -> None:
        """Writes ``data`` to every stream of the channel, a slice at a time (see
        ``_broadcast``): events, and the readers' count, which is not an event."""
        streams = channel.streams
        size = self.broadcast_slice
        if len(streams) <= size:
            self._write_slice(channel, streams, data)
        else:
            everyone = list(streams)
            for first in range(0, len(everyone), size):
                if first:
                    await asyncio.sleep(0)
                    todo = [s for s in everyone[first : first + size] if s in streams]
                else:
                    todo = everyone[:size]
                self._write_slice(channel, todo, data)

    def _write_slice(self, channel: Channel, streams: Iterable[Stream], data: bytes) -> None:
        dead: list[Stream] | None = None
        limit = self.max_buffer
        for stream in streams:
            if stream.buffered() > limit:
                dead = dead or []
                dead.append(stream)
            else:
                stream.write(data)
        if dead:
            for stream in dead:
                self._drop(channel, stream)

    def _heartbeat(self) -> None:
        stuck_before = self._stuck
        self._stuck = {}
        for channel in self.channels.values():
            dead: list[Stream] = []
            for stream in channel.streams:
                size = stream.buffered()
                if size and stuck_before.get(stream, -1) >= size:
                    dead.append(stream)  # nothing drained since the last heartbeat
                    continue
                if size:
                    self._stuck[stream] = size
                stream.write(HEARTBEAT)
            for stream in dead:
                self._drop(channel, stream)

    def _drop(self, channel: Channel, stream: Stream) -> None:
        if stream in channel.streams:
            channel.streams.discard(stream)
            self._counted_out(channel)
        self._stuck.pop(stream, None)
        metrics.SLOW_READERS_DROPPED.inc()
        stream.abort()

    def _counted_out(self, channel: Channel) -> None:
        metrics.READERS.labels(channel.slug).dec()

    # -- readers arriving and leaving -------------------------------------------------
    async def follow(self, slug: str, after: int | None, stream: Stream) -> bool:
        """Sends the reader what it missed after ``after``, then adds it to the blog's channel.

        Returns False when there is no such blog. Nothing yields between sending the last
        missed event and joining the channel, so no broadcast can slip between them.
        """
        # A blog that already has readers here is known: no database read for the next one,
        # unless this reader's page is newer than what the channel has sent.
        channel = self.channels.get(self.slugs.get(slug, -1))
        db_seq = -1
        if channel is None or (after is not None and after > channel.last_seq):
            found = await self._look_up(slug)
            if found is None:
                return False
            blog_id, db_seq, latest = found
            channel = self.channels.get(blog_id)
            if channel is None:
                # A new channel starts with the log's latest events in memory, so readers
                # who come back a few events behind (a node's readers after it died, all at
                # once) are served without a database read each.
                channel = self.channels[blog_id] = self.new_channel(blog_id, db_seq)
                channel.recent.extend(latest)
            self.slugs[slug] = blog_id
        channel.joining += 1
        try:
            if db_seq > channel.last_seq:
                await self._settle(channel, db_seq)
            elif channel.refreshing:
                # A wake-up came before this reader: the refresh may be learning that the
                # blog went back to draft. Decide after it.
                await channel.idle.wait()
            if channel.closed:
                return False  # the blog went back to draft meanwhile
            if not await self._send_missed(channel, after, stream):
                return True  # opened, then ended: the blog went back to draft meanwhile
            if stream.gone():
                # The reader left while joining, after its connection's own leave() ran:
                # a stream added now would stay in the channel with no one to remove it.
                return True
            channel.streams.add(stream)
            channel.slug = slug
            metrics.READERS.labels(slug).inc()
        finally:
            channel.joining -= 1
        return True

    async def _send_missed(self, channel: Channel, after: int | None, stream: Stream) -> bool:
        """Opens the stream and writes what the reader missed; False if the channel was
        closed meanwhile (the stream is then ended too).

        ``recent`` and the log say only what is public now (see ``_restate_recent``), so a
        replay never brings back a deleted post or the words an edit replaced."""
        retry = retry_field()
        start = channel.last_seq if after is None else after
        if start > channel.last_seq:
            stream.open(retry + resync_event(channel.last_seq, "unknown seq: ahead of the log"))
            return True
        recent = channel.recent
        if start == channel.last_seq or (recent and recent[0].seq <= start + 1):
            # The usual case, served from memory: the head, the retry and what was missed
            # go out in one write (one system call per arriving reader).
            from_memory = (e.sse for e in recent if e.seq > start)
            stream.open(b"".join([retry, *from_memory, channel.readers_sse]))
            return True
        stream.open(retry + channel.readers_sse)
        missed: Backlog = await asyncio.to_thread(
            self._backlog, channel.blog_id, channel.last_seq, start
        )
        if channel.closed:
            stream.close()
            return False
        if missed.resync:
            stream.write(resync_event(channel.last_seq, missed.resync))
            return True
        sent = start
        for event in missed.events:
            stream.write(event.sse)
            sent = event.seq
        for event in recent:  # what the channel sent while the backlog was being read
            if event.seq > sent:
                stream.write(event.sse)
        return True

    async def _look_up(self, slug: str) -> Looked | None:
        """The blog's id, last seq and latest events, read once for all the readers who
        arrive together (a reconnect storm costs one read, not one per reader)."""
        task = self._looking.get(slug)
        if task is None:
            task = asyncio.ensure_future(asyncio.to_thread(self._head, slug))
            self._looking[slug] = task
            task.add_done_callback(lambda _: self._looking.pop(slug, None))
        return await asyncio.shield(task)

    def _head(self, slug: str) -> Looked | None:
        with self.db.reading() as session:
            head = blog_head(session, slug)
            if head is None:
                return None
            blog_id, last_seq = head
            after = max(0, last_seq - self.recent_events)
            latest = [
                e
                for e in events_after(session, blog_id, after, self.replay_limit)
                if e.seq <= last_seq
            ]
            if latest and latest[0].seq != after + 1:
                latest = []  # the log was pruned past it: no gap may hide in memory
            return blog_id, last_seq, latest

    def _backlog(self, blog_id: int, last_seq: int, after: int) -> Backlog:
        with self.db.reading() as session:
            return backlog(session, blog_id, last_seq, after, self.replay_limit)

    def leave(self, stream: Stream) -> None:
        self._stuck.pop(stream, None)
        for blog_id, channel in list(self.channels.items()):
            if stream in channel.streams:
                channel.streams.discard(stream)
                self._counted_out(channel)
                if not channel.streams and not channel.refreshing and not channel.joining:
                    del self.channels[blog_id]
                return

    def reader_count(self) -> int:
        return sum(len(channel.streams) for channel in self.channels.values())
