"""Read-side queries. A reader page is a constant number of these, whatever its length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from liveblog.errors import NotFound
from liveblog.events import EventKind
from liveblog.paging import page_count, page_holding, page_offset
from liveblog.states import BlogRole, BlogStatus, PostStatus, SiteRole
from liveblog.storage.tables import (
    ApiToken,
    Blog,
    Event,
    Media,
    Membership,
    Post,
    PostMedia,
    Revision,
    User,
)

PAGE_SIZE = 20


@dataclass(frozen=True)
class KeyEvent:
    public_id: str
    label: str
    published_at: object
    summary: bool


@dataclass(frozen=True)
class StreamPage:
    posts: Sequence[Post]
    page: int
    pages: int
    total: int


def published(blog_id: int) -> list[ColumnElement[bool]]:
    return [Post.blog_id == blog_id, Post.status == PostStatus.PUBLISHED]


def newest_first() -> tuple[UnaryExpression[Any], ...]:
    return (Post.published_at.desc(), Post.id.desc())


def blog_by_slug(session: Session, slug: str, *, include_drafts: bool = False) -> Blog:
    blog = session.scalar(select(Blog).where(Blog.slug == slug))
    if blog is None or (blog.status == BlogStatus.DRAFT and not include_drafts):
        raise NotFound(f"no blog with the slug {slug!r}")
    return blog


def stream_page(session: Session, blog: Blog, page: int, per_page: int = PAGE_SIZE) -> StreamPage:
    total = session.scalar(select(func.count()).select_from(Post).where(*published(blog.id))) or 0
    pages = page_count(total, per_page)
    posts = session.scalars(
        select(Post)
        .where(*published(blog.id))
        .order_by(*newest_first())
        .limit(per_page)
        .offset(page_offset(page, per_page))
    ).all()
    return StreamPage(posts=posts, page=page, pages=pages, total=total)


def posts_in_status(
    session: Session,
    blog: Blog,
    status: str,
    page: int,
    per_page: int,
    visible: ColumnElement[bool],
) -> tuple[Sequence[Post], int]:
    """One page of the blog's posts in one status that ``visible`` allows, and how many
    there are: published ones newest first, the others most recently created first."""
    where = [Post.blog_id == blog.id, Post.status == status, visible]
    total = session.scalar(select(func.count()).select_from(Post).where(*where)) or 0
    order = (
        newest_first()
        if status == PostStatus.PUBLISHED
        else (Post.created_at.desc(), Post.id.desc())
    )
    posts = session.scalars(
        select(Post)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset(page_offset(page, per_page))
    ).all()
    return posts, total


def pinned_post(session: Session, blog: Blog) -> Post | None:
    if blog.pinned_post_id is None:
        return None
    return session.scalar(
        select(Post).where(Post.id == blog.pinned_post_id, Post.status == PostStatus.PUBLISHED)
    )


@dataclass(frozen=True)
class ReaderPage:
    """What one page of a blog shows besides its header: its posts, the pinned post and
    the key events."""

    stream: StreamPage
    pinned: Post | None
    key_events: list[KeyEvent]
    # When an ended blog ended (its latest ``blog.ended`` event), for coverageEndTime.
    ended_at: datetime | None = None


def reader_page(session: Session, blog: Blog, page: int) -> ReaderPage:
    stream = stream_page(session, blog, page)
    if page > stream.pages:
        raise NotFound(f"this blog has {stream.pages} page(s) of updates")
    ended = ended_at(session, blog) if blog.status == BlogStatus.ENDED else None
    return ReaderPage(stream, pinned_post(session, blog), key_events(session, blog), ended)


def ended_at(session: Session, blog: Blog) -> datetime:
    """When the blog last ended: its latest ``blog.ended`` event (restating keeps an
    event's kind and time), or its last change if the log no longer holds it."""
    at = session.scalar(
        select(func.max(Event.at)).where(
            Event.blog_id == blog.id, Event.kind == EventKind.BLOG_ENDED.value
        )
    )
    return at or blog.updated_at


def pinned_post_id(session: Session, blog: Blog) -> str | None:
    """The public id of the blog's pinned post, whatever its status (the API shows it)."""
    if blog.pinned_post_id is None:
        return None
    return session.scalar(select(Post.public_id).where(Post.id == blog.pinned_post_id))


def key_events(session: Session, blog: Blog) -> list[KeyEvent]:
    rows = session.execute(
        select(Post.public_id, Post.label, Post.published_at, Post.summary)
        .where(*published(blog.id), Post.key_event.is_(True))
        .order_by(*newest_first())
    ).all()
    return [KeyEvent(r.public_id, r.label, r.published_at, r.summary) for r in rows]


def page_of_post(session: Session, blog: Blog, public_id: str, per_page: int = PAGE_SIZE) -> int:
    post = session.scalar(
        select(Post).where(
            Post.blog_id == blog.id,
            Post.public_id == public_id,
            Post.status == PostStatus.PUBLISHED,
        )
    )
    if post is None:
        raise NotFound(f"no post {public_id!r} in this blog")
    newer = (
        session.scalar(
            select(func.count())
            .select_from(Post)
            .where(
                *published(blog.id),
                or_(
                    Post.published_at > post.published_at,
                    and_(Post.published_at == post.published_at, Post.id > post.id),
                ),
            )
        )
        or 0
    )
    return page_holding(newer, per_page)


def latest_posts(
    session: Session, blog: Blog, limit: int, *, key_events_only: bool = False
) -> Sequence[Post]:
    """The blog's latest published posts, newest first (a feed's entries); only its key
    events (and summaries marked as key events) when ``key_events_only``."""
    where = published(blog.id)
    if key_events_only:
        where.append(Post.key_event.is_(True))
    return session.scalars(select(Post).where(*where).order_by(*newest_first()).limit(limit)).all()


def sitemap_blogs(session: Session, limit: int = 50_000) -> Sequence[Blog]:
    """Every blog readers can see (live or ended), latest change first: a sitemap holds at
    most 50,000 addresses."""
    return session.scalars(
        select(Blog)
        .where(Blog.status.in_((BlogStatus.LIVE, BlogStatus.ENDED)))
        .order_by(Blog.updated_at.desc(), Blog.id.desc())
        .limit(limit)
    ).all()


def sitemap_version(session: Session) -> tuple[int, datetime | None]:
    """How many blogs readers can see, and the latest change of any: one small read that
    tells whether the sitemap may have changed (any change a reader sees moves a blog's
    ``updated_at``; a blog shown or hidden moves one or the other)."""
    row = session.execute(
        select(func.count(), func.max(Blog.updated_at)).where(
            Blog.status.in_((BlogStatus.LIVE, BlogStatus.ENDED))
        )
    ).one()
    return int(row[0]), row[1]


def ended_blogs(session: Session) -> Sequence[tuple[str, int]]:
    """Each ended blog's slug and last seq (what its archive must show)."""
    rows = session.execute(
        select(Blog.slug, Blog.last_seq).where(Blog.status == BlogStatus.ENDED).order_by(Blog.id)
    ).all()
    return [(row.slug, row.last_seq) for row in rows]


def published_post(session: Session, blog: Blog, public_id: str) -> Post:
    """One published post of the blog, by its public id."""
    post = session.scalar(
        select(Post).where(*published(blog.id), Post.public_id == public_id).limit(1)
    )
    if post is None:
        raise NotFound(f"no post {public_id!r} in this blog")
    return post


def listed_blogs(session: Session, limit: int = 50) -> Sequence[Blog]:
    return session.scalars(
        select(Blog)
        .where(Blog.status.in_((BlogStatus.LIVE, BlogStatus.ENDED)))
        .order_by((Blog.status == BlogStatus.LIVE).desc(), Blog.updated_at.desc())
        .limit(limit)
    ).all()


# --- the editor's desk: every blog and every post, whatever its status ---------------------

# The desk's post lists, and the statuses each one shows.
DESK_VIEWS: dict[str, tuple[str, ...]] = {
    "all": (PostStatus.PUBLISHED, PostStatus.SCHEDULED, PostStatus.DRAFT, PostStatus.SUBMITTED),
    "published": (PostStatus.PUBLISHED,),
    "scheduled": (PostStatus.SCHEDULED,),
    "drafts": (PostStatus.DRAFT, PostStatus.SUBMITTED),
    "deleted": (PostStatus.DELETED,),
}


@dataclass(frozen=True)
class DeskBlog:
    blog: Blog
    published: int
    waiting: int


def desk_blogs(
    session: Session, limit: int = 500, *, member_of: int | None = None
) -> list[DeskBlog]:
    """Every blog (or, with member_of, the blogs on whose team this person is), latest
    activity first, with its published and waiting post counts. A contributor on a team
    counts only their own waiting posts: they may not know of the others."""
    waiting: ColumnElement[bool] = Post.status.in_(DESK_VIEWS["drafts"])
    counted = select(Post.blog_id)
    if member_of is not None:
        counted = counted.join(
            Membership, (Membership.blog_id == Post.blog_id) & (Membership.user_id == member_of)
        )
        waiting = waiting & (
            (Membership.role != BlogRole.CONTRIBUTOR) | (Post.created_by == member_of)
        )
    counts = (
        counted.add_columns(
            func.count().filter(Post.status == PostStatus.PUBLISHED).label("published"),
            func.count().filter(waiting).label("waiting"),
        )
        .group_by(Post.blog_id)
        .subquery()
    )
    query = select(Blog, counts.c.published, counts.c.waiting).outerjoin(
        counts, counts.c.blog_id == Blog.id
    )
    if member_of is not None:
        query = query.join(
            Membership, (Membership.blog_id == Blog.id) & (Membership.user_id == member_of)
        )
    rows = session.execute(
        query.order_by(Blog.updated_at.desc(), Blog.id.desc()).limit(limit)
    ).all()
    return [DeskBlog(blog, published or 0, waiting or 0) for blog, published, waiting in rows]


def desk_posts(
    session: Session,
    blog: Blog,
    view: str,
    page: int,
    per_page: int,
    visible: ColumnElement[bool] | None = None,
) -> tuple[Sequence[Post], dict[str, int]]:
    """One page of a desk view (unpublished posts first, then newest first), and the
    number of posts in every view; only the posts ``visible`` allows, when given."""
    shown = [Post.blog_id == blog.id] + ([visible] if visible is not None else [])
    statuses = dict(
        session.execute(select(Post.status, func.count()).where(*shown).group_by(Post.status)).all()
    )
    counts = {name: sum(statuses.get(s, 0) for s in shown) for name, shown in DESK_VIEWS.items()}
    order = (Post.published_at.desc().nulls_first(), Post.created_at.desc(), Post.id.desc())
    if view == "scheduled":  # the next to go out first
        order = (Post.scheduled_at.asc(), Post.created_at.asc(), Post.id.asc())
    posts = session.scalars(
        select(Post)
        .where(*shown, Post.status.in_(DESK_VIEWS[view]))
        .order_by(*order)
        .limit(per_page)
        .offset(page_offset(page, per_page))
    ).all()
    return posts, counts


def post_history(session: Session, post: Post, limit: int = 50) -> list[Any]:
    """A post's versions, newest first: version, time, note and the editor's name."""
    return list(
        session.execute(
            select(Revision.version, Revision.at, Revision.note, User.name)
            .outerjoin(User, User.id == Revision.editor_id)
            .where(Revision.post_id == post.id)
            .order_by(Revision.version.desc())
            .limit(limit)
        ).all()
    )


def people(session: Session) -> Sequence[User]:
    """Everyone who can log in, admins first, then by name."""
    order = case({SiteRole.ADMIN: 0, SiteRole.EDITOR: 1}, value=User.role, else_=2)
    return session.scalars(
        select(User).where(User.removed_at.is_(None)).order_by(order, User.name, User.id)
    ).all()


def blog_team(session: Session, blog: Blog) -> list[Any]:
    """The people given a role on this blog: name, email, user id and blog role."""
    return list(
        session.execute(
            select(User.name, User.email, User.id, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.blog_id == blog.id)
            .order_by(User.name)
        ).all()
    )


def tokens_of(session: Session, user_id: int) -> Sequence[ApiToken]:
    """A person's API tokens, newest first, revoked ones included."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


# --- media ----------------------------------------------------------------------------------


def media_is_public(session: Session, filename: str) -> bool:
    """Whether readers may see a media file: a published post of a live or ended blog
    shows it. A deleted post's photos stop being public, and come back with it; the file
    store, wherever it is, never decides this."""
    shown = session.scalar(
        select(PostMedia.post_id)
        .join(Post, Post.id == PostMedia.post_id)
        .join(Blog, Blog.id == Post.blog_id)
        .where(
            PostMedia.filename == filename,
            Post.status == PostStatus.PUBLISHED,
            Blog.status.in_((BlogStatus.LIVE, BlogStatus.ENDED)),
        )
        .limit(1)
    )
    return shown is not None


def media_sizes(session: Session, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The size of each stored file named, and the widths made of it at upload (none for a
    file stored before there were widths): what a photo's ``srcset`` is written from."""
    if not names:
        return {}
    rows = session.execute(
        select(Media.filename, Media.width, Media.height, Media.variants).where(
            Media.filename.in_(sorted(set(names)))
        )
    )
    return {
        name: {
            "width": width,
            "height": height,
            "widths": [int(w) for w in variants.split(",") if w],
        }
        for name, width, height, variants in rows
    }


def media_photo(session: Session, names: Sequence[str]) -> Media | None:
    """The stored photo among these names (a copy's possible originals), if any."""
    return session.scalar(select(Media).where(Media.filename.in_(list(names))).limit(1))


@dataclass(frozen=True)
class LibraryPhoto:
    media: Media
    uploader: str | None
    shown_in: int


def blog_media(
    session: Session, blog_id: int, *, limit: int, offset: int = 0
) -> tuple[list[LibraryPhoto], int]:
    """A page of the blog's photos, newest first, with who stored each and in how many of
    its posts it is shown; and how many there are in all."""
    shown = (
        select(func.count())
        .select_from(PostMedia)
        .where(PostMedia.filename == Media.filename)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Media, User.name, shown)
        .outerjoin(User, User.id == Media.uploaded_by)
        .where(Media.blog_id == blog_id)
        .order_by(Media.created_at.desc(), Media.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).select_from(Media).where(Media.blog_id == blog_id))
    return [LibraryPhoto(media, name, count) for media, name, count in rows], total or 0


def uploads_since(session: Session, user_id: int, since: datetime) -> int:
    """How many photos this person stored since then (the upload limit counts them)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Media)
            .where(Media.uploaded_by == user_id, Media.created_at >= since)
        )
        or 0
    )


def ping(session: Session) -> None:
    """Asks the database the cheapest question there is; raises when it does not answer."""
    session.execute(text("SELECT 1"))
