"""Webhooks through the API (/api/v1/webhooks) and the desk (/editor/webhooks), without
JavaScript: register, read the secret, change, rotate, see deliveries, replay, disable,
enable, delete; bad input is a 4xx with a message."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from sqlalchemy import update

from liveblog.actions import Actor
from liveblog.actions.access import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.posts import create_post
from liveblog.actions.users import create_user, start_session
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import WebhookEndpoint
from liveblog.web.auth import SESSION_COOKIE
from tests.conftest import Client


def _drain(site: Site) -> None:
    while dispatch(site) is not None:
        pass


def test_the_api_registers_lists_changes_and_deletes(
    client: Client, site: Site, make_user: Callable[[str], dict[str, str]]
) -> None:
    admin = {"Authorization": make_user("admin")["auth"]}
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    _drain(site)  # what happened before the endpoint is not for it
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "https://partner.example/hook", "blog": "rail", "kinds": ["post.published"]},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and hook["blog"] == "rail"
    assert hook["kinds"] == ["post.published"] and hook["active"] is True
    listed = client.get("/api/v1/webhooks", headers=admin).json()["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]]
    changed = client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"blog": None, "kinds": []}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["blog"] is None
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=admin).json()
    assert rotated["secret"] != hook["secret"]
    create_post(
        site,
        SYSTEM,
        "rail",
        NewPost.model_validate({"elements": [{"type": "text", "markdown": "News."}]}),
    )
    _drain(site)
    page = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin).json()
    (delivery,) = page["deliveries"]
    assert (delivery["kind"], delivery["blog"], delivery["status"]) == (
        "post.published",
        "rail",
        "pending",
    )
    off = client.post(f"/api/v1/webhooks/{hook['id']}/disable", headers=admin).json()
    assert off["active"] is False and off["failed"] == 1
    replayed = client.post(f"/api/v1/webhooks/{hook['id']}/replay", headers=admin)
    assert replayed.json() == {"replayed": 1}
    one = client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/replay", headers=admin
    )
    assert one.json() == {"replayed": 1}
    assert client.post(f"/api/v1/webhooks/{hook['id']}/enable", headers=admin).json()["active"]
    gone = client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin)
    assert gone.json() == {"deleted": hook["id"]}
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=admin).status_code == 404


def test_the_api_refuses_bad_endpoints_with_a_message(
    client: Client, make_user: Callable[[str], dict[str, str]]
) -> None:
    admin = {"Authorization": make_user("admin")["auth"]}
    for body, status, says in [
        ({"url": "javascript:alert(1)"}, 422, "http:// or https://"),
        ({"url": "https://a.example/", "kinds": ["nope"]}, 422, "unknown event kind"),
        ({"url": "https://a.example/" + "x" * 2001}, 422, "url"),
        ({"url": "https://a.example/", "blog": "missing"}, 422, "no blog"),
        ({"url": "https://a.example/", "color": "red"}, 422, "color"),
    ]:
        answer = client.post("/api/v1/webhooks", json=body, headers=admin)
        assert answer.status_code == status, (body, answer.text)
        assert says in answer.text
    editor = {"Authorization": make_user("editor")["auth"]}
    refused = client.post("/api/v1/webhooks", json={"url": "https://a.example/"}, headers=editor)
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]


def _desk(client: Client, site: Site) -> tuple[str, int]:
    email = f"admin-{secrets.token_hex(3)}@desk.example"
    user_id = create_user(site, email, "correct horse battery", "admin", name="Ada")
    client._client.cookies.set(SESSION_COOKIE, start_session(site, Actor(user_id, "admin", "Ada")))
    page = client.get("/editor")
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found and 'href="/editor/webhooks"' in page.text
    return found.group(1), user_id


def test_the_desk_registers_shows_the_secret_and_tells_the_owner_when_disabled(
    client: Client, site: Site
) -> None:
    csrf, _ = _desk(client, site)
    bad = client.post("/editor/webhooks", data={"csrf": csrf, "url": "ftp://x.example/"})
    assert bad.status_code == 422 and "http:// or https://" in bad.text
    assert 'value="ftp://x.example/"' in bad.text  # what was typed comes back
    made = client.post(
        "/editor/webhooks",
        data={
            "csrf": csrf,
            "url": "https://partner.example/hook",
            "kinds": ["post.published", "post.deleted"],
            "description": "Results desk",
        },
    )
    assert made.status_code == 303
    path = made.headers["location"].split("?")[0]
    endpoint_id = int(path.rsplit("/", 1)[1])
    page = client.get(made.headers["location"])
    assert "whsec_" in page.text and "Results desk" in page.text
    assert "post.published, post.deleted" in page.text
    rotated = client.post(f"{path}/rotate-secret", data={"csrf": csrf})
    assert rotated.status_code == 303
    # Disabled by the sender (failing for too long): the owner is told on the desk's pages.
    with site.db.writing() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(active=False, disabled_reason="no delivery succeeded for 24 hours")
        )
    for where in ("/editor", "/editor/webhooks"):
        assert "Your webhook" in client.get(where).text and "is disabled" in client.get(where).text
    enabled = client.post(f"{path}/enable", data={"csrf": csrf})
    assert enabled.status_code == 303
    assert "Your webhook" not in client.get("/editor").text
    assert client.post(f"{path}/delete", data={"csrf": csrf}).status_code == 303
    assert client.get(path).status_code == 404


def test_the_desk_page_is_for_admins(client: Client, site: Site) -> None:
    email = f"ed-{secrets.token_hex(3)}@desk.example"
    user_id = create_user(site, email, "correct horse battery", "editor", name="Ed")
    client._client.cookies.set(SESSION_COOKIE, start_session(site, Actor(user_id, "editor", "Ed")))
    assert 'href="/editor/webhooks"' not in client.get("/editor").text
    assert client.get("/editor/webhooks").status_code == 403
