"""Two server processes share the database and Redis: a publish on one reaches readers of
the other, and Redis going down delays updates but never loses them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
import redis

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.users import create_token, create_user
from liveblog.schema import BlogFields
from liveblog.server import LIVE_PROTOCOL
from liveblog.site import Site
from tests.conftest import IN_CI
from tests.servers import free_socket
from tests.sse import SSEClient
from tests.waiting import wait_until

pytestmark = pytest.mark.redis


def free_port() -> int:
    sock = free_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


class RedisServer:
    """A private redis-server on a free port, so that the test may stop and start it."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if IN_CI:
                pytest.fail("redis-server is not installed (CI requires it)")
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def answers() -> bool:
            with suppress(redis.ConnectionError):
                return bool(client.ping())
            return False

        wait_until(answers, timeout=10, interval=0.05, what="redis-server to answer")
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
            self.process = None


def start_liveblog(
    database_url: str, redis_url: str, media: Path
) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = os.environ | {
        "LIVEBLOG_DATABASE_URL": database_url,
        "LIVEBLOG_REDIS_URL": redis_url,
        "LIVEBLOG_MEDIA_DIR": str(media),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "liveblog.server:app_factory",
            "--factory",
            "--http",
            LIVE_PROTOCOL,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        # Ready means subscribed to Redis too: a wake-up sent before would be lost.
        if process.poll() is not None:
            pytest.fail("liveblog exited before it was ready")
        with suppress(httpx.HTTPError):
            return httpx.get(url + "/readyz", timeout=1).status_code == 200
        return False

    try:
        wait_until(ready, timeout=30, interval=0.1, what="liveblog to be ready")
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise
    return url, process


def readers(url: str) -> float:
    """The process's count of connected readers, from its /metrics."""
    text = httpx.get(url + "/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("liveblog_readers{") or line.startswith("liveblog_readers ")
    )


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def two_processes(
    site: Site, redis_server: RedisServer, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    create_blog(site, SYSTEM, BlogFields(title="Shared", slug="shared"))
    url = site.settings.database_url
    first, p1 = start_liveblog(url, redis_server.url, tmp_path / "m1")
    second, p2 = start_liveblog(url, redis_server.url, tmp_path / "m2")
    try:
        yield first, second
    finally:
        for process in (p1, p2):
            process.terminate()
            process.wait(timeout=10)


def test_a_publish_on_one_process_reaches_readers_of_another(
    site: Site, redis_server: RedisServer, two_processes: tuple[str, str]
) -> None:
    first, second = two_processes
    create_user(site, "desk@news.example", "long enough pw", "editor")
    auth = {"Authorization": f"Bearer {create_token(site, 'desk@news.example')}"}
    reader = SSEClient(first, "/live/shared/events")
    assert reader.read_head() == 200
    wait_until(lambda: readers(first) == 1, what="the reader to join its channel")

    def publish(text: str) -> str:
        response = httpx.post(
            f"{second}/api/v1/blogs/shared/posts",
            headers=auth,
            timeout=5,
            json={"elements": [{"type": "text", "markdown": text}]},
        )
        assert response.status_code == 201, response.text
        post_id: str = response.json()["id"]
        return post_id

    started = time.monotonic()
    one = publish("Through Redis.")
    [message] = reader.messages(1, timeout=2)
    assert message.json["id"] == one and time.monotonic() - started < 1

    # Redis goes down: the publish still commits, and the reader still gets it from the
    # log (the hub's poll), only later.
    redis_server.stop()
    two = publish("While Redis is down.")
    [message] = reader.messages(1, timeout=10)
    assert message.json["id"] == two

    redis_server.start()
    three = publish("Redis is back.")
    [message] = reader.messages(1, timeout=10)
    assert message.json["id"] == three
    # Nothing doubled: the next event the reader gets is the next post.
    four = publish("And on.")
    [message] = reader.messages(1, timeout=10)
    assert message.json["id"] == four
