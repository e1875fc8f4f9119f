"""The bus carries only wake-ups ("blog B has events up to seq N"); the event log has the rest.

A hub that misses a wake-up loses nothing: it polls the log every few seconds anyway, and
catches up from there. So Redis being down or restarting delays updates, never drops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

import redis
import redis.asyncio

log = logging.getLogger("liveblog.bus")

Listener = Callable[[int, int], None]
CHANNEL = "liveblog:wakeups"


class InProcessBus:
    """Wakes listeners in this process."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
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

    def _wake_local(self, blog_id: int, seq: int) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(blog_id, seq)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBus(InProcessBus):
    """Also wakes the hubs of every other process and node through Redis pub/sub."""

    PAUSE_AFTER_FAILURE = 2.0

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._quiet_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def notify(self, blog_id: int, seq: int) -> None:
        self._wake_local(blog_id, seq)
        if time.monotonic() < self._quiet_until:
            return  # Redis failed a moment ago: don't make every writer wait on it
        try:
            self._client.publish(CHANNEL, f"{blog_id}:{seq}")
        except redis.RedisError as exc:
            self._quiet_until = time.monotonic() + self.PAUSE_AFTER_FAILURE
            log.warning("bus: Redis publish failed (%s); hubs will catch up from the log", exc)

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._client.close()

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            client = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=1)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self.connected.set()
                    delay = 0.2
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._receive(message["data"])
            except (redis.RedisError, OSError) as exc:
                log.warning("bus: Redis subscription lost (%s); retrying in %.1fs", exc, delay)
            finally:
                self.connected.clear()
                await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _receive(self, data: bytes) -> None:
        blog, _, seq = data.partition(b":")
        if blog.isdigit() and seq.isdigit():
            self._wake_local(int(blog), int(seq))


def make_bus(redis_url: str) -> InProcessBus:
    return RedisBus(redis_url) if redis_url else InProcessBus()
