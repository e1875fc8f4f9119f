"""The JSON API as an integrator uses it: tokens, roles, versions, and clear 4xx errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import set_membership
from liveblog.site import Site
from tests.conftest import Client, text_post

Json = dict[str, Any]


def test_blog_and_post_lifecycle(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    blog = new_blog(title="Budget day", slug="budget")
    assert blog["url"].endswith("/live/budget")
    made = client.post(
        "/api/v1/blogs/budget/posts",
        headers=editor,
        json=text_post(
            "The speech starts at noon.",
            title="Speech at noon",
            key_event=True,
            sources=["Treasury"],
        ),
    )
    assert made.status_code == 201 and made.headers["etag"] == '"1"'
    post = made.json()
    assert post["status"] == "published" and post["key_event"] and post["sources"] == ["Treasury"]

    listed = client.get("/api/v1/blogs/budget/posts").json()
    assert [p["id"] for p in listed["posts"]] == [post["id"]] and listed["total"] == 1

    got = client.get(f"/api/v1/blogs/budget/posts/{post['id']}")
    assert got.status_code == 200 and got.json()["body_html"].startswith("<p>")

    patched = client.patch(
        f"/api/v1/blogs/budget/posts/{post['id']}",
        headers=editor | {"If-Match": '"1"'},
        json={"verification": "confirmed"},
    )
    assert patched.status_code == 200 and patched.headers["etag"] == '"2"'

    assert (
        client.post(f"/api/v1/blogs/budget/posts/{post['id']}/pin", headers=editor).json()["pinned"]
        is True
    )
    assert client.get("/api/v1/blogs/budget").json()["pinned_post"] == post["id"]
    assert (
        client.post(f"/api/v1/blogs/budget/posts/{post['id']}/unpin", headers=editor).json()[
            "pinned"
        ]
        is False
    )

    deleted = client.delete(f"/api/v1/blogs/budget/posts/{post['id']}", headers=editor)
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted"
    assert client.get(f"/api/v1/blogs/budget/posts/{post['id']}").status_code == 404
    assert (
        client.get("/api/v1/blogs/budget/posts?status=deleted", headers=editor).json()["total"] == 1
    )
    restored = client.post(f"/api/v1/blogs/budget/posts/{post['id']}/restore", headers=editor)
    assert restored.json()["status"] == "published"

    ended = client.patch("/api/v1/blogs/budget", headers=editor, json={"status": "ended"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"


def test_stale_if_match_gets_412_and_changes_nothing(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="b")
    post = client.post("/api/v1/blogs/b/posts", headers=editor, json=text_post("v1")).json()
    url = f"/api/v1/blogs/b/posts/{post['id']}"
    assert (
        client.patch(url, headers=editor | {"If-Match": "1"}, json={"title": "A"}).status_code
        == 200
    )
    stale = client.patch(url, headers=editor | {"If-Match": "1"}, json={"title": "B"})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2 and stale.headers["etag"] == '"2"'
    # What was saved since version 1, and which of it this edit also sets: enough to merge.
    assert stale.json()["changed"] == ["title"] and stale.json()["conflicting"] == ["title"]
    assert client.get(url).json()["title"] == "A"
    missing = client.patch(url, headers=editor, json={"title": "C"})
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    bad = client.patch(url, headers=editor | {"If-Match": "soon"}, json={"title": "C"})
    assert bad.status_code == 422
    # Digits Python reads but a version never is: "²" (sent as Latin-1, as HTTP does).
    for odd in ("²".encode("latin-1"), b"1" * 5000):
        odd_header = client.patch(url, headers=editor | {"If-Match": odd}, json={"title": "C"})
        assert odd_header.status_code == 422, odd


def test_tokens_and_roles(
    client: Client,
    site: Site,
    make_user: Callable[[str], Json],
    new_blog: Callable[..., Json],
) -> None:
    new_blog(slug="roles")
    body = text_post("Hello.")
    no_token = client.post("/api/v1/blogs/roles/posts", json=body)
    assert no_token.status_code == 401 and no_token.headers["www-authenticate"] == "Bearer"
    wrong = client.post(
        "/api/v1/blogs/roles/posts", json=body, headers={"Authorization": "Bearer lb_not-a-token"}
    )
    assert wrong.status_code == 401
    assert (
        client.post(
            "/api/v1/blogs/roles/posts", json=body, headers={"Authorization": "Basic abc"}
        ).status_code
        == 401
    )
    stringer = make_user("contributor")
    contributor = {"Authorization": stringer["auth"]}
    outsider = client.post(
        "/api/v1/blogs/roles/posts", json=body | {"status": "submitted"}, headers=contributor
    )
    assert outsider.status_code == 403 and "not on its team" in outsider.json()["detail"]
    set_membership(site, SYSTEM, "roles", stringer["email"], "contributor")
    denied = client.post("/api/v1/blogs/roles/posts", json=body, headers=contributor)
    assert denied.status_code == 403 and "editor" in denied.json()["detail"]
    draft = client.post(
        "/api/v1/blogs/roles/posts", json=body | {"status": "submitted"}, headers=contributor
    )
    assert draft.status_code == 201
    assert client.post("/api/v1/blogs", json={"title": "X"}, headers=contributor).status_code == 403
    # Drafts are invisible to the public.
    assert client.get(f"/api/v1/blogs/roles/posts/{draft.json()['id']}").status_code == 404
    listed = client.get("/api/v1/blogs/roles/posts?status=submitted")
    assert listed.status_code == 403


def test_validation_errors_name_the_field(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="v")
    bad = client.post(
        "/api/v1/blogs/v/posts",
        headers=editor,
        json={"elements": [{"type": "image", "caption": 5}]},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].startswith("elements.0")
    empty = client.post("/api/v1/blogs/v/posts", headers=editor, json={"elements": []})
    assert empty.status_code == 422 and "headline" in empty.json()["detail"]
    nul = client.post("/api/v1/blogs/v/posts", headers=editor, json=text_post("a\x00b"))
    assert nul.status_code == 422 and "control character" in nul.json()["detail"]
    embed = client.post(
        "/api/v1/blogs/v/posts",
        headers=editor,
        json={"elements": [{"type": "embed", "url": "javascript:alert(1)"}]},
    )
    assert embed.status_code == 422
    zone = client.post(
        "/api/v1/blogs", headers=editor, json={"title": "T", "timezone": "Mars/Base"}
    )
    assert zone.status_code == 422 and "time zone" in zone.json()["detail"]
    dup = client.post("/api/v1/blogs", headers=editor, json={"title": "T", "slug": "v"})
    assert dup.status_code == 409
    null_title = client.patch("/api/v1/blogs/v", headers=editor, json={"title": None})
    assert null_title.status_code == 422 and "title cannot be null" in null_title.json()["detail"]
    post = client.post("/api/v1/blogs/v/posts", headers=editor, json=text_post("x")).json()
    null_elements = client.patch(
        f"/api/v1/blogs/v/posts/{post['id']}",
        json={"elements": None},
        headers=editor | {"If-Match": "1"},
    )
    assert null_elements.status_code == 422
    cleared = client.patch(
        f"/api/v1/blogs/v/posts/{post['id']}",
        json={"verification": None},
        headers=editor | {"If-Match": "1"},
    )
    assert cleared.status_code == 200
    assert client.get("/api/v1/blogs/nope").status_code == 404
    assert client.get("/api/v1/blogs/v/posts/nope").status_code == 404
    assert client.get("/api/v1/blogs/v/posts?page=0").status_code == 422
    not_json = client.post(
        "/api/v1/blogs/v/posts",
        headers=editor | {"Content-Type": "application/json"},
        content=b"{not json",
    )
    assert not_json.status_code == 422


def test_openapi_and_docs(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/blogs/{slug}/posts/{post_id}" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "unsafe-inline" not in policy.split("script-src")[1]
    assert "https:" not in policy and "http:" not in policy, "nothing from another origin"
    for asset in re.findall(r'(?:src|href)="(/api/docs/assets/[^"]+)"', docs.text):
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.content, asset
    assert client.get("/api/docs/assets/index.html").status_code == 404
    assert "cdn." not in docs.text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "markdown",
                    "title",
                    "elements",
                    "url",
                    "caption",
                    "status",
                    "key_event",
                    "sources",
                    "verification",
                    "text",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=json_values)
def test_no_input_produces_a_server_error(
    client: Client, editor: Json, new_blog: Callable[..., Json], body: Any
) -> None:
    if client.get("/api/v1/blogs/fuzz").status_code == 404:
        new_blog(slug="fuzz")
    for method, url in (
        ("POST", "/api/v1/blogs/fuzz/posts"),
        ("PATCH", "/api/v1/blogs/fuzz"),
        ("POST", "/api/v1/blogs"),
    ):
        response = client.request(method, url, json=body, headers=editor)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.json()["detail"]


def test_a_stale_edit_names_what_changed_since_and_what_clashes(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="b")
    post = client.post("/api/v1/blogs/b/posts", headers=editor, json=text_post("v1")).json()
    url = f"/api/v1/blogs/b/posts/{post['id']}"
    theirs = {"sources": ["AFP"], "key_event": True, "elements": text_post("v2")["elements"]}
    assert client.patch(url, headers=editor | {"If-Match": "1"}, json=theirs).status_code == 200
    assert (
        client.patch(url, headers=editor | {"If-Match": "2"}, json={"title": "T"}).status_code
        == 200
    )
    stale = client.patch(
        url, headers=editor | {"If-Match": "2"}, json={"sources": ["Reuters"], "summary": True}
    )
    assert stale.status_code == 412
    assert stale.json()["changed"] == ["title"] and stale.json()["conflicting"] == []
    older = client.patch(url, headers=editor | {"If-Match": "1"}, json={"sources": ["Reuters"]})
    assert older.json()["changed"] == ["title", "elements", "key_event", "sources"]
    assert older.json()["conflicting"] == ["sources"]
    future = client.patch(url, headers=editor | {"If-Match": "9"}, json={"sources": ["Reuters"]})
    assert future.status_code == 412 and future.json()["changed"] == []
