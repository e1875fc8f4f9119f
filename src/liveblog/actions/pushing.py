"""Sending the notices of actions/push.py to readers' browsers, as the worker's ``push``
job: claim a notice, check right before each batch that what it announces is still
public (a post deleted or unflagged in the meantime is never announced), send the batch
through each browser's push service at once (bounded), and record the outcome: a
subscription its push service says is gone (404, 410) is dropped, and so is one that
failed ``MAX_FAILURES`` times in a row. A worker leases the notice for one batch, and
moves its ``sent_through`` after it: one that stops mid-batch leaves the rest to the
next, once its lease has run out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import httpx
from sqlalchemy import delete, or_, select, update

from liveblog import metrics
from liveblog.actions.push import signing_key
from liveblog.site import Site
from liveblog.states import BlogStatus, PostStatus
from liveblog.storage import Blog, Post, PushNotice, PushSubscription
from liveblog.storage.tables import utcnow
from liveblog.webpush import SigningKey, Subscription, push_request

log = logging.getLogger("liveblog.push")

BATCH = 100
CONCURRENCY = 16
TIMEOUT_SECONDS = 10.0
# A worker holds a notice this long per batch; a batch takes at most
# BATCH / CONCURRENCY * TIMEOUT_SECONDS (about 70 s).
LEASE = timedelta(minutes=2)
MAX_FAILURES = 5
# How long a push service keeps a notification for a browser that is offline.
TTL_SECONDS = {"post": 4 * 3600, "ended": 24 * 3600}
BODY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Batch:
    notice_id: int
    message: dict[str, Any] | None  # None: no longer true, drop the notice
    subscriptions: list[tuple[int, Subscription]]
    ttl: int


def send_notices(site: Site) -> float | None:
    """One round of the ``push`` job: one batch of one notice. 0 when more is waiting,
    None when no notice is due."""
    notice_id = _claim(site)
    if notice_id is None:
        return None
    batch = _next_batch(site, notice_id)
    if batch.message is None or not batch.subscriptions:
        _finish(site, notice_id, "dropped" if batch.message is None else "sent")
        return 0
    key = signing_key(site)
    outcomes = _send_all(key, batch)
    _record(site, notice_id, outcomes, last=batch.subscriptions[-1][0])
    return 0


def _claim(site: Site) -> int | None:
    """A notice nobody is sending (PostgreSQL: SKIP LOCKED lets several workers each take
    their own), leased to this worker."""
    now = utcnow()
    with site.db.reading() as session:
        waiting = session.scalar(
            select(PushNotice.id).where(_due(now)).order_by(PushNotice.id).limit(1)
        )
    if waiting is None:
        return None  # without taking SQLite's writer lock, as most looks find nothing
    with site.db.writing() as session:
        notice = session.scalars(
            select(PushNotice)
            .where(_due(now))
            .order_by(PushNotice.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if notice is None:
            return None
        notice.leased_until = now + LEASE
        return notice.id


def _due(now: Any) -> Any:
    return (PushNotice.done_at.is_(None)) & or_(
        PushNotice.leased_until.is_(None), PushNotice.leased_until < now
    )


def _next_batch(site: Site, notice_id: int) -> Batch:
    base_url = site.settings.base_url
    with site.db.reading() as session:
        notice = session.get_one(PushNotice, notice_id)
        blog = session.get_one(Blog, notice.blog_id)
        post = session.get(Post, notice.post_id) if notice.post_id is not None else None
        message = _message(blog, post, base_url, ended=notice.subject == "ended")
        rows = session.scalars(
            select(PushSubscription)
            .where(
                PushSubscription.blog_id == notice.blog_id,
                PushSubscription.id > notice.sent_through,
                PushSubscription.id <= notice.upto,
            )
            .order_by(PushSubscription.id)
            .limit(BATCH)
        ).all()
        subscriptions = [(row.id, Subscription(row.endpoint, row.p256dh, row.auth)) for row in rows]
        ttl = TTL_SECONDS["ended" if post is None else "post"]
        return Batch(notice_id, message, subscriptions if message else [], ttl)


def _message(blog: Blog, post: Post | None, base_url: str, *, ended: bool) -> dict[str, Any] | None:
    """What the notification says, checked against the rows as they are now: None when
    the post is no longer a published key event, or the blog no longer ended."""
    blog_url = f"{base_url}/live/{blog.slug}"
    if ended:
        if blog.status != BlogStatus.ENDED:
            return None
        body, url, tag = "This live blog has ended.", blog_url, f"{blog.slug}:ended"
    else:
        if (
            post is None
            or post.status != PostStatus.PUBLISHED
            or not post.key_event
            or blog.status == BlogStatus.DRAFT
        ):
            return None
        body = post.label or blog.title
        url, tag = f"{blog_url}/posts/{post.public_id}", f"{blog.slug}:{post.public_id}"
    if len(body) > BODY_CHARS:
        body = body[: BODY_CHARS - 1].rstrip() + "…"
    return {
        "title": blog.title,
        "body": body,
        "url": url,
        "tag": tag,
        "icon": f"{base_url}/static/favicon.svg",
    }


def _send_all(key: SigningKey, batch: Batch) -> list[tuple[int, str]]:
    """Each subscription's outcome: sent, gone or failed.

    Sent from ``CONCURRENCY`` threads through one process-wide client, whose connections
    to each push service stay open from one batch to the next. Measured here
    (bench/publish_cost.py), httpx's async client cost about four times the CPU per
    request of its blocking one, which made the CPU, not the network, the limit."""
    assert batch.message is not None
    message = batch.message
    tokens: dict[str, str] = {}
    for _, subscription in batch.subscriptions:
        if subscription.origin not in tokens:
            tokens[subscription.origin] = key.authorization(subscription.origin)
    client = _client()

    def send(item: tuple[int, Subscription]) -> tuple[int, str]:
        sub_id, subscription = item
        try:
            request = push_request(subscription, message, tokens[subscription.origin], batch.ttl)
        except Exception:  # a key the checks let through but that cannot encrypt
            log.exception("push: cannot encrypt for subscription %d", sub_id)
            return sub_id, "failed"
        try:
            answer = client.post(
                subscription.endpoint, content=request.body, headers=request.headers
            )
        except httpx.HTTPError as exc:
            log.info("push: %s failed: %s", subscription.origin, exc)
            return sub_id, "failed"
        if answer.status_code in (404, 410):
            return sub_id, "gone"
        if 200 <= answer.status_code < 300:
            return sub_id, "sent"
        log.info("push: %s answered %d", subscription.origin, answer.status_code)
        return sub_id, "failed"

    with ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="push") as pool:
        return list(pool.map(send, batch.subscriptions))


@cache
def _client() -> httpx.Client:
    """One client per process (httpx's is safe to share between threads): loading the
    certificates takes a quarter of a second, and a push service's connection is reused."""
    return httpx.Client(
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
        verify=httpx.create_ssl_context(),
        limits=httpx.Limits(max_connections=CONCURRENCY * 2),
    )


def _record(site: Site, notice_id: int, outcomes: Sequence[tuple[int, str]], last: int) -> None:
    by = {kind: [i for i, outcome in outcomes if outcome == kind] for kind in metrics.PUSH_OUTCOMES}
    with site.db.writing() as session:
        if by["gone"]:
            session.execute(delete(PushSubscription).where(PushSubscription.id.in_(by["gone"])))
        if by["sent"]:
            session.execute(
                update(PushSubscription)
                .where(PushSubscription.id.in_(by["sent"]), PushSubscription.failures > 0)
                .values(failures=0)
            )
        if by["failed"]:
            session.execute(
                update(PushSubscription)
                .where(PushSubscription.id.in_(by["failed"]))
                .values(failures=PushSubscription.failures + 1)
            )
            session.execute(
                delete(PushSubscription).where(
                    PushSubscription.id.in_(by["failed"]),
                    PushSubscription.failures >= MAX_FAILURES,
                )
            )
        notice = session.get_one(PushNotice, notice_id)
        notice.sent_through = max(notice.sent_through, last)
        notice.leased_until = None  # the next batch is anyone's
    for kind, ids in by.items():
        if ids:
            metrics.PUSH_MESSAGES.labels(kind).inc(len(ids))


def _finish(site: Site, notice_id: int, outcome: str) -> None:
    with site.db.writing() as session:
        notice = session.get_one(PushNotice, notice_id)
        notice.done_at, notice.outcome, notice.leased_until = utcnow(), outcome, None
    metrics.PUSH_NOTICES.labels(outcome).inc()
