"""Notifications with the page closed: who may subscribe and to what, the notice each key
event and each end makes (once), and the push job sending it to a real local push
service, which decrypts it with the browser's key and checks its VAPID token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.posts import create_post, delete_post, set_key_event
from liveblog.actions.push import notice_key_events, signing_key, subscribe, unsubscribe
from liveblog.actions.pushing import BATCH, MAX_FAILURES, send_notices
from liveblog.errors import Conflict, Invalid, NotFound, TooManyRequests
from liveblog.schema import BlogChanges, BlogFields, NewPost
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.states import BlogStatus
from liveblog.storage import PushNotice, PushSubscription
from liveblog.storage.tables import utcnow
from tests.pushing import BrowserKeys, PushService, push_service, vapid_claims


@pytest.fixture
def push_site(settings: Settings) -> Iterator[Site]:
    site = Site.from_settings(settings.with_changes(push_services=("127.0.0.1",)))
    yield site
    site.db.dispose()


@pytest.fixture
def service() -> Iterator[PushService]:
    with push_service() as running:
        yield running


def blog(site: Site, slug: str = "storm", **fields: Any) -> str:
    made: str = create_blog(site, SYSTEM, BlogFields(title="Storm Ida: live", slug=slug, **fields))[
        "slug"
    ]
    return made


def post(site: Site, slug: str, words: str, **fields: Any) -> str:
    new = NewPost.model_validate({"elements": [{"type": "text", "markdown": words}]} | fields)
    public_id: str = create_post(site, SYSTEM, slug, new)["id"]
    return public_id


def reader(site: Site, slug: str, endpoint: str, address: str = "192.0.2.1") -> BrowserKeys:
    keys = BrowserKeys()
    sub = keys.subscription(endpoint)["keys"]
    assert subscribe(site, None, slug, endpoint, sub["p256dh"], sub["auth"], address=address)
    return keys


def drain(site: Site) -> None:
    while dispatch(site, [notice_key_events]) is not None:
        pass


def send_all(site: Site) -> None:
    while send_notices(site) is not None:
        pass


def notices(site: Site) -> list[tuple[str, str | None]]:
    with site.db.reading() as session:
        rows = session.scalars(select(PushNotice).order_by(PushNotice.id)).all()
        return [(row.subject, row.outcome) for row in rows]


def test_a_key_event_reaches_each_subscriber_encrypted_for_them_and_signed(
    push_site: Site, service: PushService
) -> None:
    slug = blog(push_site)
    ann, bob = (reader(push_site, slug, service.endpoint(n)) for n in ("ann", "bob"))
    post(push_site, slug, "Rain all night.")  # not a key event: nobody is told
    public_id = post(push_site, slug, "The river has burst its banks at Leeds.", key_event=True)
    drain(push_site)
    send_all(push_site)
    key = signing_key(push_site)
    for name, keys in (("ann", ann), ("bob", bob)):
        [got] = service.to(name)
        assert keys.decrypt(got.body) == {
            "title": "Storm Ida: live",
            "body": "The river has burst its banks at Leeds.",
            "url": f"http://testserver/live/{slug}/posts/{public_id}",
            "tag": f"{slug}:{public_id}",
            "icon": "http://testserver/static/favicon.svg",
        }
        assert got.headers["content-encoding"] == "aes128gcm"
        assert got.headers["urgency"] == "high"
        assert int(got.headers["ttl"]) > 0
        claims = vapid_claims(got.headers["authorization"], service.origin)
        assert claims["k"] == key.public_key
        assert claims["sub"] == "mailto:liveblog@testserver"
    assert notices(push_site) == [(f"post:{public_id}", "sent")]


def test_a_flag_makes_a_notice_once_and_the_end_makes_one(
    push_site: Site, service: PushService
) -> None:
    slug = blog(push_site)
    keys = reader(push_site, slug, service.endpoint("ann"))
    public_id = post(push_site, slug, "Evacuation ordered for the east bank.")
    drain(push_site)
    assert notices(push_site) == []
    set_key_event(push_site, SYSTEM, slug, public_id, True)
    set_key_event(push_site, SYSTEM, slug, public_id, False)
    set_key_event(push_site, SYSTEM, slug, public_id, True)
    drain(push_site)
    send_all(push_site)
    set_key_event(push_site, SYSTEM, slug, public_id, False)
    set_key_event(push_site, SYSTEM, slug, public_id, True)
    update_blog(push_site, SYSTEM, slug, BlogChanges(status=BlogStatus.ENDED))
    drain(push_site)
    send_all(push_site)
    assert notices(push_site) == [(f"post:{public_id}", "sent"), ("ended", "sent")]
    said = [keys.decrypt(got.body) for got in service.to("ann")]
    assert [(m["body"], m["url"]) for m in said] == [
        (
            "Evacuation ordered for the east bank.",
            f"http://testserver/live/{slug}/posts/{public_id}",
        ),
        ("This live blog has ended.", f"http://testserver/live/{slug}"),
    ]


def test_nobody_subscribed_means_no_notice(push_site: Site) -> None:
    slug = blog(push_site)
    post(push_site, slug, "Power is out across the city.", key_event=True)
    drain(push_site)
    assert notices(push_site) == []


def test_a_post_deleted_or_unflagged_before_its_notice_goes_out_is_never_announced(
    push_site: Site, service: PushService
) -> None:
    slug = blog(push_site)
    reader(push_site, slug, service.endpoint("ann"))
    deleted = post(push_site, slug, "Bridge collapsed (unconfirmed).", key_event=True)
    unflagged = post(push_site, slug, "Second bridge closed.", key_event=True)
    drain(push_site)  # the notices are written...
    delete_post(push_site, SYSTEM, slug, deleted)  # ...and the posts change before they go
    set_key_event(push_site, SYSTEM, slug, unflagged, False)
    send_all(push_site)
    assert service.to("ann") == []
    assert notices(push_site) == [(f"post:{deleted}", "dropped"), (f"post:{unflagged}", "dropped")]


def test_a_post_deleted_before_dispatch_makes_no_notice(push_site: Site) -> None:
    slug = blog(push_site)
    reader(push_site, slug, "http://127.0.0.1:9/push/ann")
    public_id = post(push_site, slug, "Said too soon.", key_event=True)
    delete_post(push_site, SYSTEM, slug, public_id)
    drain(push_site)
    assert notices(push_site) == []


def test_gone_subscriptions_are_dropped_and_failing_ones_after_several_failures(
    push_site: Site, service: PushService
) -> None:
    slug = blog(push_site)
    for name in ("gone", "moved", "broken", "fine"):
        reader(push_site, slug, service.endpoint(name))
    service.status = {"/push/gone": 410, "/push/moved": 404, "/push/broken": 500}
    for n in range(MAX_FAILURES):
        post(push_site, slug, f"Key event {n}.", key_event=True)
        drain(push_site)
        send_all(push_site)
        left = subscribed(push_site)
        assert left == (["broken", "fine"] if n < MAX_FAILURES - 1 else ["fine"])
    assert len(service.to("gone")) == len(service.to("moved")) == 1
    assert len(service.to("broken")) == len(service.to("fine")) == MAX_FAILURES


def subscribed(site: Site) -> list[str]:
    with site.db.reading() as session:
        endpoints = session.scalars(select(PushSubscription.endpoint).order_by(PushSubscription.id))
        return [endpoint.rsplit("/", 1)[1] for endpoint in endpoints]


def test_readers_subscribe_to_live_blogs_only(push_site: Site) -> None:
    keys = BrowserKeys().subscription("http://127.0.0.1:9/push/x")["keys"]
    args = ("http://127.0.0.1:9/push/x", keys["p256dh"], keys["auth"])
    slug = blog(push_site)
    draft = blog(push_site, "draft-one", status=BlogStatus.DRAFT)
    with pytest.raises(NotFound):
        subscribe(push_site, None, draft, *args, address="192.0.2.1")
    update_blog(push_site, SYSTEM, slug, BlogChanges(status=BlogStatus.ENDED))
    with pytest.raises(Conflict, match="not live"):
        subscribe(push_site, None, slug, *args, address="192.0.2.1")
    with pytest.raises(NotFound):
        subscribe(push_site, None, "no-such-blog", *args, address="192.0.2.1")


def test_subscribing_again_is_one_subscription_and_unsubscribing_removes_it(
    push_site: Site,
) -> None:
    slug = blog(push_site)
    keys = BrowserKeys().subscription("http://127.0.0.1:9/push/x")["keys"]
    args = ("http://127.0.0.1:9/push/x", keys["p256dh"], keys["auth"])
    assert subscribe(push_site, None, slug, *args, address="192.0.2.1") is True
    assert subscribe(push_site, None, slug, *args, address="192.0.2.1") is False
    assert subscribed(push_site) == ["x"]
    assert unsubscribe(push_site, None, slug, args[0]) is True
    assert unsubscribe(push_site, None, slug, args[0]) is False
    assert subscribed(push_site) == []


def test_subscriptions_are_limited_per_address_and_per_blog(push_site: Site) -> None:
    site = Site(
        push_site.settings.with_changes(push_per_address=2, push_per_blog=3),
        push_site.db,
        push_site.bus,
    )
    slug = blog(site)

    def new(name: str, address: str) -> None:
        keys = BrowserKeys().subscription("")["keys"]
        endpoint = f"http://127.0.0.1:9/push/{name}"
        subscribe(site, None, slug, endpoint, keys["p256dh"], keys["auth"], address=address)

    new("a", "2001:db8::1")
    new("b", "2001:db8::2")  # the same /64
    with pytest.raises(TooManyRequests) as refused:
        new("c", "2001:db8::3")
    assert 0 < refused.value.retry_after <= 3600
    new("c", "192.0.2.7")
    with pytest.raises(Conflict, match="as many readers"):
        new("d", "192.0.2.8")
    off = Site(site.settings.with_changes(push_per_blog=0), site.db, site.bus)
    keys = BrowserKeys().subscription("")["keys"]
    with pytest.raises(NotFound, match="no notifications"):
        subscribe(
            off, None, slug, "http://127.0.0.1:9/push/e", keys["p256dh"], keys["auth"],
            address="192.0.2.9",
        )  # fmt: skip


def test_a_subscription_to_another_host_is_refused(site: Site) -> None:
    """The default settings send only to the browsers' push services."""
    slug = blog(site)
    keys = BrowserKeys().subscription("")["keys"]
    with pytest.raises(Invalid, match="not a push service"):
        subscribe(
            site, None, slug, "https://intranet.example/x", keys["p256dh"], keys["auth"],
            address="192.0.2.1",
        )  # fmt: skip
    assert subscribe(
        site,
        None,
        slug,
        "https://fcm.googleapis.com/fcm/send/abc",
        keys["p256dh"],
        keys["auth"],
        address="192.0.2.1",
    )


