"""Waiting on a condition, never on the clock: a test that needs something to have happened
(a reader joined, an event arrived, a port answers) polls for it, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll_until(
    check: Callable[[], object],
    timeout: float = 5.0,
    *,
    pause: Callable[[float], object] = time.sleep,
    interval: float = 0.02,
) -> bool:
    """True as soon as ``check()`` is true; False once ``timeout`` seconds have passed.

    ``pause`` spends the time between two checks (seconds): ``time.sleep`` by default; a
    browser test passes one that calls the page's ``wait_for_timeout``, so that the page
    keeps handling its own events meanwhile."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        pause(interval)
    return True


def wait_until(
    check: Callable[[], object],
    timeout: float = 5.0,
    *,
    what: str = "the condition",
    pause: Callable[[float], object] = time.sleep,
    interval: float = 0.02,
) -> None:
    """Returns as soon as ``check()`` is true; fails the test after ``timeout`` seconds."""
    if not poll_until(check, timeout, pause=pause, interval=interval):
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")
