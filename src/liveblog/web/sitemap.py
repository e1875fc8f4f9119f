"""What search engines read first: ``/robots.txt``, and ``/sitemap.xml``, which lists the
index and every blog readers can see, with a Google News entry for each blog that changed
in the last two days (news sitemaps name only recent articles).

The sitemap is built once and kept in memory (:class:`SitemapCache`) until a blog readers
can see changes, or one's news entry runs out: a request costs one small read (how many
blogs are visible and their latest change), not every blog."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from liveblog.settings import Settings
from liveblog.storage import Blog
from liveblog.storage import queries as q
from liveblog.times import iso

router = APIRouter(include_in_schema=False)

NEWS_WINDOW = timedelta(days=2)
"""How recent a blog's latest change must be for its news entry (Google's rule)."""
NEWS_LIMIT = 1000
"""Most news entries one sitemap may hold."""
CACHE_CONTROL = "public, max-age=300"

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# Google News reads a two- or three-letter ISO 639 code, except for these two Chinese forms.
_NEWS_LANGUAGES = {"zh-cn": "zh-cn", "zh-hans": "zh-cn", "zh-tw": "zh-tw", "zh-hant": "zh-tw"}


def news_language(language: str) -> str:
    """``en-GB`` -> ``en``; ``zh-TW`` stays ``zh-tw``, as Google News asks."""
    code = language.strip().lower().replace("_", "-")
    return _NEWS_LANGUAGES.get(code, code.split("-", 1)[0] or "en")


def _url(loc: str, lastmod: str, news: str = "") -> str:
    return f"<url><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod>{news}</url>"


def _news(blog: Blog, site_name: str) -> str:
    return (
        "<news:news><news:publication>"
        f"<news:name>{escape(site_name)}</news:name>"
        f"<news:language>{escape(news_language(blog.language))}</news:language>"
        "</news:publication>"
        f"<news:publication_date>{iso(blog.created_at)}</news:publication_date>"
        f"<news:title>{escape(blog.title)}</news:title>"
        "</news:news>"
    )


def sitemap(blogs: Sequence[Blog], settings: Settings) -> str:
    """The sitemap: the index (last changed when its latest blog did), then each blog, with
    a news entry for the blogs changed within :data:`NEWS_WINDOW`."""
    recent = datetime.now(UTC) - NEWS_WINDOW
    newest = max((blog.updated_at for blog in blogs), default=None)
    urls = [_url(f"{settings.base_url}/", iso(newest or datetime.now(UTC)) or "")]
    news_left = NEWS_LIMIT
    for blog in blogs:
        news = ""
        if news_left and blog.updated_at >= recent:
            news, news_left = _news(blog, settings.site_name), news_left - 1
        urls.append(_url(f"{settings.base_url}/live/{blog.slug}", iso(blog.updated_at) or "", news))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )


def news_ends(blogs: Sequence[Blog], now: datetime) -> datetime | None:
    """When the first of the news entries :func:`sitemap` writes at ``now`` runs out (the
    sitemap changes then even if no blog does), or None if it writes none."""
    recent = now - NEWS_WINDOW
    listed = [blog.updated_at for blog in blogs if blog.updated_at >= recent][:NEWS_LIMIT]
    return min(listed) + NEWS_WINDOW if listed else None


class SitemapCache:
    """The last sitemap built, with the :func:`queries.sitemap_version` it was built at and
    the time its first news entry runs out."""

    def __init__(self) -> None:
        self._kept: tuple[Hashable, str, datetime | None] | None = None
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, version: Hashable, now: datetime) -> str | None:
        kept = self._kept
        if kept is None or kept[0] != version or (kept[2] is not None and now >= kept[2]):
            return None
        return kept[1]

    def put(self, version: Hashable, body: str, ends: datetime | None) -> None:
        with self._lock:
            self.builds += 1
            self._kept = (version, body, ends)


@router.api_route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap_xml(request: Request) -> Response:
    site = request.app.state.site
    cache: SitemapCache = request.app.state.sitemap_cache
    with site.db.reading() as session:
        version = q.sitemap_version(session)
        now = datetime.now(UTC)
        body = cache.get(version, now)
        if body is None:
            blogs = q.sitemap_blogs(session)
            body = sitemap(blogs, site.settings)
            cache.put(version, body, news_ends(blogs, now))
    return Response(
        body,
        media_type="application/xml; charset=utf-8",
        headers={"Cache-Control": CACHE_CONTROL},
    )


@router.api_route("/robots.txt", methods=["GET", "HEAD"])
def robots_txt(request: Request) -> PlainTextResponse:
    """Crawlers may read every page but the desk and the API; the sitemap says where."""
    base_url = request.app.state.site.settings.base_url
    body = f"User-agent: *\nDisallow: /editor\nDisallow: /api/\nSitemap: {base_url}/sitemap.xml\n"
    return PlainTextResponse(body, headers={"Cache-Control": CACHE_CONTROL})
