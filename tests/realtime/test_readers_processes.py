""" "N reading now" over two `liveblog serve` processes, each holding some of a blog's
readers: on PostgreSQL's LISTEN/NOTIFY and on Redis, both processes report the total (the
API, and every reader's stream), and a process killed without a word drops out of it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.schema import BlogFields
from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import TEST_DATABASE
from tests.realtime.test_redis_bus import RedisServer, redis_server  # noqa: F401
from tests.servers import Served, liveblog_serve, serve_env
from tests.sse import SSEClient
from tests.waiting import wait_until


def readers_now(served: Served) -> int:
    response = httpx.get(f"{served.url}/api/v1/blogs/shared/readers", timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    count: int = response.json()["readers"]
    return count


def told(reader: SSEClient, count: int) -> bool:
    """Whether the latest readers message the stream has sent since the last look says
    ``count``."""
    latest = None
    while got := reader.messages(1, timeout=0.2, readers=True):
        if got[0].event == "readers":
            latest = got[0].json["readers"]
    return latest == count


def _two_processes_count_together(
    site: Site, settings: Settings, tmp_path: Path, **env: str
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Shared", slug="shared"))
    site.db.dispose()
    environment = serve_env(settings, LIVEBLOG_READERS_SECONDS="0.3", **env)
    with (
        liveblog_serve(environment, tmp_path) as first,
        liveblog_serve(environment, tmp_path) as second,
    ):
        held = [SSEClient(first.url, "/live/shared/events") for _ in range(3)]
        held += [SSEClient(second.url, "/live/shared/events") for _ in range(2)]
        for reader in held:
            assert reader.read_head() == 200
        for served in (first, second):
            wait_until(lambda s=served: readers_now(s) == 5, timeout=10, what="the total")
        for reader in held:
            wait_until(lambda r=reader: told(r, 5), timeout=10, what="the stream's count")

        # The first process dies without a word: after three missed reports its readers
        # are no longer counted.
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        wait_until(lambda: readers_now(second) == 2, timeout=10, what="the dead one to drop")
        wait_until(lambda: told(held[3], 2), timeout=10, what="the stream's new count")


@pytest.mark.postgres
@pytest.mark.skipif(TEST_DATABASE == "sqlite", reason="PostgreSQL's LISTEN/NOTIFY is the bus")
def test_two_processes_count_together_on_postgresql(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    _two_processes_count_together(site, settings, tmp_path)


@pytest.mark.redis
def test_two_processes_count_together_on_redis(
    site: Site,
    settings: Settings,
    tmp_path: Path,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    _two_processes_count_together(site, settings, tmp_path, LIVEBLOG_REDIS_URL=redis_server.url)
