"""Every answer carries the security headers: errors too, a crash's 500 included."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
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


def test_a_request_cut_off_mid_body_is_answered_without_a_crash(site: Site) -> None:
    """A browser that leaves while its form is on the way: Starlette's ClientDisconnect is
    a 400, not a 500 with a traceback in the log."""
    app = create_app(site=site)
    sent: list[dict[str, object]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/editor/login",
        "raw_path": b"/editor/login",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"400"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    parts = [{"type": "http.request", "body": b"email=a", "more_body": True}]

    async def receive() -> dict[str, object]:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)  # raises if the app let the exception through
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 400
