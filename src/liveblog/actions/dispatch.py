"""Handing the event log to the work that follows it outside requests (webhooks, Web Push).

A publish writes its rows and its event and returns; it never waits for a partner's server
or a push service. The worker (``liveblog.worker``) then calls ``dispatch`` over and over:
each call takes one blog whose log is ahead of its cursor, hands the events after the
cursor to every handler, and moves the cursor, all in one transaction. What a handler
writes (a delivery to make, a notification to send) therefore commits exactly when the
cursor passes its event: each event is handed over once, in seq order per blog, whether
one process runs the worker or ten nodes do (PostgreSQL's ``FOR UPDATE SKIP LOCKED`` lets
them share the blogs; SQLite's writer lock lets one at a time). Sending is then the
handlers' own job, from the rows they wrote.

Handlers see the events as the log holds them when they are dispatched: upcast to this
code's schema versions, and restated (a post deleted before its ``post.published`` was
dispatched shows up as a tombstone, so nothing announces it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from liveblog.actions import deliveries
from liveblog.actions.push import notice_key_events
from liveblog.realtime.log import LiveEvent, events_after
from liveblog.site import Site
from liveblog.storage import Blog, DispatchCursor
from liveblog.storage.tables import utcnow

log = logging.getLogger("liveblog.worker")

# A handler gets the blog and its next events (in seq order), inside the dispatching
# transaction, and writes what it will do about them; it returns how many jobs it made.
Handler = Callable[[Session, Blog, Sequence[LiveEvent]], int]

# The handlers every dispatch runs, in this order.
HANDLERS: tuple[Handler, ...] = (deliveries.make, notice_key_events)

# Most events handed over in one transaction.
BATCH = 200


@dataclass(frozen=True, slots=True)
class Dispatched:
    blog_id: int
    first: int
    last: int
    jobs: int


def dispatch(
    site: Site, handlers: Sequence[Handler] = HANDLERS, batch: int = BATCH
) -> Dispatched | None:
    """Hands one blog's next events (at most ``batch``) to ``handlers`` and moves its
    cursor past them; None when every blog's cursor is at its last seq (or the blogs that
    are behind are being dispatched by another process right now)."""
    if not _behind(site):
        return None  # without taking SQLite's writer lock, as most looks find nothing
    failed: int | None = None
    try:
        with site.db.writing() as session:
            _add_cursors(session)
            cursor = session.scalars(
                select(DispatchCursor)
                .join(Blog, Blog.id == DispatchCursor.blog_id)
                .where(Blog.last_seq > DispatchCursor.seq)
                .order_by(DispatchCursor.at, DispatchCursor.blog_id)
                .limit(1)
                .with_for_update(of=DispatchCursor, skip_locked=True)
            ).first()
            if cursor is None:
                return None
            failed = cursor.blog_id
            blog = session.get_one(Blog, cursor.blog_id)
            first = cursor.seq + 1
            events = events_after(session, blog.id, cursor.seq, batch)
            if events and events[0].seq != first:
                log.warning(
                    "dispatch: blog %s's events %d to %d were pruned before they were handed over",
                    blog.id,
                    first,
                    events[0].seq - 1,
                )
            jobs = sum(handler(session, blog, events) for handler in handlers) if events else 0
            # No event left after the cursor: the log was pruned past it, nothing to hand.
            cursor.seq = events[-1].seq if events else blog.last_seq
            cursor.at = utcnow()
            failed = None
            return Dispatched(blog.id, first, cursor.seq, jobs)
    finally:
        if failed is not None:
            _set_aside(site, failed)


def _set_aside(site: Site, blog_id: int) -> None:
    """After a handler failed on a blog's events (rolled back, to be tried again): the
    blog goes to the back of the queue, so that it cannot keep every other blog waiting."""
    with site.db.writing() as session:
        _add_cursors(session)  # those of the failed transaction were rolled back with it
        session.execute(
            update(DispatchCursor).where(DispatchCursor.blog_id == blog_id).values(at=utcnow())
        )


def _behind(site: Site) -> bool:
    """Whether some blog's log is ahead of its cursor, or some blog has no cursor yet."""
    with site.db.reading() as session:
        cursor = select(DispatchCursor.seq).where(DispatchCursor.blog_id == Blog.id)
        ahead = (
            select(Blog.id)
            .where(~exists(cursor.where(DispatchCursor.seq >= Blog.last_seq)))
            .limit(1)
        )
        return session.scalar(ahead) is not None


def _add_cursors(session: Session) -> None:
    """A cursor at 0 for each blog that has none yet (one created since the last
    dispatch): its whole log, from ``blog.created``, is to be handed over."""
    missing = select(Blog.id, literal(0), literal(utcnow())).where(
        ~exists().where(DispatchCursor.blog_id == Blog.id)
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(DispatchCursor)
        .from_select(["blog_id", "seq", "at"], missing)
        .on_conflict_do_nothing(index_elements=["blog_id"])
    )
