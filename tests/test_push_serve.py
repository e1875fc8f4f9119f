"""Notifications end to end, started as an operator starts them: `liveblog serve` (whose
worker runs inline) or `liveblog worker`, sending to a push service on 127.0.0.1 that
decrypts each message with the browser's key and checks the VAPID token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.posts import create_post, delete_post
from liveblog.actions.push import notice_key_events, subscribe
from liveblog.schema import BlogFields, NewPost
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import PushNotice, PushSubscription
from tests.pushing import BrowserKeys, PushService, push_service, vapid_claims
from tests.servers import liveblog_serve, liveblog_worker, serve_env
from tests.waiting import wait_until

BASE_URL = "https://live.paper.example"


def env(settings: Settings, **extra: str) -> dict[str, str]:
    return serve_env(
        settings,
        LIVEBLOG_PUSH_SERVICES="127.0.0.1",
        LIVEBLOG_POLL_SECONDS="0.2",
        LIVEBLOG_BASE_URL=BASE_URL,
        **extra,
    )


def key_event(site: Site, slug: str, words: str) -> str:
    new = NewPost.model_validate(
        {"elements": [{"type": "text", "markdown": words}], "key_event": True}
    )
    public_id: str = create_post(site, SYSTEM, slug, new)["id"]
    return public_id


def subscriptions(site: Site) -> list[str]:
    with site.db.reading() as session:
        return list(session.scalars(select(PushSubscription.endpoint)))


def test_a_served_site_notifies_its_subscribers_and_drops_the_gone(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Election night", slug="count"))["slug"]
    ann, bob = BrowserKeys(), BrowserKeys()
    with push_service() as service, liveblog_serve(env(settings), tmp_path) as served:
        assert "Notify me of key events" in httpx.get(f"{served.url}/live/{slug}").text
        public_key = httpx.get(f"{served.url}/push/key").json()["public_key"]
        for name, keys in (("ann", ann), ("bob", bob)):
            answer = httpx.post(
                f"{served.url}/live/{slug}/push/subscribe",
                json=keys.subscription(service.endpoint(name)),
                headers={"Accept": "application/json"},
            )
            assert answer.status_code == 201, answer.text

        first = key_event(site, slug, "Polls have closed.")
        wait_until(lambda: len(service.received) == 2, timeout=15, what="both notifications")
        for name, keys in (("ann", ann), ("bob", bob)):
            [got] = service.to(name)
            message: dict[str, Any] = keys.decrypt(got.body)
            assert message["title"] == "Election night"
            assert message["body"] == "Polls have closed."
            assert message["url"] == f"{BASE_URL}/live/{slug}/posts/{first}"
            claims = vapid_claims(got.headers["authorization"], service.origin)
            assert claims["k"] == public_key
            assert claims["sub"] == "https://live.paper.example"

        service.status["/push/bob"] = 410  # bob's browser unsubscribed
        key_event(site, slug, "First result declared.")
        wait_until(
            lambda: len(service.to("ann")) == 2 and len(service.to("bob")) == 2,
            timeout=15,
            what="the second notification",
        )
        wait_until(
            lambda: subscriptions(site) == [service.endpoint("ann")],
            timeout=15,
            what="bob's subscription to be dropped",
        )


def outcomes(site: Site) -> dict[str, str | None]:
    with site.db.reading() as session:
        return {row.subject: row.outcome for row in session.scalars(select(PushNotice))}


def test_the_worker_never_announces_a_post_deleted_before_it_went_out(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    """The notice is written (the event was dispatched) while no worker sends; the post is
    deleted; then `liveblog worker` starts, and sends the next key event but not that one."""
    push_site = Site(settings.with_changes(push_services=("127.0.0.1",)), site.db, site.bus)
    slug = create_blog(site, SYSTEM, BlogFields(title="Storm", slug="storm"))["slug"]
    keys = BrowserKeys()
    service: PushService
    with push_service() as service:
        sub = keys.subscription(service.endpoint("ann"))["keys"]
        endpoint = service.endpoint("ann")
        subscribe(push_site, None, slug, endpoint, sub["p256dh"], sub["auth"], address="192.0.2.1")
        wrong = key_event(site, slug, "Dam has failed (unconfirmed).")
        while dispatch(site, [notice_key_events]) is not None:
            pass
        assert outcomes(site) == {f"post:{wrong}": None}
        delete_post(site, SYSTEM, slug, wrong)
        right = key_event(site, slug, "Dam holding, engineers say.")
        with liveblog_worker(env(settings), tmp_path):
            wait_until(
                lambda: outcomes(site) == {f"post:{wrong}": "dropped", f"post:{right}": "sent"},
                timeout=20,
                what="the worker to drop one notice and send the other",
            )
        [got] = service.received
        assert keys.decrypt(got.body)["body"] == "Dam holding, engineers say."
