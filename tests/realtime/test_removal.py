"""Issue #9, removal and visibility are real: once a post is deleted or an edit replaces its
words, and once a blog is back in draft, no answer an anonymous reader can get carries what
is no longer public: not updates.json, not a stream's replay (from the log or from the
hub's recent events), not the page, the permalink or the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, restore_post
from liveblog.realtime.hub import Hub
from liveblog.realtime.protocol import find_hub
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.web.live import UPDATES_CACHE_CONTROL
from tests.conftest import Client
from tests.realtime.test_reader_state import View, fresh
from tests.servers import running_server
from tests.sse import Message, SSEClient
from tests.waiting import wait_until

FIRST, REPLACED = "Kittiwake", "Fulmar"  # the words a post had, and the ones an edit gave it


def publish(site: Site, words: str, slug: str = "live", **fields: Any) -> dict[str, Any]:
    body = {"elements": [{"type": "text", "markdown": words}]} | fields
    return create_post(site, SYSTEM, slug, NewPost.model_validate(body))


def reword(site: Site, post: dict[str, Any], words: str, slug: str = "live") -> dict[str, Any]:
    changes = PostChanges.model_validate({"elements": [{"type": "text", "markdown": words}]})
    return edit_post(site, SYSTEM, slug, post["id"], changes, post["version"])


def hub_of(server: Any) -> Hub:
    hub = find_hub(server.config.app)
    assert hub is not None
    return hub


def recent_bytes(hub: Hub) -> bytes:
    return b"".join(e.sse for channel in hub.channels.values() for e in channel.recent)


@pytest.fixture(autouse=True)
def blog(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Seabird count", slug="live"))


@pytest.fixture
def server(site: Site) -> Iterator[tuple[str, Hub]]:
    with running_server(site) as (url, uvicorn_server):
        yield url, hub_of(uvicorn_server)


def test_updates_json_forgets_replaced_words_and_deleted_posts(client: Client, site: Site) -> None:
    post = reword(site, publish(site, f"{FIRST} nests: 40."), f"{REPLACED} nests: 40.")
    for after in (0, 1, 2):
        assert FIRST not in client.get(f"/live/live/updates.json?after={after}").text
    body = client.get("/live/live/updates.json?after=0").json()
    assert [(e["seq"], e["kind"]) for e in body["events"]] == [
        (1, "blog.created"),
        (2, "post.published"),
        (3, "post.edited"),
    ]
    assert all(REPLACED in e["html"] for e in body["events"][1:])
    before = client.get("/live/live/updates.json?after=1")

    delete_post(site, SYSTEM, "live", post["id"])
    for after in (0, 1, 2, 3):
        response = client.get(f"/live/live/updates.json?after={after}")
        assert FIRST not in response.text and REPLACED not in response.text
    events = client.get("/live/live/updates.json?after=0").json()["events"]
    # Same seqs, no gap; what the post's events say is only that it is gone.
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    for event in events[1:]:
        assert event["kind"] == "post.deleted"
        assert set(event) == {"seq", "kind", "at", "v", "id"} and event["id"] == post["id"]
    # Still cacheable for a moment, but under a new tag: a cache revalidating its copy from
    # before the deletion gets the new body, not a 304.
    after = client.get("/live/live/updates.json?after=1", headers={"If-None-Match": "*"})
    assert after.headers["cache-control"] == UPDATES_CACHE_CONTROL
    assert after.headers["etag"] != before.headers["etag"]
    stale = client.get(
        "/live/live/updates.json?after=1", headers={"If-None-Match": before.headers["etag"]}
    )
    assert stale.status_code == 200 and REPLACED not in stale.text


def test_pages_permalink_and_api_forget_a_deleted_post(client: Client, site: Site) -> None:
    post = reword(site, publish(site, f"{FIRST} nests.", key_event=True), f"{REPLACED} nests.")
    page = client.get("/live/live").text
    assert REPLACED in page and FIRST not in page
    delete_post(site, SYSTEM, "live", post["id"])
    anonymous = [
        client.get("/live/live"),  # with its JSON-LD and key events
        client.get("/api/v1/blogs/live/posts"),
        client.get("/api/v1/blogs/live"),
        client.get("/api/v1/blogs"),
        client.get("/"),
    ]
    for response in anonymous:
        assert response.status_code == 200
        assert FIRST not in response.text and REPLACED not in response.text
    assert client.get(f"/live/live/posts/{post['id']}").status_code == 404
    assert client.get(f"/api/v1/blogs/live/posts/{post['id']}").status_code == 404


def test_an_old_publish_replayed_after_the_deletion_does_not_bring_the_post_back(
    client: Client, site: Site
) -> None:
    page = View.from_page(client.get("/live/live").text)  # a reader who loaded it at seq 1
    kept = publish(site, "Gannets: 12.")
    gone = reword(site, publish(site, f"{FIRST}: 3."), f"{REPLACED}: 3.")
    delete_post(site, SYSTEM, "live", gone["id"])
    for event in client.get(f"/live/live/updates.json?after={page.seq}").json()["events"]:
        page.apply(event)
        # Not even for a moment, between two events, does the page show the post again.
        shown = "".join(post.html + post.label for post in page.posts.values())
        assert FIRST not in shown and REPLACED not in shown
    assert set(page.posts) == {kept["id"]}
    assert page.rendered() == fresh(client.get("/live/live").text)


def _texts(messages: list[Message]) -> str:
    return "".join(m.data for m in messages)


def test_stream_replay_and_the_hubs_recent_events_forget(
    site: Site, server: tuple[str, Hub], client: Client
) -> None:
    url, hub = server
    keeper = SSEClient(url, "/live/live/events")  # keeps the channel (and its recent events)
    keeper.read_head()
    wait_until(lambda: hub.reader_count() == 1, what="the keeper to join the channel")
    post = publish(site, f"{FIRST} nests.")
    [live] = keeper.messages(1)
    assert FIRST in live.data  # what is public at that moment
    post = reword(site, post, f"{REPLACED} nests.")
    [edited] = keeper.messages(1)
    assert edited.event == "post.edited" and FIRST not in edited.data
    assert FIRST.encode() not in recent_bytes(hub)

    # Replays: from the hub's recent events (after 1) and from the log (after 0).
    from_recent = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "1"}).messages(2)
    from_log = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "0"}).messages(3)
    assert [m.id for m in from_recent] == ["2", "3"] and [m.id for m in from_log] == ["1", "2", "3"]
    assert FIRST not in _texts(from_recent) + _texts(from_log)

    delete_post(site, SYSTEM, "live", post["id"])
    [deleted] = keeper.messages(1)
    assert deleted.event == "post.deleted" and deleted.json["id"] == post["id"]
    for raw in (FIRST.encode(), REPLACED.encode()):
        assert raw not in recent_bytes(hub)
    from_recent = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "1"}).messages(3)
    from_log = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "0"}).messages(4)
    assert [m.id for m in from_recent] == ["2", "3", "4"]
    assert [m.id for m in from_log] == ["1", "2", "3", "4"]
    assert [m.event for m in from_recent] == ["post.deleted"] * 3
    replayed = _texts(from_recent) + _texts(from_log)
    assert FIRST not in replayed and REPLACED not in replayed
    # Memory and log say the same: the hub restated its recent events as the action did
    # the rows.
    polled = client.get("/live/live/updates.json?after=1").json()["events"]
    assert [m.json for m in from_recent] == polled

    restore_post(site, SYSTEM, "live", post["id"])
    [restored] = keeper.messages(1)
    assert restored.event == "post.restored" and REPLACED in restored.data


def test_a_blog_back_in_draft_ends_its_streams_and_every_answer_is_404(
    site: Site, server: tuple[str, Hub]
) -> None:
    url, hub = server
    publish(site, "Out in the open.")  # seq 2
    readers = [
        SSEClient(url, "/live/live/events"),
        SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "1"}),
    ]
    for reader in readers:
        assert reader.read_head() == 200
    wait_until(lambda: hub.reader_count() == 2, what="both readers to join the channel")
    update_blog(site, SYSTEM, "live", BlogChanges(status="draft"))  # seq 3
    publish(site, "Embargoed: Skua.")  # seq 4
    for reader in readers:
        assert reader.wait_closed(timeout=3), "the stream ends when the blog leaves public view"
        assert b"Skua" not in reader.buffer and b"blog.edited" not in reader.buffer
    assert hub.channels == {}
    for path in ("/live/live", "/live/live/updates.json?after=1", "/api/v1/blogs/live"):
        assert httpx.get(url + path).status_code == 404
    late = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "1"})
    assert late.read_head() == 404

    # Public again: a reader from before catches up with the log, the post from the draft
    # time included (it is public now), and nothing of the draft time is missing.
    update_blog(site, SYSTEM, "live", BlogChanges(status="live"))  # seq 5
    back = SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "2"}).messages(3)
    assert [m.id for m in back] == ["3", "4", "5"] and "Skua" in back[1].data


def test_new_streams_are_404_right_after_the_blog_goes_back_to_draft(
    site: Site, server: tuple[str, Hub]
) -> None:
    """The channel is still cached when the next reader arrives, but its refresh, woken by
    the commit, is already on its way: the new reader waits for it and gets a 404."""
    url, hub = server
    for _ in range(5):
        keeper = SSEClient(url, "/live/live/events")
        assert keeper.read_head() == 200
        wait_until(lambda: hub.reader_count() == 1, what="the keeper to join the channel")
        update_blog(site, SYSTEM, "live", BlogChanges(status="draft"))
        assert SSEClient(url, "/live/live/events").read_head() == 404
        assert keeper.wait_closed(timeout=3)
        update_blog(site, SYSTEM, "live", BlogChanges(status="live"))


def test_under_another_asgi_server_a_draft_ends_streams_too(site: Site) -> None:
    with running_server(site, protocol="httptools") as (url, uvicorn_server):
        hub = hub_of(uvicorn_server)
        reader = SSEClient(url, "/live/live/events")
        assert reader.read_head() == 200
        wait_until(lambda: hub.reader_count() == 1, what="the stream to join its channel")
        update_blog(site, SYSTEM, "live", BlogChanges(status="draft"))
        publish(site, "Embargoed: Skua.")
        # The response ends (its last chunk; the connection may stay open for the next).
        deadline = time.monotonic() + 3
        while not reader.buffer.endswith(b"0\r\n\r\n") and reader._fill(deadline):
            pass
        assert reader.buffer.endswith(b"0\r\n\r\n") or reader.closed
        assert b"Skua" not in reader.buffer
        assert SSEClient(url, "/live/live/events").read_head() == 404


def test_a_renamed_or_deleted_tag_is_in_no_replay(
    site: Site, server: tuple[str, Hub], client: Client
) -> None:
    """A tag's old name is no longer public once it is renamed, nor a tag once deleted:
    updates.json from the start, a stream's replay from the log and from the hub's
    recent events carry neither."""
    from liveblog.actions.tags import delete_tag, rename_tag
    from liveblog.schema import TagFields

    url, hub = server
    keeper = SSEClient(url, "/live/live/events")
    keeper.read_head()
    wait_until(lambda: hub.reader_count() == 1, what="the keeper to join the channel")
    publish(site, "Nests counted.", tags=["Puffinry", "Cliffs"])
    keeper.messages(1)
    rename_tag(site, SYSTEM, "live", "Puffinry", TagFields(name="Burrows"))
    [renamed] = keeper.messages(1)
    assert renamed.event == "post.edited" and "Burrows" in renamed.data
    delete_tag(site, SYSTEM, "live", "Cliffs")
    [untagged] = keeper.messages(1)
    assert "Cliffs" not in untagged.data
    polled = client.get("/live/live/updates.json?after=0").text
    from_log = _texts(
        SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "0"}).messages(4)
    )
    from_recent = _texts(
        SSEClient(url, "/live/live/events", headers={"Last-Event-ID": "1"}).messages(3)
    )
    for said in (polled, from_log, from_recent, recent_bytes(hub).decode()):
        assert "Burrows" in said
        assert "Puffinry" not in said and "Cliffs" not in said
