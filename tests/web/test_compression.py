"""Bytes on the wire: pages, updates.json and static files compressed once (brotli, gzip),
negotiated from Accept-Encoding, with Vary, one ETag per coding, 304 and HEAD."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import brotli
import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import event

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import update_blog
from liveblog.actions.exchange import import_blog
from liveblog.actions.posts import create_post
from liveblog.app import create_app
from liveblog.schema import BlogChanges, NewPost
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.web.assets import STATIC, StaticAssets, static_assets
from liveblog.web.encoding import Encoded, encode, negotiate
from liveblog.web.pagecache import BlogHeads, PageCache, Rendered
from liveblog.web.pages import PAGE_CACHE_CONTROL
from tests.servers import running_server

PARAGRAPH = (
    "The coastguard said the **flood barrier** at the old harbour would stay in place until "
    "at least 9pm, and that about 4,000 households in Kesterby were still without power. "
)


def exchange(posts: int) -> dict[str, Any]:
    return {
        "format": "liveblog-exchange/1",
        "slug": "harbour",
        "title": "Harbour floods",
        "timezone": "Europe/London",
        "posts": [
            {"elements": [{"type": "text", "markdown": f"Update {n}. " + PARAGRAPH * 3}]}
            for n in range(posts)
        ],
    }


class Raw:
    """The app in-process, answers read as they are sent: nothing is decompressed, and no
    Accept-Encoding is sent unless the test gives one."""

    def __init__(
        self, site: Site, app: FastAPI, client: httpx.AsyncClient, call: Callable[..., Any]
    ) -> None:
        self.site = site
        self.app = app
        self._client = client
        self._call = call

    def __call__(self, path: str, method: str = "GET", **headers: str) -> httpx.Response:
        async def fetch() -> httpx.Response:
            request = self._client.build_request(method, path)
            del request.headers["accept-encoding"]
            for name, value in headers.items():
                request.headers[name.replace("_", "-")] = value
            response = await self._client.send(request, stream=True)
            response._content = b"".join([part async for part in response.aiter_raw()])
            await response.aclose()
            return response

        response: httpx.Response = self._call(fetch)
        return response

    @property
    def pages(self) -> PageCache:
        cache: PageCache = self.app.state.page_cache
        return cache

    @property
    def updates(self) -> PageCache:
        cache: PageCache = self.app.state.updates_cache
        return cache


@pytest.fixture
def raw(site: Site) -> Iterator[Raw]:
    app = create_app(site=site)
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        yield Raw(site, app, client, portal.call)
        portal.call(client.aclose)


@pytest.fixture
def blog(site: Site) -> None:
    import_blog(site, exchange(30))


def decoded(response: httpx.Response) -> bytes:
    coding = response.headers.get("content-encoding")
    if coding == "br":
        return bytes(brotli.decompress(response.content))
    if coding == "gzip":
        return gzip.decompress(response.content)
    assert coding is None
    return response.content


class Compressions:
    """Counts every call into brotli and zlib, the only ways this process compresses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        for module, name in (
            (brotli, "compress"),
            (brotli, "Compressor"),
            (zlib, "compress"),
            (zlib, "compressobj"),
        ):
            monkeypatch.setattr(module, name, self._counting(f"{module.__name__}.{name}"))

    def _counting(self, label: str) -> Callable[..., Any]:
        real = getattr(brotli if label.startswith("brotli") else zlib, label.split(".")[1])

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(label)
            return real(*args, **kwargs)

        return counted


# --- negotiation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        (None, "identity"),
        ("", "identity"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("gzip;q=0", "identity"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("*", "br"),
        ("*;q=0", "identity"),
        ("*, br;q=0", "gzip"),
        ("gzip, *;q=0", "gzip"),
        ("identity", "identity"),
        ("identity;q=0", "identity"),  # nothing else is acceptable: identity, as RFC 9110 says
        ("deflate", "identity"),
        ("gzip;q=0.5, br;q=0.4", "gzip"),
        ("br;q=0.5, identity", "identity"),
        ("br;q=0.5, identity;q=0.5", "br"),
        ("gzip;q=0.8, br;q=0.8", "br"),
        ("GZIP", "gzip"),
        ("x-gzip", "gzip"),
        ("br;q=2, gzip;q=nope, identity;q=", "identity"),  # bad qvalues are ignored
        ("br; q=0.9 , gzip ; q=1.0", "gzip"),
        (",,;q=1, br", "br"),
    ],
)
def test_negotiation_table(accept: str | None, coding: str) -> None:
    assert negotiate(accept) == coding


