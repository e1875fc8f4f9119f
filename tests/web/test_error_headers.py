"""Every answer carries the security headers: errors too, a crash's 500 included."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from liveblog.app import create_app
from liveblog.site import Site
from tests.conftest import Client


@pytest.fixture
def crashing_client(site: Site) -> Iterator[Client]:
    """The app with two routes that fail the way a bug would, served without re-raising."""
    app = create_app(site=site)

    @app.get("/crash")
    @app.get("/api/v1/crash")
    def crash() -> None:
        raise RuntimeError("a bug")

    with start_blocking_portal() as portal:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async_client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        yield Client(portal, async_client)
        portal.call(async_client.aclose)


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/crash", 500, "text/html"),
        ("GET", "/api/v1/crash", 500, "application/json"),
        ("GET", "/no/such/page", 404, "text/html"),
        ("GET", "/api/v1/blogs/no-such-blog", 404, "application/json"),
        ("POST", "/api/v1/blogs", 401, "application/json"),
        ("DELETE", "/api/v1/blogs", 405, "application/json"),
        ("GET", "/live/x?page=-1", 422, "text/html"),
    ],
)
def test_every_error_carries_the_security_headers(
    crashing_client: Client, method: str, path: str, status: int, kind: str
) -> None:
    response = crashing_client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(kind)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "a bug" not in response.text  # what went wrong inside stays in the server's log


def test_a_crash_says_so_plainly(crashing_client: Client) -> None:
    page = crashing_client.get("/crash")
    assert "Something went wrong on our side" in page.text
    assert crashing_client.get("/api/v1/crash").json() == {
        "detail": "Something went wrong on our side. Please try again."
    }
