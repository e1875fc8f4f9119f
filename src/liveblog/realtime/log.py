"""Reading the event log: what happened in a blog after a seq, as SSE bytes or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveblog.present import iso
from liveblog.storage import Blog, Event

# A reader further behind than this reloads the page instead of replaying: a fresh page is
# cheaper than hundreds of events, and the log may be pruned beyond it.
REPLAY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class LiveEvent:
    seq: int
    kind: str
    data: dict[str, Any]
    sse: bytes


@dataclass(frozen=True, slots=True)
class Backlog:
    """The events after a reader's seq, or why the reader must reload instead."""

    events: list[LiveEvent]
    last_seq: int
    resync: str | None = None


def live_event(event: Event) -> LiveEvent:
    data = {"seq": event.seq, "kind": event.kind, "at": iso(event.at), **event.payload}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    sse = f"id: {event.seq}\nevent: {event.kind}\ndata: {body}\n\n".encode()
    return LiveEvent(event.seq, event.kind, data, sse)


def resync_event(last_seq: int, reason: str) -> bytes:
    body = json.dumps({"seq": last_seq, "kind": "resync", "reason": reason})
    return f"id: {last_seq}\nevent: resync\ndata: {body}\n\n".encode()


def blog_head(session: Session, slug: str) -> tuple[int, int] | None:
    """The blog's id and last seq, for a reader who may follow it (not drafts)."""
    row = session.execute(
        select(Blog.id, Blog.last_seq).where(Blog.slug == slug, Blog.status != "draft")
    ).first()
    return (row.id, row.last_seq) if row else None


def events_after(
    session: Session, blog_id: int, after: int, limit: int = REPLAY_LIMIT
) -> list[LiveEvent]:
    rows = session.scalars(
        select(Event)
        .where(Event.blog_id == blog_id, Event.seq > after)
        .order_by(Event.seq)
        .limit(limit)
    ).all()
    return [live_event(row) for row in rows]


def backlog(session: Session, blog_id: int, last_seq: int, after: int) -> Backlog:
    """What a reader at ``after`` is missing, up to ``last_seq``; never a silent gap."""
    if after > last_seq:
        return Backlog([], last_seq, "the reader is ahead of the log: unknown seq")
    if after == last_seq:
        return Backlog([], last_seq)
    if last_seq - after > REPLAY_LIMIT:
        return Backlog([], last_seq, "too far behind to replay")
    oldest = session.scalar(select(func.min(Event.seq)).where(Event.blog_id == blog_id))
    if oldest is None or oldest > after + 1:
        return Backlog([], last_seq, "the log no longer holds that seq")
    events = [e for e in events_after(session, blog_id, after) if e.seq <= last_seq]
    return Backlog(events, last_seq)