def test_negotiation_only_offers_codings_it_has() -> None:
    assert negotiate("br, gzip", available=()) == "identity"
    assert negotiate("br, gzip;q=0.5", available=("gzip",)) == "gzip"


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip;q=0", None),
        ("*", "br"),
        ("identity", None),
        (None, None),
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=0, gzip", "gzip"),
    ],
)
def test_the_page_is_sent_in_the_negotiated_coding(
    raw: Raw, blog: None, accept: str | None, coding: str | None
) -> None:
    headers = {} if accept is None else {"accept_encoding": accept}
    response = raw("/live/harbour", **headers)
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == coding
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert int(response.headers["content-length"]) == len(response.content)
    assert b"Update 29." in decoded(response)


# --- the page ---------------------------------------------------------------------------------


def test_each_coding_of_the_page_is_the_identity_page(raw: Raw, blog: None) -> None:
    identity = raw("/live/harbour").content
    assert identity.startswith(b"<!doctype html>") and len(identity) > 20_000
    br = raw("/live/harbour", accept_encoding="br")
    gz = raw("/live/harbour", accept_encoding="gzip")
    assert brotli.decompress(br.content) == identity
    assert gzip.decompress(gz.content) == identity
    assert len(br.content) < len(identity) / 4 and len(gz.content) < len(identity) / 4


