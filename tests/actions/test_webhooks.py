"""Webhooks: endpoints managed by admins, deliveries written from the event log, sent
signed, in order, retried with backoff, disabled after failing too long, and replayed
(actions/webhooks.py, actions/deliveries.py, liveblog/webhooks.py). The receiver is a
real HTTP server that checks each signature with its own code (tests/receiver.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from liveblog import webhooks
from liveblog.actions import SYSTEM, Actor, deliveries
from liveblog.actions import webhooks as hooks
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.dispatch import dispatch
from liveblog.actions.posts import create_post, delete_post, edit_post
from liveblog.errors import Forbidden, Invalid
from liveblog.realtime.log import events_after
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges, WebhookFields
from liveblog.site import Site
from liveblog.storage import AuditEntry, Blog, WebhookDelivery, WebhookEndpoint
from liveblog.storage.tables import utcnow
from tests.receiver import Receiver, verify

ADMIN = Actor(user_id=None, role="admin", name="Ada")


def new(text: str) -> NewPost:
    return NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


def add(site: Site, receiver: Receiver, **fields: object) -> int:
    endpoint_id = hooks.create_endpoint(
        site, ADMIN, WebhookFields.model_validate({"url": receiver.url} | fields)
    )
    receiver.secret = hooks.endpoint(site, ADMIN, endpoint_id).endpoint.secret
    return endpoint_id


def run(site: Site) -> None:
    """Dispatches everything, then sends everything that is due, as the worker does."""
    while dispatch(site) is not None:
        pass
    while webhooks.step(site) == 0:
        pass


def rows(site: Site, endpoint_id: int) -> list[WebhookDelivery]:
    with site.db.reading() as session:
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.seq)
            )
        )


def test_the_signature_is_the_standard_webhooks_one() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'
    # Computed here from the spec, not with liveblog's code.
    key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    mac = hmac.new(key, b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330." + body.encode(), "sha256")
    expected = "v1," + base64.b64encode(mac.digest()).decode()
    assert webhooks.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    # The spec's own example gives this value for that input.
    assert expected == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = webhooks.headers(secret, "msg_1", 1614265330, body)
    assert verify(secret, headers, body.encode(), tolerance=10**10)
    assert not verify(secret, headers, body.encode() + b" ", tolerance=10**10)


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != webhooks.new_secret()


def test_backoff_doubles_up_to_the_cap() -> None:
    waits = [webhooks.backoff(n, 10, 300) for n in range(1, 8)]
    assert waits == [10, 20, 40, 80, 160, 300, 300]
    assert webhooks.backoff(10_000, 10, 300) == 300


def test_publish_edit_delete_arrive_signed_in_order_as_the_log_holds_them(
    site: Site, receiver: Receiver
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail strike", slug="rail"))
    endpoint_id = add(site, receiver)
    post = create_post(site, SYSTEM, "rail", new("Trains stop at noon."))
    edit_post(site, SYSTEM, "rail", post["id"], PostChanges(title="Strike on"), post["version"])
    delete_post(site, SYSTEM, "rail", post["id"])
    run(site)
    got = receiver.snapshot()
    assert all(r.signed for r in got)
    assert [r.json["type"] for r in got] == [
        "blog.created",
        "post.deleted",
        "post.deleted",
        "post.deleted",
    ]
    with site.db.reading() as session:
        blog_id = session.scalar(select(Blog.id).where(Blog.slug == "rail"))
        assert blog_id is not None
        log = events_after(session, blog_id, 0, 100)
    for received, event in zip(got, log, strict=True):
        data = received.json["data"]
        assert (data.pop("blog"), data.pop("seq")) == ("rail", event.seq)
        assert data == event.payload
        assert received.json["timestamp"] == event.at
    assert [r.status for r in rows(site, endpoint_id)] == ["delivered"] * 4
    assert len({r.message_id for r in got}) == 4


def test_kinds_and_blog_choose_what_an_endpoint_gets(site: Site, receiver: Receiver) -> None:
    for slug in ("rail", "flood"):
        create_blog(site, SYSTEM, BlogFields(title=slug.title(), slug=slug))
    run(site)  # what happened before the endpoints is not theirs
    only_posts = add(site, receiver, kinds=["post.published"])
    only_flood = add(site, receiver, blog="flood")
    create_post(site, SYSTEM, "rail", new("Rail news."))
    create_post(site, SYSTEM, "flood", new("Flood news."))
    update_blog(site, SYSTEM, "flood", BlogChanges(title="Flood warning"))
    run(site)
    assert [(r.kind, r.seq) for r in rows(site, only_posts)] == [
        ("post.published", 2),
        ("post.published", 2),
    ]
    assert [r.kind for r in rows(site, only_flood)] == ["post.published", "blog.edited"]
    assert len(receiver.snapshot()) == 4


def test_a_draft_blog_sends_nothing(site: Site, receiver: Receiver) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Secret", slug="secret", status="draft"))
    endpoint_id = add(site, receiver)
    create_post(site, SYSTEM, "secret", new("Not yet."))
    run(site)
    assert rows(site, endpoint_id) == []


def test_a_failure_is_retried_after_the_backoff_and_later_ones_wait(
    site: Site, receiver: Receiver
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    receiver.answer = 500
    create_post(site, SYSTEM, "rail", new("One."))
    create_post(site, SYSTEM, "rail", new("Two."))
    run(site)
    first, second = rows(site, endpoint_id)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.last_error == "HTTP 500"
    wait = (first.next_attempt_at - (first.last_attempt_at or utcnow())).total_seconds()
    assert wait == pytest.approx(site.settings.webhook_retry_base_seconds)
    # The later one is not tried while the earlier one is pending.
    assert second.attempts == 0 and len(receiver.snapshot()) == 1
    assert webhooks.step(site) is not None and len(receiver.snapshot()) == 1
    receiver.answer = 200
    _due_now(site, endpoint_id)
    run(site)
    assert [r.status for r in rows(site, endpoint_id)] == ["delivered", "delivered"]
    seqs = [r.json["data"]["seq"] for r in receiver.snapshot()]
    assert seqs == [2, 2, 3]
    with site.db.reading() as session:
        assert session.get_one(WebhookEndpoint, endpoint_id).failing_since is None


def _due_now(site: Site, endpoint_id: int) -> None:
    with site.db.writing() as session:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_failing_for_too_long_disables_and_tells_the_owner(
    site: Site, receiver: Receiver, make_user: object
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    receiver.stop()
    create_post(site, SYSTEM, "rail", new("One."))
    create_post(site, SYSTEM, "rail", new("Two."))
    run(site)
    # Failing since a day ago (the setting's 24 hours): the next failure disables it.
    with site.db.writing() as session:
        row = session.get_one(WebhookEndpoint, endpoint_id)
        row.failing_since = utcnow() - timedelta(hours=24, seconds=1)
    _due_now(site, endpoint_id)
    run(site)
    view = hooks.endpoint(site, ADMIN, endpoint_id)
    assert not view.endpoint.active
    assert "no delivery succeeded for 24 hours" in (view.endpoint.disabled_reason or "")
    assert [r.status for r in rows(site, endpoint_id)] == ["failed", "failed"]
    with site.db.reading() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "webhook.disabled")
        ).one()
        assert entry.subject_id == str(endpoint_id)
    # New events while disabled are kept, as failed, for a replay.
    create_post(site, SYSTEM, "rail", new("Three."))
    run(site)
    assert [r.status for r in rows(site, endpoint_id)] == ["failed"] * 3
    # Enabled again, and replayed: everything arrives, in the log's order.
    receiver.start()
    hooks.set_enabled(site, ADMIN, endpoint_id, True)
    assert hooks.replay(site, ADMIN, endpoint_id) == 3
    run(site)
    assert [r.json["data"]["seq"] for r in receiver.snapshot()] == [2, 3, 4]
    assert all(r.signed for r in receiver.snapshot())


def test_replay_of_one_delivery_sends_the_same_message_again(
    site: Site, receiver: Receiver
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    create_post(site, SYSTEM, "rail", new("One."))
    run(site)
    (delivery,) = rows(site, endpoint_id)
    assert hooks.replay(site, ADMIN, endpoint_id, delivery.id) == 1
    run(site)
    first, again = receiver.snapshot()
    assert first.message_id == again.message_id and first.body == again.body
    assert again.signed
    assert rows(site, endpoint_id)[0].attempts == 2


def test_a_rotated_secret_signs_what_follows(site: Site, receiver: Receiver) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    old = receiver.secret
    receiver.secret = hooks.rotate_secret(site, ADMIN, endpoint_id)
    assert receiver.secret != old
    create_post(site, SYSTEM, "rail", new("One."))
    run(site)
    assert [r.signed for r in receiver.snapshot()] == [True]


def test_only_admins_manage_webhooks(site: Site, receiver: Receiver) -> None:
    editor = Actor(user_id=None, role="editor", name="Ed")
    with pytest.raises(Forbidden):
        hooks.create_endpoint(site, editor, WebhookFields(url=receiver.url))
    endpoint_id = add(site, receiver)
    for call in (
        lambda: hooks.endpoints(site, editor),
        lambda: hooks.deliveries(site, editor, endpoint_id),
        lambda: hooks.replay(site, editor, endpoint_id),
        lambda: hooks.rotate_secret(site, editor, endpoint_id),
        lambda: hooks.delete_endpoint(site, editor, endpoint_id),
    ):
        with pytest.raises(Forbidden):
            call()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"url": "ftp://example.org/hook"}, "http:// or https://"),
        ({"url": "https://"}, "http:// or https://"),
        ({"url": "https://user:pw@example.org/"}, "user name"),
        ({"url": "https://example.org/", "kinds": ["post.eaten"]}, "unknown event kind"),
        ({"url": "https://example.org/", "blog": "nope"}, "no blog"),
    ],
)
def test_bad_endpoints_are_refused_with_a_message(
    site: Site, fields: dict[str, object], says: str
) -> None:
    with pytest.raises(Invalid) as refused:
        hooks.create_endpoint(site, ADMIN, WebhookFields.model_validate(fields))
    assert says in refused.value.message


def test_a_site_keeps_a_bounded_number_of_endpoints(site: Site) -> None:
    for n in range(hooks.MAX_ENDPOINTS):
        hooks.create_endpoint(site, ADMIN, WebhookFields(url=f"https://example.org/{n}"))
    with pytest.raises(Invalid) as refused:
        hooks.create_endpoint(site, ADMIN, WebhookFields(url="https://example.org/one-more"))
    assert "at most" in refused.value.message


def test_a_body_is_compact_json_with_type_timestamp_and_data() -> None:
    text = webhooks.body("post.deleted", "2026-11-30T10:00:00Z", "rail", 7, {"v": 1, "id": "ab"})
    assert json.loads(text) == {
        "type": "post.deleted",
        "timestamp": "2026-11-30T10:00:00Z",
        "data": {"blog": "rail", "seq": 7, "v": 1, "id": "ab"},
    }
    assert hashlib.sha256(text.encode()).hexdigest()  # bytes as signed: no surprises


def test_the_docs_verification_snippet_accepts_a_delivery_and_refuses_a_forgery() -> None:
    text = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # the receiver's code, as the docs give it
    secret = webhooks.new_secret()
    body = webhooks.body("post.deleted", "2026-11-30T10:00:00Z", "rail", 7, {"v": 1, "id": "ab"})
    headers = webhooks.headers(secret, webhooks.new_message_id(), int(time.time()), body)
    assert scope["verified"](secret, headers, body.encode())
    assert not scope["verified"](secret, headers, body.encode().replace(b"ab", b"cd"))
    assert not scope["verified"](webhooks.new_secret(), headers, body.encode())


def test_a_redirect_is_a_failure_and_is_not_followed(site: Site, receiver: Receiver) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    receiver.answer = 302
    create_post(site, SYSTEM, "rail", new("One."))
    run(site)
    (delivery,) = rows(site, endpoint_id)
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        "pending",
        302,
        "HTTP 302",
    )
    assert len(receiver.snapshot()) == 1


def test_a_claim_held_by_a_sender_that_died_runs_out(site: Site, receiver: Receiver) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    create_post(site, SYSTEM, "rail", new("One."))
    while dispatch(site) is not None:
        pass
    (held,) = deliveries.claim(site, 16)  # and this sender dies before it sends
    assert deliveries.claim(site, 16) == []  # nobody else takes it while the lease holds
    with site.db.writing() as session:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == held.id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    run(site)
    assert [r.status for r in rows(site, endpoint_id)] == ["delivered"]
    assert [r.message_id for r in receiver.snapshot()] == [held.message_id]


def test_the_audit_log_names_each_change_and_never_the_secret(site: Site) -> None:
    endpoint_id = hooks.create_endpoint(site, ADMIN, WebhookFields(url="https://a.example/h"))
    secrets = [hooks.endpoint(site, ADMIN, endpoint_id).endpoint.secret]
    secrets.append(hooks.rotate_secret(site, ADMIN, endpoint_id))
    hooks.set_enabled(site, ADMIN, endpoint_id, False)
    hooks.set_enabled(site, ADMIN, endpoint_id, True)
    hooks.replay(site, ADMIN, endpoint_id)
    hooks.delete_endpoint(site, ADMIN, endpoint_id)
    with site.db.reading() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == [
        "webhook.created",
        "webhook.secret-rotated",
        "webhook.disabled",
        "webhook.enabled",
        "webhook.replayed",
        "webhook.deleted",
    ]
    assert {(e.subject_kind, e.subject_id) for e in entries} == {("webhook", str(endpoint_id))}
    dump = json.dumps([e.detail for e in entries])
    assert not any(secret in dump for secret in secrets) and "whsec_" not in dump


def test_pruning_keeps_what_may_still_be_sent(site: Site, receiver: Receiver) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Rail", slug="rail"))
    run(site)
    endpoint_id = add(site, receiver)
    create_post(site, SYSTEM, "rail", new("One."))
    run(site)
    receiver.answer = 500
    create_post(site, SYSTEM, "rail", new("Two."))
    run(site)
    assert deliveries.prune(site, timedelta(days=1)) == 0
    with site.db.writing() as session:
        session.execute(update(WebhookDelivery).values(delivered_at=utcnow() - timedelta(days=2)))
    assert deliveries.prune(site, timedelta(days=1)) == 1
    assert [r.status for r in rows(site, endpoint_id)] == ["pending"]
