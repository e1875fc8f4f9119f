"""The reader's HTML pages: the index, a blog's page, and permalinks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from liveblog.elements.providers import page_frame_hosts
from liveblog.headers import reader_policy
from liveblog.paging import LAST_PAGE
from liveblog.render.feeds import headline
from liveblog.render.templating import iso_utc
from liveblog.states import BlogStatus
from liveblog.storage import Blog, Post
from liveblog.storage import queries as q
from liveblog.web.encoding import (
    coded_headers,
    conditions,
    etag_matches,
    negotiate,
    send_answer,
    tagged,
)
from liveblog.web.pagecache import BlogHeads, PageCache, Rendered

router = APIRouter(include_in_schema=False)


def render_page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with what every page shows (the site's name)."""
    state = request.app.state
    html = state.templates.get_template(template).render(
        site_name=state.site.settings.site_name,
        edge_streams=state.site.settings.edge_streams,
        **context,
    )
    return HTMLResponse(html, status_code=status)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    with request.app.state.site.db.reading() as session:
        blogs = q.listed_blogs(session)
    return render_page(request, "index.html", blogs=blogs)


PAGE_TYPE = "text/html; charset=utf-8"
# Browsers keep the page 5 s; shared caches (a CDN, nginx) as long, and may serve it up to
# 30 s stale while one request fetches the next version.
PAGE_CACHE_CONTROL = "public, max-age=5, s-maxage=5, stale-while-revalidate=30"


def seq_answer(
    scope: Scope, blog_id: int, last_seq: int, page: int | str
) -> tuple[str, dict[str, str], bool]:
    """The coding, the headers and whether the reader's copy is current (a 304), for a
    page (``page``: its number) or anything else rendered from the blog at one seq (its
    name, such as a feed's ``feed.atom``).

    The ETag is weak and names the coding: ``W/"<blog>-<seq>-<page>"`` for identity and the
    same with ``-br`` or ``-gzip``. Weak, because the tag comes from the blog's seq, not
    from the bytes: two workers that render seq N at different moments, or before and
    after an upgrade, may differ in a byte while meaning the same page. One tag per coding,
    because a cache that revalidates its gzip copy must not be told that a brotli copy is
    current (Vary: Accept-Encoding keeps their copies apart; the tags keep the 304s apart).
    """
    accept, none_match = conditions(scope)
    coding = negotiate(accept)
    etag = tagged(f'W/"{blog_id}-{last_seq}-{page}"', coding)
    headers = coded_headers(coding, etag) | {"Cache-Control": PAGE_CACHE_CONTROL}
    current = etag_matches(none_match, etag)
    if current:
        headers.pop("Content-Encoding", None)
    return coding, headers, current


