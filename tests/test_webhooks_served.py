"""Webhooks from `liveblog serve`, started as an operator starts it, to a real receiver
(tests/receiver.py) that checks every signature: each event arrives in seq order, signed,
with the payload the log holds; a receiver that was down gets everything it missed, in
order; and three nodes sharing one PostgreSQL database deliver each event once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from liveblog.realtime.log import events_after
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import Blog
from tests.conftest import TEST_DATABASE
from tests.receiver import Received, Receiver
from tests.servers import Served, liveblog_serve, serve_env
from tests.waiting import wait_until

# Quick retries, so that a receiver back up is caught up with in seconds; the worker looks
# at the log every second even without a wake-up.
FAST = {
    "LIVEBLOG_POLL_SECONDS": "1",
    "LIVEBLOG_WEBHOOK_RETRY_BASE_SECONDS": "0.5",
    "LIVEBLOG_WEBHOOK_RETRY_CAP_SECONDS": "2",
    "LIVEBLOG_WEBHOOK_TIMEOUT_SECONDS": "5",
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def admin(make_user: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return {"Authorization": make_user("admin")["auth"]}


def call(served: Served, method: str, path: str, auth: dict[str, str], **kw: Any) -> Any:
    answer = httpx.request(method, served.url + path, headers=auth, timeout=30, **kw)
    assert answer.status_code < 300, answer.text
    return answer.json()


def register(served: Served, admin: dict[str, str], receiver: Receiver) -> int:
    hook = call(served, "POST", "/api/v1/webhooks", admin, json={"url": receiver.url})
    receiver.secret = hook["secret"]
    return int(hook["id"])


def start_blog(served: Served, admin: dict[str, str], slug: str) -> None:
    call(served, "POST", "/api/v1/blogs", admin, json={"title": slug.title(), "slug": slug})


def publish(served: Served, admin: dict[str, str], slug: str, words: str) -> dict[str, Any]:
    body = {"elements": [{"type": "text", "markdown": words}]}
    post: dict[str, Any] = call(served, "POST", f"/api/v1/blogs/{slug}/posts", admin, json=body)
    return post


def log_of(site: Site, slug: str) -> list[Any]:
    with site.db.reading() as session:
        blog_id = session.scalar(select(Blog.id).where(Blog.slug == slug))
        assert blog_id is not None
        return events_after(session, blog_id, 0, 10_000)


def of_blog(received: list[Received], slug: str) -> list[Received]:
    return [r for r in received if r.json["data"]["blog"] == slug]


def same_as_logged(received: Received, event: Any) -> None:
    body = received.json
    assert received.signed, received.headers
    assert (body["type"], body["timestamp"]) == (event.kind, event.at)
    data = dict(body["data"])
    assert data.pop("seq") == event.seq
    data.pop("blog")
    assert data == event.payload


def wait_for(receiver: Receiver, count: int, timeout: float = 30) -> list[Received]:
    wait_until(
        lambda: len(receiver.snapshot()) >= count,
        timeout=timeout,
        what=f"{count} deliveries (got {len(receiver.snapshot())})",
    )
    return receiver.snapshot()


def test_publish_edit_delete_arrive_in_order_signed_as_the_log_says(
    site: Site, settings: Settings, tmp_path: Path, admin: dict[str, str], receiver: Receiver
) -> None:
    site.db.dispose()
    with liveblog_serve(serve_env(settings, **FAST), tmp_path) as served:
        register(served, admin, receiver)
        start_blog(served, admin, "rail")
        # After each change, what arrived is what the log says at that moment (a later
        # change restates earlier events: the log never outlives a removal).
        same_as_logged(wait_for(receiver, 1)[0], log_of(site, "rail")[0])
        post = publish(served, admin, "rail", "Trains stop at noon.")
        same_as_logged(wait_for(receiver, 2)[1], log_of(site, "rail")[1])
        path = f"/api/v1/blogs/rail/posts/{post['id']}"
        headers = admin | {"If-Match": str(post["version"])}
        call(served, "PATCH", path, headers, json={"title": "Strike on"})
        same_as_logged(wait_for(receiver, 3)[2], log_of(site, "rail")[2])
        call(served, "DELETE", path, admin)
        got = wait_for(receiver, 4)
        same_as_logged(got[3], log_of(site, "rail")[3])
        assert [r.json["type"] for r in got] == [
            "blog.created",
            "post.published",
            "post.edited",
            "post.deleted",
        ]
        assert [r.json["data"]["seq"] for r in got] == [1, 2, 3, 4]
        assert len({r.message_id for r in got}) == 4


def _down_then_back(
    site: Site,
    settings: Settings,
    tmp_path: Path,
    admin: dict[str, str],
    receiver: Receiver,
    down_seconds: float,
) -> None:
    site.db.dispose()
    with liveblog_serve(serve_env(settings, **FAST), tmp_path) as served:
        endpoint_id = register(served, admin, receiver)
        start_blog(served, admin, "flood")
        wait_for(receiver, 1)
        receiver.stop()
        went_down = time.monotonic()
        published = 0
        # Posts keep coming while the receiver is away, spread over the time it is down.
        while time.monotonic() - went_down < down_seconds:
            publish(served, admin, "flood", f"Water level, reading {published}.")
            published += 1
            time.sleep(min(5.0, down_seconds / 4))  # time passing is what this test is about
        page = call(served, "GET", f"/api/v1/webhooks/{endpoint_id}/deliveries", admin)
        tried = [d for d in page["deliveries"] if d["attempts"] and d["seq"] > 1]
        assert tried and all(d["last_error"] and d["status"] == "pending" for d in tried)
        receiver.start()
        got = wait_for(receiver, 1 + published, timeout=30)
        log = log_of(site, "flood")
        assert [r.json["data"]["seq"] for r in got] == [e.seq for e in log]
        for received, event in zip(got, log, strict=True):
            same_as_logged(received, event)
        assert len({r.message_id for r in got}) == len(got)
        page = call(served, "GET", f"/api/v1/webhooks/{endpoint_id}/deliveries", admin)
        assert {d["status"] for d in page["deliveries"]} == {"delivered"}


def test_a_receiver_down_for_a_while_gets_everything_it_missed_in_order(
    site: Site, settings: Settings, tmp_path: Path, admin: dict[str, str], receiver: Receiver
) -> None:
    _down_then_back(site, settings, tmp_path, admin, receiver, down_seconds=6)


@pytest.mark.heavy
def test_a_receiver_down_for_a_minute_gets_everything_it_missed_in_order(
    site: Site, settings: Settings, tmp_path: Path, admin: dict[str, str], receiver: Receiver
) -> None:
    _down_then_back(site, settings, tmp_path, admin, receiver, down_seconds=60)


def test_three_nodes_on_one_database_deliver_each_event_once(
    site: Site, settings: Settings, tmp_path: Path, admin: dict[str, str], receiver: Receiver
) -> None:
    if not TEST_DATABASE.startswith("postgresql"):
        pytest.skip("several nodes share PostgreSQL: this test runs in the PostgreSQL pass")
    site.db.dispose()
    env = serve_env(settings, **FAST)
    slugs = ["north", "south", "east"]
    with ExitStack() as stack:
        nodes = [stack.enter_context(liveblog_serve(env, tmp_path)) for _ in range(3)]
        register(nodes[0], admin, receiver)
        for n, slug in enumerate(slugs):
            start_blog(nodes[n], admin, slug)
        for n in range(30):
            publish(nodes[n % 3], admin, slugs[n % 3], f"Update {n}.")
        expected = len(slugs) * 11  # blog.created and ten posts each
        got = wait_for(receiver, expected, timeout=60)
        # One more, and once it is in, nothing beyond it came twice.
        publish(nodes[1], admin, "north", "Last one.")
        got = wait_for(receiver, expected + 1, timeout=30)
        ids = [r.message_id for r in got]
        assert len(ids) == len(set(ids)) == expected + 1
        assert all(r.signed for r in got)
        for slug in slugs:
            log = log_of(site, slug)
            arrived = of_blog(got, slug)
            assert [r.json["data"]["seq"] for r in arrived] == [e.seq for e in log]
            for received, event in zip(arrived, log, strict=True):
                same_as_logged(received, event)
