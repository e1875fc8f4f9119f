"""deploy/nginx.conf, rendered and run by Debian's nginx in front of a scripted origin: what
each location sends to the nodes, what it caches and for how long, and how it fails over.

The origin stands in for a node so that every header nginx adds and every request that
gets through its cache can be seen; test_cluster.py runs the same file in front of real
`liveblog serve` nodes.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.cluster import HOST, Nginx, free_port, parse_log, request
from tests.deploy.origin import Answer, Origin, Seen, origin
from tests.waiting import wait_until

pytestmark = pytest.mark.nginx


@dataclass
class Proxy:
    nginx: Nginx
    origin: Origin
    dead: int

    def get(
        self, path: str, headers: dict[str, str] | None = None, source: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return request(self.nginx.port, "GET", path, headers=headers, source=source)


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    """nginx with two nodes listed: one that is down (nothing listens on its port) and the
    scripted origin."""
    dead = free_port()
    with origin() as server:
        nginx = Nginx(tmp_path / "nginx", [f"{HOST}:{dead}", f"{HOST}:{server.port}"])
        try:
            yield Proxy(nginx, server, dead)
        finally:
            nginx.stop()


def test_every_request_reaches_a_node_over_http11_saying_who_asked(proxy: Proxy) -> None:
    paths = [
        "/",
        "/live/a",
        "/live/a/updates.json?after=3",
        "/live/a/events",
        "/live/a/posts/k7xq2m9a",
        "/static/live.js",
        "/media/photo-1.jpg",
        "/editor/login",
        "/api/v1/blogs",
        "/healthz",
    ]
    for path in paths:
        proxy.origin.route(path.split("?")[0], Answer(headers={"Cache-Control": "no-store"}))
    for path in paths:
        status, _, _ = proxy.get(path, {"X-Forwarded-For": "203.0.113.9"}, source="127.0.0.7")
        assert status == 200, path
        [seen] = proxy.origin.requests(path.split("?")[0])
        assert seen.version == "HTTP/1.1", path
        assert seen.headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.7", path
        assert seen.headers["x-forwarded-proto"] == "http", path
        assert seen.headers["host"] == HOST, path
        assert seen.headers.get("connection", "keep-alive").lower() != "close", path


ACCEPT_ENCODINGS = [
    ("gzip, deflate, br, zstd", "br"),  # Chrome, Firefox
    ("gzip, deflate, br", "br"),  # Safari
    ("br", "br"),
    ("gzip;q=1.0, br;q=0.5", "br"),
    ("gzip, deflate", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=0.001", "gzip"),
    ("", "identity"),
    ("identity", "identity"),
    ("deflate", "identity"),
    ("gzip;q=0", "identity"),
    ("br;q=0.0, gzip;q=0", "identity"),
    ("*", "identity"),
]


def test_accept_encoding_reaches_the_node_as_the_one_coding_it_will_send(proxy: Proxy) -> None:
    proxy.origin.route("/api/v1/blogs", Answer())
    for accept_encoding, _ in ACCEPT_ENCODINGS:
        proxy.get("/api/v1/blogs", {"Accept-Encoding": accept_encoding})
    seen = [s.headers["accept-encoding"] for s in proxy.origin.requests("/api/v1/blogs")]
    assert list(zip([ae for ae, _ in ACCEPT_ENCODINGS], seen, strict=True)) == ACCEPT_ENCODINGS


def coded(seen: Seen) -> Answer:
    """What a node does: the coding asked for, Vary, and an ETag per coding."""
    coding = seen.headers.get("accept-encoding", "identity")
    headers = {
        "Content-Type": "application/json",
        "Cache-Control": "public, max-age=30",
        "Vary": "Accept-Encoding",
        "ETag": f'W/"7-12-{coding}"',
    }
    if coding != "identity":
        headers["Content-Encoding"] = coding
    return Answer(headers=headers, body=coding.encode())


def test_the_cache_keeps_one_entry_per_coding_and_never_serves_a_coding_not_asked_for(
    proxy: Proxy,
) -> None:
    proxy.origin.route("/live/v/updates.json", coded)
    path = "/live/v/updates.json?after=12"
    # Each browser's own string; the first of each coding fills the cache, the rest hit it.
    asked = [
        ("gzip, deflate", "gzip", "MISS"),
        ("identity", "identity", "MISS"),
        ("gzip, deflate, br, zstd", "br", "MISS"),
        ("gzip, deflate, br", "br", "HIT"),
        ("br", "br", "HIT"),
        ("", "identity", "HIT"),
        ("gzip;q=0", "identity", "HIT"),
        ("gzip", "gzip", "HIT"),
    ]
    for accept_encoding, coding, cache in asked:
        status, headers, body = proxy.get(path, {"Accept-Encoding": accept_encoding})
        assert status == 200
        assert body == coding.encode(), accept_encoding
        assert headers.get("content-encoding", "identity") == coding, accept_encoding
        assert headers["vary"] == "Accept-Encoding"  # passed on for browsers' caches
        assert headers["x-cache-status"] == cache, accept_encoding
    assert sorted(s.headers["accept-encoding"] for s in proxy.origin.requests(path[:-9])) == [
        "br",
        "gzip",
        "identity",
    ]


def test_a_made_up_host_does_not_get_a_cache_entry_of_its_own(proxy: Proxy) -> None:
    proxy.origin.route("/live/h", Answer(headers={"Cache-Control": "public, max-age=30"}))
    for n in range(5):
        status, headers, _ = proxy.get("/live/h", {"Host": f"bust-{n}.example"})
        assert (status, headers["x-cache-status"]) == (200, "HIT" if n else "MISS")
    assert len(proxy.origin.requests("/live/h")) == 1


def test_one_request_per_url_goes_to_the_nodes_however_many_readers_ask_at_once(
    proxy: Proxy,
) -> None:
    slow = Answer(
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=2"},
        body=b'{"last_seq":4,"events":[]}',
        delay=0.6,
    )
    proxy.origin.route("/live/lock/updates.json", slow)
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda _: proxy.get("/live/lock/updates.json?after=4"), range(40)))
    assert [status for status, _, _ in answers] == [200] * 40
    assert {body for _, _, body in answers} == {slow.body}
    assert len(proxy.origin.requests("/live/lock/updates.json")) == 1
    statuses = sorted(headers["x-cache-status"] for _, headers, _ in answers)
    assert statuses.count("MISS") == 1 and statuses.count("HIT") == 39


def test_s_maxage_is_honoured_and_an_old_entry_is_served_while_its_etag_is_checked(
    proxy: Proxy,
) -> None:
    shared = "public, max-age=600, s-maxage=1, stale-while-revalidate=30"

    def answer(seen: Seen) -> Answer:
        headers = {"Cache-Control": shared, "ETag": 'W/"9-20-None"'}
        if seen.headers.get("if-none-match") == 'W/"9-20-None"':
            return Answer(304, headers)
        return Answer(headers=headers | {"Content-Type": "text/html"}, body=b"<p>page</p>")

    proxy.origin.route("/live/s", answer)
    assert proxy.get("/live/s")[1]["x-cache-status"] == "MISS"
    assert proxy.get("/live/s")[1]["x-cache-status"] == "HIT"
    # nginx keeps times in whole seconds: an entry of s-maxage=1 is fresh for 1 to 2 s.
    time.sleep(2.2)  # the subject: past s-maxage (max-age, for browsers, is 10 minutes)
    status, headers, body = proxy.get("/live/s")
    assert (status, body) == (200, b"<p>page</p>")
    assert headers["x-cache-status"] in ("STALE", "UPDATING")  # no wait for the node
    wait_until(lambda: len(proxy.origin.requests("/live/s")) >= 2, what="the background update")
    # nginx stores the fresh copy once the node's answer is complete: HIT from then on.
    wait_until(lambda: proxy.get("/live/s")[1]["x-cache-status"] == "HIT", timeout=2)
    first, second = proxy.origin.requests("/live/s")
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"] == 'W/"9-20-None"'  # answered 304: cheap
    logged = [line for line in parse_log(proxy.nginx.log_lines()) if line.uri == "/live/s"]
    assert "REVALIDATED" in [line.cache for line in logged]  # the background refresh, logged


def test_readers_get_the_last_page_when_the_nodes_fail(proxy: Proxy) -> None:
    calls: list[int] = []

    def answer(_seen: Seen) -> Answer:
        calls.append(1)
        if len(calls) == 1:
            return Answer(headers={"Cache-Control": "public, max-age=1"}, body=b"kept")
        return Answer(503, body=b"shutting down")

    proxy.origin.route("/live/down", answer)
    assert proxy.get("/live/down")[2] == b"kept"
    time.sleep(2.2)  # the subject: past max-age=1, in nginx's whole seconds
    for _ in range(3):
        status, _, body = proxy.get("/live/down")
        assert (status, body) == (200, b"kept")
        time.sleep(0.2)  # the subject: readers keep asking while the nodes are down
    assert len(calls) >= 2  # the nodes were asked again, and failed


def test_the_desk_the_api_and_the_front_page_are_never_cached(proxy: Proxy) -> None:
    cacheable = Answer(headers={"Cache-Control": "public, max-age=600"})
    for path in ("/editor/login", "/editor", "/api/v1/blogs", "/api/v1/blogs/a/posts", "/"):
        proxy.origin.route(path, cacheable)
        for _ in range(2):
            status, headers, _ = proxy.get(path)
            assert status == 200 and "x-cache-status" not in headers, path
        assert len(proxy.origin.requests(path)) == 2, path
    logged = parse_log(proxy.nginx.log_lines())
    assert logged and all(line.cache == "-" and line.reached_a_node for line in logged)


def test_static_files_and_photos_are_kept_as_long_as_the_node_says(proxy: Proxy) -> None:
    immutable = "public, max-age=31536000, immutable"
    public = "public, max-age=300"
    private = "private, no-store"
    proxy.origin.route("/static/live.js", Answer(headers={"Cache-Control": immutable}))
    proxy.origin.route("/static/reader.css", Answer(headers={"Cache-Control": "no-cache"}))
    proxy.origin.route("/media/photo-1.jpg", Answer(headers={"Cache-Control": public}))
    proxy.origin.route("/media/draft-2.jpg", Answer(headers={"Cache-Control": private}))
    for _ in range(3):
        for path, cache_control in [
            ("/static/live.js?v=0123abcd", immutable),
            ("/static/reader.css", "no-cache"),
            ("/media/photo-1.jpg", public),
            ("/media/draft-2.jpg", private),
        ]:
            status, headers, _ = proxy.get(path)
            assert (status, headers["cache-control"]) == (200, cache_control), path
    assert len(proxy.origin.requests("/static/live.js")) == 1
    assert len(proxy.origin.requests("/static/reader.css")) == 3
    assert len(proxy.origin.requests("/media/photo-1.jpg")) == 1
    assert len(proxy.origin.requests("/media/draft-2.jpg")) == 3  # never kept for others


def test_the_desk_s_people_neither_use_nor_fill_the_photo_cache(proxy: Proxy) -> None:
    answers = iter([Answer(404, body=b"not public yet"), Answer(body=b"jpeg")])
    proxy.origin.route("/media/photo-3.jpg", lambda _seen: next(answers))
    assert proxy.get("/media/photo-3.jpg")[0] == 404  # a reader, before the post is out
    status, _, body = proxy.get("/media/photo-3.jpg", {"Cookie": "lb_session=abc"})
    assert (status, body) == (200, b"jpeg")  # the editor is not given the reader's 404
    assert len(proxy.origin.requests("/media/photo-3.jpg")) == 2


def read_until(sock: socket.socket, marker: bytes, timeout: float) -> tuple[bytes, float]:
    """Bytes up to and including ``marker``, and when they were complete."""
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data, time.monotonic()


def test_event_streams_pass_each_event_at_once_and_skip_a_node_that_is_down(
    proxy: Proxy,
) -> None:
    def stream(_seen: Seen) -> Answer:
        return Answer(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"},
            stream=[
                (0, b"retry: 2000\n\n"),
                (0, b'id: 1\nevent: post.published\ndata: {"seq":1}\n\n'),
                (1.0, b'id: 2\nevent: post.published\ndata: {"seq":2}\n\n'),
            ],
        )

    proxy.origin.route("/live/e/events", stream)
    for _ in range(3):
        with socket.create_connection((HOST, proxy.nginx.port)) as sock:
            started = time.monotonic()
            sock.sendall(
                b"GET /live/e/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
            )
            first, at_first = read_until(sock, b"id: 1", 5)
            assert first.startswith(b"HTTP/1.1 200"), first[:100]
            assert at_first - started < 0.5  # not held back in a buffer
            rest, at_second = read_until(sock, b"id: 2", 5)
            assert b"id: 2" in rest and at_second - started >= 0.9
    assert len(proxy.origin.requests("/live/e/events")) == 3  # never from a cache
    tried = [line.upstream for line in parse_log(proxy.nginx.log_lines())]
    assert any(f":{proxy.dead}" in upstream for upstream in tried) or "refused" in (
        proxy.nginx.errors()
    )


def short_stream(_seen: Seen) -> Answer:
    return Answer(
        headers={"Content-Type": "text/event-stream"},
        stream=[(0, b"retry: 2000\n\n"), (0, b"id: 5\nevent: post.published\ndata: {}\n\n")],
    )


def test_streams_go_to_a_node_that_came_back_while_the_others_go_away(tmp_path: Path) -> None:
    """A rolling restart: node A is down, then back; then node B goes down. Readers must
    find A at once. (With max_fails on the streams' upstream, A would stay marked down: the
    request nginx waits for to clear the mark is a stream, which does not end; and every
    reader would get a 502, "no live upstreams".)"""
    a_port = free_port()
    with origin() as b:
        b.route("/live/r/events", short_stream)
        nginx = Nginx(tmp_path / "nginx", [f"{HOST}:{a_port}", f"{HOST}:{b.port}"])
        try:
            for _ in range(2):  # A is down: every stream goes to B
                status, _, body = request(nginx.port, "GET", "/live/r/events")
                assert status == 200 and b"id: 5" in body
            with origin(a_port) as a:
                a.route("/live/r/events", short_stream)
                b.close()  # B goes away
                for _ in range(4):
                    status, _, body = request(nginx.port, "GET", "/live/r/events")
                    assert (status, b"id: 5" in body) == (200, True), nginx.errors()
                assert len(a.requests("/live/r/events")) == 4
        finally:
            nginx.stop()


def test_metrics_stay_inside(proxy: Proxy) -> None:
    proxy.origin.route("/metrics", Answer(body=b"liveblog_readers 3"))
    assert proxy.get("/metrics")[0] == 404
    assert proxy.origin.requests("/metrics") == []
