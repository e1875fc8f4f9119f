"""Rows as plain records: what the API returns, what events carry, what export writes."""

from __future__ import annotations

from typing import Any

from liveblog.storage import Blog, Post
from liveblog.times import iso

__all__ = ["blog_record", "post_record"]


def blog_record(blog: Blog, base_url: str = "") -> dict[str, Any]:
    return {
        "slug": blog.slug,
        "title": blog.title,
        "standfirst": blog.standfirst,
        "section": blog.section,
        "language": blog.language,
        "timezone": blog.timezone,
        "status": blog.status,
        "last_seq": blog.last_seq,
        "created_at": iso(blog.created_at),
        "updated_at": iso(blog.updated_at),
        "url": f"{base_url}/live/{blog.slug}",
    }


def post_record(
    post: Post, pinned: bool, base_url: str = "", blog_slug: str = ""
) -> dict[str, Any]:
    return {
        "id": post.public_id,
        "title": post.title,
        "elements": post.elements,
        "key_event": post.key_event,
        "summary": post.summary,
        "pinned": pinned,
        "sources": post.sources,
        "verification": post.verification,
        "authors": post.authors,
        "correction": post.correction,
        "tags": list(post.tags or []),
        "status": post.status,
        "published_at": iso(post.published_at),
        "scheduled_at": iso(post.scheduled_at),
        "updated_at": iso(post.updated_at),
        "version": post.version,
        "label": post.label,
        "body_html": post.body_html,
        "url": f"{base_url}/live/{blog_slug}/posts/{post.public_id}" if blog_slug else None,
    }
