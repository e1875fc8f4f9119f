"""The reader's side of notifications over HTTP: the opt-in on live pages only, the service
worker at the root, the key, and subscribing with what the browser gives (errors as JSON)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from sqlalchemy import func, select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.app import create_app
from liveblog.schema import BlogChanges, BlogFields
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.states import BlogStatus
from liveblog.storage import PushSubscription
from tests.conftest import Client
from tests.pushing import BrowserKeys

JSON = {"Accept": "application/json"}


@pytest.fixture
def push_client(settings: Settings) -> Iterator[tuple[Site, Client]]:
    site = Site.from_settings(settings.with_changes(push_services=("127.0.0.1",)))
    app = create_app(site=site)
    with start_blocking_portal() as portal:
        async_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        yield site, Client(portal, async_client)
        portal.call(async_client.aclose)
    site.db.dispose()


def blog(site: Site, slug: str, status: BlogStatus = BlogStatus.LIVE) -> str:
    made: str = create_blog(
        site, SYSTEM, BlogFields(title="Count night", slug=slug, status=status)
    )["slug"]
    return made


def count(site: Site) -> int:
    with site.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(PushSubscription)) or 0)


def test_a_live_page_offers_notifications_and_an_ended_one_does_not(
    push_client: tuple[Site, Client],
) -> None:
    site, client = push_client
    slug = blog(site, "count")
    page = client.get(f"/live/{slug}").text
    assert '<p class="notify" data-blog="count" hidden>' in page
    assert "Notify me of key events on this blog" in page
    assert "/static/notify.js?v=" in page
    update_blog(site, SYSTEM, slug, BlogChanges(status=BlogStatus.ENDED))
    page = client.get(f"/live/{slug}").text
    assert "notify" not in page


def test_notifications_turned_off_are_not_offered(site: Site, settings: Settings) -> None:
    off = Site(settings.with_changes(push_per_blog=0), site.db, site.bus)
    app = create_app(site=off)
    blog(off, "count")
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x")
        page = portal.call(client.get, "/live/count").text
        portal.call(client.aclose)
    assert "Notify me" not in page and "notify.js" not in page


def test_the_service_worker_is_served_from_the_root(push_client: tuple[Site, Client]) -> None:
    _, client = push_client
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    assert "showNotification" in answer.text and "notificationclick" in answer.text


def test_the_key_is_the_public_half_of_the_sites_key(push_client: tuple[Site, Client]) -> None:
    _, client = push_client
    first = client.get("/push/key", headers=JSON).json()["public_key"]
    assert client.get("/push/key").json() == {"public_key": first}
    assert len(first) == 87  # 65 bytes, base64url


def test_subscribing_and_leaving(push_client: tuple[Site, Client]) -> None:
    site, client = push_client
    slug = blog(site, "count")
    sub = BrowserKeys().subscription("http://127.0.0.1:9/push/one")
    answer = client.post(f"/live/{slug}/push/subscribe", json=sub, headers=JSON)
    assert (answer.status_code, answer.json()) == (201, {"subscribed": True})
    assert answer.headers["cache-control"] == "no-store"
    assert client.post(f"/live/{slug}/push/subscribe", json=sub).status_code == 200
    assert count(site) == 1
    gone = client.post(f"/live/{slug}/push/unsubscribe", json={"endpoint": sub["endpoint"]})
    assert (gone.status_code, gone.json()) == (200, {"subscribed": False})
    assert count(site) == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"endpoint": "https://evil.example/x"}, 422, "endpoint"),
        ({"keys": {"p256dh": "AAAA", "auth": "AAAA"}}, 422, "keys.p256dh"),
        ({"keys": {"auth": "AAAA"}}, 422, "keys.p256dh"),
        ({"endpoint": "x" * 3000}, 422, "endpoint"),
    ],
)
def test_a_bad_subscription_is_a_422_with_a_message(
    push_client: tuple[Site, Client], body: dict[str, object], status: int, field: str
) -> None:
    site, client = push_client
    slug = blog(site, "count")
    sub = BrowserKeys().subscription("http://127.0.0.1:9/push/one") | body
    answer = client.post(f"/live/{slug}/push/subscribe", json=sub, headers=JSON)
    assert answer.status_code == status
    assert answer.json()["errors"][0]["field"] == field, answer.json()
    assert answer.json()["detail"]
    assert count(site) == 0


def test_drafts_and_ended_blogs_take_no_subscription(push_client: tuple[Site, Client]) -> None:
    site, client = push_client
    draft = blog(site, "draft", BlogStatus.DRAFT)
    ended = blog(site, "ended")
    update_blog(site, SYSTEM, ended, BlogChanges(status=BlogStatus.ENDED))
    sub = BrowserKeys().subscription("http://127.0.0.1:9/push/one")
    assert client.post(f"/live/{draft}/push/subscribe", json=sub, headers=JSON).status_code == 404
    refused = client.post(f"/live/{ended}/push/subscribe", json=sub, headers=JSON)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "This blog is not live: it sends no more notifications."}
