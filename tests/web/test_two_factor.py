"""Two-factor login (TOTP) over HTTP: setting it up on "Your account" with the key shown as
text and as an otpauth link, confirming it with a code, the login asking for the code after
the password, a code used once, and LIVEBLOG_REQUIRE_2FA_FOR_ADMINS."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from html import unescape

import httpx
import pyotp
import pytest
from anyio.from_thread import start_blocking_portal

from liveblog.actions.users import create_user
from liveblog.app import create_app
from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import Client
from tests.web.test_editor import PASSWORD, csrf_of


def person(site: Site, role: str = "editor") -> str:
    email = f"{role}-{secrets.token_hex(3)}@desk.example"
    create_user(site, email, PASSWORD, role, name=role.title())
    return email


def log_in(client: Client, email: str) -> httpx.Response:
    return client.post("/editor/login", data={"email": email, "password": PASSWORD})


class Enrolled(pyotp.TOTP):
    """The person's authenticator, and the code that confirmed the set-up (spent)."""

    confirmed: str = ""


def enrol(client: Client) -> Enrolled:
    """Sets up two-factor login for whoever is logged in; returns their authenticator."""
    token = csrf_of(client.get("/editor/account"))
    started = client.post("/editor/account/2fa/start", data={"csrf": token})
    assert started.status_code == 200
    secret = re.search(r'id="t-secret"[^>]*value="([A-Z2-7]+)"', started.text)
    uri = re.search(r'id="t-uri"[^>]*value="([^"]+)"', started.text)
    sealed = re.search(r'name="sealed" value="([^"]+)"', started.text)
    assert secret and uri and sealed
    assert unescape(uri[1]).startswith("otpauth://totp/")
    assert f"secret={secret[1]}" in unescape(uri[1])
    totp = Enrolled(secret[1])
    wrong = client.post(
        "/editor/account/2fa/confirm",
        data={"csrf": token, "sealed": unescape(sealed[1]), "code": "000000"},
    )
    assert wrong.status_code == 422 and "does not match" in wrong.text
    assert secret[1] in wrong.text  # the set-up is shown again, to try once more
    forged = client.post(
        "/editor/account/2fa/confirm",
        data={"csrf": token, "sealed": "AAAAAAAAAAAAAAAA.0", "code": totp.now()},
    )
    assert forged.status_code == 422 and "start again" in forged.text
    totp.confirmed = totp.now()
    done = client.post(
        "/editor/account/2fa/confirm",
        data={"csrf": token, "sealed": unescape(sealed[1]), "code": totp.confirmed},
    )
    assert done.status_code == 303 and done.headers["location"] == "/editor/account?done=2fa-on"
    return totp


def ticket_of(page: httpx.Response) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', page.text)
    assert found, page.text
    return unescape(found[1])


def test_a_person_sets_up_two_factor_login_and_the_login_asks_for_a_code(
    client: Client, site: Site
) -> None:
    email = person(site)
    assert log_in(client, email).status_code == 303
    totp = enrol(client)
    assert "On: after your password" in client.get("/editor/account").text
    client._client.cookies.clear()

    # The password alone opens nothing: the next page asks for the code.
    asked = log_in(client, email)
    assert asked.status_code == 200 and "Your two-factor code" in asked.text
    assert "lb_session" not in asked.headers.get("set-cookie", "")
    assert client.get("/editor").status_code == 303
    ticket = ticket_of(asked)
    wrong = client.post("/editor/login/code", data={"ticket": ticket, "code": "123456"})
    assert wrong.status_code == 401 and "does not match" in wrong.text
    forged = client.post(
        "/editor/login/code", data={"ticket": ticket[:-1] + "x", "code": totp.now()}
    )
    assert forged.status_code == 401 and "log in again" in forged.text
    # The code that confirmed the set-up is spent (the very code: asking for totp.now() here
    # would get the next step's code whenever the test crosses a 30 s boundary); the app's
    # next one opens (a step either side of now is accepted, for clocks a little apart).
    spent = client.post("/editor/login/code", data={"ticket": ticket, "code": totp.confirmed})
    assert spent.status_code == 401
    code = totp.at(time.time() + 30)
    right = client.post(
        "/editor/login/code", data={"ticket": ticket, "code": code, "next": "/editor"}
    )
    assert right.status_code == 303 and "lb_session=" in right.headers["set-cookie"]
    assert client.get("/editor").status_code == 200

    # The same code never opens a second login.
    client._client.cookies.clear()
    again = client.post(
        "/editor/login/code", data={"ticket": ticket_of(log_in(client, email)), "code": code}
    )
    assert again.status_code == 401


def test_turning_two_factor_off_needs_a_code(client: Client, site: Site) -> None:
    email = person(site)
    log_in(client, email)
    totp = enrol(client)
    token = csrf_of(client.get("/editor/account"))
    refused = client.post("/editor/account/2fa/stop", data={"csrf": token, "code": "000000"})
    assert refused.status_code == 422 and "does not match" in refused.text
    # A code not yet used for a login (the next step's would do as well).
    off = client.post(
        "/editor/account/2fa/stop", data={"csrf": token, "code": totp.at(time.time() + 30)}
    )
    assert off.status_code == 303
    client._client.cookies.clear()
    assert log_in(client, email).status_code == 303  # the password is enough again


@pytest.fixture
def strict_client(site: Site) -> Iterator[tuple[Client, Site]]:
    """A client of the same database, on a site that requires two-factor login for admins."""
    strict = Site.from_settings(site.settings.with_changes(require_2fa_for_admins=True))
    with start_blocking_portal() as portal:
        async_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(site=strict)),
            base_url="http://testserver",
        )
        yield Client(portal, async_client), strict
        portal.call(async_client.aclose)
    strict.db.dispose()


def test_a_site_can_require_admins_to_set_up_two_factor_first(
    strict_client: tuple[Client, Site], site: Site
) -> None:
    client, _ = strict_client
    assert Settings.from_env({"LIVEBLOG_REQUIRE_2FA_FOR_ADMINS": "1"}, None).require_2fa_for_admins
    with pytest.raises(Exception, match="REQUIRE_2FA_FOR_ADMINS"):
        Settings.from_env({"LIVEBLOG_REQUIRE_2FA_FOR_ADMINS": "maybe"}, None)
    editor, admin = person(site, "editor"), person(site, "admin")
    assert log_in(client, editor).status_code == 303
    assert client.get("/editor").status_code == 200  # editors are not asked
    client._client.cookies.clear()

    assert log_in(client, admin).status_code == 303
    for page in ("/editor", "/editor/people", "/editor/tokens"):
        sent = client.get(page)
        assert sent.status_code == 303, page
        assert sent.headers["location"] == "/editor/account?done=enrol-first"
    account = client.get("/editor/account?done=enrol-first")
    assert account.status_code == 200 and "requires admins to use two-factor login" in account.text
    token = csrf_of(account)
    refused = client.post("/editor/people", data={"csrf": token, "email": "x@y.example"})
    assert refused.status_code == 303  # no write before the set-up either
    totp = enrol(client)
    assert client.get("/editor/people").status_code == 200
    # Turning it off is refused while the site requires it.
    off = client.post(
        "/editor/account/2fa/stop", data={"csrf": token, "code": totp.at(time.time() + 30)}
    )
    assert off.status_code == 403 and "requires two-factor login for admins" in off.text
