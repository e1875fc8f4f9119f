"""A post's card: the same HTML the reader page shows, rendered once for live events."""

from __future__ import annotations

from jinja2 import Environment

from liveblog.storage import Blog, Post


def post_card(templates: Environment, post: Post, blog: Blog) -> str:
    """``templates``: the site's environment (``Site.templates``)."""
    macro = templates.get_template("_post.html").module.post_article  # type: ignore[attr-defined]
    permalink = f"/live/{blog.slug}/posts/{post.public_id}"
    return str(macro(post, blog, blog.pinned_post_id, permalink)).strip()
