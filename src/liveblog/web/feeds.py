"""A blog's feeds: ``/live/{slug}/feed.atom``, ``feed.json``, ``key-events.atom`` and
``key-events.json`` (built by ``render/feeds.py``).

A feed changes only when the blog does, so it is cached and tagged like the reader page:
rendered and compressed once per ``last_seq`` (in the page cache), with the page's weak
ETag scheme and Cache-Control, and a 304 for ``If-None-Match`` or, from readers that send
only dates, ``If-Modified-Since`` (``Last-Modified`` is the blog's latest change, see
:func:`last_modified`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liveblog.render.feeds import FEED_SIZE, FEEDS, render_feed
from liveblog.storage import queries as q
from liveblog.times import http_date, parse_http_date
from liveblog.web.pagecache import PageCache
from liveblog.web.pages import seq_answer

router = APIRouter(include_in_schema=False)


def last_modified(changed: datetime, now: datetime) -> datetime:
    """The ``Last-Modified`` of a feed built at ``now`` from a blog last changed at
    ``changed``: that change's second, once the second is over. An HTTP date has no
    fraction of a second, so while the second of the change is still running another change
    may yet come in it with the same date: then the answer names the second before, so that
    a reader sending it back as ``If-Modified-Since`` is never told its copy is current
    (the next answer, a second later, names the right second)."""
    second = changed.replace(microsecond=0)
    return second if now.replace(microsecond=0) > second else second - timedelta(seconds=1)


def modified_since(changed: datetime, since: datetime | None) -> bool:
    """Whether a copy sent with ``Last-Modified: since`` may miss the change at ``changed``."""
    return since is None or changed.replace(microsecond=0) > since


def feed(request: Request, slug: str) -> Response:
    name = request.url.path.rsplit("/", 1)[1]
    kind = FEEDS[name]
    state = request.app.state
    settings = state.site.settings
    cache: PageCache = state.page_cache
    with state.site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        coding, headers, current = seq_answer(request.scope, blog.id, blog.last_seq, name)
        headers["Last-Modified"] = http_date(last_modified(blog.updated_at, datetime.now(UTC)))
        if "if-none-match" not in request.headers:
            since = parse_http_date(request.headers.get("if-modified-since"))
            current = not modified_since(blog.updated_at, since)
        if current:
            headers.pop("Content-Encoding", None)
            return Response(status_code=304, headers=headers)
        body = cache.get_or_make(
            (blog.id, blog.last_seq, name),
            lambda: render_feed(
                blog,
                q.latest_posts(session, blog, FEED_SIZE, key_events_only=kind.key_events_only),
                kind,
                settings.base_url,
                settings.site_name,
            ),
        )
    return Response(body.body(coding), media_type=kind.media_type, headers=headers)


for _name in FEEDS:
    # One route per feed, so that no other address under /live/{slug}/ is shadowed.
    router.add_api_route(f"/live/{{slug}}/{_name}", feed, methods=["GET", "HEAD"])
