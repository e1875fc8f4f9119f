"""The bus carries only wake-ups ("blog B has events up to seq N"); the event log has the rest."""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[int, int], None]


class InProcessBus:
    """Wakes listeners in this process. A listener that missed a wake-up reads the log."""

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
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(blog_id, seq)
