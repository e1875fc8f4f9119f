"""A blog's feeds: Atom (RFC 4287, written by feedgen) and JSON Feed 1.1, built from the
posts the reader page shows, with the body each post was rendered to when it was written.

Each feed comes in two forms: every post, or the key events only. Entries are the latest
``FEED_SIZE`` published posts, newest first; a deleted post is no longer one of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedgen.feed import FeedGenerator

from liveblog.storage import Blog, Post
from liveblog.tags import tag_slug
from liveblog.times import clock, iso

FEED_SIZE = 50
"""How many posts a feed holds: the latest, newest first."""

ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class FeedKind:
    """One of a blog's four feeds: its file name under ``/live/{slug}/``."""

    name: str
    key_events_only: bool
    atom: bool

    @property
    def media_type(self) -> str:
        return ATOM_TYPE if self.atom else JSON_FEED_TYPE


FEEDS = {
    kind.name: kind
    for kind in (
        FeedKind("feed.atom", key_events_only=False, atom=True),
        FeedKind("feed.json", key_events_only=False, atom=False),
        FeedKind("key-events.atom", key_events_only=True, atom=True),
        FeedKind("key-events.json", key_events_only=True, atom=False),
    )
}

# An attribute whose address starts at the site's root ("/media/…", "/live/…"), but not a
# scheme-relative "//host/…": a feed reader has no page to resolve it against.
_ROOT_RELATIVE = re.compile(r'\b(src|href)="/(?!/)')


def absolute_links(html: str, base_url: str) -> str:
    """``html`` with every root-relative ``src`` and ``href`` made absolute (photos are
    rendered as ``/media/<file>``)."""
    return _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}="{base_url}/', html)


def headline(post: Post, timezone: str) -> str:
    """A post's title in a feed or JSON-LD: its headline, or its first sentence (the label
    the key-events list shows), or, for a post of photos alone, the time it went out."""
    return post.label or f"Update at {clock(post.published_at, timezone)}"


def blog_url(base_url: str, blog: Blog) -> str:
    return f"{base_url}/live/{blog.slug}"


def permalink(base_url: str, blog: Blog, post: Post) -> str:
    return f"{blog_url(base_url, blog)}/posts/{post.public_id}"


def _modified(post: Post) -> Any:
    """When what the post says last changed: its publication, or a later edit (as the page
    shows "Updated at" only for an edit after publication)."""
    if post.updated_at and post.published_at and post.updated_at > post.published_at:
        return post.updated_at
    return post.published_at


def _title(blog: Blog, kind: FeedKind) -> str:
    return f"{blog.title}: key events" if kind.key_events_only else blog.title


def atom_feed(
    blog: Blog, posts: Sequence[Post], kind: FeedKind, base_url: str, site_name: str
) -> bytes:
    """The Atom document. An entry's id is its permalink, which never changes."""
    page = blog_url(base_url, blog)
    feed = FeedGenerator()
    feed.id(f"{page}/{kind.name}")
    feed.title(_title(blog, kind))
    feed.subtitle(blog.standfirst or blog.title)
    feed.link(href=page, rel="alternate", type="text/html")
    feed.link(href=f"{page}/{kind.name}", rel="self", type="application/atom+xml")
    feed.language(blog.language)
    # Atom wants an author for every entry: a post with no byline is the site's.
    feed.author(name=site_name)
    feed.updated(blog.updated_at)
    feed.generator("liveblog")
    for post in posts:
        entry = feed.add_entry(order="append")
        url = permalink(base_url, blog, post)
        entry.id(url)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.title(headline(post, blog.timezone))
        entry.published(post.published_at)
        entry.updated(_modified(post))
        for name in post.authors:
            entry.author(name=name)
        if post.key_event:
            entry.category(term="key-event", label="Key event")
        if post.summary:
            entry.category(term="summary", label="Summary")
        for tag in post.tags:
            entry.category(term=tag_slug(tag), label=tag)
        entry.content(absolute_links(post.body_html, base_url), type="html")
    body: bytes = feed.atom_str(pretty=False)
    return body


def json_feed(
    blog: Blog, posts: Sequence[Post], kind: FeedKind, base_url: str, site_name: str
) -> bytes:
    """The JSON Feed 1.1 document (https://jsonfeed.org/version/1.1). Never ``expired``,
    even when the blog has ended: its posts may still be corrected or deleted, and the blog
    reopened, so a reader should keep polling."""
    page = blog_url(base_url, blog)
    items = []
    for post in posts:
        url = permalink(base_url, blog, post)
        item: dict[str, Any] = {
            "id": url,
            "url": url,
            "title": headline(post, blog.timezone),
            "content_html": absolute_links(post.body_html, base_url),
            "content_text": post.body_text,
            "date_published": iso(post.published_at),
            "date_modified": iso(_modified(post)),
        }
        if post.authors:
            item["authors"] = [{"name": name} for name in post.authors]
        tags = [t for t, on in (("key event", post.key_event), ("summary", post.summary)) if on]
        tags += post.tags
        if tags:
            item["tags"] = tags
        items.append(item)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": _title(blog, kind),
        "home_page_url": page,
        "feed_url": f"{page}/{kind.name}",
        "description": blog.standfirst or blog.title,
        "language": blog.language,
        "authors": [{"name": site_name}],
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()


def render_feed(
    blog: Blog, posts: Sequence[Post], kind: FeedKind, base_url: str, site_name: str
) -> bytes:
    build = atom_feed if kind.atom else json_feed
    return build(blog, posts, kind, base_url, site_name)
