"""Readers' notifications with the page closed (Web Push): the site's signing key, a
reader's browser subscribing to a live blog or leaving it, and the dispatch handler that
writes a notice for each key event and for the blog's end. ``actions/pushing.py`` sends
the notices."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from liveblog.actions.access import Actor, require_readable_blog
from liveblog.actions.throttle import address_key
from liveblog.errors import Conflict, LiveblogError, NotFound, TooManyRequests
from liveblog.events import EventKind
from liveblog.realtime.log import LiveEvent
from liveblog.site import Site
from liveblog.states import BlogStatus
from liveblog.storage import Blog, Post, PushNotice, PushSubscription, SiteKey
from liveblog.storage.db import insert_unless_present
from liveblog.storage.queries import blog_by_slug
from liveblog.storage.tables import utcnow
from liveblog.webpush import SigningKey, Subscription, checked, subject_for

VAPID_KEY = "vapid"
# Subscriptions one client address may make per this window (LIVEBLOG_PUSH_PER_ADDRESS).
ADDRESS_WINDOW = timedelta(hours=1)


def signing_key(site: Site) -> SigningKey:
    """The VAPID key: LIVEBLOG_VAPID_PRIVATE_KEY, or the one this site made for itself the
    first time it was needed, kept in the database so that every node signs alike."""
    settings = site.settings
    subject = subject_for(settings.vapid_subject, settings.base_url)
    if settings.vapid_private_key:
        try:
            return SigningKey.from_text(settings.vapid_private_key, subject)
        except (ValueError, TypeError) as exc:
            raise LiveblogError(
                f"LIVEBLOG_VAPID_PRIVATE_KEY is not a P-256 private key in PEM or base64url ({exc})"
            ) from None
    with site.db.reading() as session:
        text = session.scalar(select(SiteKey.value).where(SiteKey.name == VAPID_KEY))
    if text is None:
        with site.db.writing() as session:
            # Two nodes making one at once: the first insert wins, both read it back.
            insert_unless_present(
                session, SiteKey, {"name": VAPID_KEY, "value": SigningKey.new_text()}, ["name"]
            )
            text = session.scalar(select(SiteKey.value).where(SiteKey.name == VAPID_KEY))
    assert text is not None
    return SigningKey.from_text(text, subject)


def subscribe(
    site: Site,
    actor: Actor | None,
    slug: str,
    endpoint: str,
    p256dh: str,
    auth: str,
    *,
    address: str,
) -> bool:
    """Notes a reader's browser (its ``PushSubscription``) to be told of this blog's key
    events and of its end. Readers may subscribe to a live blog they can read; True when
    the subscription is new, False when it was there already (its keys are refreshed)."""
    settings = site.settings
    found = checked(endpoint, p256dh, auth, settings.push_services)
    with site.db.writing() as session:
        blog = _live_blog(session, actor, slug)
        row = session.scalar(
            select(PushSubscription).where(
                PushSubscription.blog_id == blog.id, PushSubscription.endpoint == found.endpoint
            )
        )
        if row is not None:
            row.p256dh, row.auth, row.failures = found.p256dh, found.auth, 0
            return False
        key = address_key("push", address)
        _check_room(session, blog, key, settings.push_per_blog, settings.push_per_address)
        session.add(_subscription(blog, found, key))
        return True


def _live_blog(session: Session, actor: Actor | None, slug: str) -> Blog:
    blog = blog_by_slug(session, slug, include_drafts=True)
    require_readable_blog(session, actor, blog)
    if blog.status != BlogStatus.LIVE:
        raise Conflict("This blog is not live: it sends no more notifications.")
    return blog


def _check_room(session: Session, blog: Blog, key: str, per_blog: int, per_address: int) -> None:
    if per_blog == 0:
        raise NotFound("This site sends no notifications.")
    held = session.scalar(
        select(func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.blog_id == blog.id)
    )
    if (held or 0) >= per_blog:
        raise Conflict("This blog has as many readers to notify as it can take.")
    since = utcnow() - ADDRESS_WINDOW
    recent = session.scalars(
        select(PushSubscription.created_at)
        .where(PushSubscription.address == key, PushSubscription.created_at > since)
        .order_by(PushSubscription.created_at)
        .limit(per_address)
    ).all()
    if len(recent) >= per_address:
        wait = recent[0] + ADDRESS_WINDOW - utcnow()
        raise TooManyRequests(
            "Too many notification requests from this address. Try again later.",
            retry_after=max(1, math.ceil(wait.total_seconds())),
        )


def _subscription(blog: Blog, found: Subscription, key: str) -> PushSubscription:
    return PushSubscription(
        blog_id=blog.id,
        endpoint=found.endpoint,
        p256dh=found.p256dh,
        auth=found.auth,
        address=key,
        created_at=utcnow(),
        failures=0,
    )


def unsubscribe(site: Site, actor: Actor | None, slug: str, endpoint: str) -> bool:
    """Forgets a reader's browser for this blog (of any status but draft, which only its
    team sees): True when it was subscribed."""
    with site.db.writing() as session:
        blog = blog_by_slug(session, slug, include_drafts=True)
        require_readable_blog(session, actor, blog)
        gone = session.execute(
            delete(PushSubscription).where(
                PushSubscription.blog_id == blog.id, PushSubscription.endpoint == endpoint
            )
        )
        return bool(getattr(gone, "rowcount", 0))


def notice_key_events(session: Session, blog: Blog, events: Sequence[LiveEvent]) -> int:
    """The dispatch handler (actions/dispatch.py): a notice for each post that becomes a
    key event (published as one, or flagged) and for the blog's end, once per post and
    once for the end, if anyone is subscribed. Events arrive restated: a post unflagged or
    deleted since says so, and gets no notice."""
    upto: int | None = None
    made = 0
    for event in events:
        payload = event.payload
        if event.kind in (EventKind.POST_PUBLISHED, EventKind.POST_FLAGGED):
            if not payload.get("key_event"):
                continue
            post_id = session.scalar(select(Post.id).where(Post.public_id == payload["id"]))
            if post_id is None:
                continue
            subject = f"post:{payload['id']}"
        elif event.kind == EventKind.BLOG_ENDED and payload.get("status") == BlogStatus.ENDED:
            post_id, subject = None, "ended"
        else:
            continue
        if upto is None:
            upto = (
                session.scalar(
                    select(func.max(PushSubscription.id)).where(PushSubscription.blog_id == blog.id)
                )
                or 0
            )
        if upto == 0:
            return 0  # nobody to tell
        made += _add_notice(session, blog.id, post_id, subject, upto)
    return made


def _add_notice(
    session: Session, blog_id: int, post_id: int | None, subject: str, upto: int
) -> int:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    done = session.execute(
        dialect.insert(PushNotice)
        .values(
            blog_id=blog_id,
            post_id=post_id,
            subject=subject,
            upto=upto,
            sent_through=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["blog_id", "subject"])
    )
    return int(getattr(done, "rowcount", 0) or 0)
