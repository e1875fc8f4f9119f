"""The desk's login answers 429 with Retry-After after repeated wrong passwords, and 503
with Retry-After when the server is already checking as many passwords as it may."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from liveblog.actions import passwords
from liveblog.actions.users import create_user
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import LoginFailure
from liveblog.storage.tables import utcnow
from tests.conftest import Client
from tests.servers import running_server

EMAIL = "ana@desk.example"
RIGHT = "correct horse battery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A login waits this long for a free password check before it is told to retry.
    return settings.with_changes(password_wait_seconds=0.2)


def log_in(client: Client, password: str, email: str = EMAIL) -> httpx.Response:
    return client.post("/editor/login", data={"email": email, "password": password})


def test_wrong_passwords_make_the_login_wait_then_it_opens(client: Client, site: Site) -> None:
    create_user(site, EMAIL, RIGHT, "editor")
    for _ in range(5):
        assert log_in(client, "guess").status_code == 401
    refused = log_in(client, RIGHT)
    assert refused.status_code == 429
    assert 25 <= int(refused.headers["retry-after"]) <= 30
    assert "Too many wrong passwords for this account or from this address." in refused.text
    assert "Try again in 30 seconds" in refused.text or "Try again in 29 seconds" in refused.text
    assert f'value="{EMAIL}"' in refused.text  # the typed email stays in the form
    assert refused.headers["cache-control"] == "no-store"
    with site.db.writing() as session:  # the half minute passes
        session.execute(update(LoginFailure).values(blocked_until=utcnow() - timedelta(1)))
    assert log_in(client, RIGHT).status_code == 303


def test_a_busy_server_says_when_to_try_again(client: Client, site: Site) -> None:
    create_user(site, EMAIL, RIGHT, "editor")
    assert site.settings.password_wait_seconds == 0.2
    holding = threading.Barrier(1 + passwords.slot_count(site.settings))
    release = threading.Event()

    def hold() -> None:
        with passwords.hashing_slot(site.settings):
            holding.wait(5)
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(holding.parties - 1)]
    for holder in holders:
        holder.start()
    holding.wait(5)
    try:
        busy = log_in(client, RIGHT)
    finally:
        release.set()
        for holder in holders:
            holder.join()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
    assert "The server is busy checking other logins." in busy.text
    assert log_in(client, RIGHT).status_code == 303


def test_a_real_server_counts_the_address_its_trusted_proxy_names(site: Site) -> None:
    """uvicorn trusts X-Forwarded-For from loopback (its default proxy): the address the
    proxy names is the one counted, and another address behind the same proxy is free."""
    with running_server(site) as (url, _server):

        def guess(number: int, forwarded_for: str) -> httpx.Response:
            return httpx.post(
                url + "/editor/login",
                data={"email": f"guess{number}@desk.example", "password": "x"},
                headers={"X-Forwarded-For": forwarded_for},
            )

        for number in range(20):
            assert guess(number, "198.51.100.7").status_code == 401
        refused = guess(99, "198.51.100.7")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert refused.headers["x-content-type-options"] == "nosniff"
        assert guess(99, "192.0.2.99").status_code == 401


def test_the_app_never_reads_x_forwarded_for_itself(client: Client) -> None:
    """Without a server that trusts the proxy, a written-in address changes nothing: a
    guesser cannot get a fresh address for each try."""
    for number in range(20):
        response = client.post(
            "/editor/login",
            data={"email": f"guess{number}@desk.example", "password": "x"},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        )
        assert response.status_code == 401
    response = client.post(
        "/editor/login",
        data={"email": "someone@desk.example", "password": "x"},
        headers={"X-Forwarded-For": "192.0.2.99"},
    )
    assert response.status_code == 429
