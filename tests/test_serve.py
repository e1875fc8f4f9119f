"""`liveblog serve`, started as a subprocess exactly as the deployment guide says: the event
stream is the hub's own, slow readers are dropped, SIGTERM sends readers elsewhere, the
operator's endpoints answer, and several workers either share a bus or refuse to start."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import TEST_DATABASE
from tests.servers import LIVEBLOG, Served, liveblog_serve, serve_env
from tests.sse import SSEClient
from tests.waiting import wait_until

ON_SQLITE = TEST_DATABASE == "sqlite"


def _start_blog(served: Served, auth: dict[str, str]) -> None:
    body = {"title": "Serve test", "slug": "live", "timezone": "UTC"}
    response = httpx.post(f"{served.url}/api/v1/blogs", json=body, headers=auth, timeout=10)
    assert response.status_code == 201, response.text


def publish(served: Served, auth: dict[str, str], words: str) -> dict[str, Any]:
    body = {"elements": [{"type": "text", "markdown": words}]}
    response = httpx.post(
        f"{served.url}/api/v1/blogs/live/posts", json=body, headers=auth, timeout=30
    )
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()
    return post


def metric(served: Served, name: str) -> float:
    text = httpx.get(served.url + "/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def auth(site: Site, make_user: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return {"Authorization": make_user("editor")["auth"]}


@pytest.fixture
def served(
    site: Site, settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> Iterator[Served]:
    site.db.dispose()
    env = serve_env(settings, LIVEBLOG_STREAMS_PER_ADDRESS="5")
    with liveblog_serve(env, tmp_path) as server:
        _start_blog(server, auth)
        yield server


def test_the_event_stream_is_the_hubs_own_response(served: Served) -> None:
    reader = SSEClient(served.url, "/live/live/events")
    assert reader.read_head() == 200
    head = reader.head.lower()
    for line in (
        "content-type: text/event-stream; charset=utf-8",
        "cache-control: no-store",
        "x-accel-buffering: no",
        "x-content-type-options: nosniff",
        "referrer-policy: strict-origin-when-cross-origin",
        "content-security-policy: default-src 'self'",
    ):
        assert line in head
    # Written by the hub, not by the ASGI route: no chunking and none of uvicorn's headers.
    assert "transfer-encoding" not in head and "server: uvicorn" not in head
    reader.sock.settimeout(5)
    while b"\n\n" not in reader.buffer:
        reader.buffer += reader.sock.recv(4096)
    assert re.match(rb"retry: \d{4}\n\n", reader.buffer)


def test_a_publish_reaches_a_reader_within_a_second(served: Served, auth: dict[str, str]) -> None:
    reader = SSEClient(served.url, "/live/live/events")
    reader.read_head()
    wait_until(lambda: metric(served, "liveblog_readers") == 1, what="the reader to join")
    started = time.monotonic()
    post = publish(served, auth, "The bridge has reopened.")
    [message] = reader.messages(1, timeout=5)
    assert time.monotonic() - started < 1.0
    assert message.event == "post.published" and message.json["id"] == post["id"]


def test_a_reader_that_never_reads_is_dropped(served: Served, auth: dict[str, str]) -> None:
    stuck = SSEClient(served.url, "/live/live/events", recv_buffer=4096)
    stuck.read_head()
    reader = SSEClient(served.url, "/live/live/events")
    reader.read_head()
    wait_until(lambda: metric(served, "liveblog_readers") == 2, what="both readers to join")
    big = "A long update with many words in it. " * 500  # about 18 KB of text per post
    for n in range(40):
        publish(served, auth, f"{n}: {big}")
        assert len(reader.messages(1, timeout=10)) == 1, "the reader that reads gets every post"
        if metric(served, "liveblog_slow_readers_dropped_total") >= 1:
            break
    else:
        pytest.fail("the reader that never reads was never dropped")
    assert metric(served, "liveblog_readers") == 1
    # Its connection is gone: draining what the kernel holds ends in a reset or EOF.
    stuck.sock.settimeout(5)
    with pytest.raises((ConnectionResetError, EOFError)):
        while True:
            if not stuck.sock.recv(1 << 20):
                raise EOFError


def test_unusual_last_event_ids_are_not_errors(served: Served) -> None:
    for value in ("²", "-1", "12abc", "9" * 40, ""):
        reader = SSEClient(served.url, "/live/live/events", headers={"Last-Event-ID": value})
        assert reader.read_head() == 200, value
        reader.close()


def test_event_streams_per_address_are_capped(served: Served) -> None:
    readers = [SSEClient(served.url, "/live/live/events") for _ in range(5)]
    for reader in readers:
        assert reader.read_head() == 200
    refused = SSEClient(served.url, "/live/live/events")
    assert refused.read_head() == 429
    head = refused.head.lower()
    assert "retry-after: 30" in head and "x-content-type-options: nosniff" in head
    assert b"too many event streams" in refused.buffer
    readers[0].close()

    def admitted() -> bool:
        again = SSEClient(served.url, "/live/live/events")
        if again.read_head() == 200:
            return True
        again.close()
        return False

    # The server notices the closed stream, then admits a new one.
    wait_until(admitted, interval=0.1, what="a closed stream's place to be given back")
    assert metric(served, 'liveblog_streams_refused_total{reason="per-address cap"}') >= 1


def test_health_readiness_and_metrics(served: Served) -> None:
    health = httpx.get(served.url + "/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = httpx.get(served.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    assert ready.headers["cache-control"] == "no-store"
    text = httpx.get(served.url + "/metrics").text
    for name in (
        "liveblog_readers",
        "liveblog_events_broadcast_total",
        "liveblog_broadcast_seconds_bucket",
        "liveblog_slow_readers_dropped_total",
        "liveblog_action_seconds_bucket",
    ):
        assert name in text
    # Through a proxy (uvicorn trusts 127.0.0.1's X-Forwarded-For), a public address is
    # refused: metrics are for operators.
    outside = httpx.get(served.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert outside.status_code == 403


def test_sigterm_sends_readers_elsewhere_and_exits_within_seconds(served: Served) -> None:
    readers = [SSEClient(served.url, "/live/live/events") for _ in range(5)]
    for reader in readers:
        reader.read_head()
        reader.messages(0)
    wait_until(lambda: metric(served, "liveblog_readers") == 5, what="the readers to join")
    started = time.monotonic()
    os.killpg(served.process.pid, signal.SIGTERM)
    for reader in readers:
        assert reader.wait_closed(timeout=5)
        # A fresh retry, sent as the server stops, spreads their reconnects over seconds.
        assert re.search(rb"retry: \d{4}\n\n", reader.buffer)
    # uvicorn shuts down cleanly, then ends by the signal it was sent, as is usual.
    assert served.process.wait(timeout=10) in (0, -signal.SIGTERM)
    assert time.monotonic() - started < 8
    assert "Finished server process" in served.output()


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite without a bus is what must be refused")
def test_several_workers_on_sqlite_without_a_bus_is_one_clear_error(
    settings: Settings, tmp_path: Path
) -> None:
    done = subprocess.run(
        [str(LIVEBLOG), "serve", "--port", "0", "--workers", "2"],
        env=serve_env(settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("liveblog: error: --workers 2 needs a bus between processes")


@pytest.mark.postgres
@pytest.mark.skipif(ON_SQLITE, reason="PostgreSQL's LISTEN/NOTIFY is the bus under test")
def test_several_workers_on_postgresql_share_updates_through_listen_notify(
    site: Site, settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    site.db.dispose()
    with liveblog_serve(serve_env(settings), tmp_path, "--workers", "2") as served:
        _start_blog(served, auth)
        readers = [SSEClient(served.url, "/live/live/events") for _ in range(12)]
        for reader in readers:
            reader.read_head()
        # Added up over both workers.
        wait_until(lambda: metric(served, "liveblog_readers") == 12, timeout=10)
        for n in range(3):
            started = time.monotonic()
            post = publish(served, auth, f"Update {n} from one of two workers.")
            for reader in readers:
                [message] = reader.messages(1, timeout=5)
                assert message.json["id"] == post["id"]
            # Well inside the hubs' 5 s safety poll: the wake-up came through the bus.
            assert time.monotonic() - started < 1.0
