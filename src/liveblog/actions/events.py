"""Pruning the event log: readers further behind than what is kept get a resync."""

from __future__ import annotations

from sqlalchemy import delete, select

from liveblog.actions.transaction import transaction
from liveblog.site import Site
from liveblog.storage import Blog, Event


def prune_events(site: Site, keep: int) -> int:
    """Keeps each blog's last ``keep`` events; returns how many were removed."""
    if keep < 1:
        raise ValueError("keep at least one event per blog")
    with transaction(site) as tx:
        heads = select(Blog.id, Blog.last_seq).subquery()
        result = tx.session.execute(
            delete(Event).where(
                Event.blog_id.in_(select(heads.c.id)),
                Event.seq
                <= select(heads.c.last_seq).where(heads.c.id == Event.blog_id).scalar_subquery()
                - keep,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
