"""A post's card: the same HTML the reader page shows, rendered once for live events."""

from __future__ import annotations

from liveblog.render.templating import environment
from liveblog.storage import Blog, Post


def post_card(post: Post, blog: Blog) -> str:
    macro = environment().get_template("_post.html").module.post_article  # type: ignore[attr-defined]
    permalink = f"/live/{blog.slug}/posts/{post.public_id}"
    return str(macro(post, blog, blog.pinned_post_id, permalink)).strip()