@router.api_route("/live/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def blog_page(request: Request, slug: str, page: int = Query(1, ge=1, le=LAST_PAGE)) -> Response:
    """The page, rendered and compressed once per change (see ``PageCache``), in the coding
    the reader accepts. A page already in the cache is usually answered by
    :class:`CachedPageRoute` before this route is reached."""
    state = request.app.state
    cache: PageCache = state.page_cache
    with state.site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        state.blog_heads.remember(slug, blog.id, blog.last_seq)
        coding, headers, current = seq_answer(request.scope, blog.id, blog.last_seq, page)
        if current:
            return Response(status_code=304, headers=headers)
        html = cache.get_or_make(
            (blog.id, blog.last_seq, page),
            lambda: _render_blog_page(request, blog, page, q.reader_page(session, blog, page)),
        )
    return Response(html.body(coding), media_type=PAGE_TYPE, headers=headers | dict(html.headers))


def _page_number(query: bytes) -> int | None:
    """The page a plain query asks for (none, or a valid ``page=N`` among other parameters
    such as ``utm_source``); None for anything :func:`blog_page` should judge (and refuse)."""
    if not query:
        return 1
    values = [
        v for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if k == "page"
    ]
    if not values:
        return 1
    if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() or len(values[0]) > 6:
        return None
    page = int(values[0])
    return page if 1 <= page <= LAST_PAGE else None


class CachedPageRoute(Route):
    """``GET``/``HEAD /live/{slug}`` when its answer is already in memory: the blog's
    ``last_seq`` in :class:`BlogHeads` and the page in the :class:`PageCache`. It claims
    the request (``matches``) only then, and answers it on the event loop, with no query
    and no thread; otherwise it does not match, and :func:`blog_page` reads the database
    (and fills both). Headers and bytes are the same either way."""

    def __init__(self, heads: BlogHeads, cache: PageCache) -> None:
        super().__init__("/live/{slug}", self._answer, methods=["GET", "HEAD"])
        self.app = self._answer  # a raw ASGI endpoint, not a Request -> Response function
        self.heads = heads
        self.cache = cache

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return Match.NONE, {}
        match, child_scope = super().matches(scope)
        if match is not Match.FULL:
            return Match.NONE, {}
        page = _page_number(scope.get("query_string", b""))
        head = self.heads.get(child_scope["path_params"]["slug"]) if page else None
        if page is None or head is None:
            return Match.NONE, {}
        html = self.cache.get((head.blog_id, head.last_seq, page))
        if html is None:
            return Match.NONE, {}
        child_scope["liveblog.page"] = (head, page, html)
        return Match.FULL, child_scope

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        head, page, html = scope["liveblog.page"]
        coding, headers, current = seq_answer(scope, head.blog_id, head.last_seq, page)
        if current:
            await send_answer(scope, send, 304, headers, b"")
            return
        headers["Content-Type"] = PAGE_TYPE
        headers.update(html.headers)
        await send_answer(scope, send, 200, headers, html.body(coding))


def _render_blog_page(request: Request, blog: Blog, page: int, shown: q.ReaderPage) -> Rendered:
    """The page, and its content security policy: frames from the embed providers only
    (and the Mastodon servers of the cards on it), named in the page for its script too."""
    settings = request.app.state.site.settings
    base_url = settings.base_url
    stream = shown.stream
    shown_posts = [*stream.posts, *([shown.pinned] if shown.pinned else [])]
    frame_hosts = page_frame_hosts(
        (post.elements for post in shown_posts),
        own_host=urlsplit(base_url).hostname or "",
        servers=settings.mastodon_servers,
    )
    canonical = f"{base_url}/live/{blog.slug}" + (f"?page={page}" if page > 1 else "")
    response = render_page(
        request,
        "blog.html",
        lang=blog.language,
        blog=blog,
        page=stream,
        pinned=shown.pinned,
        key_events=shown.key_events,
        canonical=canonical,
        jsonld=_jsonld(
            base_url,
            request.app.state.site.settings.site_name,
            blog,
            stream.posts,
            shown.ended_at,
        ),
        oembed=oembed_url(base_url, f"{base_url}/live/{blog.slug}"),
        frame_hosts=frame_hosts,
    )
    policy = (("Content-Security-Policy", reader_policy(frame_hosts)),)
    return Rendered(bytes(response.body), policy)


def oembed_url(base_url: str, url: str) -> str:
    """Where oEmbed consumers ask about ``url`` (web/embeds.py answers)."""
    return f"{base_url}/oembed?" + urlencode({"url": url, "format": "json"})


@router.api_route("/live/{slug}/posts/{public_id}", methods=["GET", "HEAD"])
def permalink(request: Request, slug: str, public_id: str) -> RedirectResponse:
    with request.app.state.site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        page = q.page_of_post(session, blog, public_id)
    query = f"?page={page}" if page > 1 else ""
    return RedirectResponse(f"/live/{slug}{query}#post-{public_id}", status_code=302)


def _jsonld(
    base_url: str, site_name: str, blog: Blog, posts: Any, ended_at: datetime | None = None
) -> dict[str, Any]:
    """The page's ``LiveBlogPosting``, as Google's live coverage rules ask: the coverage's
    start (and end, once the blog has ended), and one ``BlogPosting`` update per post shown,
    each with a headline, its publication and modification times, permalink and text."""
    url = f"{base_url}/live/{blog.slug}"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": _short(blog.title),
        "description": blog.standfirst or blog.title,
        "inLanguage": blog.language,
        "datePublished": iso_utc(blog.created_at),
        "dateModified": iso_utc(blog.updated_at),
        "coverageStartTime": iso_utc(blog.created_at),
        "publisher": {"@type": "Organization", "name": site_name},
        "liveBlogUpdate": [_update(base_url, url, blog, post) for post in posts],
    }
    if blog.section:
        data["articleSection"] = blog.section
    if blog.status == BlogStatus.ENDED:
        data["coverageEndTime"] = iso_utc(ended_at or blog.updated_at)
    return data


HEADLINE_LIMIT = 110
"""Google shows no headline longer than this in its live coverage results."""
_PHOTO = re.compile(r'<img src="(/media/[^"]+)"')


def _short(text: str) -> str:
    if len(text) <= HEADLINE_LIMIT:
        return text
    return text[: HEADLINE_LIMIT - 1].rstrip() + "…"


def _update(base_url: str, blog_url: str, blog: Blog, post: Post) -> dict[str, Any]:
    update: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": _short(headline(post, blog.timezone)),
        "url": f"{blog_url}/posts/{post.public_id}",
        "datePublished": iso_utc(post.published_at),
        "dateModified": iso_utc(post.updated_at or post.published_at),
        "articleBody": post.body_text,
    }
    if post.authors:
        update["author"] = [{"@type": "Person", "name": name} for name in post.authors]
    if post.tags:
        update["keywords"] = ", ".join(post.tags)
    photos = _PHOTO.findall(post.body_html)
    if photos:
        update["image"] = [base_url + photo for photo in photos]
    return update
