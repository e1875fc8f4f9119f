"""Pruning the event log: readers further behind than what is kept get a resync."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from liveblog.actions.transaction import transaction
from liveblog.site import Site
from liveblog.storage import Blog, DispatchCursor, Event


def prune_events(site: Site, keep: int) -> int:
    """Keeps each blog's last ``keep`` events, and every event the worker has not handed
    over yet (see actions/dispatch.py: a webhook or a notification still owed); returns
    how many were removed."""
    if keep < 1:
        raise ValueError("keep at least one event per blog")
    with transaction(site) as tx:
        kept_from = select(Blog.last_seq - keep).where(Blog.id == Event.blog_id).scalar_subquery()
        handed_over = func.coalesce(
            select(DispatchCursor.seq)
            .where(DispatchCursor.blog_id == Event.blog_id)
            .scalar_subquery(),
            0,
        )
        result = tx.session.execute(
            delete(Event).where(Event.seq <= kept_from, Event.seq <= handed_over)
        )
        return int(getattr(result, "rowcount", 0) or 0)
