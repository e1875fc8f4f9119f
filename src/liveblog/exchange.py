"""Writing a blog out in the exchange format (liveblog-exchange/1), every field included."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from liveblog.actions.blogs import load_blog
from liveblog.schema import EXCHANGE_FORMAT, BlogFields
from liveblog.site import Site
from liveblog.storage import Post
from liveblog.times import iso


def export_blog(site: Site, slug: str) -> dict[str, Any]:
    with site.db.reading() as session:
        blog = load_blog(session, slug)
        posts = session.scalars(
            select(Post)
            .where(Post.blog_id == blog.id)
            .order_by(func.coalesce(Post.published_at, Post.created_at), Post.id)
        ).all()
    return {
        "format": EXCHANGE_FORMAT,
        **{name: getattr(blog, name) for name in BlogFields.model_fields},
        "posts": [
            {
                "id": post.public_id,
                "title": post.title,
                "status": post.status,
                "published_at": iso(post.published_at),
                "updated_at": iso(post.updated_at),
                "edited": post.updated_at is not None,
                "key_event": post.key_event,
                "pinned": blog.pinned_post_id == post.id,
                "summary": post.summary,
                "sources": post.sources,
                "verification": post.verification,
                "authors": post.authors,
                "correction": post.correction,
                "tags": post.tags,
                "elements": post.elements,
            }
            for post in posts
        ],
    }
