"""The table of tests/authz_table.py through the JSON API (bearer tokens) and through the
desk (a login session and its form token): allowed is 2xx/3xx; refused is 401/403/404 with
a message (the desk sends anonymous people to its login page), and the database is as it
was before."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import update_blog
from liveblog.actions.users import start_session
from liveblog.app import create_app
from liveblog.schema import BlogChanges
from liveblog.site import Site
from liveblog.storage.tables import utcnow
from liveblog.web.auth import SESSION_COOKIE
from tests.actions.test_authorization_table import people, shared_site  # noqa: F401
from tests.authz_table import CASES, TABLE, People, Scene, make_scene, snapshot
from tests.conftest import Client, text_post

Request = Callable[[Scene, People, str], tuple[str, str, dict[str, Any]]]
# A time to schedule at: well within the coming year, in any blog's time zone.
AHEAD = utcnow() + timedelta(days=30)


def _patch(field: str, value: Any, target: str = "draft") -> Request:
    def build(s: Scene, p: People, who: str) -> tuple[str, str, dict[str, Any]]:
        post = s.draft_for(who) if target == "draft" else s.published
        return (
            "PATCH",
            f"/api/v1/blogs/{s.slug}/posts/{post}",
            {"json": {field: value}, "headers": {"If-Match": "1"}},
        )

    return build


API: dict[str, Request] = {
    "create_blog": lambda s, p, who: ("POST", "/api/v1/blogs", {"json": {"title": "New one"}}),
    "change_blog_status": lambda s, p, who: (
        "PATCH",
        f"/api/v1/blogs/{s.slug}",
        {"json": {"status": "ended"}},
    ),
    "change_blog_framing": lambda s, p, who: (
        "PATCH",
        f"/api/v1/blogs/{s.slug}",
        {"json": {"frame_ancestors": "https://partner.example"}},
    ),
    "read_draft": lambda s, p, who: ("GET", f"/api/v1/blogs/{s.slug}/posts/{s.draft_for(who)}", {}),
    "see_draft_blog": lambda s, p, who: ("GET", f"/api/v1/blogs/{s.slug}", {}),
    "see_readers": lambda s, p, who: ("GET", f"/api/v1/blogs/{s.slug}/readers", {}),
    "create_draft": lambda s, p, who: (
        "POST",
        f"/api/v1/blogs/{s.slug}/posts",
        {"json": text_post("Draft.", status="draft")},
    ),
    "publish_new": lambda s, p, who: (
        "POST",
        f"/api/v1/blogs/{s.slug}/posts",
        {"json": text_post("News.")},
    ),
    "edit_draft": _patch("title", "Changed"),
    "submit_for_review": _patch("status", "submitted"),
    "publish_draft": _patch("status", "published"),
    "schedule_draft": lambda s, p, who: (
        "PATCH",
        f"/api/v1/blogs/{s.slug}/posts/{s.draft_for(who)}",
        {
            "json": {"status": "scheduled", "scheduled_at": AHEAD.isoformat()},
            "headers": {"If-Match": "1"},
        },
    ),
    "edit_published": _patch("title", "Changed", "published"),
    "flag_summary": _patch("summary", True, "published"),
    "flag_key_event": _patch("key_event", True, "published"),
    "delete_post": lambda s, p, who: ("DELETE", f"/api/v1/blogs/{s.slug}/posts/{s.published}", {}),
    "restore_post": lambda s, p, who: (
        "POST",
        f"/api/v1/blogs/{s.slug}/posts/{s.deleted}/restore",
        {},
    ),
    "pin_post": lambda s, p, who: ("POST", f"/api/v1/blogs/{s.slug}/posts/{s.published}/pin", {}),
    "unpin_post": lambda s, p, who: ("POST", f"/api/v1/blogs/{s.slug}/posts/{s.pinned}/unpin", {}),
    "see_webhooks": lambda s, p, who: ("GET", f"/api/v1/webhooks/{p.webhook}/deliveries", {}),
    "manage_webhooks": lambda s, p, who: (
        "POST",
        "/api/v1/webhooks",
        {"json": {"url": "https://partner.example/api"}},
    ),
    "see_tags": lambda s, p, who: ("GET", f"/api/v1/blogs/{s.slug}/tags", {}),
    "add_tag": lambda s, p, who: (
        "POST",
        f"/api/v1/blogs/{s.slug}/tags",
        {"json": {"name": "Fresh"}},
    ),
    "rename_tag": lambda s, p, who: (
        "PATCH",
        f"/api/v1/blogs/{s.slug}/tags/scene",
        {"json": {"name": "Renamed"}},
    ),
    "delete_tag": lambda s, p, who: ("DELETE", f"/api/v1/blogs/{s.slug}/tags/scene", {}),
}


def _form(path: str, **fields: str) -> Request:
    def build(s: Scene, p: People, who: str) -> tuple[str, str, dict[str, Any]]:
        values = {k: v.format(s=s, p=p, draft=s.draft_for(who)) for k, v in fields.items()}
        return "POST", path.format(s=s, p=p, draft=s.draft_for(who)), {"data": values}

    return build


def _post_form(words: str, **fields: str) -> dict[str, str]:
    return {
        "elements": "1",
        "el-0-type": "text",
        "el-0-markdown": words,
        "action": "publish",
    } | fields


DESK: dict[str, Request] = {
    "create_blog": _form("/editor/blogs", title="New one", timezone="Europe/London"),
    "change_blog_status": _form("/editor/blogs/{s.slug}/status", status="ended"),
    "change_blog_framing": _form(
        "/editor/blogs/{s.slug}/embeds", frame_ancestors="https://partner.example"
    ),
    "read_draft": lambda s, p, who: ("GET", f"/editor/blogs/{s.slug}/posts/{s.draft_for(who)}", {}),
    "see_draft_blog": lambda s, p, who: ("GET", f"/editor/blogs/{s.slug}", {}),
    "see_readers": lambda s, p, who: ("GET", f"/editor/blogs/{s.slug}/readers", {}),
    "create_draft": _form("/editor/blogs/{s.slug}/posts", **_post_form("Draft.", action="draft")),
    "publish_new": _form("/editor/blogs/{s.slug}/posts", **_post_form("News.")),
    "edit_draft": _form(
        "/editor/blogs/{s.slug}/posts/{draft}", **_post_form("Changed", action="save", version="1")
    ),
    "submit_for_review": _form(
        "/editor/blogs/{s.slug}/posts/{draft}",
        **_post_form("Changed", action="submit", version="1"),
    ),
    "publish_draft": _form(
        "/editor/blogs/{s.slug}/posts/{draft}", **_post_form("Changed", version="1")
    ),
    "schedule_draft": _form(
        "/editor/blogs/{s.slug}/posts/{draft}",
        **_post_form(
            "Changed", action="schedule", version="1", scheduled_at=f"{AHEAD:%Y-%m-%dT%H:%M}"
        ),
    ),
    "edit_published": _form(
        "/editor/blogs/{s.slug}/posts/{s.published}",
        **_post_form("Changed", action="save", version="1"),
    ),
    "flag_summary": _form(
        "/editor/blogs/{s.slug}/posts/{s.published}",
        **_post_form("Published.", action="save", version="1", summary="on"),
    ),
    "delete_post": _form("/editor/blogs/{s.slug}/posts/{s.published}/delete"),
    "restore_post": _form("/editor/blogs/{s.slug}/posts/{s.deleted}/restore"),
    "pin_post": _form("/editor/blogs/{s.slug}/posts/{s.published}/pin"),
    "unpin_post": _form("/editor/blogs/{s.slug}/posts/{s.pinned}/unpin"),
    "flag_key_event": _form("/editor/blogs/{s.slug}/posts/{s.published}/key-event"),
    "manage_team": _form(
        "/editor/blogs/{s.slug}/team", email="{p.emails[outsider]}", role="editor"
    ),
    "see_team": lambda s, p, who: ("GET", f"/editor/blogs/{s.slug}/team", {}),
    "see_people": lambda s, p, who: ("GET", f"/editor/people/{p.victim}", {}),
    "manage_people": _form("/editor/people/{p.victim}/role", role="editor"),
    "revoke_tokens": _form("/editor/people/{p.victim}/tokens/{p.victim_token}/revoke"),
    "see_webhooks": lambda s, p, who: ("GET", f"/editor/webhooks/{p.webhook}", {}),
    "manage_webhooks": _form("/editor/webhooks", url="https://partner.example/desk"),
    "see_tags": lambda s, p, who: ("GET", f"/editor/blogs/{s.slug}/tags", {}),
    "add_tag": _form("/editor/blogs/{s.slug}/tags", name="Fresh"),
    "rename_tag": _form("/editor/blogs/{s.slug}/tags/scene/rename", name="Renamed"),
    "delete_tag": _form("/editor/blogs/{s.slug}/tags/scene/delete"),
}


@pytest.fixture(scope="module")
def http(shared_site: Site) -> Iterator[tuple[Client, httpx.AsyncClient]]:  # noqa: F811
    app = create_app(site=shared_site)
    with start_blocking_portal() as portal:
        inner = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        yield Client(portal, inner), inner
        portal.call(inner.aclose)


@pytest.fixture(scope="module")
def cookies(shared_site: Site, people: People) -> dict[str, str]:  # noqa: F811
    found = {}
    for persona, actor in people.actors.items():
        if actor is not None:
            found[persona] = start_session(shared_site, actor)
    return found


def _refused(response: httpx.Response, anonymous_desk: bool) -> None:
    if anonymous_desk:
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/editor/login")
        return
    assert response.status_code in (401, 403, 404), (response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        assert response.json()["detail"]
    else:
        assert "<" in response.text and len(response.text) > 50


@pytest.mark.parametrize(("action", "persona"), CASES)
def test_api(
    shared_site: Site,  # noqa: F811
    people: People,  # noqa: F811
    http: tuple[Client, httpx.AsyncClient],
    action: str,
    persona: str,
) -> None:
    client, inner = http
    inner.cookies.clear()
    expected = TABLE[action][persona]
    scene = make_scene(shared_site, people)
    if action in ("see_draft_blog", "see_readers"):
        update_blog(shared_site, SYSTEM, scene.slug, BlogChanges(status="draft"))
    token = people.tokens.get(persona)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if action == "list_drafts":
        response = client.get(
            f"/api/v1/blogs/{scene.slug}/posts?status=draft&per_page=100", headers=headers
        )
        _check_list(response, expected, scene, [p["id"] for p in response.json().get("posts", [])])
        return
    if action not in API:
        pytest.skip(f"the API has no address for {action}; the desk has")
    method, url, kwargs = API[action](scene, people, persona)
    kwargs["headers"] = kwargs.get("headers", {}) | headers
    before = snapshot(shared_site)
    response = client.request(method, url, **kwargs)
    if expected == "Y":
        assert response.status_code < 400, response.text
    else:
        _refused(response, anonymous_desk=False)
        assert snapshot(shared_site) == before


@pytest.mark.parametrize(("action", "persona"), CASES)
def test_desk(
    shared_site: Site,  # noqa: F811
    people: People,  # noqa: F811
    http: tuple[Client, httpx.AsyncClient],
    cookies: dict[str, str],
    action: str,
    persona: str,
) -> None:
    client, inner = http
    inner.cookies.clear()
    expected = TABLE[action][persona]
    scene = make_scene(shared_site, people)
    if action in ("see_draft_blog", "see_readers"):
        update_blog(shared_site, SYSTEM, scene.slug, BlogChanges(status="draft"))
    anonymous = persona == "anonymous"
    csrf = ""
    if not anonymous:
        inner.cookies.set(SESSION_COOKIE, cookies[persona])
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/editor").text)
        assert found
        csrf = found.group(1)
    if action == "list_drafts":
        response = client.get(f"/editor/blogs/{scene.slug}?view=drafts")
        shown = re.findall(r'id="post-([a-z0-9]+)"', response.text)
        _check_list(response, expected, scene, shown, anonymous_desk=anonymous)
        return
    if action not in DESK:
        pytest.skip(f"the desk has no single address for {action}")
    method, url, kwargs = DESK[action](scene, people, persona)
    if "data" in kwargs:
        kwargs["data"] = kwargs["data"] | {"csrf": csrf}
    before = snapshot(shared_site)
    response = client.request(method, url, **kwargs)
    if action == "see_draft_blog" and not anonymous:
        listed = f'href="/editor/blogs/{scene.slug}"' in client.get("/editor").text
        assert listed == (expected == "Y")
    if expected == "Y":
        assert response.status_code < 400, response.text[:500]
        if response.status_code == 303:
            assert "/login" not in response.headers["location"]
    else:
        _refused(response, anonymous_desk=anonymous)
        assert snapshot(shared_site) == before


def _check_list(
    response: httpx.Response,
    expected: str,
    scene: Scene,
    shown: list[str],
    anonymous_desk: bool = False,
) -> None:
    if expected == "N":
        _refused(response, anonymous_desk)
        return
    assert response.status_code == 200, response.text[:300]
    drafts = set(scene.drafts.values())
    if expected == "all":
        assert drafts <= set(shown)
    else:
        assert set(shown) & drafts == {scene.drafts["member"]}