def test_the_page_is_compressed_once_per_change(
    raw: Raw, blog: None, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw("/live/harbour")  # rendered, compressed and kept
    assert raw.pages.encodings == 1
    compressions = Compressions(monkeypatch)
    answers = [raw("/live/harbour", accept_encoding=c) for c in ("br", "gzip", "br", "", "*")]
    assert compressions.calls == [] and raw.pages.encodings == 1
    key, kept = _only_entry(raw.pages)
    assert key[1:] == (1, 1)  # (blog, last_seq, page): the import is one event
    assert raw.pages.get(key) is kept and kept.body("br") is kept.body("br")
    assert answers[0].content == answers[2].content == kept.body("br")
    assert answers[1].content == kept.body("gzip") and answers[3].content == kept.encoded.identity

    create_post(site, SYSTEM, "harbour", NewPost.model_validate(_text("Breaking.")))
    assert b"Breaking." in brotli.decompress(raw("/live/harbour", accept_encoding="br").content)
    assert raw.pages.encodings == 2
    once = list(compressions.calls)
    assert once.count("brotli.compress") == once.count("zlib.compress") == 1
    raw("/live/harbour", accept_encoding="gzip")
    raw("/live/harbour", accept_encoding="br")
    assert raw.pages.encodings == 2 and compressions.calls == once


def _only_entry(cache: PageCache) -> tuple[Any, Any]:
    entries = list(cache._pages.items())
    assert len(entries) == 1
    return entries[0]


def _text(words: str) -> dict[str, Any]:
    return {"elements": [{"type": "text", "markdown": words}]}


def test_each_coding_has_its_own_etag_and_304(raw: Raw, blog: None, site: Site) -> None:
    tags = {}
    for accept in ("br", "gzip", "identity"):
        response = raw("/live/harbour", accept_encoding=accept)
        tags[accept] = response.headers["etag"]
        assert tags[accept].startswith('W/"')
    assert len(set(tags.values())) == 3
    for accept, etag in tags.items():
        again = raw("/live/harbour", accept_encoding=accept, if_none_match=etag)
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["vary"] == "Accept-Encoding"
        assert "content-encoding" not in again.headers
        assert again.headers["cache-control"] == PAGE_CACHE_CONTROL
    # Another coding's tag is not this coding's: the full answer, with its own tag.
    other = raw("/live/harbour", accept_encoding="gzip", if_none_match=tags["br"])
    assert other.status_code == 200 and other.headers["content-encoding"] == "gzip"
    assert other.headers["etag"] == tags["gzip"]
    # A list of tags, the weak comparison and "*".
    listed = f'"nope", {tags["br"]}'
    assert raw("/live/harbour", accept_encoding="br", if_none_match=listed).status_code == 304
    strong = tags["br"].removeprefix("W/")
    assert raw("/live/harbour", accept_encoding="br", if_none_match=strong).status_code == 304
    assert raw("/live/harbour", accept_encoding="br", if_none_match="*").status_code == 304
    assert raw("/live/harbour", accept_encoding="br", if_none_match="junk").status_code == 200
    # The next event makes every old tag stale.
    create_post(site, SYSTEM, "harbour", NewPost.model_validate(_text("Later.")))
    fresh = raw("/live/harbour", accept_encoding="br", if_none_match=tags["br"])
    assert fresh.status_code == 200 and fresh.headers["etag"] != tags["br"]


def test_head_of_the_page_has_the_coded_length(raw: Raw, blog: None, site: Site) -> None:
    get = raw("/live/harbour", accept_encoding="br")
    with running_server(site) as (url, _server):
        for accept in ("br", "gzip", "identity"):
            status, headers, body = _real("HEAD", url, "/live/harbour", accept)
            assert status == 200 and body == b""
            assert headers.get("content-encoding") == (None if accept == "identity" else accept)
            assert headers["vary"] == "Accept-Encoding"
        status, headers, body = _real("GET", url, "/live/harbour", "br")
        assert status == 200 and headers["content-encoding"] == "br"
        assert int(headers["content-length"]) == len(body)
        assert brotli.decompress(body) == raw("/live/harbour").content
        assert body == get.content  # the same bytes from a second app: nothing varies by run
        status, headers, _ = _real("HEAD", url, "/live/harbour", "br")
        assert int(headers["content-length"]) == len(body)


def _real(method: str, url: str, path: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    """One request to a real server with http.client, which decodes nothing."""
    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    try:
        conn.request(method, path, headers={"Accept-Encoding": accept})
        response = conn.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def test_an_unknown_blog_or_bad_page_is_still_a_4xx(raw: Raw, blog: None) -> None:
    assert raw("/live/nowhere", accept_encoding="br").status_code == 404
    assert raw("/live/harbour?page=x", accept_encoding="br").status_code == 422
    assert raw("/live/harbour?page=99", accept_encoding="br").status_code == 404
    weird = raw("/live/harbour", accept_encoding="br;q=1;q=2, ;;, q=")
    assert weird.status_code == 200


# --- a cached page without the database -----------------------------------------------------


@contextmanager
def statements(site: Site) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if not str(args[2]).startswith("BEGIN"):
            seen.append(str(args[2]))

    event.listen(site.db.read_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(site.db.read_engine, "before_cursor_execute", record)


def test_a_cached_page_is_answered_without_a_query(raw: Raw, blog: None) -> None:
    identity = raw("/live/harbour").content
    br = raw("/live/harbour", accept_encoding="br")
    with statements(raw.site) as seen:
        for url in ("/live/harbour", "/live/harbour?page=1", "/live/harbour?utm_source=x&page=1"):
            again = raw(url, accept_encoding="br")
            assert again.content == br.content and again.headers == br.headers
        assert raw("/live/harbour", accept_encoding="gzip").headers["content-encoding"] == "gzip"
        assert raw("/live/harbour", "HEAD").headers["content-length"] == str(len(identity))
        etag = br.headers["etag"]
        assert raw("/live/harbour", accept_encoding="br", if_none_match=etag).status_code == 304
    assert seen == []
    heads: BlogHeads = raw.app.state.blog_heads
    for accept in ("br", "identity", "gzip"):  # the full route, then the cached one: the same
        heads.ttl = 0.0  # the seq is read from the database
        with statements(raw.site) as seen:
            full = raw("/live/harbour?page=2", accept_encoding=accept)
        assert full.status_code == 200 and b"Update 9." in decoded(full) and seen
        heads.ttl = raw.site.settings.head_ttl_seconds
        with statements(raw.site) as seen:
            cached = raw("/live/harbour?page=2", accept_encoding=accept)
        assert seen == []
        assert cached.content == full.content and cached.headers == full.headers
    # Whatever is not plainly a cached page goes to the full route, which judges it.
    for url, status in (
        ("/live/harbour?page=x", 422),
        ("/live/harbour?page=0", 422),
        ("/live/harbour?page=99", 404),
        ("/live/harbour?page=1&page=2", 200),
        ("/live/nowhere", 404),
    ):
        assert raw(url).status_code == status, url


def test_a_blog_back_in_draft_is_gone_at_once(raw: Raw, blog: None, site: Site) -> None:
    assert raw("/live/harbour").status_code == 200
    update_blog(site, SYSTEM, "harbour", BlogChanges(status="draft"))
    assert raw("/live/harbour").status_code == 404
    assert raw("/live/harbour", accept_encoding="br").status_code == 404


def test_a_change_from_another_process_shows_within_the_ttl(
    raw: Raw, blog: None, settings: Settings
) -> None:
    """Another process's bus does not reach this app (no Redis here): its change shows when
    the remembered seq expires, after LIVEBLOG_HEAD_TTL_SECONDS at most."""
    heads: BlogHeads = raw.app.state.blog_heads
    assert heads.ttl == settings.head_ttl_seconds == 1.0
    heads.ttl = 60.0  # long enough for this test to see the stale page for sure
    raw("/live/harbour")
    elsewhere = Site.from_settings(settings)
    try:
        create_post(elsewhere, SYSTEM, "harbour", NewPost.model_validate(_text("Far away.")))
    finally:
        elsewhere.db.dispose()
    assert b"Far away." not in raw("/live/harbour").content
    heads.ttl = 0.0
    assert b"Far away." in raw("/live/harbour").content


def test_a_read_from_before_a_wake_up_does_not_bring_back_the_old_seq() -> None:
    heads = BlogHeads(ttl=1.0)
    heads.remember("harbour", 1, 5)
    heads.remember("river", 2, 3)
    assert heads.get("harbour") == (1, 5, heads.get("harbour").checked)  # type: ignore[union-attr]
    heads.wake(1, 6)
    assert heads.get("harbour") is None and heads.get("river") is not None
    heads.remember("harbour", 1, 5)  # a read that began before seq 6 was committed
    assert heads.get("harbour") is None
    heads.remember("harbour", 1, 6)
    heads.wake(1, 6)  # the same wake-up again, from another bus
    head = heads.get("harbour")
    assert head is not None and head.last_seq == 6
    assert BlogHeads(ttl=0.0).get("harbour") is None


def test_an_expired_head_sends_one_request_to_the_database() -> None:
    heads = BlogHeads(ttl=0.05)
    heads.remember("harbour", 1, 5)
    time.sleep(0.06)  # the subject: the head's 50 ms must run out (no race is waited for)
    assert heads.get("harbour") is None  # this one reads the database ...
    kept = heads.get("harbour")  # ... while the others keep the page they have
    assert kept is not None and kept.last_seq == 5
    heads.remember("harbour", 1, 7)
    assert heads.get("harbour").last_seq == 7  # type: ignore[union-attr]


def test_readers_who_miss_together_wait_for_one_render() -> None:
    cache = PageCache()
    renders: list[int] = []
    started = threading.Barrier(8)

    def render() -> bytes:
        renders.append(1)
        time.sleep(0.2)  # the subject: a slow render, while the other readers arrive
        return b"<p>the page</p>" * 100

    def reader() -> bytes:
        started.wait()
        return cache.get_or_make(("harbour", 3, 1), render).body("br")

    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda _: reader(), range(8)))
    assert renders == [1] and cache.encodings == 1
    assert all(body is bodies[0] for body in bodies)
    assert cache._making == {}  # nothing left behind

    def broken() -> bytes:
        raise RuntimeError("no page")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.get_or_make(("harbour", 4, 1), broken)
    assert cache.get(("harbour", 4, 1)) is None and cache._making == {}


# --- updates.json -----------------------------------------------------------------------------


def test_a_long_catch_up_is_compressed_once(
    raw: Raw, blog: None, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(12):
        post = _text(f"Published {n}. " + PARAGRAPH * 2)
        create_post(site, SYSTEM, "harbour", NewPost.model_validate(post))
    identity = raw("/live/harbour/updates.json?after=1")
    assert identity.status_code == 200 and "content-encoding" not in identity.headers
    assert identity.headers["content-type"] == "application/json"
    assert len(json.loads(identity.content)["events"]) == 12
    assert raw.updates.encodings == 1
    compressions = Compressions(monkeypatch)
    br = raw("/live/harbour/updates.json?after=1", accept_encoding="br")
    gz = raw("/live/harbour/updates.json?after=1", accept_encoding="gzip")
    assert compressions.calls == [] and raw.updates.encodings == 1
    assert br.headers["content-encoding"] == "br" and gz.headers["content-encoding"] == "gzip"
    assert brotli.decompress(br.content) == identity.content
    assert gzip.decompress(gz.content) == identity.content
    assert len(br.content) < len(identity.content) / 4
    tags = {r.headers["etag"] for r in (identity, br, gz)}
    assert len(tags) == 3
    for response, accept in ((br, "br"), (gz, "gzip"), (identity, "identity")):
        assert response.headers["vary"] == "Accept-Encoding"
        again = raw(
            "/live/harbour/updates.json?after=1",
            accept_encoding=accept,
            if_none_match=response.headers["etag"],
        )
        assert again.status_code == 304 and again.headers["etag"] == response.headers["etag"]
        assert again.headers["vary"] == "Accept-Encoding"


def test_an_up_to_date_poll_is_too_small_to_compress(raw: Raw, blog: None) -> None:
    first = raw("/live/harbour/updates.json?after=1", accept_encoding="br, gzip")
    assert first.status_code == 200 and "content-encoding" not in first.headers
    assert first.headers["vary"] == "Accept-Encoding"
    assert json.loads(first.content) == {"last_seq": 1, "events": [], "resync": None}
    again = raw(
        "/live/harbour/updates.json?after=1",
        accept_encoding="br, gzip",
        if_none_match=first.headers["etag"],
    )
    assert again.status_code == 304
    assert raw("/live/harbour/updates.json?after=-1").status_code == 422
    assert raw("/live/nowhere/updates.json", accept_encoding="br").status_code == 404


# --- static files -----------------------------------------------------------------------------


def _static_urls(html: str) -> dict[str, str]:
    return {
        match.group(1): match.group(0) for match in re.finditer(r"/static/([\w.]+)\?v=\w+", html)
    }


def test_the_page_links_versioned_static_files(raw: Raw, blog: None) -> None:
    urls = _static_urls(raw("/live/harbour").text)
    assert set(urls) == {
        "reader.css",
        "favicon.svg",
        "reader.js",
        "clicktoload.js",
        "live.js",
        "notify.js",
    }
    assert urls["reader.css"] == static_assets().url("reader.css")


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("reader.css", "text/css; charset=utf-8"),
        ("live.js", "text/javascript; charset=utf-8"),
        ("editor.js", "text/javascript; charset=utf-8"),
    ],
)
def test_static_files_in_every_coding(raw: Raw, name: str, media_type: str) -> None:
    url = static_assets().url(name)
    on_disk = (STATIC / name).read_bytes()
    answers = {accept: raw(url, accept_encoding=accept) for accept in ("br", "gzip", "identity")}
    assert answers["identity"].content == on_disk
    assert brotli.decompress(answers["br"].content) == on_disk
    assert gzip.decompress(answers["gzip"].content) == on_disk
    for accept, response in answers.items():
        assert response.status_code == 200
        assert response.headers.get("content-encoding") == (
            None if accept == "identity" else accept
        )
        assert response.headers["content-type"] == media_type
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in response.headers
        assert int(response.headers["content-length"]) == len(response.content)
        again = raw(url, accept_encoding=accept, if_none_match=response.headers["etag"])
        assert again.status_code == 304 and again.content == b""
        assert again.headers["vary"] == "Accept-Encoding"
        assert again.headers["etag"] == response.headers["etag"]
    assert len({r.headers["etag"] for r in answers.values()}) == 3
    assert not any(r.headers["etag"].startswith("W/") for r in answers.values())


