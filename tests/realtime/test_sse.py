"""The event stream against a real server: exact replay, resync, heartbeats, slow readers."""

from __future__ import annotations

import resource
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.events import prune_events
from liveblog.actions.posts import create_post, edit_post
from liveblog.realtime.hub import Hub
from liveblog.realtime.protocol import find_hub
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.settings import Settings
from liveblog.site import Site
from tests.servers import running_server
from tests.sse import SSEClient
from tests.waiting import wait_until


def publish(site: Site, text: str, slug: str = "live", **fields: Any) -> dict[str, Any]:
    return create_post(
        site,
        SYSTEM,
        slug,
        NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]} | fields),
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A thousand readers come from one address here; the per-address cap has its own test.
    return settings.with_changes(streams_per_address=0)


@pytest.fixture
def served(site: Site) -> Iterator[tuple[str, Hub]]:
    create_blog(site, SYSTEM, BlogFields(title="Live test", slug="live"))
    with running_server(site) as (url, uvicorn_server):
        hub = find_hub(uvicorn_server.config.app)
        assert hub is not None
        yield url, hub


@pytest.fixture
def server(served: tuple[str, Hub]) -> str:
    return served[0]


@pytest.fixture
def hub(served: tuple[str, Hub]) -> Hub:
    return served[1]


def test_a_publish_reaches_a_connected_reader_within_a_second(
    site: Site, server: str, hub: Hub
) -> None:
    reader = SSEClient(server, "/live/live/events")
    assert reader.read_head() == 200
    assert "text/event-stream" in reader.head and "no-store" in reader.head
    wait_until(lambda: hub.reader_count() == 1, what="the stream to join its channel")
    started = time.monotonic()
    post = publish(site, "Breaking.", title="Breaking")
    [message] = reader.messages(1, timeout=1)
    assert time.monotonic() - started < 1
    assert message.event == "post.published" and message.id == "2"
    data = message.json
    assert data["id"] == post["id"] and data["seq"] == 2
    assert (
        data["html"].startswith('<article class="post')
        and f'id="post-{post["id"]}"' in data["html"]
    )
    assert data["clock"] and data["label"] == "Breaking"
    reader.close()


def test_reconnect_with_last_event_id_gets_exactly_what_was_missed(site: Site, server: str) -> None:
    first = publish(site, "One.")
    reader = SSEClient(server, "/live/live/events?last_event_id=1")
    [seen] = reader.messages(1)
    assert seen.id == "2" and seen.json["id"] == first["id"]
    reader.close()

    made = [publish(site, f"Missed {n}.") for n in range(3)]
    edit_post(site, SYSTEM, "live", first["id"], PostChanges(title="Now headed"), 1)

    again = SSEClient(server, "/live/live/events", headers={"Last-Event-ID": "2"})
    missed = again.messages(5, timeout=2)
    assert [m.id for m in missed] == ["3", "4", "5", "6"]
    assert [m.event for m in missed] == ["post.published"] * 3 + ["post.edited"]
    assert [m.json["id"] for m in missed[:3]] == [p["id"] for p in made]
    # And the stream goes on live after the replay, with nothing doubled.
    later = publish(site, "After.")
    [live] = again.messages(1)
    assert live.id == "7" and live.json["id"] == later["id"]
    again.close()


def test_header_wins_over_query_and_retry_carries_jitter(site: Site, server: str) -> None:
    publish(site, "One.")
    publish(site, "Two.")  # seq 3
    reader = SSEClient(server, "/live/live/events?last_event_id=1", headers={"Last-Event-ID": "3"})
    reader.read_head()
    later = publish(site, "Three.")  # seq 4
    # The first event it gets is the next one: nothing after the query's 1 was replayed.
    [first] = reader.messages(1)
    assert first.id == "4" and first.json["id"] == later["id"]
    [retry] = reader.retries
    assert 2_000 <= retry <= 7_000
    reader.close()


@pytest.mark.parametrize("last_id,reason", [("99", "unknown seq"), ("1", "no longer holds")])
def test_too_old_or_unknown_seq_gets_resync(
    site: Site, server: str, last_id: str, reason: str
) -> None:
    for n in range(5):
        publish(site, f"Post {n}.")
    while dispatch(site) is not None:  # the worker's work: pruning keeps what it owes
        pass
    prune_events(site, keep=2)
    reader = SSEClient(server, "/live/live/events", headers={"Last-Event-ID": last_id})
    [message] = reader.messages(1)
    assert message.event == "resync" and reason in message.json["reason"]
    assert message.id == "6"
    reader.close()


