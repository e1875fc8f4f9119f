"""The event log is handed to the worker's handlers once per event, in seq order per blog,
however many dispatchers run at once (actions/dispatch.py, liveblog/worker.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.events import prune_events
from liveblog.actions.posts import create_post, delete_post
from liveblog.realtime.log import LiveEvent
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import Blog, DispatchCursor, Event
from liveblog.worker import Job, Worker


def new(text: str) -> NewPost:
    return NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]})


class Recorder:
    """A handler that notes what it was handed, as a webhook handler would note deliveries."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, str]] = []
        self.lock = threading.Lock()

    def __call__(self, _session: Session, blog: Blog, events: Sequence[LiveEvent]) -> int:
        with self.lock:
            self.seen += [(blog.id, event.seq, event.kind) for event in events]
        return len(events)

    def seqs(self, blog_id: int) -> list[int]:
        return [seq for blog, seq, _ in self.seen if blog == blog_id]


def blog(site: Site, slug: str) -> int:
    create_blog(site, SYSTEM, BlogFields(title=slug.title(), slug=slug))
    with site.db.reading() as session:
        return int(session.scalar(select(Blog.id).where(Blog.slug == slug)) or 0)


def drain(site: Site, handler: Recorder, batch: int = 200) -> int:
    rounds = 0
    while dispatch(site, [handler], batch) is not None:
        rounds += 1
    return rounds


def test_each_event_is_handed_over_once_in_order(site: Site) -> None:
    handler = Recorder()
    first, second = blog(site, "rail"), blog(site, "flood")
    for n in range(5):
        create_post(site, SYSTEM, "rail", new(f"Rail {n}."))
    create_post(site, SYSTEM, "flood", new("Water rising."))
    assert drain(site, handler, batch=2) == 4  # rail: 6 events in 3 rounds; flood: 2 in 1
    assert handler.seqs(first) == [1, 2, 3, 4, 5, 6]
    assert handler.seqs(second) == [1, 2]
    assert dispatch(site, [handler]) is None
    create_post(site, SYSTEM, "rail", new("Rail 5."))
    done = dispatch(site, [handler])
    assert done is not None and (done.blog_id, done.first, done.last, done.jobs) == (first, 7, 7, 1)
    assert handler.seqs(first) == list(range(1, 8))


def test_a_post_deleted_before_it_is_handed_over_arrives_as_a_tombstone(site: Site) -> None:
    handler = Recorder()
    blog(site, "rail")
    post = create_post(site, SYSTEM, "rail", new("Said too soon."))
    delete_post(site, SYSTEM, "rail", post["id"])
    drain(site, handler)
    assert [kind for _, _, kind in handler.seen] == ["blog.created", "post.deleted", "post.deleted"]


def test_a_pruned_log_moves_the_cursor_past_what_is_gone(site: Site) -> None:
    handler = Recorder()
    blog_id = blog(site, "rail")
    create_post(site, SYSTEM, "rail", new("One."))
    with site.db.writing() as session:
        session.execute(delete(Event).where(Event.blog_id == blog_id))
    assert dispatch(site, [handler]) is not None
    assert handler.seen == []
    with site.db.reading() as session:
        cursor = session.get_one(DispatchCursor, blog_id)
        assert cursor.seq == 2


def test_pruning_keeps_the_events_not_handed_over_yet(site: Site) -> None:
    handler = Recorder()
    blog_id = blog(site, "rail")
    drain(site, handler)
    for n in range(5):
        create_post(site, SYSTEM, "rail", new(f"Update {n}."))
    # The worker has handed over seq 1 only: the five posts' events are owed to it.
    assert prune_events(site, keep=1) == 1
    drain(site, handler)
    assert handler.seqs(blog_id) == list(range(1, 7))
    assert prune_events(site, keep=1) == 4


def test_a_blog_whose_handler_fails_does_not_keep_the_others_waiting(site: Site) -> None:
    handler = Recorder()
    first, second = blog(site, "alpha"), blog(site, "beta")

    def failing(session: Session, blog: Blog, events: Sequence[LiveEvent]) -> int:
        if blog.id == first:
            raise RuntimeError("the handler broke")
        return handler(session, blog, events)

    for _ in range(2):
        create_post(site, SYSTEM, "beta", new("More."))
        with pytest.raises(RuntimeError):
            dispatch(site, [failing])
        done = dispatch(site, [failing])
        assert done is not None and done.blog_id == second
    assert handler.seqs(second) == [1, 2, 3]
    assert handler.seqs(first) == []  # rolled back: to be handed over again
    assert dispatch(site, [handler]) is not None
    assert handler.seqs(first) == [1]


def test_dispatchers_running_at_once_hand_each_event_over_once(site: Site) -> None:
    handler = Recorder()
    ids = [blog(site, f"blog{n}") for n in range(4)]
    for n in range(40):
        create_post(site, SYSTEM, f"blog{n % 4}", new(f"Update {n}."))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            drain(site, handler, batch=3)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for blog_id in ids:
        assert handler.seqs(blog_id) == list(range(1, 12))


def test_the_worker_hands_a_new_event_over_when_the_bus_wakes_it(site: Site) -> None:
    handler = Recorder()
    rounds: list[int] = []

    def job(_site: Site) -> float | None:
        rounds.append(len(handler.seen))
        return None

    blog_id = blog(site, "rail")

    async def scenario() -> None:
        # Polling alone would take 30 s: only the bus's wake-up is this quick.
        worker = Worker(site, [handler], [Job("test", job)], poll_seconds=30)
        worker.start()
        try:
            await until(lambda: handler.seqs(blog_id) == [1])
            await asyncio.to_thread(create_post, site, SYSTEM, "rail", new("Now."))
            await until(lambda: handler.seqs(blog_id) == [1, 2])
            # The job ran after each dispatch that made work, and saw it.
            await until(lambda: rounds and rounds[-1] == 2)
        finally:
            await worker.stop()
        assert worker.dispatched == 2

    asyncio.run(scenario())


async def until(check: Callable[[], object], timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "not in time"
        await asyncio.sleep(0.01)