def test_static_files_are_compressed_once(raw: Raw, monkeypatch: pytest.MonkeyPatch) -> None:
    compressions = Compressions(monkeypatch)
    url = static_assets().url("reader.css")
    first = raw(url, accept_encoding="br").content
    second = raw(url, accept_encoding="br").content
    raw(url, accept_encoding="gzip")
    assert compressions.calls == []
    assert first == second == static_assets().files["reader.css"].encoded.body("br")
    assert static_assets() is static_assets()  # one set per process, made once


def test_unversioned_or_stale_static_urls_are_revalidated(raw: Raw) -> None:
    for url in ("/static/reader.css", "/static/reader.css?v=0123456789ab", "/static/reader.css?x"):
        response = raw(url, accept_encoding="br")
        assert response.status_code == 200 and response.headers["content-encoding"] == "br"
        assert response.headers["cache-control"] == "no-cache"


def test_small_static_files_are_sent_as_they_are(raw: Raw) -> None:
    response = raw(static_assets().url("favicon.svg"), accept_encoding="br, gzip")
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"] == "image/svg+xml; charset=utf-8"
    assert response.content == (STATIC / "favicon.svg").read_bytes()


def test_head_and_errors_of_static_files(raw: Raw, site: Site) -> None:
    url = static_assets().url("live.js")
    head = raw(url, "HEAD", accept_encoding="gzip")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-encoding"] == "gzip"
    assert int(head.headers["content-length"]) == len(raw(url, accept_encoding="gzip").content)
    for path in ("/static/nothing.css", "/static/../app.py", "/static/", "/static/%2e%2e/app.py"):
        missing = raw(path, accept_encoding="br")
        assert missing.status_code == 404, path
        assert missing.headers["content-type"].startswith("text/html")
    assert raw(url, "POST").status_code == 405
    with running_server(site) as (base, _server):
        status, headers, body = _real("HEAD", base, url, "br")
        assert status == 200 and body == b"" and headers["content-encoding"] == "br"
        status, headers, body = _real("GET", base, url, "br")
        assert brotli.decompress(body) == (STATIC / "live.js").read_bytes()


def test_a_changed_file_gets_a_new_url(tmp_path: Path) -> None:
    (tmp_path / "site.css").write_text("body { color: black; }\n" * 40)
    before = StaticAssets(tmp_path).url("site.css")
    (tmp_path / "site.css").write_text("body { color: navy; }\n" * 40)
    after = StaticAssets(tmp_path).url("site.css")
    assert before != after and before.startswith("/static/site.css?v=")
    with pytest.raises(LookupError):
        StaticAssets(tmp_path).url("other.css")


def test_a_pages_headers_are_kept_by_the_page_cache_not_the_coding() -> None:
    # Encoded is every compressed body's container (static files, updates.json): it holds
    # bytes only. The reader page's policy is the cache entry's, beside its bytes.
    assert set(Encoded.__dataclass_fields__) == {"identity", "forms"}
    cache = PageCache(min_size=10)
    policy = (("Content-Security-Policy", "frame-src https://a.example"),)
    kept = cache.put("page", Rendered(b"<p>page</p>" * 50, policy))
    assert cache.get("page") == kept and kept.headers == policy
    assert kept.body("br") == encode(b"<p>page</p>" * 50).body("br")
    assert cache.put("feed", b"<feed/>" * 50).headers == ()
