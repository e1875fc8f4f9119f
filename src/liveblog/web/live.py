"""Live updates over HTTP: the polling endpoint, and the event stream for other servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from liveblog.errors import NotFound
from liveblog.realtime.hub import Hub
from liveblog.realtime.log import backlog, blog_head
from liveblog.realtime.protocol import parse_last_event_id
from liveblog.realtime.streams import BufferStream
from liveblog.web.encoding import coded_headers, conditions, etag_matches, negotiate, tagged
from liveblog.web.pagecache import PageCache

UPDATES_MIN_COMPRESS = 1024
"""Bytes below which an ``updates.json`` answer is not worth compressing."""

router = APIRouter(include_in_schema=False)
# Every up-to-date reader asks the same URL: a CDN answers them all for 2 s, and may answer
# up to 10 s stale while one request fetches the next version.
UPDATES_CACHE_CONTROL = "public, max-age=2, s-maxage=2, stale-while-revalidate=10"


@router.get("/live/{slug}/updates.json")
def updates(
    request: Request, slug: str, after: Annotated[int | None, Query(ge=0, le=10**12)] = None
) -> Response:
    """The events after ``after``. Readers who are up to date all ask the same URL, so a
    CDN in front answers most of them from its cache.

    The answer for (blog, last_seq, after) cannot change until the blog's next event, so it
    is kept like the pages are: built and compressed once, when bigger than
    ``UPDATES_MIN_COMPRESS`` (an up-to-date reader's answer is some 40 bytes, sent as they
    are). ETags are weak and name the coding, as the page's do (see ``pages.blog_page``)."""
    cache: PageCache = request.app.state.updates_cache
    with request.app.state.site.db.reading() as session:
        head = blog_head(session, slug)
        if head is None:
            raise NotFound(f"no blog with the slug {slug!r}")
        blog_id, last_seq = head

        def make() -> bytes:
            body: dict[str, Any] = {"last_seq": last_seq, "events": [], "resync": None}
            if after is not None:
                limit = request.app.state.site.settings.replay_limit
                missed = backlog(session, blog_id, last_seq, after, limit)
                body["events"] = [event.data for event in missed.events]
                body["resync"] = missed.resync
            return bytes(JSONResponse(body).body)

        encoded = cache.get_or_make((blog_id, last_seq, after), make)
    accept, none_match = conditions(request.scope)
    coding = negotiate(accept, encoded.codings)
    etag = tagged(f'W/"{blog_id}-{last_seq}-{after}"', coding)
    headers = coded_headers(coding, etag) | {"Cache-Control": UPDATES_CACHE_CONTROL}
    if etag_matches(none_match, etag):
        headers.pop("Content-Encoding", None)
        return Response(status_code=304, headers=headers)
    return Response(encoded.body(coding), media_type="application/json", headers=headers)


@router.get("/live/{slug}/events")
async def events(request: Request, slug: str) -> Response:
    """The event stream, served through ASGI when not under liveblog's own server."""
    hub: Hub = request.app.state.hub
    header = request.headers.get("last-event-id")
    after = parse_last_event_id(
        header.encode("latin-1") if header else None, request.url.query.encode("latin-1")
    )
    stream = BufferStream()
    if not await hub.follow(slug, after, stream):
        raise NotFound(f"no blog with the slug {slug!r}")

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                chunk = await stream.next_chunk(hub.heartbeat_seconds * 2)
                if chunk is None:
                    return
                if chunk:
                    yield chunk
        finally:
            hub.leave(stream)

    return StreamingResponse(
        chunks(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
