"""The composer's drafts kept on the server: what a person has typed and not yet saved as a
post, so that another browser or device of theirs can offer it back.

A draft is not a post. It is one row per person, blog and post (``post_key`` is a post's
public id on its edit page, "" for the composer of a new post), holding the form's fields
by name; nobody but its author ever reads it, nothing is emitted, and nothing publishes it:
the form it fills is sent by the person as any other. It goes when the post it was typed
for is saved from the desk (in the same transaction), when its author leaves the blog's
team or is removed, and when it has been left untouched for LIVEBLOG_DRAFT_DAYS (the
worker's ``drafts`` job).

Autosaves come every few seconds while someone types, so they are not audited; the posts
they become are.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveblog.actions.access import Actor, blog_role, can_read_post, require_blog_role
from liveblog.actions.transaction import transaction
from liveblog.errors import Conflict, Invalid, LiveblogError, NotFound
from liveblog.site import Site
from liveblog.states import BlogRole, PostStatus
from liveblog.storage import Blog, ComposerDraft, Post, User
from liveblog.storage.queries import blog_by_slug
from liveblog.storage.tables import utcnow
from liveblog.times import iso

# What one draft may hold: the form's fields as JSON, at most this many bytes and fields.
MAX_DRAFT_BYTES = 64 * 1024
MAX_FIELDS = 1000  # a blog may have 300 tags, each its own box
# A field's name, or "tag:<name>" for one of the tags' boxes (they share the name "tag").
_FIELD_NAME = re.compile(r"^(?:[A-Za-z0-9_-]{1,64}|tag:[^\x00-\x1f]{1,200})$")
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
_POST_KEY = re.compile(r"^[a-z0-9]{1,16}$")
# How often the worker looks for drafts left too long.
PRUNE_EVERY_SECONDS = 3600.0


class DraftTooLarge(LiveblogError):
    status = 413


def check_values(values: object) -> dict[str, str | bool]:
    """The form's fields as the composer sends them: names to text or a checkbox's state."""
    if not isinstance(values, dict):
        raise Invalid("a draft's values are an object of field names", "values")
    if len(values) > MAX_FIELDS:
        raise DraftTooLarge(f"a draft holds at most {MAX_FIELDS} fields")
    for name, value in values.items():
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            raise Invalid(f"{str(name)[:64]!r} is not a field's name", "values")
        if not isinstance(value, str | bool):
            raise Invalid(f"the field {name} must be text or true/false", "values")
    if len(json.dumps(values, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        raise DraftTooLarge(f"a draft holds at most {MAX_DRAFT_BYTES // 1024} KB of text")
    return values


def _check_device(device: str) -> str:
    if not _DEVICE.match(device):
        raise Invalid("the browser's name must be 8 to 40 letters, digits, - or _", "device")
    return device


def _check_key(post_key: str) -> str:
    if post_key and not _POST_KEY.match(post_key):
        raise Invalid(f"{post_key[:20]!r} is not a post's id", "post")
    return post_key


def _writable(session: Session, actor: Actor, slug: str, post_key: str) -> Blog:
    """The blog, when the person may write on it (and, for a post's draft, edit that post)."""
    blog = blog_by_slug(session, slug, include_drafts=True)
    role = require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Keeping a draft")
    if post_key:
        post = session.scalar(
            select(Post).where(Post.blog_id == blog.id, Post.public_id == post_key)
        )
        if post is None or not can_read_post(session, actor, blog, post):
            raise NotFound(f"no post {post_key!r} on this blog")
        if role == BlogRole.CONTRIBUTOR and post.status == PostStatus.PUBLISHED:
            raise NotFound(f"no post {post_key!r} on this blog that you may edit")
    return blog


def _record(draft: ComposerDraft) -> dict[str, Any]:
    return {
        "post": draft.post_key or None,
        "values": draft.values,
        "device": draft.device,
        "saved_at": iso(draft.saved_at),
        "saved_ms": int(draft.saved_at.timestamp() * 1000),
    }


def _mine(session: Session, actor: Actor, blog: Blog, post_key: str) -> ComposerDraft | None:
    return session.scalar(
        select(ComposerDraft).where(
            ComposerDraft.user_id == actor.user_id,
            ComposerDraft.blog_id == blog.id,
            ComposerDraft.post_key == post_key,
        )
    )


def save_draft(
    site: Site, actor: Actor, slug: str, post_key: str, values: object, device: str
) -> dict[str, Any]:
    """Keeps the composer's fields for this person, blog and post, replacing what was kept."""
    checked = check_values(values)
    _check_device(device)
    _check_key(post_key)
    if actor.user_id is None:
        raise Invalid("only a person keeps drafts", "actor")
    for attempt in range(2):
        try:
            with transaction(site) as tx:
                blog = _writable(tx.session, actor, slug, post_key)
                draft = _mine(tx.session, actor, blog, post_key)
                if draft is None:
                    draft = ComposerDraft(user_id=actor.user_id, blog_id=blog.id, post_key=post_key)
                    tx.session.add(draft)
                draft.values, draft.device, draft.saved_at = checked, device, utcnow()
                tx.session.flush()
                return _record(draft)
        except IntegrityError:  # the same person's other tab made the row a moment ago
            if attempt:
                raise Conflict("the draft was saved twice at once; save it again") from None
    raise AssertionError("unreachable")


def load_draft(site: Site, actor: Actor, slug: str, post_key: str) -> dict[str, Any] | None:
    """This person's draft for the blog's composer (or one post), if one is kept."""
    _check_key(post_key)
    with site.db.reading() as session:
        blog = _writable(session, actor, slug, post_key)
        draft = _mine(session, actor, blog, post_key)
        return _record(draft) if draft else None


def discard_draft(
    site: Site, actor: Actor, slug: str, post_key: str, device: str | None = None
) -> bool:
    """Forgets this person's draft; with ``device``, only when that browser wrote it last
    (one that sent its post does not throw away what another device typed since)."""
    _check_key(post_key)
    if device is not None:
        _check_device(device)
    with transaction(site) as tx:
        blog = blog_by_slug(tx.session, slug, include_drafts=True)
        require_blog_role(tx.session, actor, blog, BlogRole.CONTRIBUTOR, "Discarding a draft")
        draft = _mine(tx.session, actor, blog, post_key)
        if draft is None or (device is not None and draft.device != device):
            return False
        tx.session.delete(draft)
        return True


def discard_in(session: Session, actor: Actor, blog: Blog, post_key: str) -> None:
    """In a post's saving transaction: the draft it was typed from is done with."""
    if actor.user_id is not None:
        session.execute(
            delete(ComposerDraft).where(
                ComposerDraft.user_id == actor.user_id,
                ComposerDraft.blog_id == blog.id,
                ComposerDraft.post_key == post_key,
            )
        )


def forget_person(session: Session, user_id: int, blog: Blog | None = None) -> None:
    """In the transaction that takes a person off a blog's team (or off the site): their
    drafts there go too, unless their site role still lets them write on the blog."""
    where = [ComposerDraft.user_id == user_id]
    if blog is not None:
        user = session.get(User, user_id)
        if user is not None and user.removed_at is None:
            session.flush()
            if blog_role(session, Actor(user.id, user.role), blog) is not None:
                return
        where.append(ComposerDraft.blog_id == blog.id)
    session.execute(delete(ComposerDraft).where(*where))


def prune_drafts(site: Site, older_than: timedelta) -> int:
    """Removes drafts left untouched for longer than ``older_than``; returns how many."""
    with transaction(site) as tx:
        result = tx.session.execute(
            delete(ComposerDraft).where(ComposerDraft.saved_at < utcnow() - older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def prune_step(site: Site) -> float:
    """The worker's ``drafts`` job: drafts older than LIVEBLOG_DRAFT_DAYS go. The worker
    looks at least every LIVEBLOG_POLL_SECONDS, so a look that finds none writes nothing."""
    older_than = timedelta(days=site.settings.draft_days)
    with site.db.reading() as session:
        stale = session.scalar(
            select(ComposerDraft.id).where(ComposerDraft.saved_at < utcnow() - older_than).limit(1)
        )
    if stale is not None:
        prune_drafts(site, older_than)
    return PRUNE_EVERY_SECONDS
