"""The scheduler's runner: publishes scheduled posts, and starts and ends scheduled blogs,
when their time comes. It is a job of the worker (``worker.JOBS``), so it runs inline in
every server process or in ``liveblog worker``.

It does nothing of its own: a post is published through ``posts.edit_in``, the action the
desk's Publish button runs, and a blog goes live or ends through ``blogs.update_in``, the
action of the desk's buttons, so the same events, audit entries, webhooks and push
notices follow. What it adds is the claim: each due row is taken in the transaction that
publishes it, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (another node's runner skips
it, and finds it published once that commits) and under SQLite's writer lock (one runner
at a time), so a post is published exactly once however many runners there are.

The schedule lives in the database: a runner that starts after a time has passed (the
server was down) publishes what is due at once. Between due times it sleeps until the
next one, and the bus wakes it when a schedule changes (``schedule.nudge``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from liveblog.actions import audit
from liveblog.actions.blogs import update_in
from liveblog.actions.posts import edit_in
from liveblog.actions.schedule import SCHEDULER
from liveblog.actions.transaction import transaction
from liveblog.errors import LiveblogError
from liveblog.schema import BlogChanges, PostChanges
from liveblog.site import Site
from liveblog.states import BlogStatus, PostStatus
from liveblog.storage import Blog, Post
from liveblog.storage.tables import utcnow

log = logging.getLogger("liveblog.worker")

# How long a runner waits when something is due but claimed by another runner right now
# (it looks again sooner if that one's publish wakes it through the bus).
CLAIMED_WAIT = 1.0


def step(site: Site) -> float | None:
    """One round: carries out one due item, if any. Returns 0 when it did (more may be
    due), the seconds until the next due time, or None when nothing is scheduled."""
    due = next_due(site)
    if due is None:
        return None
    now = utcnow()
    if due > now:
        return (due - now).total_seconds()
    if run_one(site, now):
        return 0
    return CLAIMED_WAIT


def next_due(site: Site) -> datetime | None:
    """The earliest time anything is scheduled for, read without taking a lock."""
    with site.db.reading() as session:
        times = [
            session.scalar(
                select(func.min(Post.scheduled_at)).where(Post.status == PostStatus.SCHEDULED)
            ),
            session.scalar(select(func.min(Blog.starts_at))),
            session.scalar(select(func.min(Blog.ends_at))),
        ]
    return min((t for t in times if t is not None), default=None)


def run_one(site: Site, now: datetime | None = None) -> bool:
    """Claims one due post (or else one due blog) and carries it out, in one transaction;
    False when nothing due was left unclaimed."""
    now = now or utcnow()
    subject: tuple[str, int] | None = None
    try:
        with transaction(site) as tx:
            post = _claim_post(tx.session, now)
            if post is not None:
                subject = ("post", post.id)
                blog = tx.session.get_one(Blog, post.blog_id)
                publish = PostChanges(status=PostStatus.PUBLISHED)
                edit_in(tx, site, SCHEDULER, blog.slug, post.public_id, publish, post.version)
                log.info("scheduler: published post %s of blog %s", post.public_id, blog.slug)
                return True
            due_blog = _claim_blog(tx.session, now)
            if due_blog is None:
                return False
            subject = ("blog", due_blog.id)
            update_in(tx, site, SCHEDULER, due_blog.slug, _blog_changes(due_blog, now))
            log.info("scheduler: blog %s is now %s", due_blog.slug, due_blog.status)
            return True
    except LiveblogError as exc:
        # What cannot be carried out is taken off the schedule, so it is not tried forever.
        assert subject is not None
        _give_up(site, *subject, exc.message, now)
        return True


def _claim_post(session: Session, now: datetime, post_id: int | None = None) -> Post | None:
    only = [Post.id == post_id] if post_id is not None else []
    return session.scalars(
        select(Post)
        .where(Post.status == PostStatus.SCHEDULED, Post.scheduled_at <= now, *only)
        .order_by(Post.scheduled_at, Post.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _claim_blog(session: Session, now: datetime, blog_id: int | None = None) -> Blog | None:
    only = [Blog.id == blog_id] if blog_id is not None else []
    return session.scalars(
        select(Blog)
        .where(or_(Blog.starts_at <= now, Blog.ends_at <= now), *only)
        .order_by(Blog.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _blog_changes(blog: Blog, now: datetime) -> BlogChanges:
    """A due start makes the blog live (and drops the start); a due end ends a live blog
    (a blog that is not live just loses the end). A start goes first when both are due."""
    if blog.starts_at is not None and blog.starts_at <= now:
        if blog.status == BlogStatus.LIVE:
            return BlogChanges(starts_at=None)
        return BlogChanges(status=BlogStatus.LIVE, starts_at=None)
    if blog.status == BlogStatus.LIVE:
        return BlogChanges(status=BlogStatus.ENDED, ends_at=None)
    return BlogChanges(ends_at=None)


def _give_up(site: Site, kind: str, row_id: int, reason: str, now: datetime) -> None:
    """A due post that its publish refused goes back to draft, a blog loses its due
    schedule; both audited with the reason. Nothing changes if another runner got there."""
    with transaction(site) as tx:
        if kind == "post":
            post = _claim_post(tx.session, now, row_id)
            if post is None:
                return
            post.status, post.scheduled_at = PostStatus.DRAFT, None
            subject, blog_id = post.public_id, post.blog_id
        else:
            blog = _claim_blog(tx.session, now, row_id)
            if blog is None:
                return
            blog.starts_at = blog.ends_at = None
            subject, blog_id = blog.slug, blog.id
        log.warning("scheduler: took %s %s off the schedule: %s", kind, subject, reason)
        tx.audit(
            SCHEDULER,
            f"{kind}.schedule_failed",
            kind,
            subject,
            blog_id=blog_id,
            detail={"reason": audit.label(reason)},
        )
