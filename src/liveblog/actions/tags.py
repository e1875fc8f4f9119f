"""A blog's list of tags: listed and added by its team, renamed and deleted by its editors.
Renaming or deleting a tag changes what the posts that carry it say: each gets a new
version (so a stale copy being edited meets the usual conflict), and a published one
emits ``post.edited`` so that pages, feeds and webhooks follow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from liveblog.actions import audit
from liveblog.actions.access import Actor, require_blog_role, visible_posts
from liveblog.actions.blogs import load_blog
from liveblog.actions.posts import live_payload, save_version
from liveblog.actions.purge import purge_urls
from liveblog.actions.tagging import lock_blog, new_tag
from liveblog.actions.transaction import Transaction, transaction
from liveblog.errors import Conflict, NotFound
from liveblog.events import PostEdited
from liveblog.schema import TagFields
from liveblog.site import Site
from liveblog.states import BlogRole, PostStatus
from liveblog.storage import Blog, Post, PostTag, Tag
from liveblog.tags import MAX_RETAG_POSTS, normalise, tag_slug


def tag_record(tag: Tag, posts: int) -> dict[str, Any]:
    return {"name": tag.name, "slug": tag.slug, "posts": posts}


def _shown(session: Session, actor: Actor, blog: Blog) -> ColumnElement[bool]:
    """Which of the blog's tags the actor is shown: those on a post they may read, and
    those on no post at all. A contributor is not told of a tag that only colleagues'
    drafts carry."""
    on_readable = (
        select(PostTag.tag_id)
        .join(Post, Post.id == PostTag.post_id)
        .where(PostTag.tag_id == Tag.id, visible_posts(session, actor, blog))
        .exists()
    )
    on_any_post = select(PostTag.tag_id).where(PostTag.tag_id == Tag.id).exists()
    return and_(Tag.blog_id == blog.id, or_(on_readable, ~on_any_post))


def blog_tags(session: Session, actor: Actor, blog: Blog) -> list[dict[str, Any]]:
    """The blog's tags by name, each with how many of the posts the actor may read carry
    it: for its team (the desk's Tags page, the API)."""
    require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Seeing a blog's tags")
    counts = (
        select(PostTag.tag_id, func.count().label("posts"))
        .join(Post, Post.id == PostTag.post_id)
        .where(Post.blog_id == blog.id, visible_posts(session, actor, blog))
        .group_by(PostTag.tag_id)
        .subquery()
    )
    rows = session.execute(
        select(Tag, func.coalesce(counts.c.posts, 0))
        .outerjoin(counts, counts.c.tag_id == Tag.id)
        .where(_shown(session, actor, blog))
        .order_by(Tag.slug)
    ).all()
    return [tag_record(tag, posts) for tag, posts in rows]


def tag_names(session: Session, actor: Actor, blog: Blog) -> list[str]:
    """The names the composer offers to tick: the blog's tags the actor is shown, by
    slug, without counting anything."""
    require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Seeing a blog's tags")
    return list(
        session.scalars(select(Tag.name).where(_shown(session, actor, blog)).order_by(Tag.slug))
    )


def list_tags(site: Site, actor: Actor, slug: str) -> dict[str, Any]:
    with site.db.reading() as session:
        return {"tags": blog_tags(session, actor, load_blog(session, slug))}


def create_tag(site: Site, actor: Actor, slug: str, fields: TagFields) -> dict[str, Any]:
    """Adds a tag to the blog's list (as writing a post with a new one does); a name the
    list has already, in any case or spacing, is a conflict."""
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.CONTRIBUTOR, "Adding a tag")
        lock_blog(tx.session, blog)
        tag, added = new_tag(tx.session, blog, fields.name)
        if not added:
            raise Conflict(f"the blog has the tag {tag.name!r} already")
        _audit(tx, actor, "tag.created", blog, tag, {"name": tag.name})
        return tag_record(tag, 0)


def _load_tag(session: Session, blog: Blog, tag: str) -> Tag:
    found = session.scalar(select(Tag).where(Tag.blog_id == blog.id, Tag.slug == tag_slug(tag)))
    if found is None:
        raise NotFound(f"no tag {tag!r} in the blog {blog.slug!r}")
    return found


