"""Write actions say which addresses caches in front must forget (issue #9, point 2)."""

from __future__ import annotations

from typing import Any

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, set_pinned
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from tests.conftest import Client

BASE = "http://testserver"


def post(site: Site, words: str, **fields: Any) -> dict[str, Any]:
    body = {"elements": [{"type": "text", "markdown": words}]} | fields
    return create_post(site, SYSTEM, "tide", NewPost.model_validate(body))


def test_a_deletion_names_the_pages_the_permalink_updates_and_the_api(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Tide", slug="tide"))
    posts = [post(site, f"Reading {n}.") for n in range(21)]  # two pages of 20
    assert f"{BASE}/live/tide?page=3" in posts[-1]["purge"]  # room for the page to come
    gone = delete_post(site, SYSTEM, "tide", posts[0]["id"])
    page = f"{BASE}/live/tide"
    assert gone["purge"] == [
        f"{BASE}/",
        page,
        f"{page}?page=2",  # now empty: one page of 20 is left
        f"{page}/posts/{posts[0]['id']}",
        f"{page}/updates.json",
        f"{page}/feed.atom",
        f"{page}/feed.json",
        f"{page}/key-events.atom",
        f"{page}/key-events.json",
        f"{page}/embed",
        f"{page}/posts/{posts[0]['id']}/embed",
        f"{BASE}/api/v1/blogs",
        f"{BASE}/api/v1/blogs/tide",
        f"{BASE}/api/v1/blogs/tide/posts",
        f"{BASE}/api/v1/blogs/tide/posts/{posts[0]['id']}",
    ]
    # Deleting it again changes nothing readers see: nothing to purge.
    assert delete_post(site, SYSTEM, "tide", posts[0]["id"])["purge"] == []


def test_changes_readers_cannot_see_purge_nothing(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Tide", slug="tide"))
    draft = post(site, "Not yet.", status="draft")
    assert draft["purge"] == []
    assert edit_post(site, SYSTEM, "tide", draft["id"], PostChanges(title="Soon"), 1)["purge"] == []
    assert update_blog(site, SYSTEM, "tide", BlogChanges(title="Tide"))["purge"] == []


def test_a_pin_an_edit_and_a_blog_going_to_draft_name_their_pages(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Tide", slug="tide"))
    first = post(site, "High water at 14:02.")
    pinned = set_pinned(site, SYSTEM, "tide", first["id"], True)
    assert f"{BASE}/live/tide" in pinned["purge"]
    edited = edit_post(site, SYSTEM, "tide", first["id"], PostChanges(title="High water"), 1)
    assert f"{BASE}/live/tide/posts/{first['id']}" in edited["purge"]
    hidden = update_blog(site, SYSTEM, "tide", BlogChanges(status="draft"))
    assert f"{BASE}/live/tide" in hidden["purge"] and f"{BASE}/" in hidden["purge"]
    assert f"{BASE}/live/tide/updates.json" in hidden["purge"]


def test_the_api_returns_what_to_purge(client: Client, editor: dict[str, str]) -> None:
    client.post("/api/v1/blogs", json={"title": "Tide", "slug": "tide"}, headers=editor)
    made = client.post(
        "/api/v1/blogs/tide/posts",
        json={"elements": [{"type": "text", "markdown": "Ebb."}]},
        headers=editor,
    ).json()
    deleted = client.delete(f"/api/v1/blogs/tide/posts/{made['id']}", headers=editor).json()
    assert f"http://testserver/live/tide/posts/{made['id']}" in deleted["purge"]
    assert "purge" not in client.get("/api/v1/blogs/tide").json()  # reads carry none
