"""Embeds for partners' pages: a blog's compact page (all posts, or its key events only)
and one post's, meant to be framed elsewhere, and oEmbed (``/oembed``) for the blog and
its permalinks. See docs/embeds.md."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from liveblog.errors import NotFound
from liveblog.framing import embed_policy
from liveblog.render.feeds import headline
from liveblog.storage import Blog, Post
from liveblog.storage import queries as q
from liveblog.web.encoding import coded_headers, conditions, etag_matches, negotiate, tagged
from liveblog.web.pagecache import PageCache
from liveblog.web.pages import PAGE_CACHE_CONTROL, PAGE_TYPE, render_page

router = APIRouter(include_in_schema=False)

DEFAULT_POSTS = 10
MAX_POSTS = 50
SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
"""What the frame may do: run its own script, as its own origin (to follow the event
stream), and open links in a new tab that is not sandboxed. Not navigate the partner's
page, not submit forms, not open dialogs."""
WIDTH = 640
HEIGHTS = {"blog": 800, "post": 420}
"""The size oEmbed proposes for a frame (before maxwidth and maxheight)."""
OEMBED_CACHE_AGE = 3600

Posts = Annotated[int, Query(ge=1, le=MAX_POSTS, description="How many posts the embed shows")]


@router.api_route("/live/{slug}/embed", methods=["GET", "HEAD"], response_class=HTMLResponse)
def blog_embed(request: Request, slug: str, posts: Posts = DEFAULT_POSTS) -> Response:
    """The blog's latest posts, compact, following the blog live."""
    return _embed(request, slug, "", posts)


@router.api_route(
    "/live/{slug}/embed/key-events", methods=["GET", "HEAD"], response_class=HTMLResponse
)
def key_events_embed(request: Request, slug: str, posts: Posts = DEFAULT_POSTS) -> Response:
    """The blog's latest key events only: a post marked a key event arrives, one unmarked
    leaves."""
    return _embed(request, slug, "key", posts)


@router.api_route(
    "/live/{slug}/posts/{public_id}/embed", methods=["GET", "HEAD"], response_class=HTMLResponse
)
def post_embed(request: Request, slug: str, public_id: str) -> Response:
    """One post, following its edits (and its deletion)."""
    return _embed(request, slug, f"post:{public_id}", 1)


def _embed(request: Request, slug: str, only: str, limit: int) -> Response:
    """Rendered and compressed once per change of the blog, like the reader page (in a
    cache of their own, so that many variants cannot push reader pages out), with the
    blog's own ``frame-ancestors`` (which is why no cache answers it without a query: the
    policy is read with the blog)."""
    state = request.app.state
    settings = state.site.settings
    cache: PageCache = state.embed_cache
    with state.site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        policy = embed_policy(blog.frame_ancestors, settings.frame_ancestors)
        accept, none_match = conditions(request.scope)
        coding = negotiate(accept)
        framing = hashlib.sha256(policy.encode()).hexdigest()[:8]
        etag = tagged(f'W/"{blog.id}-{blog.last_seq}-embed-{only}-{limit}-{framing}"', coding)
        headers = coded_headers(coding, etag) | {
            "Cache-Control": PAGE_CACHE_CONTROL,
            "Content-Security-Policy": policy,
        }
        if etag_matches(none_match, etag):
            headers.pop("Content-Encoding", None)
            return Response(status_code=304, headers=headers)
        make = _maker(request, session, blog, only, limit)
        html = cache.get_or_make(("embed", blog.id, blog.last_seq, only, limit), make)
    return Response(html.body(coding), media_type=PAGE_TYPE, headers=headers)


def _maker(
    request: Request, session: Any, blog: Blog, only: str, limit: int
) -> Callable[[], bytes]:
    base_url = request.app.state.site.settings.base_url
    blog_url = f"{base_url}/live/{blog.slug}"

    def make() -> bytes:
        posts: Sequence[Post]
        if only.startswith("post:"):
            posts = [q.published_post(session, blog, only.removeprefix("post:"))]
            link = f"{blog_url}/posts/{posts[0].public_id}"
        else:
            posts = q.latest_posts(session, blog, limit, key_events_only=only == "key")
            link = blog_url
        response = render_page(
            request,
            "embed.html",
            lang=blog.language,
            blog=blog,
            posts=posts,
            only=only,
            limit=limit,
            link=link,
            blog_url=blog_url,
        )
        return bytes(response.body)

    return make


