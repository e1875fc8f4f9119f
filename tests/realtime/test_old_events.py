"""An event stored by older code (an older payload version, or a card rendered by an older
template) replays as the current event: through updates.json, and through a stream's
replay from the log and from the hub's memory (docs/real-time.md, "Events: the contract")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post, set_pinned
from liveblog.events import CARD_CONTENT, PostState
from liveblog.render.cards import CARD_STAMP
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import Event
from tests.conftest import Client
from tests.servers import running_server
from tests.sse import SSEClient

OLD_CARD = '<article class="post">as an older template drew it</article>'
# What a post-state event's data said before events were versioned (schema version 1).
VERSION_1_FIELDS = (
    *("id", "title", "label", "key_event", "summary", "pinned", "status", "published_at"),
    *("updated_at", "version", "url", "html", "clock", "replaces"),
)


def as_version_1(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k in VERSION_1_FIELDS} | {"html": OLD_CARD}


def with_older_template(payload: dict[str, Any]) -> dict[str, Any]:
    return payload | {"html": OLD_CARD, "card": "0.000000000000", "clock": "00:00 XYZ"}


def stored(site: Site, seq: int) -> Event:
    with site.db.reading() as session:
        row = session.scalar(select(Event).where(Event.seq == seq))
        assert row is not None
        session.expunge(row)
        return row


def store_as_older_code_did(site: Site, seq: int, payload: dict[str, Any]) -> None:
    """A Core UPDATE: the check of what this code writes (tests/conftest.py) does not see it."""
    with site.db.writing() as session:
        session.execute(update(Event).where(Event.seq == seq).values(payload=payload))


@pytest.fixture
def pinned_post(site: Site) -> dict[str, Any]:
    """A blog whose last event (seq 3) pins a post with a headline, a byline and sources."""
    create_blog(site, SYSTEM, BlogFields(title="Harbour", slug="live", timezone="Europe/Oslo"))
    body = {
        "title": "Ferry cancelled",
        "elements": [{"type": "text", "markdown": "The *evening* ferry is cancelled."}],
        "sources": ["Harbour office"],
        "authors": ["Ane Lund"],
        "verification": "confirmed",
    }
    post = create_post(site, SYSTEM, "live", NewPost.model_validate(body))
    set_pinned(site, SYSTEM, "live", post["id"], True)
    return post


OLDER = {"an older payload version": as_version_1, "an older card template": with_older_template}


@pytest.mark.parametrize("older", OLDER.values(), ids=OLDER.keys())
def test_an_old_event_replays_with_the_current_card(
    site: Site,
    client: Client,
    pinned_post: dict[str, Any],
    older: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    now = {seq: stored(site, seq).payload for seq in (2, 3)}
    for seq, payload in now.items():
        store_as_older_code_did(site, seq, older(payload))
    assert all(stored(site, seq).payload["html"] == OLD_CARD for seq in now)

    # updates.json
    events = client.get("/live/live/updates.json?after=1").json()["events"]
    assert [(e["seq"], e["kind"]) for e in events] == [(2, "post.published"), (3, "post.pinned")]
    for event in events:
        expected = {k: v for k, v in now[event["seq"]].items() if k not in CARD_CONTENT}
        assert {k: v for k, v in event.items() if k not in ("seq", "kind", "at")} == expected
        assert event["html"] != OLD_CARD and "Ferry cancelled" in event["html"]
        assert event["v"] == PostState.schema_version() and event["card"] == CARD_STAMP
    assert events[1]["replaces"] is None

    # The stream: its replay from the log, then (a second reader) from the hub's memory.
    with running_server(site) as (url, _server):
        for _ in range(2):
            reader = SSEClient(url, "/live/live/events?last_event_id=1")
            replayed = reader.messages(2)
            assert [m.json for m in replayed] == events
            assert [m.event for m in replayed] == ["post.published", "post.pinned"]
            reader.close()
