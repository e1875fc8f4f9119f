"""Request bodies are limited while they arrive: a large one is refused with 413 after at
most the limit has been read, a large Content-Length before anything is read, and only a
logged-in person may send a large multipart body."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from liveblog.actions.users import create_user
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import Blog
from tests.conftest import Client
from tests.servers import running_server
from tests.web.test_editor import PASSWORD, csrf_of, start_blog

MB = 1 << 20
CHUNK = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(max_body_bytes=1 * MB, max_upload_bytes=4 * MB)


@dataclass
class Body:
    """A body of `size` bytes sent in chunks as it is read, counting what was taken."""

    size: int
    taken: int = 0

    async def stream(self) -> AsyncIterator[bytes]:
        while self.taken < self.size:
            chunk = b"x" * min(CHUNK, self.size - self.taken)
            self.taken += len(chunk)
            yield chunk


def multipart(size: int, **fields: str) -> tuple[Body, dict[str, str]]:
    """A multipart body: the fields, then a file part of `size` bytes sent as it is read."""
    boundary = "b0undary"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="other"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n".encode()

    class Parts(Body):
        async def stream(self) -> AsyncIterator[bytes]:
            yield head.encode()
            async for chunk in super().stream():
                yield chunk
            yield tail

    return Parts(size), {"content-type": f"multipart/form-data; boundary={boundary}"}


def desk_login(client: Client, site: Site, role: str = "editor") -> str:
    email = f"{role}@limits.example"
    create_user(site, email, PASSWORD, role)
    assert client.post("/editor/login", data={"email": email, "password": PASSWORD}).is_redirect
    return csrf_of(client.get("/editor"))


def blog_count(site: Site) -> int:
    with site.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Blog)) or 0


@pytest.mark.parametrize(
    ("path", "content_type", "kind"),
    [
        ("/api/v1/blogs", "application/json", "application/json"),
        ("/editor/login", "application/x-www-form-urlencoded", "text/html"),
        ("/editor/blogs", "application/x-www-form-urlencoded", "text/html"),
    ],
)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_large_plain_body_is_refused_as_it_arrives(
    client: Client,
    site: Site,
    editor: dict[str, str],
    path: str,
    content_type: str,
    kind: str,
    declared: bool,
) -> None:
    desk_login(client, site)
    body = Body(150 * MB)
    headers = editor | {"content-type": content_type}
    if declared:
        headers["content-length"] = str(body.size)
    response = client.post(path, content=body.stream(), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(kind)
    assert "larger than 1 MB, the most this site takes" in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    # Refused before a byte was read when it said how large it is, else at the limit.
    assert body.taken == 0 if declared else 1 * MB < body.taken <= 1 * MB + CHUNK
    assert blog_count(site) == 0


def test_a_body_within_the_limit_goes_through(client: Client, editor: dict[str, str]) -> None:
    body = json.dumps({"title": "Harbour floods"}) + " " * (MB - 100)  # 1 MB all but 70 bytes
    headers = editor | {"content-type": "application/json"}
    response = client.post("/api/v1/blogs", content=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "path",
    ["/editor/blogs/{slug}/posts", "/editor/blogs/{slug}/posts/abcdefgh", "/editor/import"],
)
def test_an_upload_without_a_login_is_turned_away_unread(
    client: Client, site: Site, path: str
) -> None:
    """A desk form sent without a valid login goes to the login page (the desk's answer to
    an ended session), and its body is not read at all."""
    token = desk_login(client, site, "admin")
    slug = start_blog(client, token)
    client._client.cookies.clear()
    body, headers = multipart(300 * MB)
    response = client.post(path.format(slug=slug), content=body.stream(), headers=headers)
    assert response.status_code == 303 and "/editor/login" in response.headers["location"]
    assert body.taken == 0


def test_multipart_without_a_login_gets_the_small_limit(client: Client, site: Site) -> None:
    body, headers = multipart(300 * MB)
    response = client.post("/editor/login", content=body.stream(), headers=headers)
    assert response.status_code == 413
    assert "Sending files needs a login." in response.text
    assert body.taken <= 1 * MB + CHUNK
    # A cookie that is not a login does not open the larger limit either.
    body, headers = multipart(3 * MB)
    response = client.post(
        "/editor/login", content=body.stream(), headers=headers | {"cookie": "lb_session=guess"}
    )
    assert response.status_code == 413 and body.taken <= 1 * MB + CHUNK


@pytest.mark.parametrize(
    ("size", "status"),
    [(3 * MB, 422), (5 * MB, 413)],
    ids=["within the upload limit", "over it"],
)
def test_a_logged_in_upload_has_the_larger_limit(
    client: Client, site: Site, size: int, status: int
) -> None:
    token = desk_login(client, site, "admin")
    body, headers = multipart(size, csrf=token)
    response = client.post("/editor/import", content=body.stream(), headers=headers)
    assert response.status_code == status
    if status == 422:
        assert "Paste the text of a page first." in response.text
    else:
        assert "larger than 4 MB, the most one send may hold" in response.text
        assert body.taken <= 4 * MB + CHUNK


def test_an_api_token_opens_the_larger_limit_for_multipart(
    client: Client, editor: dict[str, str]
) -> None:
    body, headers = multipart(3 * MB)
    response = client.post("/api/v1/blogs", content=body.stream(), headers=headers | editor)
    # Through the limit; the API then refuses the body for what it is, not for its size.
    assert response.status_code == 422
    assert body.taken == body.size


def test_a_real_server_refuses_a_declared_size_before_the_body(site: Site) -> None:
    with running_server(site) as (url, _server):
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
            sock.sendall(
                b"POST /editor/login HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n"
                b"Content-Length: 314572800\r\nExpect: 100-continue\r\n\r\n"
            )
            answer = sock.recv(65536).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413 ")
        assert "100 Continue" not in answer
        assert "Sending files needs a login." in answer
        # The server is still there for everyone else.
        assert httpx.get(url + "/editor/login").status_code == 200
