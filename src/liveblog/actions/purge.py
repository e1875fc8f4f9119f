"""What a cache in front (a CDN, nginx, Varnish) should forget after a change.

Every change a reader can see bumps the blog's seq, and the page's and ``updates.json``'s
ETags carry it, so a cache that revalidates never serves a stale answer for longer than
its max-age (5 s for pages, 2 s for ``updates.json``). A cache told to purge forgets at
once: the addresses below are every anonymous answer that one change can alter. The
write actions return them as ``purge`` (and so does the API), and
docs/deployment.md shows how to hand them to a CDN.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveblog.paging import page_count
from liveblog.render.feeds import FEEDS
from liveblog.storage import Blog, Post
from liveblog.storage.queries import PAGE_SIZE, published


def purge_urls(
    session: Session, base_url: str, blog: Blog, post_ids: Iterable[str] = ()
) -> list[str]:
    """The addresses whose answers a change to ``blog`` (and to the posts ``post_ids``) can
    alter: the index, the reader page and each of its pages (one more than there are now,
    for the page a deletion emptied), each post's permalink and its embed, ``updates.json``
    and the blog's embeds (purge these two as prefixes: every ``?after=N``, ``?posts=N``
    and ``/key-events`` is its own cached answer), the feeds, and the API's public reads."""
    total = session.scalar(select(func.count()).select_from(Post).where(*published(blog.id)))
    pages = page_count(total or 0, PAGE_SIZE)
    page = f"{base_url}/live/{blog.slug}"
    api = f"{base_url}/api/v1/blogs"
    ids = list(dict.fromkeys(post_ids))
    return [
        f"{base_url}/",
        page,
        *(f"{page}?page={n}" for n in range(2, pages + 2)),
        *(f"{page}/posts/{post_id}" for post_id in ids),
        f"{page}/updates.json",
        *(f"{page}/{feed}" for feed in FEEDS),
        f"{page}/embed",
        *(f"{page}/posts/{post_id}/embed" for post_id in ids),
        api,
        f"{api}/{blog.slug}",
        f"{api}/{blog.slug}/posts",
        *(f"{api}/{blog.slug}/posts/{post_id}" for post_id in ids),
    ]
