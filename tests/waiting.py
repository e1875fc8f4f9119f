"""Waiting on a condition, never on the clock: a test that needs something to have happened
(a reader joined, an event arrived, a port answers) polls for it, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    check: Callable[[], object],
    timeout: float = 5.0,
    *,
    what: str = "the condition",
    pause: Callable[[float], object] = time.sleep,
    interval: float = 0.02,
) -> None:
    """Returns as soon as ``check()`` is true; fails the test after ``timeout`` seconds.

    ``pause`` spends the time between two checks (seconds): ``time.sleep`` by default; a
    browser test passes one that calls the page's ``wait_for_timeout``, so that the page
    keeps handling its own events meanwhile."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        pause(interval)
