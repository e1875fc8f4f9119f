"""What the browser tests share: one Chromium per test module, and a real uvicorn server for
the test's site together with the hub that serves its event streams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser

from liveblog.realtime.hub import Hub
from liveblog.realtime.protocol import find_hub
from liveblog.site import Site
from tests.servers import chromium, running_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Live:
    url: str
    hub: Hub


@pytest.fixture
def live(site: Site) -> Iterator[Live]:
    """A real uvicorn server for this test's site, and the hub that serves its streams."""
    with running_server(site) as (url, server):
        hub = find_hub(server.config.app)
        assert hub is not None
        yield Live(url, hub)
