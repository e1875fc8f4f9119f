"""The helper that tests wait with: it returns as soon as the condition holds, and fails
the test, saying what it waited for, when the condition never holds."""

from __future__ import annotations

import threading
import time

import pytest

from tests.waiting import poll_until, wait_until


def test_it_returns_once_the_condition_holds() -> None:
    done = threading.Event()
    threading.Timer(0.05, done.set).start()
    wait_until(done.is_set, timeout=5, what="the timer")
    assert done.is_set()


def test_it_fails_saying_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match="waiting for the reader to join"):
        wait_until(lambda: False, timeout=0.05, what="the reader to join")


def test_poll_until_says_whether_the_condition_held() -> None:
    checks: list[float] = []
    assert poll_until(lambda: checks.append(0.0) or len(checks) == 3, timeout=5)
    assert len(checks) == 3
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    assert not poll_until(lambda: False, timeout=0.05, pause=pause, interval=0.01)
    assert pauses and set(pauses) == {0.01}
