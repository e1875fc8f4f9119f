"""Reading the event log: what happened in a blog after a seq, as SSE bytes or JSON.

The log never outlives a removal. When an event about a post (or about the blog) is
appended, the same transaction restates that subject's earlier events (see ``restated``):
a deleted post's earlier events become tombstones with no text, and an edited post's
earlier events carry its new public state. So whatever replays the log (``updates.json``,
a stream's Last-Event-ID replay, the hub's recent events) only ever holds what is public
now, under the seqs the events always had."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveblog.events import OWN_FIELDS, POST_STATE_KINDS, current, for_readers, tombstone
from liveblog.states import BlogStatus
from liveblog.storage import Blog, Event, Post
from liveblog.times import iso


def subject(kind: str, payload: dict[str, Any]) -> str | None:
    """What an event is about: ``post:<id>``, ``blog``, or None (nothing to restate)."""
    if kind.startswith("post.") and "id" in payload:
        return f"post:{payload['id']}"
    return "blog" if kind.startswith("blog.") else None


def restated(
    kind: str, payload: dict[str, Any], latest_kind: str, latest: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """What an earlier event of the same subject says once ``latest`` has happened, or
    None when it stays as it is.

    - After ``post.deleted`` every earlier event of the post is a tombstone:
      ``post.deleted`` with only the id. A page that applies it drops the post if it has
      it, so an old "published" replayed later cannot bring the post back.
    - After an event carrying the post's state (published, edited, flagged, restored,
      pinned), earlier events carrying its state carry the new one, each keeping its own
      kind and fields (``replaces``). Tombstones stay tombstones: the restore that follows
      them in the log brings the post back.
    - ``post.unpinned`` carries no state and restates nothing.
    - After a blog event, earlier blog events carry the blog's current record.
    """
    if latest_kind.startswith("blog."):
        return (kind, dict(latest)) if payload != latest else None
    if latest_kind == "post.deleted":
        gone = tombstone(latest["id"])
        if kind == "post.deleted" and payload == gone:
            return None
        return "post.deleted", gone
    if latest_kind in POST_STATE_KINDS and kind in POST_STATE_KINDS:
        state = {k: v for k, v in latest.items() if k not in OWN_FIELDS}
        state |= {k: payload[k] for k in OWN_FIELDS if k in payload}
        return (kind, state) if state != payload else None
    return None


@dataclass(frozen=True, slots=True)
class LiveEvent:
    seq: int
    kind: str
    data: dict[str, Any]
    sse: bytes
    payload: dict[str, Any]
    at: str | None

    @property
    def subject(self) -> str | None:
        return subject(self.kind, self.payload)

    @property
    def hides_blog(self) -> bool:
        """A blog event saying the blog is a draft (now: blog events are restated to the
        blog's current record): nothing more of it may leave the server."""
        return self.kind.startswith("blog.") and self.payload.get("status") == BlogStatus.DRAFT

    def restated(self, latest: LiveEvent) -> LiveEvent:
        """This event as the log holds it once ``latest`` (of the same subject) is in it."""
        new = restated(self.kind, self.payload, latest.kind, latest.payload)
        return self if new is None else encode(self.seq, new[0], self.at, new[1])


@dataclass(frozen=True, slots=True)
class Backlog:
    """The events after a reader's seq, or why the reader must reload instead."""

    events: list[LiveEvent]
    last_seq: int
    resync: str | None = None


def encode(seq: int, kind: str, at: str | None, payload: dict[str, Any]) -> LiveEvent:
    """The event as readers' pages get it (see ``events.for_readers``), encoded once."""
    data = {"seq": seq, "kind": kind, "at": at, **for_readers(payload)}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    sse = f"id: {seq}\nevent: {kind}\ndata: {body}\n\n".encode()
    return LiveEvent(seq, kind, data, sse, payload, at)


class _Reading:
    """What upcasting an old event may look up (see ``events.current``): read only when
    an event needs it, once per batch."""

    def __init__(self, session: Session, blog_id: int) -> None:
        self._session, self._blog_id = session, blog_id
        self._blog: Blog | None = None

    def blog(self) -> Blog:
        if self._blog is None:
            self._blog = self._session.get_one(Blog, self._blog_id)
        return self._blog

    def post(self, post_id: int | None) -> Post | None:
        return self._session.get(Post, post_id) if post_id is not None else None


def live_event(event: Event, reading: _Reading) -> LiveEvent:
    """A stored event as this code sends it: upcast and re-rendered when older code or
    another card template wrote it. Encoded here, once per read of the log, not per reader."""
    kind, payload = current(event.kind, event.payload, event.post_id, reading)
    return encode(event.seq, kind, iso(event.at), payload)


def resync_event(last_seq: int, reason: str) -> bytes:
    body = json.dumps({"seq": last_seq, "kind": "resync", "reason": reason})
    return f"id: {last_seq}\nevent: resync\ndata: {body}\n\n".encode()


def blog_head(session: Session, slug: str) -> tuple[int, int] | None:
    """The blog's id and last seq, for a reader who may follow it (not drafts)."""
    row = session.execute(
        select(Blog.id, Blog.last_seq).where(Blog.slug == slug, Blog.status != BlogStatus.DRAFT)
    ).first()
    return (row.id, row.last_seq) if row else None


def events_after(session: Session, blog_id: int, after: int, limit: int) -> list[LiveEvent]:
    rows = session.scalars(
        select(Event)
        .where(Event.blog_id == blog_id, Event.seq > after)
        .order_by(Event.seq)
        .limit(limit)
    ).all()
    reading = _Reading(session, blog_id)
    return [live_event(row, reading) for row in rows]


def backlog(session: Session, blog_id: int, last_seq: int, after: int, limit: int) -> Backlog:
    """What a reader at ``after`` is missing, up to ``last_seq``; never a silent gap. A
    reader more than ``limit`` events behind (LIVEBLOG_REPLAY_LIMIT) reloads the page
    instead: a fresh page is cheaper than hundreds of events, and the log may be pruned
    beyond it."""
    if after > last_seq:
        return Backlog([], last_seq, "the reader is ahead of the log: unknown seq")
    if after == last_seq:
        return Backlog([], last_seq)
    if last_seq - after > limit:
        return Backlog([], last_seq, "too far behind to replay")
    oldest = session.scalar(select(func.min(Event.seq)).where(Event.blog_id == blog_id))
    if oldest is None or oldest > after + 1:
        return Backlog([], last_seq, "the log no longer holds that seq")
    events = [e for e in events_after(session, blog_id, after, limit) if e.seq <= last_seq]
    return Backlog(events, last_seq)
