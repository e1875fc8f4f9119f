"""One action, one transaction: rows and their events commit together, then the bus is told."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from liveblog.site import Site
from liveblog.storage import Blog, Event, Post
from liveblog.storage.tables import utcnow


@dataclass
class Transaction:
    session: Session
    wakeups: dict[int, int] = field(default_factory=dict)

    def emit(
        self, blog: Blog, kind: str, payload: dict[str, Any], post: Post | None = None
    ) -> Event:
        """Appends an event with the blog's next seq.

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
        return event


@contextmanager
def transaction(site: Site) -> Iterator[Transaction]:
    with site.db.writing() as session:
        tx = Transaction(session)
        yield tx
        session.flush()
    # Committed: only now may readers be woken, or they could look before the rows exist.
    for blog_id, seq in tx.wakeups.items():
        site.bus.notify(blog_id, seq)