def test_unknown_and_draft_blogs_are_404(site: Site, server: str) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Embargoed", slug="secret", status="draft"))
    for slug in ("nothing", "secret"):
        reader = SSEClient(server, f"/live/{slug}/events")
        assert reader.read_head() == 404
        reader.close()


def test_heartbeats_keep_idle_streams_alive(settings: Settings) -> None:
    site = Site.from_settings(settings.with_changes(heartbeat_seconds=0.2))
    create_blog(site, SYSTEM, BlogFields(title="Quiet", slug="live"))
    try:
        with running_server(site) as (url, _server):
            reader = SSEClient(url, "/live/live/events")
            reader.read_head()
            deadline = time.monotonic() + 3  # with the default 15 s, none would come
            while reader.buffer.count(b": heartbeat") < 2 and reader._fill(deadline):
                pass
            assert reader.buffer.count(b": heartbeat") >= 2
            reader.close()
    finally:
        site.db.dispose()


def test_ending_the_blog_is_an_event_and_shutdown_closes_streams(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Closing", slug="live"))
    with running_server(site) as (url, server):
        hub = find_hub(server.config.app)
        assert hub is not None
        reader = SSEClient(url, "/live/live/events")
        reader.read_head()
        wait_until(lambda: hub.reader_count() == 1, what="the stream to join its channel")
        update_blog(site, SYSTEM, "live", BlogChanges(status="ended"))
        [ended] = reader.messages(1)
        assert ended.event == "blog.ended" and ended.json["status"] == "ended"
        server.should_exit = True
        assert reader.wait_closed(timeout=5), "open streams close on shutdown"


def _drain_all(sockets: list[socket.socket], last_id: bytes, timeout: float) -> dict[int, bytes]:
    """Reads every socket until each has seen `last_id`, closed, or time ran out; returns
    the sockets that saw it. One thread, so a thousand readers cost no thousand threads."""
    selector = selectors.DefaultSelector()
    seen = {sock.fileno(): b"" for sock in sockets}
    complete: set[int] = set()
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    waiting = set(seen)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            chunk = sock.recv(1 << 20)
            fd = sock.fileno()
            # Keep only a short tail (an id line may straddle two reads), not megabytes.
            joined = seen[fd] + chunk
            seen[fd] = joined[-64:]
            if last_id in joined:
                complete.add(fd)
            if not chunk or fd in complete:
                waiting.discard(fd)
                selector.unregister(sock)
    selector.close()
    return {fd: seen[fd] for fd in complete}


def test_a_reader_that_never_reads_is_dropped_and_others_are_unaffected(
    site: Site, server: str, hub: Hub
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4096:
        pytest.skip(f"needs 4096 open files; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), hard))
    stuck = SSEClient(server, "/live/live/events", recv_buffer=4096)
    stuck.read_head()
    readers = [SSEClient(server, "/live/live/events") for _ in range(1000)]
    for reader in readers:
        reader.read_head()
    wait_until(lambda: hub.reader_count() == 1001, what="every stream to join its channel")
    big = "A long update with many words. " * 600  # about 18 KB of text per post
    count = 20
    done: dict[int, bytes] = {}
    drainer = threading.Thread(
        target=lambda: done.update(
            _drain_all([r.sock for r in readers], f"id: {count + 1}\n".encode(), timeout=60)
        )
    )
    drainer.start()
    for n in range(count):
        publish(site, f"{n}: {big}")
    drainer.join()
    assert len(done) == 1000, f"{1000 - len(done)} normal readers did not get every update"
    # The stuck reader's buffers filled and the server let it go, long before the end.
    stuck.sock.settimeout(5)
    total = 0
    while True:
        try:
            chunk = stuck.sock.recv(1 << 20)
        except OSError:
            break
        if not chunk:
            break
        total += len(chunk)
    assert total < count * 18_000, "the stuck reader was cut off before the end"


def test_other_asgi_servers_get_the_same_stream(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Plain ASGI", slug="live"))
    first = publish(site, "One.")
    with running_server(site, protocol="httptools") as (url, _server):
        reader = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "1"})
        assert reader.read_head() == 200 and "text/event-stream" in reader.head
        [replayed] = reader.messages(1)
        assert replayed.id == "2" and replayed.json["id"] == first["id"]
        later = publish(site, "Two.")
        [live] = reader.messages(1, timeout=2)
        assert live.id == "3" and live.json["id"] == later["id"]
        missing = SSEClient(url, "/live/nothing/events")
        assert missing.read_head() == 404
