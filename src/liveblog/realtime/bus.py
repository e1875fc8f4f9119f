"""The bus carries only wake-ups ("blog B has events up to seq N"); the event log has the rest.

A hub that misses a wake-up loses nothing: it polls the log every few seconds anyway, and
catches up from there. So Redis being down or restarting delays updates, never drops them.

Next to the wake-ups, on a channel of its own but the same subscription, each process
reports how many readers it holds per blog (``readers.py``): a count that is only ever
approximate, so a lost report costs nothing either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

import psycopg
import redis
import redis.asyncio
from sqlalchemy import Engine, text

log = logging.getLogger("liveblog.bus")

Listener = Callable[[int, int], None]
ReadersListener = Callable[[str], None]
CHANNEL = "liveblog:wakeups"
READERS_CHANNEL = "liveblog:readers"


class InProcessBus:
    """Wakes listeners in this process."""

    crosses_processes = False

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._readers_listeners: list[ReadersListener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def notify(self, blog_id: int, seq: int) -> None:
        self._wake_local(blog_id, seq)

    def subscribe_readers(self, listener: ReadersListener) -> Callable[[], None]:
        """Hears every process's readers reports (this one's too, which it ignores)."""
        with self._lock:
            self._readers_listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._readers_listeners:
                    self._readers_listeners.remove(listener)

        return unsubscribe

    def publish_readers(self, report: str) -> None:
        """Sends a readers report to every process (here: this one). Blocking: call it
        from a worker thread."""
        self._readers_local(report)

    def _readers_local(self, report: str) -> None:
        with self._lock:
            listeners = list(self._readers_listeners)
        for listener in listeners:
            listener(report)

    def _wake_local(self, blog_id: int, seq: int) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(blog_id, seq)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def healthy(self) -> bool:
        """Whether wake-ups from other processes can reach this one right now."""
        return True


def _parse_wakeup(data: bytes | str) -> tuple[int, int] | None:
    raw = data.encode() if isinstance(data, str) else data
    blog, _, seq = raw.partition(b":")
    if blog.isdigit() and seq.isdigit() and len(blog) < 19 and len(seq) < 19:
        return int(blog), int(seq)
    return None


class CrossProcessBus(InProcessBus):
    """What the Redis and PostgreSQL buses share: a wake-up is sent after the local one,
    and a failed send quiets the bus for a moment (the post is saved, and every hub catches
    up from the log), so no writer waits on a broken service; one subscription per
    process, reconnected with a growing pause while the service is away."""

    PAUSE_AFTER_FAILURE = 2.0
    crosses_processes = True
    name = ""

    def __init__(self) -> None:
        super().__init__()
        self._quiet_until = 0.0
        self._readers_quiet_until = 0.0  # its own: a failed report never quiets wake-ups
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def notify(self, blog_id: int, seq: int) -> None:
        self._wake_local(blog_id, seq)
        if time.monotonic() < self._quiet_until:
            return
        try:
            self._send(f"{blog_id}:{seq}")
        except Exception as exc:
            self._quiet_until = time.monotonic() + self.PAUSE_AFTER_FAILURE
            log.warning("bus: %s send failed (%s); hubs will catch up from the log", self.name, exc)

    def _send(self, payload: str) -> None:
        raise NotImplementedError

    def publish_readers(self, report: str) -> None:
        # Every process hears it through its subscription, this one included.
        if time.monotonic() < self._readers_quiet_until:
            return
        try:
            self._send_readers(report)
        except Exception as exc:
            self._readers_quiet_until = time.monotonic() + self.PAUSE_AFTER_FAILURE
            log.warning("bus: %s readers report failed (%s)", self.name, exc)

    def _send_readers(self, report: str) -> None:
        raise NotImplementedError

    async def _subscribe(self) -> None:
        """Receives wake-ups until the connection fails; sets ``connected`` once listening."""
        raise NotImplementedError

    def _receive(self, data: bytes | str) -> None:
        wakeup = _parse_wakeup(data)
        if wakeup is not None:
            self._wake_local(*wakeup)

    def _receive_readers(self, data: bytes | str) -> None:
        self._readers_local(data.decode(errors="replace") if isinstance(data, bytes) else data)

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._subscribe()
            except (redis.RedisError, psycopg.Error, OSError) as exc:
                log.warning(
                    "bus: %s subscription lost (%s); retrying in %.1fs", self.name, exc, delay
                )
            finally:
                if self.connected.is_set():
                    delay = 0.2
                self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def healthy(self) -> bool:
        return self.connected.is_set()


class RedisBus(CrossProcessBus):
    """Also wakes the hubs of every other process and node through Redis pub/sub."""

    name = "Redis"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def _send(self, payload: str) -> None:
        self._client.publish(CHANNEL, payload)

    def _send_readers(self, report: str) -> None:
        self._client.publish(READERS_CHANNEL, report)

    async def _subscribe(self) -> None:
        client = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=1)
        readers = READERS_CHANNEL.encode()
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL, READERS_CHANNEL)
                self.connected.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        if message["channel"] != readers:
                            self._receive(message["data"])
                        else:
                            self._receive_readers(message["data"])
        finally:
            await client.aclose()

    async def stop(self) -> None:
        await super().stop()
        self._client.close()


class PostgresBus(CrossProcessBus):
    """Wakes the hubs of every process and node through PostgreSQL's LISTEN/NOTIFY, so that
    PostgreSQL alone is enough for several workers and machines.

    A notification is sent on a pooled connection right after the action's commit; each
    process keeps one connection that LISTENs.
    """

    name = "PostgreSQL"
    CHANNEL = "liveblog_wakeups"
    READERS_CHANNEL = "liveblog_readers"

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )

    def _send(self, payload: str) -> None:
        with self._engine.connect() as conn:
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": self.CHANNEL, "payload": payload},
            )
            conn.commit()

    def _send_readers(self, report: str) -> None:
        with self._engine.connect() as conn:
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": self.READERS_CHANNEL, "payload": report},
            )
            conn.commit()

    async def _subscribe(self) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, connect_timeout=2
        )
        async with conn:
            await conn.execute(f"LISTEN {self.CHANNEL}")
            await conn.execute(f"LISTEN {self.READERS_CHANNEL}")
            self.connected.set()
            async for note in conn.notifies():
                if note.channel != self.READERS_CHANNEL:
                    self._receive(note.payload)
                else:
                    self._receive_readers(note.payload)


def make_bus(redis_url: str, engine: Engine | None = None) -> InProcessBus:
    """Redis when a URL is set; else PostgreSQL's LISTEN/NOTIFY on PostgreSQL; else in-process."""
    if redis_url:
        return RedisBus(redis_url)
    if engine is not None and engine.url.get_backend_name() == "postgresql":
        return PostgresBus(engine)
    return InProcessBus()
