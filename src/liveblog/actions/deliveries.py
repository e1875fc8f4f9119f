"""Webhook deliveries: written from the event log by the dispatch handler (``make``, one
per matching endpoint and event), then claimed, and their outcome recorded, by the sender
(``liveblog.webhooks``). An endpoint that fails for too long is disabled here, and its
owner told (the desk's notice, the audit log, a log line)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from liveblog import webhooks
from liveblog.actions import audit
from liveblog.actions.access import SYSTEM
from liveblog.realtime.log import LiveEvent
from liveblog.site import Site
from liveblog.states import BlogStatus, DeliveryStatus
from liveblog.storage import Blog, WebhookDelivery, WebhookEndpoint
from liveblog.storage.tables import utcnow

log = logging.getLogger("liveblog.webhooks")

PENDING, DELIVERED, FAILED = (s.value for s in DeliveryStatus)
DISABLED_NOTE = "the endpoint is disabled"
# Beyond the timeout, how long a claim holds: a sender that died mid-send loses its claim.
LEASE_MARGIN = timedelta(seconds=30)


def make(session: Session, blog: Blog, events: Sequence[LiveEvent]) -> int:
    """The dispatch handler (``actions.dispatch.HANDLERS``): one delivery per event and
    endpoint that wants it, in the dispatching transaction. A blog in draft sends nothing
    out, as for readers. A disabled endpoint's deliveries are written as failed, so that a
    replay after it is enabled again brings them back, in order."""
    if not events or blog.status == BlogStatus.DRAFT:
        return 0
    endpoints = session.scalars(
        select(WebhookEndpoint)
        .where(or_(WebhookEndpoint.blog_id.is_(None), WebhookEndpoint.blog_id == blog.id))
        .order_by(WebhookEndpoint.id)
    ).all()
    made = 0
    now = utcnow()
    for event in events:
        for endpoint in endpoints:
            if endpoint.kinds and event.kind not in endpoint.kinds:
                continue
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    blog_id=blog.id,
                    seq=event.seq,
                    kind=event.kind,
                    message_id=webhooks.new_message_id(),
                    payload=webhooks.body(
                        event.kind, event.at, blog.slug, event.seq, event.payload
                    ),
                    status=PENDING if endpoint.active else FAILED,
                    attempts=0,
                    next_attempt_at=now,
                    last_error=None if endpoint.active else DISABLED_NOTE,
                    created_at=now,
                )
            )
            made += 1 if endpoint.active else 0
    return made


def _waiting() -> list[ColumnElement[bool]]:
    """A pending delivery of an active endpoint, with no earlier pending one of its
    endpoint and blog (which goes first: deliveries keep the log's order)."""
    earlier = aliased(WebhookDelivery)
    ahead = exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.blog_id == WebhookDelivery.blog_id,
        earlier.status == PENDING,
        earlier.seq < WebhookDelivery.seq,
    )
    return [WebhookDelivery.status == PENDING, WebhookEndpoint.active.is_(True), ~ahead]


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    """What a sender may take: a waiting delivery that is due and not held by another
    sender."""
    return [
        *_waiting(),
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
    ]


def claim(site: Site, batch: int) -> list[webhooks.Claimed]:
    """Takes up to ``batch`` due deliveries, each the oldest pending one of its endpoint
    and blog, and holds them for the timeout plus a margin. On PostgreSQL, ``FOR UPDATE
    SKIP LOCKED`` lets senders on several nodes take different ones; on SQLite the
    writer's lock lets one sender at a time claim."""
    now = utcnow()
    where = _claimable(now)
    with site.db.reading() as session:  # most looks find nothing: no writer lock for those
        found = session.scalar(
            select(WebhookDelivery.id).join(WebhookEndpoint).where(*where).limit(1)
        )
    if found is None:
        return []
    lease = now + timedelta(seconds=site.settings.webhook_timeout_seconds) + LEASE_MARGIN
    with site.db.writing() as session:
        rows = session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(*where)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(batch)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).all()
        claimed = []
        for delivery, endpoint in rows:
            delivery.lease_until = lease
            claimed.append(
                webhooks.Claimed(
                    delivery.id,
                    delivery.attempts,
                    endpoint.id,
                    endpoint.url,
                    endpoint.secret,
                    delivery.message_id,
                    delivery.payload,
                )
            )
        return claimed


def record(site: Site, results: Sequence[tuple[webhooks.Claimed, webhooks.Outcome]]) -> None:
    """What came of each try: delivered, or failed and due again after the backoff. An
    endpoint with no success for LIVEBLOG_WEBHOOK_DISABLE_HOURS is disabled."""
    settings = site.settings
    now = utcnow()
    with site.db.writing() as session:
        for claimed, outcome in results:
            delivery = session.get(WebhookDelivery, claimed.id, with_for_update=True)
            # Gone, replayed, or its lease ran out and another sender tried it since.
            if (
                delivery is None
                or delivery.status != PENDING
                or delivery.attempts != claimed.attempts
            ):
                continue
            endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error
            delivery.lease_until = None
            if outcome.delivered:
                delivery.status = DELIVERED
                delivery.delivered_at = now
                endpoint.failing_since = None
                continue
            wait = webhooks.backoff(
                delivery.attempts,
                settings.webhook_retry_base_seconds,
                settings.webhook_retry_cap_seconds,
            )
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            endpoint.failing_since = endpoint.failing_since or now
            limit = timedelta(hours=settings.webhook_disable_hours)
            if endpoint.active and now - endpoint.failing_since >= limit:
                disable(session, endpoint, now, outcome.error or "no answer")


def disable(session: Session, endpoint: WebhookEndpoint, now: datetime, error: str) -> None:
    """Turns off an endpoint that has failed for too long: its pending deliveries become
    failed (a replay sends them again), its owner sees a notice in the desk, and the
    audit log and the server's log say so."""
    hours = round((now - (endpoint.failing_since or now)).total_seconds() / 3600, 2)
    reason = audit.label(f"no delivery succeeded for {hours:g} hours; the last: {error}")
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == PENDING)
        .values(status=FAILED, lease_until=None)
    )
    audit.write(
        session,
        SYSTEM,
        "webhook.disabled",
        "webhook",
        endpoint.id,
        blog_id=endpoint.blog_id,
        detail={"url": audit.label(endpoint.url), "reason": reason, "owner": endpoint.owner_id},
    )
    log.warning("webhooks: endpoint %d (%s) disabled: %s", endpoint.id, endpoint.url, reason)


def seconds_to_next(site: Site) -> float | None:
    """Seconds until the first delivery a sender could take is due (or another sender's
    claim on it runs out); None when none waits."""
    now = utcnow()
    with site.db.reading() as session:
        heads = session.execute(
            select(WebhookDelivery.next_attempt_at, WebhookDelivery.lease_until)
            .join(WebhookEndpoint)
            .where(*_waiting())
            .limit(1000)
        ).all()
    if not heads:
        return None
    due = min(max(at, lease or at) for at, lease in heads)
    return max(0.05, (due - now).total_seconds())


def prune(site: Site, older_than: timedelta) -> int:
    """Deletes the deliveries delivered longer ago than ``older_than`` (the delivery log
    otherwise keeps them all); failed and pending ones stay. Returns how many went."""
    with site.db.writing() as session:
        done = session.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.status == DELIVERED,
                WebhookDelivery.delivered_at < utcnow() - older_than,
            )
        )
        return int(getattr(done, "rowcount", 0) or 0)
