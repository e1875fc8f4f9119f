"""A post's tags inside the transaction that writes the post: the names an editor sent
matched against the blog's list (in any case or spacing), the missing ones added to it,
and the post's ``tags`` and its ``post_tags`` rows set together."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveblog.actions.access import Actor
from liveblog.actions.transaction import Transaction
from liveblog.errors import Invalid
from liveblog.storage import Blog, Post, PostTag, Tag
from liveblog.tags import MAX_TAGS_PER_BLOG, normalise, tag_slug


def lock_blog(session: Session, blog: Blog) -> None:
    """Takes the blog row's write lock (the one emitting an event takes) before its tag
    list is read or changed, so that renames, deletes and post saves touching tags run
    one after another, and the per-blog limit holds. Every action that locks posts takes
    this first (``load_post``), so the order is always blog, then posts: no deadlock."""
    session.execute(select(Blog.id).where(Blog.id == blog.id).with_for_update())


def known(session: Session, blog: Blog, names: Sequence[str]) -> dict[str, Tag]:
    """The blog's tags among these names, by slug."""
    slugs = {tag_slug(name) for name in names}
    if not slugs:
        return {}
    rows = session.scalars(select(Tag).where(Tag.blog_id == blog.id, Tag.slug.in_(slugs)))
    return {tag.slug: tag for tag in rows}


def spelled(session: Session, blog: Blog, names: Sequence[str]) -> list[str]:
    """The names as the blog's list spells them (a new one as given, normalised): what
    the post will carry, to compare with what it carries now."""
    found = known(session, blog, names)
    return [found[s].name if (s := tag_slug(n)) in found else normalise(n) for n in names]


def new_tag(session: Session, blog: Blog, name: str) -> tuple[Tag, bool]:
    """The blog's tag of this name, added to its list when it has none; True if added.
    Refused past the blog's limit. Two writers adding one name at once: the second finds
    the first's row."""
    slug = tag_slug(name)
    tag = session.scalar(select(Tag).where(Tag.blog_id == blog.id, Tag.slug == slug))
    if tag is not None:
        return tag, False
    count = session.scalar(select(func.count()).select_from(Tag).where(Tag.blog_id == blog.id))
    if (count or 0) >= MAX_TAGS_PER_BLOG:
        raise Invalid(
            f"the blog has {MAX_TAGS_PER_BLOG} tags, its most; use one of them, or delete "
            f"one it no longer needs, before adding {name!r}",
            "tags",
        )
    tag = Tag(blog_id=blog.id, name=normalise(name), slug=slug)
    try:
        with session.begin_nested():
            session.add(tag)
    except IntegrityError:
        tag = session.scalars(select(Tag).where(Tag.blog_id == blog.id, Tag.slug == slug)).one()
        return tag, False
    return tag, True


def attach(
    tx: Transaction, blog: Blog, post: Post, names: Sequence[str], actor: Actor | None = None
) -> None:
    """Sets the post's tags to these names: existing tags keep the list's spelling, new ones
    are added to the list (and audited when an actor added them while writing a post)."""
    if names:
        lock_blog(tx.session, blog)
    tags = []
    for name in names:
        tag, added = new_tag(tx.session, blog, name)
        tags.append(tag)
        if added and actor is not None:
            tx.audit(
                actor,
                "tag.created",
                "tag",
                tag.slug,
                blog_id=blog.id,
                detail={"name": tag.name, "post": post.public_id},
            )
    post.tags = [tag.name for tag in tags]
    tx.session.flush()
    tx.session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    for tag in tags:
        tx.session.add(PostTag(post_id=post.id, tag_id=tag.id))
