"""The desk's form token is an HMAC of the session under LIVEBLOG_SECRET_KEY, and the
workers of one `liveblog serve` share a key when none is set, so a form made by one
worker is taken by another."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

import httpx
import pytest

from liveblog.actions.users import create_user
from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import TEST_DATABASE, Client
from tests.servers import liveblog_serve, serve_env
from tests.web.test_editor import PASSWORD, csrf_of


def test_the_form_token_is_signed_with_the_secret_key(client: Client, site: Site) -> None:
    email = f"ed-{secrets.token_hex(3)}@desk.example"
    create_user(site, email, PASSWORD, "editor")
    assert client.post("/editor/login", data={"email": email, "password": PASSWORD}).is_redirect
    token = csrf_of(client.get("/editor"))
    cookie = client._client.cookies["lb_session"]
    key = site.settings.secret_key.reveal().encode()
    assert token == hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()[:32]
    # Knowing the cookie is not enough: without the key, the token cannot be made.
    assert token != hashlib.sha256(b"csrf:" + cookie.encode()).hexdigest()[:32]
    other_key = hmac.new(b"another key", b"csrf:" + cookie.encode(), hashlib.sha256)
    refused = client.post(
        "/editor/tokens", data={"csrf": other_key.hexdigest()[:32], "name": "feed"}
    )
    assert refused.status_code == 403 and "expired" in refused.text
    assert client.post("/editor/tokens", data={"csrf": token, "name": "feed"}).status_code == 201


@pytest.mark.postgres
@pytest.mark.skipif(TEST_DATABASE == "sqlite", reason="several workers need a bus")
def test_workers_without_a_key_set_share_one(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    email = f"ed-{secrets.token_hex(3)}@desk.example"
    create_user(site, email, PASSWORD, "editor")
    site.db.dispose()
    env = serve_env(settings)
    del env["LIVEBLOG_SECRET_KEY"]
    with liveblog_serve(env, tmp_path, "--workers", "2") as served:
        login = httpx.post(
            f"{served.url}/editor/login", data={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 303
        cookies = {"lb_session": login.cookies["lb_session"]}
        # A new connection each time: the two workers take them in turn, or as they come.
        tokens = set()
        for n in range(12):
            page = httpx.get(f"{served.url}/editor/tokens", cookies=cookies)
            token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
            assert token is not None
            tokens.add(token[1])
            made = httpx.post(
                f"{served.url}/editor/tokens",
                data={"csrf": token[1], "name": f"feed {n}"},
                cookies=cookies,
            )
            assert made.status_code == 201, made.text
        assert len(tokens) == 1  # every worker made the same token
