"""What the browser tests share: one Chromium per test module, and a real uvicorn server for
the test's site together with the hub that serves its event streams."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser

from liveblog.actions.users import create_user
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


PASSWORD = "correct horse battery"


@dataclass
class Account:
    email: str
    name: str


@pytest.fixture
def account(site: Site) -> Callable[..., Account]:
    """account(role, name) -> a real user who logs in with PASSWORD."""

    def make(role: str, name: str) -> Account:
        email = f"{role}-{secrets.token_hex(3)}@newsroom.example"
        create_user(site, email, PASSWORD, role, name=name)
        return Account(email, name)

    return make