def test_every_node_signs_with_the_one_key_made_once(push_site: Site, settings: Settings) -> None:
    other = Site.from_settings(settings)
    try:
        assert signing_key(push_site).public_key == signing_key(other).public_key
    finally:
        other.db.dispose()


def test_workers_sending_at_once_send_each_message_once(
    push_site: Site, service: PushService
) -> None:
    """Three workers share three notices of more than a batch of subscribers each: every
    reader gets each key event once (PostgreSQL: SKIP LOCKED; SQLite: the writer lock)."""
    slug = blog(push_site)
    names = [f"r{n}" for n in range(BATCH + 20)]
    for n, name in enumerate(names):
        reader(push_site, slug, service.endpoint(name), address=f"198.51.100.{n}")
    for n in range(3):
        post(push_site, slug, f"Key event {n}.", key_event=True)
    drain(push_site)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            send_all(push_site)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(3)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert errors == []
    send_all(push_site)  # what a worker that found everything leased left for later
    assert sorted({len(service.to(name)) for name in names}) == [3]
    assert [outcome for _, outcome in notices(push_site)] == ["sent"] * 3


def test_a_notice_left_mid_way_by_a_stopped_worker_is_taken_up_where_it_was(
    push_site: Site, service: PushService
) -> None:
    slug = blog(push_site)
    for name in ("a", "b", "c"):
        reader(push_site, slug, service.endpoint(name))
    post(push_site, slug, "Curfew lifted.", key_event=True)
    drain(push_site)
    with push_site.db.writing() as session:
        # A worker sent to "a", moved the notice past it, and stopped: its lease runs on.
        notice = session.scalars(select(PushNotice)).one()
        first = session.scalars(select(PushSubscription.id).order_by(PushSubscription.id)).first()
        assert first is not None
        notice.sent_through, notice.leased_until = first, utcnow() + timedelta(minutes=1)
    send_all(push_site)
    assert service.received == []  # not while the lease runs
    with push_site.db.writing() as session:
        session.scalars(select(PushNotice)).one().leased_until = utcnow() - timedelta(seconds=1)
    send_all(push_site)
    assert [len(service.to(name)) for name in ("a", "b", "c")] == [0, 1, 1]
    assert notices(push_site)[0][1] == "sent"
