"""Scheduling with `liveblog serve`, started as an operator starts it: a post scheduled a
few seconds ahead reaches a reader's stream on time although the server was stopped and
started again in between; one whose time passed while the server was down goes out as
soon as it is back; and three nodes sharing one PostgreSQL database publish it once."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.schema import BlogFields, NewPost
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import AuditEntry, Event, Post
from liveblog.storage.tables import utcnow
from tests.conftest import TEST_DATABASE
from tests.servers import Served, liveblog_serve, liveblog_worker, serve_env
from tests.sse import Message, SSEClient
from tests.waiting import wait_until

# The worker's own look at the log, wake-up or not, is far off: only the runner's sleep
# until the due time can publish on time.
SLOW_POLL = {"LIVEBLOG_POLL_SECONDS": "60"}


@pytest.fixture
def auth(make_user: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return {"Authorization": make_user("editor")["auth"]}


def call(served: Served, method: str, path: str, auth: dict[str, str], **kw: Any) -> Any:
    answer = httpx.request(method, served.url + path, headers=auth, timeout=30, **kw)
    assert answer.status_code < 300, answer.text
    return answer.json()


def schedule(served: Served, auth: dict[str, str], slug: str, at: datetime, words: str) -> str:
    body = {
        "elements": [{"type": "text", "markdown": words}],
        "status": "scheduled",
        "scheduled_at": at.isoformat(),
    }
    post = call(served, "POST", f"/api/v1/blogs/{slug}/posts", auth, json=body)
    assert post["status"] == "scheduled"
    return str(post["id"])


def start_blog(served: Served, auth: dict[str, str], slug: str) -> None:
    call(served, "POST", "/api/v1/blogs", auth, json={"title": slug.title(), "slug": slug})


def published(site: Site, public_id: str) -> datetime | None:
    with site.db.reading() as session:
        post = session.scalar(select(Post).where(Post.public_id == public_id))
        return post.published_at if post and post.status == "published" else None


def next_published(reader: SSEClient, timeout: float) -> tuple[Message, datetime]:
    """The next post.published on the stream, and when it arrived."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        for message in reader.messages(1, timeout=left):
            if message.event == "post.published":
                return message, utcnow()
    raise AssertionError("no post.published on the stream in time")


def test_a_post_scheduled_across_a_restart_reaches_readers_on_time(
    site: Site, settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    site.db.dispose()
    env = serve_env(settings, **SLOW_POLL)
    began = time.monotonic()
    with liveblog_serve(env, tmp_path) as served:
        # Far enough ahead for the restart below: 5 s, or more when a start takes long
        # (on two busy shared cores it can take ten).
        lead = max(5.0, 2 * (time.monotonic() - began) + 2)
        start_blog(served, auth, "count")
        due = utcnow() + timedelta(seconds=lead)
        public_id = schedule(served, auth, "count", due, "Polls have closed.")
    assert published(site, public_id) is None  # stopped: nothing in memory survives

    with liveblog_serve(env, tmp_path) as served:
        assert utcnow() < due, "the restart took longer than the schedule allowed"
        reader = SSEClient(served.url, "/live/count/events")
        assert reader.read_head() == 200
        wait = (due - utcnow()).total_seconds() + 10
        message, arrived = next_published(reader, timeout=wait)
    assert message.json["id"] == public_id
    late = (arrived - due).total_seconds()
    assert 0 <= late < 2, f"arrived {late:.2f} s after the time"
    print(f"scheduled {lead:.1f} s ahead, across a restart: on the stream {late:.2f} s late")
    stamped = published(site, public_id)
    assert stamped is not None and due <= stamped


def test_a_post_due_while_the_server_was_down_goes_out_when_it_starts(
    site: Site, settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    site.db.dispose()
    env = serve_env(settings, **SLOW_POLL)
    with liveblog_serve(env, tmp_path) as served:
        start_blog(served, auth, "count")
        due = utcnow() + timedelta(seconds=2)
        public_id = schedule(served, auth, "count", due, "Counting has begun.")
    wait_until(lambda: utcnow() > due + timedelta(seconds=1), timeout=10, what="the time to pass")
    assert published(site, public_id) is None
    with liveblog_serve(env, tmp_path):
        up = utcnow()
        wait_until(lambda: published(site, public_id) is not None, timeout=5, what="the publish")
    stamped = published(site, public_id)
    assert stamped is not None and (stamped - up).total_seconds() < 2


def test_three_nodes_publish_a_scheduled_post_once(
    site: Site, settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    if not TEST_DATABASE.startswith("postgresql"):
        pytest.skip("several nodes share PostgreSQL: this test runs in the PostgreSQL pass")
    site.db.dispose()
    env = serve_env(settings, **SLOW_POLL)
    with ExitStack() as stack:
        nodes = [stack.enter_context(liveblog_serve(env, tmp_path)) for _ in range(3)]
        start_blog(nodes[0], auth, "count")
        readers = [SSEClient(node.url, "/live/count/events") for node in nodes]
        for reader in readers:
            assert reader.read_head() == 200
        due = utcnow() + timedelta(seconds=3)
        first = schedule(nodes[1], auth, "count", due, "First results.")
        # Runners take due posts in time order: once this one is out, any second publish
        # of the first would have happened.
        last = schedule(nodes[2], auth, "count", due + timedelta(seconds=1), "Turnout.")
        for reader in readers:  # each node's reader, before the second is due
            message, arrived = next_published(reader, timeout=15)
            assert message.json["id"] == first
            late = (arrived - due).total_seconds()
            assert 0 <= late < 2, f"arrived {late:.2f} s after the time"
            print(f"three nodes: on a reader's stream {late:.2f} s late")
        for reader in readers:
            message, _ = next_published(reader, timeout=15)
            assert message.json["id"] == last
    with site.db.reading() as session:
        kinds = list(session.scalars(select(Event.kind).order_by(Event.seq)))
        audited = session.scalar(select(func.count()).where(AuditEntry.action == "post.published"))
    assert kinds == ["blog.created", "post.published", "post.published"]
    assert audited == 2


def test_worker_processes_at_once_publish_each_due_post_once(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Count", slug="count"))
    ahead = utcnow() + timedelta(hours=1)
    ids = []
    for n in range(10):
        post = NewPost.model_validate(
            {
                "elements": [{"type": "text", "markdown": f"Result {n}."}],
                "status": "scheduled",
                "scheduled_at": ahead,
            }
        )
        ids.append(create_post(site, SYSTEM, "count", post)["id"])
    with site.db.writing() as session:  # their time came while no worker ran
        session.execute(update(Post).values(scheduled_at=utcnow() - timedelta(seconds=1)))
    env = serve_env(settings, **SLOW_POLL)
    with ExitStack() as stack:
        workers = [liveblog_worker(env, tmp_path, f"worker-{n}") for n in range(3)]
        logs = [stack.enter_context(worker) for worker in workers]
        wait_until(lambda: all(published(site, i) for i in ids), timeout=60, what="every publish")
    with site.db.reading() as session:
        kinds = list(session.scalars(select(Event.kind).order_by(Event.seq)))
        audited = session.scalar(select(func.count()).where(AuditEntry.action == "post.published"))
    assert kinds == ["blog.created"] + ["post.published"] * 10
    assert audited == 10
    for log in logs:
        assert "Traceback" not in log.read_text()
