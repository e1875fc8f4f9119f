"""One action, one transaction: rows and their events commit together, then the bus is told."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from liveblog import metrics
from liveblog.actions import audit as audit_log
from liveblog.actions.access import Actor
from liveblog.events import Payload
from liveblog.realtime.log import restated
from liveblog.site import Site
from liveblog.storage import Blog, Event, Post
from liveblog.storage.tables import utcnow


@dataclass
class Transaction:
    session: Session
    wakeups: dict[int, int] = field(default_factory=dict)
    first_kind: str = ""
    # What to do once the transaction has committed (after the bus is told).
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def emit(self, blog: Blog, said: Payload, post: Post | None = None) -> Event:
        """Appends an event with the blog's next seq: its kind is the payload's model (see
        ``liveblog.events``), and the log stores the payload with its schema version.

        The UPDATE takes the blog row's write lock, so writers to one blog commit in seq
        order and a reader asking for "after N" can never skip a slower writer's event.
        """
        now = utcnow()
        seq = self.session.execute(
            update(Blog)
            .where(Blog.id == blog.id)
            .values(last_seq=Blog.last_seq + 1, updated_at=now)
            .returning(Blog.last_seq)
        ).scalar_one()
        blog.last_seq, blog.updated_at = seq, now
        kind, payload = said.KIND.value, said.stored()
        restate_earlier(self.session, blog.id, kind, payload, post)
        event = Event(
            blog_id=blog.id,
            seq=seq,
            kind=kind,
            post_id=post.id if post else None,
            payload=payload,
            at=now,
        )
        self.session.add(event)
        self.wakeups[blog.id] = seq
        self.first_kind = self.first_kind or kind
        return event

    def audit(
        self,
        actor: Actor | None,
        action: str,
        subject_kind: str,
        subject_id: object,
        *,
        blog_id: int | None = None,
        detail: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        """Writes an audit-log entry in this transaction (see actions/audit.py)."""
        audit_log.write(
            self.session,
            actor,
            action,
            subject_kind,
            subject_id,
            blog_id=blog_id,
            detail=detail,
            address=address,
        )


def restate_earlier(
    session: Session, blog_id: int, kind: str, payload: dict[str, Any], post: Post | None
) -> None:
    """The log never outlives a removal: in the transaction that appends an event, the
    same subject's earlier events are rewritten to say only what is public after it (a
    tombstone for a deleted post, the new state for an edited one; see
    ``realtime.log.restated``). Their seqs stay; only what they say changes."""
    if post is not None:
        about = Event.post_id == post.id
    elif kind.startswith("blog."):
        about = and_(Event.post_id.is_(None), Event.kind.like("blog.%"))
    else:
        return
    for row in session.scalars(select(Event).where(Event.blog_id == blog_id, about)):
        new = restated(row.kind, row.payload, kind, payload)
        if new is not None:
            row.kind, row.payload = new


@contextmanager
def transaction(site: Site) -> Iterator[Transaction]:
    started = time.perf_counter()
    with site.db.writing() as session:
        tx = Transaction(session)
        yield tx
        session.flush()
    # Committed: only now may readers be woken, or they could look before the rows exist.
    for blog_id, seq in tx.wakeups.items():
        site.bus.notify(blog_id, seq)
    for then in tx.after_commit:
        then()
    metrics.ACTION_SECONDS.labels(tx.first_kind or "none").observe(time.perf_counter() - started)
