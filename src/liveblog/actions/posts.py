"""Publishing, editing, deleting, restoring and pinning posts."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveblog.actions import audit, drafts, tagging
from liveblog.actions import schedule as scheduling
from liveblog.actions.access import (
    Actor,
    blog_role,
    can_read_post,
    require_blog_role,
    require_readable_blog,
    visible_posts,
)
from liveblog.actions.blogs import load_blog
from liveblog.actions.media import Photo, link_media, record_photos, stored_with
from liveblog.actions.purge import purge_urls
from liveblog.actions.transaction import Transaction, transaction
from liveblog.elements import KINDS
from liveblog.errors import Forbidden, Invalid, NotFound, PreconditionFailed
from liveblog.events import (
    PostDeleted,
    PostEdited,
    PostFields,
    PostFlagged,
    PostPinned,
    PostPublished,
    PostRestored,
    PostState,
    PostUnpinned,
    post_state,
)
from liveblog.merge import changed_fields
from liveblog.paging import page_count
from liveblog.present import post_record
from liveblog.render import post_label, post_text, render_body
from liveblog.schema import NewPost, PostChanges, PostContent
from liveblog.site import Site
from liveblog.states import BlogRole, PostStatus
from liveblog.storage import Blog, Post, Revision
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from liveblog.times import iso

S = TypeVar("S", bound=PostState)

_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o or 1/l: ids get read aloud
CONTENT_FIELDS = (
    "title",
    "elements",
    "sources",
    "verification",
    "authors",
    "correction",
    "tags",
)
FLAG_FIELDS = ("key_event", "summary")


def new_public_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def load_post(session: Session, blog: Blog, public_id: str, *, lock: bool = False) -> Post:
    query = select(Post).where(Post.blog_id == blog.id, Post.public_id == public_id)
    if lock:
        # The blog row first, as tag renames and deletes take it before the posts.
        tagging.lock_blog(session, blog)
        query = query.with_for_update()
    post = session.scalar(query)
    if post is None:
        raise NotFound(f"no post {public_id!r} in the blog {blog.slug!r}")
    return post


def render_post(post: Post, session: Session | None = None) -> None:
    """Renders the body and label once, when the post is written, never per reader; with
    the session, its photos get every width stored of them (``srcset``)."""
    names = [name for el in post.elements for name in KINDS[el["type"]].media(el)]
    media = q.media_sizes(session, names) if session is not None and names else None
    post.body_html = render_body(post.elements, media=media)
    post.label = post_label(post.title, post.elements)
    post.body_text = post_text(post.elements)


def unsaved_post(content: dict[str, Any], public_id: str, **fields: Any) -> Post:
    """A post rendered exactly as on saving, but stored nowhere: for previews."""
    post = Post(
        public_id=public_id,
        **{k: content[k] for k in (*CONTENT_FIELDS, *FLAG_FIELDS) if k in content},
        **fields,
    )
    render_post(post)
    return post


def snapshot(post: Post) -> dict[str, Any]:
    fields = (*CONTENT_FIELDS, *FLAG_FIELDS, "status")
    return {name: getattr(post, name) for name in fields}


def save_version(tx: Transaction, post: Post, actor_id: int | None, note: str | None) -> None:
    """Every saved change of a post is a new version, kept as a revision."""
    post.version += 1
    tx.session.add(
        Revision(
            post_id=post.id,
            version=post.version,
            editor_id=actor_id,
            at=utcnow(),
            note=note,
            snapshot=snapshot(post),
        )
    )


def readable_post(session: Session, actor: Actor | None, blog: Blog, public_id: str) -> Post:
    """The post, when this actor may read it: published ones for everyone who may see the
    blog; unpublished ones for the blog's editors and owners, and their own for its
    contributors. Anything else is "not found", so that nobody learns that it exists."""
    require_readable_blog(session, actor, blog)
    post = session.scalar(select(Post).where(Post.blog_id == blog.id, Post.public_id == public_id))
    if post is None or not can_read_post(session, actor, blog, post):
        raise NotFound(f"no post {public_id!r} in the blog {blog.slug!r}")
    return post


def desk_posts(
    session: Session, actor: Actor, blog: Blog, view: str, page: int, per_page: int
) -> tuple[Sequence[Post], dict[str, int]]:
    """A page of the blog's desk: for its team only, and for a contributor only the
    published posts and their own."""
    require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Opening a blog's desk")
    return q.desk_posts(session, blog, view, page, per_page, visible_posts(session, actor, blog))


def desk_post(session: Session, actor: Actor, blog: Blog, public_id: str) -> Post:
    """A post opened for editing at the desk: for the blog's team, as far as they may read it."""
    require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Opening a post at the desk")
    return readable_post(session, actor, blog, public_id)


