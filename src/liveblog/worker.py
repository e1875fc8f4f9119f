"""The worker: what follows the event log outside requests (webhooks, Web Push).

It runs inside each server process by default (``LIVEBLOG_WORKER=inline``), or on its own
as ``liveblog worker`` when the servers say ``LIVEBLOG_WORKER=off``. Any number of
workers may run at once, on any number of nodes: ``actions.dispatch`` hands each event
over exactly once, and each job claims its own rows before working on them.

Two kinds of work, each in a thread (the database calls block):

- **dispatch**, woken by the bus when any blog has a new event (and every
  ``LIVEBLOG_POLL_SECONDS`` anyway, in case a wake-up was lost), hands new events to the
  handlers of ``actions.dispatch.HANDLERS``;
- **jobs** (``JOBS``), each a function that does a round of its work (deliver what is
  due) and says when it wants to run again; woken too whenever dispatch made new work
  (and, for a job ``on_bus`` such as the scheduler, at every wake-up of the bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from liveblog import webhooks
from liveblog.actions import drafts, scheduler
from liveblog.actions.dispatch import HANDLERS, Handler, dispatch
from liveblog.actions.pushing import send_notices
from liveblog.archive import archive_ended_blogs
from liveblog.site import Site

log = logging.getLogger("liveblog.worker")


@dataclass(frozen=True)
class Job:
    """``step(site)`` does one round of work and returns the seconds until it wants to run
    again: 0 when more is waiting, None to wait for new work (or the next poll)."""

    name: str
    step: Callable[[Site], float | None]
    # Also woken by every wake-up on the bus, not only when dispatch made new work: the
    # scheduler, whose schedule changes without an event (schedule.nudge).
    on_bus: bool = False


# The jobs every worker runs.
JOBS: tuple[Job, ...] = (
    Job("webhooks", webhooks.step),
    Job("push", send_notices),
    Job("archive", archive_ended_blogs),
    Job("scheduler", scheduler.step, on_bus=True),
    Job("drafts", drafts.prune_step),
)


@dataclass
class Worker:
    site: Site
    handlers: Sequence[Handler] = HANDLERS
    jobs: Sequence[Job] = JOBS
    # How long dispatch and each job wait for a wake-up before looking anyway
    # (LIVEBLOG_POLL_SECONDS when None).
    poll_seconds: float | None = None
    dispatched: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _wakes: dict[str, asyncio.Event] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _unsubscribe: Callable[[], None] | None = None
    _stopping: bool = False

    def start(self) -> None:
        """Starts dispatch and every job on the running loop; call ``stop`` to end them."""
        self._loop = asyncio.get_running_loop()
        if self.poll_seconds is None:
            self.poll_seconds = self.site.settings.poll_seconds
        self._wakes = {name: asyncio.Event() for name in ["dispatch", *self._job_names()]}
        self._unsubscribe = self.site.bus.subscribe(self._woken)
        self._tasks = [self._loop.create_task(self._run("dispatch", self._dispatch))]
        self._tasks += [self._loop.create_task(self._run(job.name, job.step)) for job in self.jobs]

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        # Python 3.11's wait_for can swallow a cancellation that comes as its wake-up is
        # set: the flag ends the loop anyway, at its next turn.
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def _job_names(self) -> list[str]:
        return [job.name for job in self.jobs]

    def _woken(self, _blog_id: int, _seq: int) -> None:
        # Called by the bus, from whichever thread committed the action.
        if self._loop is not None and not self._loop.is_closed():
            for name in ["dispatch", *(job.name for job in self.jobs if job.on_bus)]:
                with contextlib.suppress(RuntimeError):
                    self._loop.call_soon_threadsafe(self._wakes[name].set)

    def _dispatch(self, site: Site) -> float | None:
        done = dispatch(site, self.handlers)
        if done is None:
            return None
        self.dispatched += done.last - done.first + 1
        if done.jobs and self._loop is not None:
            for name in self._job_names():
                self._loop.call_soon_threadsafe(self._wakes[name].set)
        return 0

    async def _run(self, name: str, step: Callable[[Site], float | None]) -> None:
        wake = self._wakes[name]
        failures = 0
        while not self._stopping:
            wake.clear()
            try:
                again = await asyncio.to_thread(step, self.site)
                failures = 0
            except Exception:
                # The database is away, say: log it, and try again at the next poll.
                failures += 1
                log.exception("worker: %s failed (%d in a row)", name, failures)
                again = None
            if again == 0:
                await asyncio.sleep(0)
                continue
            poll = self.poll_seconds or self.site.settings.poll_seconds
            wait = poll if again is None else min(again, poll)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
