"""The composer's drafts over HTTP (/editor/blogs/<slug>/draft): the form token in a header,
the size limit, errors worded for a person, only the author reads a draft, and the post
sent from the composer clears it."""

from __future__ import annotations

import json

from liveblog.site import Site
from tests.conftest import Client
from tests.web.test_editor import csrf_of, login, logout_cookies, post_form, start_blog

DEVICE = "laptop-abcdef12"
# As the desk's script asks: errors come back as JSON, not as a page.
JSON = {"Accept": "application/json"}


def enter(client: Client, site: Site, role: str = "editor") -> str:
    login(client, site, role)
    return csrf_of(client.get("/editor"))


def save(client: Client, slug: str, token: str, body: object) -> tuple[int, dict[str, object]]:
    answer = client.post(
        f"/editor/blogs/{slug}/draft",
        content=json.dumps(body),
        headers=JSON | {"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    return answer.status_code, answer.json()


def kept(client: Client, slug: str, post: str = "") -> object:
    answer = client.get(
        f"/editor/blogs/{slug}/draft" + (f"?post={post}" if post else ""), headers=JSON
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return answer.json()["draft"]


def test_a_draft_is_saved_read_back_and_cleared_by_publishing(client: Client, site: Site) -> None:
    token = enter(client, site)
    slug = start_blog(client, token)
    assert kept(client, slug) is None
    fields = {"title": "", "el-0-markdown": "The ferry left at 21:04 and", "key_event": True}
    status, body = save(client, slug, token, {"values": fields, "device": DEVICE})
    assert status == 200, body
    draft = body["draft"]
    assert isinstance(draft, dict) and draft["device"] == DEVICE and "values" not in draft
    again = kept(client, slug)
    assert isinstance(again, dict) and again["values"] == fields
    # Nothing of it reaches readers: the page and its feed know no such words.
    assert "21:04 and" not in client.get(f"/live/{slug}").text
    # The post sent from the composer takes the draft with it.
    sent = client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "The ferry left"))
    assert sent.status_code == 303
    assert kept(client, slug) is None


def test_bad_requests_are_refused_with_a_message(client: Client, site: Site) -> None:
    token = enter(client, site)
    slug = start_blog(client, token)
    ok = {"values": {"title": "x"}, "device": DEVICE}
    status, body = save(client, slug, "0" * 32, ok)
    assert status == 403 and "expired" in str(body["detail"])
    no_header = client.post(f"/editor/blogs/{slug}/draft", json=ok, headers=JSON)
    assert no_header.status_code == 403
    status, body = save(client, slug, token, {"values": {"title": "x" * 70_000}, "device": DEVICE})
    assert status == 413 and "64 KB" in str(body["detail"])
    status, body = save(client, slug, token, {"values": "text", "device": DEVICE})
    assert status == 422 and body["detail"]
    status, body = save(client, slug, token, {"values": {"title": "x"}, "device": "?"})
    assert status == 422 and "browser" in str(body["detail"])
    broken = client.post(
        f"/editor/blogs/{slug}/draft",
        content=b"{not json",
        headers=JSON | {"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]
    assert (
        client.get(f"/editor/blogs/{slug}/draft?post=x" + "y" * 20, headers=JSON).status_code == 422
    )
    assert client.get("/editor/blogs/nowhere/draft", headers=JSON).status_code == 404
    status, body = save(client, "nowhere", token, ok)
    assert status == 404
    assert kept(client, slug) is None  # nothing refused was kept


def test_a_draft_is_its_authors_alone(client: Client, site: Site) -> None:
    token = enter(client, site)
    slug = start_blog(client, token)
    status, _ = save(client, slug, token, {"values": {"title": "secret"}, "device": DEVICE})
    assert status == 200
    logout_cookies(client)
    # Not logged in: sent to log in, as every desk page.
    assert client.get(f"/editor/blogs/{slug}/draft").status_code == 303
    enter(client, site, "editor")
    assert kept(client, slug) is None  # a colleague's composer opens empty
    outsider = enter(client, site, "contributor")  # on no team
    refused = client.get(f"/editor/blogs/{slug}/draft", headers=JSON)
    assert refused.status_code == 403 and "team" in refused.json()["detail"]
    status, _ = save(client, slug, outsider, {"values": {"title": "x"}, "device": DEVICE})
    assert status == 403


def test_discard_leaves_another_devices_draft(client: Client, site: Site) -> None:
    token = enter(client, site)
    slug = start_blog(client, token)
    save(client, slug, token, {"values": {"title": "phone"}, "device": "phone-12345678"})
    headers = JSON | {"X-CSRF-Token": token}
    url = f"/editor/blogs/{slug}/draft/discard"
    mine = client.post(url, json={"device": DEVICE}, headers=headers)
    assert mine.status_code == 200 and mine.json() == {"discarded": False}
    assert kept(client, slug) is not None
    every = client.post(url, json={}, headers=headers)
    assert every.json() == {"discarded": True}
    assert kept(client, slug) is None
    assert client.post(url, json={}, headers=JSON | {"X-CSRF-Token": "0" * 32}).status_code == 403
