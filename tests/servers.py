"""Real servers for tests: uvicorn on a free port of 127.0.0.1 (never 8000), and Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from liveblog.app import create_app
from liveblog.server import LIVE_PROTOCOL
from liveblog.site import Site
from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running_server(
    site: Site, protocol: str = LIVE_PROTOCOL
) -> Iterator[tuple[str, uvicorn.Server]]:
    """The app under uvicorn with liveblog's own protocol, as `liveblog serve` runs it
    (or with uvicorn's plain one, to test the ASGI route that other servers use)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(site=site),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
        http=protocol,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            if server.started and httpx.get(url + "/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.05)
    try:
        yield url, server
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def need_chromium() -> None:
    """Skips without Chromium; in CI its absence is a failure, not a skip."""
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is absent"
        if IN_CI:
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)
