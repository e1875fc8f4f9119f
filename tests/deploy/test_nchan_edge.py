"""The edge: nginx with the nchan module holds the readers' streams, fed by `liveblog relay`,
with the shipped deploy/nchan-edge.conf and deploy/nchan-relay.conf (started by
bench/_edge.py, as the fan-out bench starts it). Readers get every event once, in seq order;
nothing removed lingers at the edge; the reader page in Chromium goes live through it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import ROOT, TEST_DATABASE
from tests.realtime.test_readers_processes import told
from tests.servers import CHROMIUM, Watcher, chromium, free_port, serve_env
from tests.sse import SSEClient
from tests.waiting import poll_until, wait_until

NGINX = Path("/usr/sbin/nginx")
NCHAN = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")


def _need_nginx_with_nchan() -> None:
    if not (NGINX.is_file() and NCHAN.is_file()):
        message = "nginx with the nchan module is absent (apt install nginx libnginx-mod-nchan)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)


class Edge:
    def __init__(self, url: str, auth: dict[str, str]) -> None:
        self.url = url
        self.auth = auth

    def api(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = httpx.request(
            method, self.url + "/api/v1" + path, json=body, headers=self.auth, timeout=30
        )
        assert response.status_code < 300, response.text
        answer: dict[str, Any] = response.json() if response.content else {}
        return answer

    def publish(self, words: str) -> dict[str, Any]:
        body = {"elements": [{"type": "text", "markdown": words}]}
        return self.api("POST", "/blogs/edge/posts", body)


@pytest.fixture
def edge(
    site: Site,
    settings: Settings,
    tmp_path: Path,
    make_user: Callable[[str], dict[str, str]],
) -> Iterator[Edge]:
    _need_nginx_with_nchan()
    auth = {"Authorization": make_user("editor")["auth"]}
    site.db.dispose()
    port = free_port()
    env = serve_env(settings, LIVEBLOG_STREAMS_PER_ADDRESS="0", LIVEBLOG_READERS_SECONDS="0.5")
    log = tmp_path / "edge.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_edge.py"), "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the edge exited:\n{log.read_text()[-3000:]}")
        with suppress(httpx.HTTPError):
            return httpx.get(url + "/readyz", timeout=1).status_code == 200
        return False

    try:
        if not poll_until(ready, 40, interval=0.2):
            pytest.fail(f"the edge did not start:\n{log.read_text()[-3000:]}")
        found = Edge(url, auth)
        found.api("POST", "/blogs", {"title": "Edge blog", "slug": "edge", "timezone": "UTC"})
        # The relay's next look at the log finds the new blog. Not a condition this test can
        # see: the relay and nchan's publisher port live inside bench/_edge.py.
        time.sleep(0.5)
        yield found
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def test_readers_at_the_edge_get_every_event_once_in_order(edge: Edge) -> None:
    readers = [SSEClient(edge.url, "/live/edge/events") for _ in range(200)]
    for reader in readers:
        assert reader.read_head() == 200
        assert "text/event-stream" in reader.head
    # nchan's count of subscribers is on the publisher's port, inside bench/_edge.py: the
    # streams get a moment to subscribe (the replies above came from nchan already).
    time.sleep(0.5)
    started = time.monotonic()
    posts = [edge.publish(f"Update {n} through the edge.") for n in range(3)]
    for reader in readers:
        got = reader.messages(3, timeout=10)
        assert [m.event for m in got] == ["post.published"] * 3
        assert [m.json["id"] for m in got] == [p["id"] for p in posts]
        seqs = [m.json["seq"] for m in got]
        assert seqs == list(range(seqs[0], seqs[0] + 3)), "in seq order, none twice"
    assert time.monotonic() - started < 10


def test_readers_at_the_edge_are_counted(edge: Edge) -> None:
    """The relay asks nchan how many subscribers the blog's channel has, tells them through
    the channel (and again, unchanged, every few intervals) and, over the bus (PostgreSQL
    here; SQLite has none between processes), tells the nodes, whose API and desk show it."""
    readers = [SSEClient(edge.url, "/live/edge/events") for _ in range(3)]
    for reader in readers:
        assert reader.read_head() == 200
    for reader in readers:
        wait_until(lambda r=reader: told(r, 3), timeout=10, what="the count at the edge")
    # nchan keeps no message: the relay tells the channel again, unchanged, every three
    # intervals (1.5 s here), which is how a reader who arrives is told.
    for reader in readers:
        wait_until(lambda r=reader: told(r, 3), timeout=10, what="the count again")
    if TEST_DATABASE != "sqlite":

        def on_the_node() -> bool:
            answer = httpx.get(edge.url + "/api/v1/blogs/edge/readers", timeout=5)
            return bool(answer.json() == {"readers": 3})

        wait_until(on_the_node, timeout=10, what="the node to hear the relay's count")


def test_nothing_removed_lingers_at_the_edge(edge: Edge) -> None:
    reader = SSEClient(edge.url, "/live/edge/events")
    reader.read_head()
    time.sleep(0.3)  # nchan's subscriber count is not visible here (see above)
    post = edge.publish("A claim that is taken back.")
    assert reader.messages(1, timeout=5)[0].json["id"] == post["id"]
    edge.api("DELETE", f"/blogs/edge/posts/{post['id']}")
    [deleted] = reader.messages(1, timeout=5)
    assert deleted.event == "post.deleted" and "taken back" not in deleted.data
    # A reader arriving now (with or without the edge's Last-Event-ID) is given nothing old.
    late = SSEClient(edge.url, "/live/edge/events")
    assert late.read_head() == 200
    assert late.messages(1, timeout=1.5) == []
    assert b"taken back" not in late.buffer


@pytest.mark.browser
def test_the_reader_page_goes_live_through_the_edge(edge: Edge) -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent")
    edge.publish("Already there when the page opens.")
    with chromium() as browser:
        page = browser.new_page()
        watcher = Watcher(page)
        page.goto(edge.url + "/live/edge")
        assert page.locator("article.liveblog").get_attribute("data-edge") == "nchan"
        page.wait_for_timeout(800)  # the stream at the edge opens
        edge.publish("Arrived through nginx and nchan.")
        arrived = page.get_by_role("paragraph").filter(has_text=re.compile(r"^Arrived through"))
        arrived.wait_for(timeout=5000)
        watcher.check()


def test_a_blog_back_in_draft_leaves_the_edge(edge: Edge) -> None:
    reader = SSEClient(edge.url, "/live/edge/events")
    reader.read_head()
    time.sleep(0.3)  # nchan's subscriber count is not visible here (see above)
    edge.api("PATCH", "/blogs/edge", {"status": "draft"})
    edge.publish("Written under embargo.")
    # The relay ends the blog's channel at the edge: the stream closes, with nothing new.
    assert reader.wait_closed(timeout=5)
    assert b"embargo" not in reader.buffer