# --- oEmbed (https://oembed.com) ---------------------------------------------------------


@router.get("/oembed")
def oembed(
    request: Request,
    url: Annotated[str, Query(max_length=2000)],
    format: Annotated[str, Query(max_length=20)] = "json",
    maxwidth: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    maxheight: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """The embed of a blog page or a post's permalink of this site, as oEmbed's "rich"
    type: ``html`` is the frame. JSON only (any other format is 501, as the spec says); an
    address that is not one of ours, or names nothing public, is 404."""
    if format != "json":
        raise HTTPException(501, "only format=json is served")
    settings = request.app.state.site.settings
    slug, public_id = _our_address(settings.base_url, url)
    with request.app.state.site.db.reading() as session:
        blog = q.blog_by_slug(session, slug)
        blog_url = f"{settings.base_url}/live/{blog.slug}"
        if public_id is None:
            kind, src, title = "blog", f"{blog_url}/embed", blog.title
        else:
            post = q.published_post(session, blog, public_id)
            kind, src = "post", f"{blog_url}/posts/{post.public_id}/embed"
            # A post of photos alone has no label: the time it went out stands for it.
            title = f"{headline(post, blog.timezone)} · {blog.title}"
    width = min(WIDTH, maxwidth or WIDTH)
    height = min(HEIGHTS[kind], maxheight or HEIGHTS[kind])
    answer = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": settings.site_name,
        "provider_url": f"{settings.base_url}/",
        "cache_age": OEMBED_CACHE_AGE,
        "width": width,
        "height": height,
        "html": frame_html(src, title, width, height),
    }
    return JSONResponse(
        answer,
        headers={
            "Cache-Control": f"public, max-age={OEMBED_CACHE_AGE // 12}",
            "Access-Control-Allow-Origin": "*",
        },
    )


@dataclass(frozen=True)
class EmbedCode:
    """What a partner pastes for one embed: the script line, or a plain frame."""

    name: str
    url: str
    script: str
    frame: str


def embed_codes(base_url: str, slug: str, title: str) -> list[EmbedCode]:
    """The blog's embeds, whole and key events only, as the desk offers them to copy."""
    blog_url = f"{base_url}/live/{slug}"
    codes = []
    for name, url, height in (
        ("The whole blog", f"{blog_url}/embed", 800),
        ("Key events only", f"{blog_url}/embed/key-events", 600),
    ):
        script = f'<script src="{base_url}/static/embed.js" data-liveblog="{url}" async></script>'
        codes.append(EmbedCode(name, url, script, frame_html(url, title, None, height)))
    return codes


def frame_html(src: str, title: str, width: int | None, height: int) -> str:
    """The plain ``<iframe>`` a partner pastes (or oEmbed hands out): ``width`` pixels, or
    the width of the column it is in."""
    size = f'width="{width}"' if width else 'style="width:100%;border:0"'
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" {size} height="{height}" '
        f'sandbox="{SANDBOX}" loading="lazy" referrerpolicy="strict-origin-when-cross-origin" '
        'frameborder="0"></iframe>'
    )


def _our_address(base_url: str, url: str) -> tuple[str, str | None]:
    """(slug, post id or None) of a reader page or permalink under ``base_url``."""
    ours = urlsplit(base_url)
    try:
        theirs = urlsplit(url.strip())
        same = (theirs.scheme.lower(), theirs.netloc.lower()) == (
            ours.scheme.lower(),
            ours.netloc.lower(),
        )
    except ValueError:
        same = False
    if not same:
        raise NotFound("that address is not one of this site's live blogs")
    path = theirs.path.removeprefix(ours.path.rstrip("/"))
    parts = [unquote(part) for part in path.strip("/").split("/")]
    if len(parts) == 2 and parts[0] == "live":
        return parts[1], None
    if len(parts) == 4 and parts[0] == "live" and parts[2] == "posts":
        return parts[1], parts[3]
    raise NotFound("that address is not one of this site's live blogs or posts")