def read_post(site: Site, actor: Actor | None, slug: str, public_id: str) -> dict[str, Any]:
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        return record(site, blog, readable_post(session, actor, blog, public_id))


def list_posts(
    site: Site,
    actor: Actor | None,
    slug: str,
    status: str = PostStatus.PUBLISHED,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    """One page of the blog's posts in one status, as far as this actor may see them."""
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        require_readable_blog(session, actor, blog)
        if status != PostStatus.PUBLISHED and blog_role(session, actor, blog) is None:
            raise Forbidden("only the blog's team may list posts that are not published")
        visible = visible_posts(session, actor, blog)
        posts, total = q.posts_in_status(session, blog, status, page, per_page, visible)
        return {
            "posts": [record(site, blog, p) for p in posts],
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": page_count(total, per_page),
        }


def record(site: Site, blog: Blog, post: Post) -> dict[str, Any]:
    return post_record(post, blog.pinned_post_id == post.id, site.settings.base_url, blog.slug)


def result(tx: Transaction, site: Site, blog: Blog, post: Post) -> dict[str, Any]:
    """The post's record, with ``purge``: the addresses caches in front should forget
    because readers can see this change (none when they cannot, as for a draft)."""
    base_url = site.settings.base_url
    urls = purge_urls(tx.session, base_url, blog, [post.public_id]) if tx.wakeups else []
    return record(site, blog, post) | {"purge": urls}


def live_payload(model: type[S], site: Site, blog: Blog, post: Post, **own: Any) -> S:
    """The post's public fields, with its card rendered from them once, here (its body as
    ``render_post`` rendered it from the same elements)."""
    full = record(site, blog, post)
    fields = {name: full[name] for name in PostFields.model_fields}
    return post_state(model, fields, blog.slug, blog.timezone, post.body_html, **own)


def insert_post(
    tx: Transaction,
    blog: Blog,
    content: PostContent,
    status: str,
    actor: Actor,
    *,
    public_id: str | None = None,
    published_at: datetime | None = None,
    updated_at: datetime | None = None,
    audit_new_tags: bool = True,
) -> Post:
    """A new post and its first revision, by ``actor``. New tags it brings join the blog's
    list, each audited unless ``audit_new_tags`` is off (an import is audited as a whole)."""
    now = utcnow()
    data = content.model_dump(mode="json", include=set(CONTENT_FIELDS) | set(FLAG_FIELDS))
    post = Post(
        blog_id=blog.id,
        public_id=public_id or new_public_id(),
        status=status,
        created_by=actor.user_id,
        version=1,
        created_at=now,
        published_at=(published_at or now) if status == PostStatus.PUBLISHED else None,
        updated_at=updated_at,
        **data,
    )
    render_post(post, tx.session)
    tx.session.add(post)
    tx.session.flush()
    link_media(tx.session, post)
    tagging.attach(tx, blog, post, data["tags"], actor if audit_new_tags else None)
    tx.session.add(
        Revision(
            post_id=post.id,
            version=1,
            editor_id=actor.user_id,
            at=now,
            note="created",
            snapshot=snapshot(post),
        )
    )
    return post


def create_post(
    site: Site,
    actor: Actor,
    slug: str,
    new: NewPost,
    *,
    pinned: bool = False,
    photos: Sequence[Photo] = (),
    from_composer: bool = False,
) -> dict[str, Any]:
    """Publishes a post or saves a draft; with pinned, the new post is pinned in the same
    transaction, so it is never published without the pin that was asked for. Uploaded
    photos it shows are stored with it, in the same transaction. ``from_composer``: the
    desk's composer sent it, so the person's draft kept for it (actions/drafts.py) goes."""
    _require_something(new.title, new.elements)
    if new.status in (PostStatus.PUBLISHED, PostStatus.SCHEDULED):
        require_alt(new.model_dump(mode="json")["elements"])
    with stored_with(site, photos), transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        doing = {PostStatus.PUBLISHED: "Publishing", PostStatus.SCHEDULED: "Scheduling a post"}
        needed = BlogRole.EDITOR if new.status in doing else BlogRole.CONTRIBUTOR
        require_blog_role(
            tx.session, actor, blog, needed, doing.get(PostStatus(new.status), "Writing a draft")
        )
        at = _schedule_time(blog, None, new.status, new.scheduled_at)
        record_photos(tx.session, blog.id, photos, uploaded_by=actor.user_id)
        post = insert_post(tx, blog, new, new.status, actor)
        post.scheduled_at = at
        if from_composer:
            drafts.discard_in(tx.session, actor, blog, "")
        if post.status == PostStatus.PUBLISHED:
            tx.emit(blog, live_payload(PostPublished, site, blog, post), post)
        if at is not None:
            _audit(tx, actor, "post.scheduled", post, {"at": iso(at)})
            tx.after_commit.append(lambda: scheduling.nudge(site, blog))
        else:
            _audit(
                tx,
                actor,
                "post.published" if post.status == PostStatus.PUBLISHED else "post.created",
                post,
            )
        if pinned:
            _pin(tx, site, actor, blog, post, True)
        return result(tx, site, blog, post)


def edit_post(
    site: Site,
    actor: Actor,
    slug: str,
    public_id: str,
    changes: PostChanges,
    expected_version: int,
    *,
    pinned: bool | None = None,
    photos: Sequence[Photo] = (),
    from_composer: bool = False,
) -> dict[str, Any]:
    """Saves a new version of a post; pinned (when given) pins or unpins it in the same
    transaction, as are the uploaded photos it now shows stored. ``from_composer``: sent
    from its edit page, whose draft kept for this post (actions/drafts.py) goes."""
    with stored_with(site, photos), transaction(site) as tx:
        edited = edit_in(
            tx,
            site,
            actor,
            slug,
            public_id,
            changes,
            expected_version,
            pinned=pinned,
            photos=photos,
        )
        if from_composer:
            drafts.discard_in(tx.session, actor, load_blog(tx.session, slug), public_id)
        return edited


def edit_in(
    tx: Transaction,
    site: Site,
    actor: Actor,
    slug: str,
    public_id: str,
    changes: PostChanges,
    expected_version: int,
    *,
    pinned: bool | None = None,
    photos: Sequence[Photo] = (),
) -> dict[str, Any]:
    """``edit_post`` inside a transaction already open: the scheduler's runner publishes a
    post through it, in the transaction that claimed the post."""
    blog = load_blog(tx.session, slug)
    post = load_post(tx.session, blog, public_id, lock=True)
    role = require_blog_role(tx.session, actor, blog, BlogRole.CONTRIBUTOR, "Editing a post")
    if role == BlogRole.CONTRIBUTOR and (
        post.created_by != actor.user_id
        or post.status in (PostStatus.PUBLISHED, PostStatus.SCHEDULED)
    ):
        raise Forbidden("a contributor may edit only their own drafts")
    if post.status == PostStatus.DELETED:
        raise Invalid("the post is deleted; restore it before editing", "status")
    given = changes.model_dump(mode="json", exclude_unset=True, exclude={"note", "scheduled_at"})
    if post.version != expected_version:
        raise _stale(tx.session, blog, post, expected_version, given)
    if "tags" in given:
        given["tags"] = tagging.spelled(tx.session, blog, given["tags"])
    new_status = given.pop("status", post.status)
    if (
        new_status in (PostStatus.PUBLISHED, PostStatus.SCHEDULED)
        and post.status != new_status
        and role == BlogRole.CONTRIBUTOR
    ):
        doing = "Publishing" if new_status == PostStatus.PUBLISHED else "Scheduling a post"
        raise Forbidden(f"{doing} needs the editor role on this blog; you are a contributor")
    if post.status == PostStatus.PUBLISHED and new_status != PostStatus.PUBLISHED:
        raise Invalid("a published post cannot go back to draft; delete it instead", "status")
    at = _schedule_time(blog, post, new_status, changes.scheduled_at)
    changed = {k: v for k, v in given.items() if getattr(post, k) != v}
    _require_something(changed.get("title", post.title), changed.get("elements", post.elements))
    if new_status in (PostStatus.PUBLISHED, PostStatus.SCHEDULED) and (
        "elements" in changed or post.status != new_status
    ):
        require_alt(changed.get("elements", post.elements))
    if changed or new_status != post.status or at != post.scheduled_at:
        if at != post.scheduled_at:
            tx.after_commit.append(lambda: scheduling.nudge(site, blog))
        record_photos(tx.session, blog.id, photos, uploaded_by=actor.user_id)
        _save_edit(tx, site, actor, blog, post, changed, new_status, changes.note, at)
    if pinned is not None and (pinned or blog.pinned_post_id == post.id):
        _pin(tx, site, actor, blog, post, pinned)
    return result(tx, site, blog, post)


def _stale(
    session: Session, blog: Blog, post: Post, expected: int, given: dict[str, Any]
) -> PreconditionFailed:
    """The refusal of an edit made to an old version, naming what was saved since then."""
    base = q.revision_snapshot(session, post, expected) if 0 < expected < post.version else None
    changed = None
    if base is not None:
        now = snapshot(post) | {"pinned": blog.pinned_post_id == post.id}
        changed = [f for f in changed_fields(base, now) if f != "pinned"]
    return PreconditionFailed(
        f"the post was changed meanwhile: it is at version {post.version}, "
        f"your copy is version {expected}",
        post.version,
        changed,
        [f for f in changed or [] if f in given],
    )


def _save_edit(
    tx: Transaction,
    site: Site,
    actor: Actor,
    blog: Blog,
    post: Post,
    changed: dict[str, Any],
    new_status: str,
    note: str | None,
    scheduled_at: datetime | None = None,
) -> None:
    now = utcnow()
    for key, value in changed.items():
        setattr(post, key, value)
    render_post(post, tx.session)
    link_media(tx.session, post)
    if "tags" in changed:
        tagging.attach(tx, blog, post, changed["tags"], actor)
    publishing = new_status == PostStatus.PUBLISHED and post.status != PostStatus.PUBLISHED
    was_scheduled, was_at = post.status == PostStatus.SCHEDULED, post.scheduled_at
    post.status, post.scheduled_at = new_status, scheduled_at
    if publishing:
        post.published_at = now
    elif post.status == PostStatus.PUBLISHED and changed.keys() & set(CONTENT_FIELDS):
        # Readers are shown "Updated at" only for changes to what the post says.
        post.updated_at = now
    save_version(tx, post, actor.user_id, note)
    if scheduled_at is not None and scheduled_at != was_at:
        _audit(tx, actor, "post.scheduled", post, {"at": iso(scheduled_at)})
    elif was_scheduled and not publishing and new_status != PostStatus.SCHEDULED:
        _audit(tx, actor, "post.unscheduled", post, {"to": new_status})
    if publishing:
        scheduled = {"scheduled_for": iso(was_at)} if was_scheduled else None
        _audit(tx, actor, "post.published", post, scheduled)
    elif changed.keys() & set(CONTENT_FIELDS):
        _audit(tx, actor, "post.edited", post)
    else:
        flags = {k: v for k, v in changed.items() if k not in CONTENT_FIELDS}
        if flags:
            _audit(tx, actor, "post.flags", post, flags)
        elif new_status == post.status and not (was_scheduled or scheduled_at):
            _audit(tx, actor, "post.status", post, {"to": new_status})
    if post.status == PostStatus.PUBLISHED:
        kind: type[PostState] = PostFlagged
        if publishing:
            kind = PostPublished
        elif changed.keys() & set(CONTENT_FIELDS):
            kind = PostEdited
        tx.emit(blog, live_payload(kind, site, blog, post), post)


def delete_post(site: Site, actor: Actor, slug: str, public_id: str) -> dict[str, Any]:
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Deleting a post")
        post = load_post(tx.session, blog, public_id, lock=True)
        if post.status == PostStatus.DELETED:
            return result(tx, site, blog, post)
        was_public = post.status == PostStatus.PUBLISHED
        post.status_before_delete, post.status = post.status, PostStatus.DELETED
        if post.status_before_delete == PostStatus.SCHEDULED:
            # Its time would pass meanwhile: a restore brings it back as a draft.
            post.status_before_delete, post.scheduled_at = PostStatus.DRAFT, None
        if blog.pinned_post_id == post.id:
            blog.pinned_post_id = None
        save_version(tx, post, actor.user_id, "deleted")
        _audit(tx, actor, "post.deleted", post)
        if was_public:
            tx.emit(blog, PostDeleted(id=post.public_id), post)
        return result(tx, site, blog, post)


def restore_post(site: Site, actor: Actor, slug: str, public_id: str) -> dict[str, Any]:
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Restoring a post")
        post = load_post(tx.session, blog, public_id, lock=True)
        if post.status != PostStatus.DELETED:
            raise Invalid("the post is not deleted", "status")
        post.status, post.status_before_delete = post.status_before_delete or PostStatus.DRAFT, None
        save_version(tx, post, actor.user_id, "restored")
        _audit(tx, actor, "post.restored", post)
        if post.status == PostStatus.PUBLISHED:
            tx.emit(blog, live_payload(PostRestored, site, blog, post), post)
        return result(tx, site, blog, post)


def cancel_schedule(site: Site, actor: Actor, slug: str, public_id: str) -> dict[str, Any]:
    """Takes a scheduled post off the schedule: back to draft, through the same edit as
    the post's form (so it is checked, versioned and audited the same way)."""
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        post = load_post(tx.session, blog, public_id, lock=True)
        if post.status != PostStatus.SCHEDULED:
            raise Invalid("the post is not scheduled", "status")
        back = PostChanges(status=PostStatus.DRAFT)
        return edit_in(tx, site, actor, slug, public_id, back, post.version)


def set_pinned(site: Site, actor: Actor, slug: str, public_id: str, pinned: bool) -> dict[str, Any]:
    """Pins a post (unpinning whichever was pinned: a blog has one) or unpins it."""
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        post = load_post(tx.session, blog, public_id)
        _pin(tx, site, actor, blog, post, pinned)
        return result(tx, site, blog, post)


def _pin(tx: Transaction, site: Site, actor: Actor, blog: Blog, post: Post, pinned: bool) -> None:
    require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Pinning a post")
    if pinned and post.status != PostStatus.PUBLISHED:
        raise Invalid("only a published post can be pinned", "status")
    if pinned == (blog.pinned_post_id == post.id):
        return
    previous = blog.pinned_post_id
    blog.pinned_post_id = post.id if pinned else None
    _audit(tx, actor, "post.pinned" if pinned else "post.unpinned", post)
    if pinned:
        old = tx.session.get(Post, previous) if previous else None
        replaces = old.public_id if old else None
        tx.emit(blog, live_payload(PostPinned, site, blog, post, replaces=replaces), post)
    else:
        tx.emit(blog, PostUnpinned(id=post.public_id), post)


def set_key_event(
    site: Site, actor: Actor, slug: str, public_id: str, key_event: bool
) -> dict[str, Any]:
    """Marks a post as a key event, or not: a new version, and no "Updated at" for readers."""
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Marking key events")
        post = load_post(tx.session, blog, public_id, lock=True)
        if post.status == PostStatus.DELETED:
            raise Invalid("the post is deleted; restore it first", "status")
        if post.key_event != key_event:
            _save_edit(tx, site, actor, blog, post, {"key_event": key_event}, post.status, None)
        return result(tx, site, blog, post)


def _audit(
    tx: Transaction, actor: Actor, action: str, post: Post, detail: dict[str, Any] | None = None
) -> None:
    """An audit entry about a post: its headline or first words as a label, never its body."""
    tx.audit(
        actor,
        action,
        "post",
        post.public_id,
        blog_id=post.blog_id,
        detail={"label": audit.label(post.label)} | (detail or {}),
    )


def _schedule_time(
    blog: Blog, post: Post | None, status: str, given: datetime | None
) -> datetime | None:
    """The time a post in this status is to be published at: the one given (checked: in
    the future, at most a year ahead), or the one it has when it stays scheduled; None for
    any other status."""
    if status != PostStatus.SCHEDULED:
        if given is not None:
            raise Invalid("a time to publish at goes with the status 'scheduled'", "scheduled_at")
        return None
    if given is not None:
        return scheduling.due_time(given, blog.timezone, "scheduled_at", "The time to publish at")
    if post is not None and post.scheduled_at is not None:
        return post.scheduled_at
    raise Invalid("give the time to publish the post at (scheduled_at)", "scheduled_at")


def require_alt(elements: Sequence[dict[str, Any]]) -> None:
    """A published photo needs alt text, for people who cannot see it: the first one
    without is named in the message. Drafts may lack it; imports keep what they bring."""
    number = 0
    for index, element in enumerate(elements):
        if element["type"] != "image":
            continue
        number += 1
        if not (element.get("alt") or "").strip():
            caption = (element.get("caption") or "").strip()
            name = f' ("{audit.label(caption)}")' if caption else ""
            raise Invalid(
                f"Photo {number}{name} needs alt text: describe it for people who cannot see it.",
                f"elements.{index}.alt",
            )


def _require_something(title: str | None, elements: list[Any]) -> None:
    if not title and not elements:
        raise Invalid("a post needs a headline or at least one element", "elements")
