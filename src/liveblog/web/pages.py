"""The reader's HTML pages: the index, a blog's page, and permalinks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from liveblog.errors import NotFound
from liveblog.render.templating import iso_utc
from liveblog.storage import Blog, Post
from liveblog.storage import queries as q
from liveblog.web.encoding import coded_headers, etag_matches, negotiate, tagged
from liveblog.web.pagecache import PageCache

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


@router.api_route("/live/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def blog_page(request: Request, slug: str, page: int = Query(1, ge=1, le=100_000)) -> Response:
    """The page, from the cache, in the coding the reader accepts (br, gzip or identity).

    The ETag is weak and names the coding: ``W/"<blog>-<seq>-<page>"`` for identity and the
    same with ``-br`` or ``-gzip``. Weak, because the tag comes from the blog's seq, not
    from the bytes: two workers that render seq N at different moments, or before and
    after an upgrade, may differ in a byte while meaning the same page. One tag per coding,
    because a cache that revalidates its gzip copy must not be told that a brotli copy is
    current (Vary: Accept-Encoding keeps their copies apart; the tags keep the 304s apart).
    """
    site = request.app.state.site
    cache: PageCache = request.app.state.page_cache
    coding = negotiate(request.headers.get("accept-encoding"))
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        etag = tagged(f'W/"{blog.id}-{blog.last_seq}-{page}"', coding)
        headers = coded_headers(coding, etag) | {"Cache-Control": "public, max-age=5"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            headers.pop("Content-Encoding", None)
            return Response(status_code=304, headers=headers)
        key = (blog.id, blog.last_seq, page)
        html = cache.get(key)
        if html is None:
            html = cache.put(key, _render_blog_page(request, session, blog, page))
    return Response(html.body(coding), media_type="text/html; charset=utf-8", headers=headers)


def _render_blog_page(request: Request, session: Session, blog: Blog, page: int) -> bytes:
    base_url = request.app.state.site.settings.base_url
    stream = q.stream_page(session, blog, page)
    if page > stream.pages:
        raise NotFound(f"this blog has {stream.pages} page(s) of updates")
    canonical = f"{base_url}/live/{blog.slug}" + (f"?page={page}" if page > 1 else "")
    response = render_page(
        request,
        "blog.html",
        lang=blog.language,
        blog=blog,
        page=stream,
        pinned=q.pinned_post(session, blog),
        key_events=q.key_events(session, blog),
        canonical=canonical,
        jsonld=_jsonld(base_url, blog, stream.posts),
    )
    return bytes(response.body)


@router.api_route("/live/{slug}/posts/{public_id}", methods=["GET", "HEAD"])
def permalink(request: Request, slug: str, public_id: str) -> RedirectResponse:
    with request.app.state.site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        page = q.page_of_post(session, blog, public_id)
    query = f"?page={page}" if page > 1 else ""
    return RedirectResponse(f"/live/{slug}{query}#post-{public_id}", status_code=302)


def _jsonld(base_url: str, blog: Blog, posts: Any) -> dict[str, Any]:
    url = f"{base_url}/live/{blog.slug}"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": blog.title,
        "description": blog.standfirst or blog.title,
        "inLanguage": blog.language,
        "datePublished": iso_utc(blog.created_at),
        "dateModified": iso_utc(blog.updated_at),
        "coverageStartTime": iso_utc(blog.created_at),
        "liveBlogUpdate": [_update(url, post) for post in posts],
    }
    if blog.section:
        data["articleSection"] = blog.section
    if blog.status == "ended":
        data["coverageEndTime"] = iso_utc(blog.updated_at)
    return data


def _update(blog_url: str, post: Post) -> dict[str, Any]:
    update: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": post.label,
        "url": f"{blog_url}/posts/{post.public_id}",
        "datePublished": iso_utc(post.published_at),
        "dateModified": iso_utc(post.updated_at or post.published_at),
        "articleBody": post.body_text,
    }
    if post.authors:
        update["author"] = [{"@type": "Person", "name": name} for name in post.authors]
    return update