def _count(session: Session, tag: Tag) -> int:
    count = session.scalar(
        select(func.count()).select_from(PostTag).where(PostTag.tag_id == tag.id)
    )
    return count or 0


def _carrying(session: Session, tag: Tag, doing: str) -> list[Post]:
    """The posts carrying the tag, locked; refused (before any is touched) past
    ``MAX_RETAG_POSTS``, so that one rename or delete stays a short transaction and a
    burst of edits readers' pages can replay."""
    count = _count(session, tag)
    if count > MAX_RETAG_POSTS:
        raise Conflict(
            f"the tag {tag.name!r} is on {count} posts (drafts and deleted ones included); "
            f"{doing} reaches at most {MAX_RETAG_POSTS} at once. Take it off some posts "
            f"first, or leave it and use a new tag from now on"
        )
    return list(
        session.scalars(
            select(Post)
            .join(PostTag, PostTag.post_id == Post.id)
            .where(PostTag.tag_id == tag.id)
            .order_by(Post.id)
            .with_for_update()
        )
    )


def _retag(
    tx: Transaction,
    site: Site,
    actor: Actor,
    blog: Blog,
    posts: list[Post],
    old_slug: str,
    new_name: str | None,
    note: str,
) -> list[str]:
    """Each post's tags with the tag renamed (or dropped, for None): a new version, and
    ``post.edited`` for a published post. The public ids of the published ones."""
    public = []
    for post in posts:
        tags = [new_name if tag_slug(t) == old_slug else t for t in post.tags]
        post.tags = [t for t in tags if t is not None]
        save_version(tx, post, actor.user_id, note)
        if post.status == PostStatus.PUBLISHED:
            tx.emit(blog, live_payload(PostEdited, site, blog, post), post)
            public.append(post.public_id)
    return public


def rename_tag(site: Site, actor: Actor, slug: str, tag: str, fields: TagFields) -> dict[str, Any]:
    """Renames a tag everywhere it is carried. Another spelling of the same name (case,
    spacing) is a rename too; the name of another of the blog's tags is a conflict."""
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Renaming a tag")
        lock_blog(tx.session, blog)
        row = _load_tag(tx.session, blog, tag)
        name, new_slug = normalise(fields.name), tag_slug(fields.name)
        if new_slug != row.slug and tx.session.scalar(
            select(Tag.id).where(Tag.blog_id == blog.id, Tag.slug == new_slug)
        ):
            raise Conflict(f"the blog has a tag {name!r} already; delete one of the two first")
        old_name, old_slug = row.name, row.slug
        if name == old_name:
            return tag_record(row, _count(tx.session, row)) | {"purge": []}
        posts = _carrying(tx.session, row, "renaming a tag")
        row.name, row.slug = name, new_slug
        note = f"tag {audit.label(old_name)!r} renamed {audit.label(name)!r}"
        public = _retag(tx, site, actor, blog, posts, old_slug, name, note)
        _audit(tx, actor, "tag.renamed", blog, row, {"from": old_name, "to": name})
        urls = purge_urls(tx.session, site.settings.base_url, blog, public) if public else []
        return tag_record(row, len(posts)) | {"purge": urls}


def delete_tag(site: Site, actor: Actor, slug: str, tag: str) -> dict[str, Any]:
    """Removes a tag from the blog's list and from every post that carries it."""
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Deleting a tag")
        lock_blog(tx.session, blog)
        row = _load_tag(tx.session, blog, tag)
        posts = _carrying(tx.session, row, "deleting a tag")
        note = f"tag {audit.label(row.name)!r} deleted"
        public = _retag(tx, site, actor, blog, posts, row.slug, None, note)
        record = tag_record(row, len(posts))
        _audit(tx, actor, "tag.deleted", blog, row, {"name": row.name, "posts": len(posts)})
        tx.session.execute(delete(PostTag).where(PostTag.tag_id == row.id))
        tx.session.delete(row)
        urls = purge_urls(tx.session, site.settings.base_url, blog, public) if public else []
        return record | {"purge": urls}


def _audit(
    tx: Transaction, actor: Actor, action: str, blog: Blog, tag: Tag, detail: dict[str, Any]
) -> None:
    tx.audit(actor, action, "tag", tag.slug, blog_id=blog.id, detail=detail)
