"""The polling endpoint: the same events as the stream, cacheable by a CDN."""

from __future__ import annotations

from typing import Any

import pytest

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.events import prune_events
from liveblog.actions.posts import create_post, delete_post
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.web.live import UPDATES_CACHE_CONTROL
from tests.conftest import Client


def publish(site: Site, text: str) -> dict[str, Any]:
    return create_post(
        site,
        SYSTEM,
        "live",
        NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]}),
    )


@pytest.fixture(autouse=True)
def blog(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Polling", slug="live"))


def test_events_after_a_seq(client: Client, site: Site) -> None:
    first = publish(site, "One.")
    second = publish(site, "Two.")
    delete_post(site, SYSTEM, "live", first["id"])
    body = client.get("/live/live/updates.json?after=2").json()
    assert body["last_seq"] == 4 and body["resync"] is None
    assert [(e["seq"], e["kind"]) for e in body["events"]] == [
        (3, "post.published"),
        (4, "post.deleted"),
    ]
    assert body["events"][0]["id"] == second["id"] and "<article" in body["events"][0]["html"]
    assert client.get("/live/live/updates.json?after=4").json()["events"] == []
    assert client.get("/live/live/updates.json").json() == {
        "last_seq": 4,
        "events": [],
        "resync": None,
    }


def test_cache_headers_etag_and_304(client: Client, site: Site) -> None:
    publish(site, "One.")
    response = client.get("/live/live/updates.json?after=2")
    assert response.headers["cache-control"] == UPDATES_CACHE_CONTROL
    etag = response.headers["etag"]
    again = client.get("/live/live/updates.json?after=2", headers={"If-None-Match": etag})
    assert again.status_code == 304
    publish(site, "Two.")
    changed = client.get("/live/live/updates.json?after=2", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and len(changed.json()["events"]) == 1


def test_too_old_or_unknown_after_gets_resync(client: Client, site: Site) -> None:
    for n in range(4):
        publish(site, f"P{n}.")
    while dispatch(site) is not None:  # the worker's work: pruning keeps what it owes
        pass
    prune_events(site, keep=2)
    assert "no longer holds" in client.get("/live/live/updates.json?after=1").json()["resync"]
    assert "unknown" in client.get("/live/live/updates.json?after=40").json()["resync"]
    assert client.get("/live/live/updates.json?after=3").json()["resync"] is None


def test_bad_requests(client: Client) -> None:
    assert client.get("/live/nothing/updates.json?after=1").status_code == 404
    assert client.get("/live/live/updates.json?after=-1").status_code == 422
    assert client.get("/live/live/updates.json?after=x").status_code == 422
