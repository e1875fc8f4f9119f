""" "N reading now": several processes' reports add up, a silent process drops out, and the
count reaches a blog's streams (and its joiners) as a message that is not an event."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx

from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.actions.users import create_user, start_session
from liveblog.app import create_app
from liveblog.realtime.bus import InProcessBus
from liveblog.realtime.hub import Hub
from liveblog.realtime.readers import (
    KEPT_FOR,
    REPORT_BYTES,
    ReaderCounts,
    ReadersNow,
    decode,
    encode,
    readers_message,
    shown,
)
from liveblog.realtime.relay import EdgeReaders, Followed, Relay
from liveblog.realtime.streams import BufferStream
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage.queries import blog_by_slug
from liveblog.web.auth import SESSION_COOKIE
from tests.servers import free_port, running_server
from tests.sse import SSEClient


def test_the_counts_of_several_processes_add_up_and_expire() -> None:
    counts = ReaderCounts()
    # Three processes report at t=0, each good for 15 s (three 5-second intervals).
    for process, report in (("a", {1: 10, 2: 3}), ("b", {1: 5}), ("c", {2: 4, 3: 1})):
        counts.heard(process, report, expires=15.0)
    assert counts.totals(now=1.0) == {1: 15, 2: 7, 3: 1}
    # A process's newer report replaces its older one; a 0 takes it out at once.
    counts.heard("a", {1: 12, 2: 0}, expires=20.0)
    assert counts.totals(now=6.0) == {1: 17, 2: 4, 3: 1}
    # b and c stop reporting (stopped, killed, cut off): at 15 s their counts are gone,
    # a's (refreshed at 5 s) stays until 20 s.
    assert counts.totals(now=15.0) == {1: 12}
    assert counts.total(1, now=19.9) == 12
    assert counts.totals(now=20.0) == {}
    assert counts.total(1, now=20.0) == 0


def test_readers_are_told_a_large_count_to_two_figures() -> None:
    assert [shown(n) for n in (0, 1, 99, 100, 104, 1204, 1250, 15_321, 999_999)] == [
        0,
        1,
        99,
        100,
        100,
        1200,
        1200,
        15_000,
        1_000_000,
    ]


def test_a_report_says_which_process_how_long_and_how_many() -> None:
    [report] = encode("p1", 5, {7: 12, 3: 0})
    assert report == "p1 5 3:0 7:12"
    assert decode(report) == ("p1", 5.0, {3: 0, 7: 12})
    assert decode("p1 5") == ("p1", 5.0, {})
    for junk in ("", "p1", "p1 x 1:2", "p1 5 1:x", "p 1 5 1:2", "p1 0 1:2", "p1 5 -1:2"):
        assert decode(junk) is None, junk


def test_a_long_report_is_cut_into_pieces_a_notification_takes() -> None:
    counts = {blog_id: 1000 + blog_id for blog_id in range(1, 1201)}
    reports = encode("p1", 5, counts)
    assert len(reports) > 1
    assert all(len(report) <= REPORT_BYTES for report in reports)
    heard: dict[int, int] = {}
    for report in reports:
        decoded = decode(report)
        assert decoded is not None and decoded[0] == "p1"
        heard |= decoded[2]
    assert heard == counts


def publish(site: Site, slug: str, words: str) -> None:
    post = NewPost.model_validate({"elements": [{"type": "text", "markdown": words}]})
    create_post(site, SYSTEM, slug, post)


def _streams(hub: Hub, blog_id: int, n: int) -> list[BufferStream]:
    channel = hub.channels.get(blog_id) or hub.new_channel(blog_id, last_seq=0)
    hub.channels[blog_id] = channel
    streams = [BufferStream() for _ in range(n)]
    channel.streams.update(streams)
    return streams


def test_processes_on_one_bus_tell_their_readers_the_total(site: Site) -> None:
    """Two hubs (as two processes would have) on one bus: each blog's readers in either are
    told the sum, once per change, with no id (Last-Event-ID stays the log's)."""

    async def scenario() -> None:
        bus = InProcessBus()
        first, second = Hub(site.db, site.settings), Hub(site.db, site.settings)
        one, two = ReadersNow(first, bus, 5), ReadersNow(second, bus, 5)
        one.start()
        two.start()
        try:
            readers_one = _streams(first, 1, 3)
            readers_two = _streams(second, 1, 2) + _streams(second, 2, 1)
            for process in (one, two):
                await process.report(await process.held())
            for process in (one, two):
                await process.tell()
            assert one.total(1) == two.total(1) == 5
            assert one.total(2) == two.total(2) == 1
            told = [await s.next_chunk(0) for s in readers_one + readers_two]
            assert told == [readers_message(5)] * 5 + [readers_message(1)]
            assert told[0] == b'event: readers\ndata: {"readers": 5}\n\n'

            # Nothing changed: nothing is sent again.
            await one.report(await one.held())
            await one.tell()
            assert not any(s.buffered() for s in readers_one)

            # A reader joining the first process gets the count in its first write.
            joiner = BufferStream()
            channel = first.channels[1]
            assert await first._send_missed(channel, channel.last_seq, joiner)
            assert (await joiner.next_chunk(0) or b"").endswith(readers_message(5))

            # The second process's readers leave: reported once as 0, at once.
            second.channels[1].streams.clear()
            del second.channels[2]
            await two.report(await two.held())
            assert one.total(1) == 3 and one.total(2) == 0
            await one.tell()
            assert [await s.next_chunk(0) for s in readers_one] == [readers_message(3)] * 3
        finally:
            await one.stop()
            await two.stop()

    asyncio.run(scenario())


def test_a_process_that_stops_reporting_drops_out(site: Site) -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        hub = Hub(site.db, site.settings)
        here = ReadersNow(hub, bus, 0.05)
        here.start()
        try:
            _streams(hub, 1, 2)
            # Another process reports 40 readers of blog 1, then is silent.
            bus.publish_readers("elsewhere 0.05 1:40")
            await here.report(await here.held())
            assert here.total(1) == 42
            await asyncio.sleep(KEPT_FOR * 0.05 + 0.02)
            await here.report(await here.held())
            assert here.total(1) == 2
        finally:
            await here.stop()

    asyncio.run(scenario())


def test_the_reader_page_gets_the_count_through_its_stream(site: Site) -> None:
    """The page carries an empty, hidden place for the count (the page is cached, a count in
    it would go stale); the stream brings the count, as an ``event: readers`` with no id,
    between the log's events, whose ids go on as before."""
    quick = Site.from_settings(site.settings.with_changes(readers_seconds=0.1))
    try:
        _count_through_the_stream(quick)
    finally:
        quick.db.dispose()


def _count_through_the_stream(quick: Site) -> None:
    create_blog(quick, SYSTEM, BlogFields(title="Counted", slug="counted"))
    with running_server(quick) as (url, _server):
        page = httpx.get(f"{url}/live/counted", timeout=5).text
        assert '<p class="reading-now" hidden></p>' in page
        first = SSEClient(url, "/live/counted/events?last_event_id=1")
        [told] = first.messages(1, timeout=5, readers=True)
        assert (told.event, told.id, told.json) == ("readers", None, {"readers": 1})
        second = SSEClient(url, "/live/counted/events?last_event_id=1")
        assert [m.json for m in first.messages(1, timeout=5, readers=True)] == [{"readers": 2}]
        # The second reader's first count came with its first write, or a moment later.
        assert second.messages(1, timeout=5, readers=True)[0].json["readers"] in (1, 2)
        publish(quick, "counted", "Still counting.")
        [event] = second.messages(1, timeout=5)  # counts are skipped unless asked for
        assert (event.event, event.id) == ("post.published", "2")


def test_a_process_that_stops_says_so(site: Site) -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        stays, goes = Hub(site.db, site.settings), Hub(site.db, site.settings)
        here, there = ReadersNow(stays, bus, 5), ReadersNow(goes, bus, 5)
        here.start()
        there.start()
        try:
            _streams(stays, 1, 1)
            _streams(goes, 1, 4)
            await here.report(await here.held())
            await there.report(await there.held())
            assert here.total(1) == 5
            await there.stop()
            assert here.total(1) == 1
        finally:
            await here.stop()

    asyncio.run(scenario())


def test_the_desk_and_the_api_show_how_many_are_reading(site: Site) -> None:
    """Readers held by another process reach the desk's blog page, its list of blogs, its
    JSON for editor.js and the API; nothing about it is cached."""
    app = create_app(site=site)
    create_blog(site, SYSTEM, BlogFields(title="Desk count", slug="desk-count"))
    with site.db.reading() as session:
        blog_id = blog_by_slug(session, "desk-count").id
    uid = create_user(site, "desk-count@news.example", "correct horse battery", "editor")
    cookie = start_session(site, Actor(user_id=uid, role="editor", name="Desk"))

    async def scenario() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            page = (await client.get("/editor/blogs/desk-count/readers")).status_code
            assert page == 303  # the desk asks who is there first
            client.cookies.set(SESSION_COOKIE, cookie)
            page_text = (await client.get("/editor/blogs/desk-count")).text
            assert re.search(r'class="reading-now"[^>]* hidden>0 reading now<', page_text)
            app.state.readers.counts.heard("elsewhere", {blog_id: 7}, time.monotonic() + 60)
            page_text = (await client.get("/editor/blogs/desk-count")).text
            assert re.search(r'class="reading-now"[^>]*>7 reading now<', page_text)
            assert "<td>7</td>" in (await client.get("/editor")).text
            for address in ("/editor/blogs/desk-count/readers", "/api/v1/blogs/desk-count/readers"):
                answer = await client.get(address)
                assert answer.json() == {"readers": 7}
                assert answer.headers["cache-control"] == "no-store"
            client.cookies.clear()
            answer = await client.get("/api/v1/blogs/desk-count/readers")
            assert answer.json() == {"readers": 7}, "the public's, on a public blog"
            assert (await client.get("/api/v1/blogs/nowhere/readers")).status_code == 404

    asyncio.run(scenario())


class _Nchan(BaseHTTPRequestHandler):
    """A stand-in for nchan's publisher door, channel by channel: ``/relay/<slug>``."""

    answers: ClassVar[dict[str, tuple[int, bytes]]] = {}
    published: ClassVar[list[tuple[str, str, bytes]]] = []  # (channel, event name, data)
    slow: ClassVar[threading.Event] = threading.Event()  # set: the "slow" channel's answer may come

    def do_GET(self) -> None:
        slug = self.path.rsplit("/", 1)[-1]
        if slug == "slow":
            self.slow.wait(10)
        status, body = self.answers.get(slug, (404, b""))
        with suppress(OSError):  # the relay gave up on it
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self) -> None:  # a publication: answered 500 on a channel that is "broken"
        slug = self.path.rsplit("/", 1)[-1]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        refused = self.answers.get(slug, (200, b""))[0] == 500
        if not refused:
            self.published.append((slug, self.headers["X-EventSource-Event"], body))
        self.send_response(500 if refused else 202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


class _NchanServer(ThreadingHTTPServer):
    # The relay asks about every channel at once: with http.server's backlog of 5, some
    # would wait a second for the kernel to retry their connection.
    request_queue_size = 64
    daemon_threads = True


@contextmanager
def _nchan(answers: dict[str, tuple[int, bytes]]) -> Iterator[str]:
    _Nchan.answers = answers
    _Nchan.published = []
    _Nchan.slow.clear()
    server = _NchanServer(("127.0.0.1", free_port()), _Nchan)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/relay"
    finally:
        _Nchan.slow.set()
        server.shutdown()
        server.server_close()


def _subscribers(n: int) -> tuple[int, bytes]:
    return 200, json.dumps({"messages": 0, "subscribers": n}).encode()


def test_the_edge_count_survives_a_channel_that_cannot_be_read(site: Site) -> None:
    """The relay asks nchan about every blog at once; a channel that answers an error,
    something that is not its JSON, or nothing in time leaves that blog's last count
    standing until it expires, and the other blogs are counted as usual."""
    answers = {"calm": _subscribers(7), "busy": _subscribers(250), "bare": _subscribers(0)}
    slugs = ["calm", "busy", "bare", "closed", "broken", "garbled", "slow"]

    async def scenario(url: str) -> None:
        relay = Relay(site, url)
        relay.blogs = {n: Followed(slug, 0) for n, slug in enumerate(slugs, start=1)}
        async with httpx.AsyncClient() as client:
            edge = EdgeReaders(relay, client)
            edge.look_seconds = 1.0
            edge.bus = InProcessBus()  # its reports are heard here, as they are sent
            heard: list[str] = []
            unsubscribe = edge.bus.subscribe_readers(heard.append)
            try:
                # A first look: every channel answers. "slow" answers once let through.
                answers.update(broken=_subscribers(3), garbled=_subscribers(4))
                _Nchan.slow.set()
                await edge.report(await edge.held())
                assert edge.unread == set()
                assert edge.counts.totals(time.monotonic()) == {1: 7, 2: 250, 5: 3, 6: 4}

                # Then three channels fail: a 500, garbage, and no answer in time.
                answers.update(broken=(500, b"oops"), garbled=(200, b"<html>not json"))
                answers["slow"] = _subscribers(9)
                _Nchan.slow.clear()
                heard.clear()
                started = time.monotonic()
                held = await edge.held()
                assert time.monotonic() - started < 3, "the look ends before the next"
                assert held == {1: 7, 2: 250}
                assert edge.unread == {5, 6, 7}
                await edge.report(held)
                # Not taken back (no 0 is sent for them), not renewed: they stand.
                assert heard == [f"{edge.process} 5 1:7 2:250"]
                assert edge.counts.totals(time.monotonic()) == {1: 7, 2: 250, 5: 3, 6: 4}

                # Readable again: counted as usual; one whose readers left is reported 0.
                answers.update(broken=_subscribers(0), garbled=_subscribers(6))
                _Nchan.slow.set()
                heard.clear()
                await edge.report(await edge.held())
                assert edge.unread == set()
                assert heard == [f"{edge.process} 5 1:7 2:250 5:0 6:6 7:9"]
                assert edge.counts.totals(time.monotonic()) == {1: 7, 2: 250, 6: 6, 7: 9}
            finally:
                unsubscribe()

    with _nchan(answers) as url:
        asyncio.run(scenario(url))


def test_an_unread_count_expires_when_the_edge_stays_down(site: Site) -> None:
    async def scenario() -> None:
        # Nothing listens on the port: every look fails, so the last count expires.
        relay = Relay(site, f"http://127.0.0.1:{free_port()}/relay")
        relay.blogs = {1: Followed("calm", 0)}
        async with httpx.AsyncClient() as client:
            edge = EdgeReaders(relay, client)
            edge.seconds = edge.look_seconds = 0.05
            await edge.report({1: 5})
            assert edge.total(1) == 5
            await edge.report(await edge.held())
            assert edge.unread == {1}
            assert edge.total(1) == 5
            await asyncio.sleep(KEPT_FOR * 0.05 + 0.02)
            await edge.report(await edge.held())
            assert edge.total(1) == 0

            # A relay that stops takes back every count it reported, unread ones too.
            heard: list[str] = []
            edge.bus = InProcessBus()
            edge.bus.subscribe_readers(heard.append)
            assert edge.unread == {1}
            edge.start()
            await edge.stop()
            assert heard == [f"{edge.process} 0.05 1:0"]

    asyncio.run(scenario())


def test_the_edge_is_told_the_count_again_while_it_has_readers(site: Site) -> None:
    """nchan keeps no message: the relay publishes a blog's count when it changes and again
    every few looks while the edge holds readers of it, so one who arrives is told, even
    when (above 100, told to two figures) arrivals do not change it. A channel that refuses
    the count is told again at the next look, and the others are told meanwhile."""
    answers: dict[str, tuple[int, bytes]] = {}

    async def scenario(url: str) -> None:
        relay = Relay(site, url)
        relay.blogs = {1: Followed("busy", 0), 2: Followed("quiet", 0), 3: Followed("broken", 0)}
        async with httpx.AsyncClient() as client:
            edge = EdgeReaders(relay, client)
            edge.bus = InProcessBus()

            async def look(held: dict[int, int]) -> list[tuple[str, str, bytes]]:
                _Nchan.published.clear()
                await edge.report(held)
                await edge.tell()
                return sorted(_Nchan.published)

            answers["broken"] = (500, b"")
            assert await look({1: 150, 3: 2}) == [("busy", "readers", b'{"readers": 150}')]
            answers.pop("broken")
            assert await look({1: 151, 3: 2}) == [("broken", "readers", b'{"readers": 2}')]
            # 152 is told as 150, as before: nothing for two more looks, then again.
            assert await look({1: 152, 3: 2}) == []
            assert await look({1: 152, 3: 2}) == [("busy", "readers", b'{"readers": 150}')]
            assert await look({1: 152, 3: 2}) == [("broken", "readers", b'{"readers": 2}')]
            # Once no reader is left at the edge, its 0 is told once, then nothing.
            assert await look({3: 2}) == [("busy", "readers", b'{"readers": 0}')]
            for _ in range(EdgeReaders.AGAIN_AFTER + 1):
                assert all(slug != "busy" for slug, _, _ in await look({3: 2}))
            assert all(slug != "quiet" for slug, _, _ in _Nchan.published)

    with _nchan(answers) as url:
        asyncio.run(scenario(url))
