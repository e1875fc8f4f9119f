"""The API says what it answers: the OpenAPI document gives every success a schema, the
schemas name exactly the fields the records carry, and each error body in docs/api.md is
what a real request gets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from pydantic import BaseModel

from liveblog.app import create_app
from liveblog.errors import TooManyRequests
from liveblog.present import blog_record, post_record
from liveblog.site import Site
from liveblog.storage import Blog, Post
from liveblog.web.api_models import BlogRecord, PostRecord
from tests.conftest import Client, text_post

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
Json = dict[str, Any]


# -- the OpenAPI document


def _success_schemas(document: Json) -> Iterator[tuple[str, Json | None]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    yield f"{method.upper()} {path} {status}", schema


def _resolve(document: Json, schema: Json) -> Json:
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def test_every_success_has_a_schema(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    answers = list(_success_schemas(document))
    assert len(answers) >= 12  # every route of /api/v1 was walked
    vague = [
        where
        for where, schema in answers
        if schema is None or not _resolve(document, schema).get("properties")
    ]
    assert vague == [], "give these routes a response_model"


def test_errors_are_described_with_the_real_shape(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    edit = document["paths"]["/api/v1/blogs/{slug}/posts/{post_id}"]["patch"]["responses"]
    invalid = _resolve(document, edit["422"]["content"]["application/json"]["schema"])
    stale = _resolve(document, edit["412"]["content"]["application/json"]["schema"])
    assert set(invalid["properties"]) == {"detail", "errors"}
    assert set(stale["properties"]) == {"detail", "current_version", "changed", "conflicting"}


@pytest.mark.parametrize(
    ("record", "model"),
    [
        (lambda: blog_record(Blog()), BlogRecord),
        (lambda: post_record(Post(), pinned=False), PostRecord),
    ],
    ids=["blog", "post"],
)
def test_the_models_name_every_field_of_the_records(
    record: Callable[[], Json], model: type[BaseModel]
) -> None:
    # A field the model lacks would be dropped from the answer; one the record lacks, a 500.
    assert list(record()) == list(model.model_fields)


# -- the error bodies of docs/api.md


def _documented_errors() -> dict[int, Json]:
    section = API_DOC.read_text(encoding="utf-8").split("## Errors", 1)[1]
    rows = re.findall(r"^\| (\d{3}) \| `(\{.*?\})` \|", section, flags=re.M)
    return {int(status): json.loads(body) for status, body in rows}


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def app(site: Site) -> FastAPI:
    app = create_app(site=site)

    def throttled() -> None:  # the API throttles nothing yet: a route that is refused
        raise TooManyRequests("slow down", retry_after=7)

    app.add_api_route("/api/v1/throttled", throttled, include_in_schema=False)
    return app


@pytest.fixture
def api(app: FastAPI) -> Iterator[Client]:
    with start_blocking_portal() as portal:
        transport = httpx.ASGITransport(app=app)
        async_client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        yield Client(portal, async_client)
        portal.call(async_client.aclose)


def _real_errors(
    api: Client, editor: dict[str, str], contributor: dict[str, str]
) -> dict[int, httpx.Response]:
    made = api.post("/api/v1/blogs", json={"title": "Count", "slug": "count"}, headers=editor)
    assert made.status_code == 201
    posts = "/api/v1/blogs/count/posts"
    post = api.post(posts, json=text_post("Polls close."), headers=editor).json()
    edit = f"{posts}/{post['id']}"
    first = api.patch(edit, json={"title": "First"}, headers=editor | {"If-Match": '"1"'})
    assert first.status_code == 200  # so that the 412 below has something changed to name
    return {
        400: api.post(
            "/api/v1/blogs",
            content=b'{"title": "\xff"}',
            headers=editor | {"content-type": "application/json"},
        ),
        401: api.post("/api/v1/blogs", json={"title": "No token"}),
        403: api.post(posts, json=text_post("Not on the team."), headers=contributor),
        404: api.get("/api/v1/blogs/no-such-blog"),
        409: api.post("/api/v1/blogs", json={"title": "Again", "slug": "count"}, headers=editor),
        412: api.patch(edit, json={"title": "Late"}, headers=editor | {"If-Match": '"1"'}),
        413: api.post(
            "/api/v1/blogs",
            content=b'{"title": "' + b"x" * (2 << 20) + b'"}',
            headers=editor | {"content-type": "application/json"},
        ),
        422: api.post(posts, json={"elements": [{"type": "text"}]}, headers=editor),
        428: api.patch(edit, json={"title": "No version"}, headers=editor),
        429: api.get("/api/v1/throttled"),
    }


def test_each_documented_error_has_its_documented_body(
    api: Client, make_user: Callable[[str], dict[str, str]]
) -> None:
    documented = _documented_errors()
    assert {400, 401, 403, 404, 409, 413, 422, 429} <= set(documented)
    editor = {"Authorization": make_user("editor")["auth"]}
    contributor = {"Authorization": make_user("contributor")["auth"]}
    real = _real_errors(api, editor, contributor)
    assert set(real) == set(documented), "docs/api.md and this test list the same statuses"
    for status, response in real.items():
        assert response.status_code == status, (status, response.text)
        assert response.headers["content-type"] == "application/json", status
        body = response.json()
        assert _shape(body) == _shape(documented[status]), (status, body)
        assert body["detail"].strip(), status
    assert real[401].headers["www-authenticate"] == "Bearer"
    assert real[412].headers["etag"] == f'"{real[412].json()["current_version"]}"'
    assert real[429].headers["retry-after"] == "7"
    assert real[422].json()["detail"] == "elements.0.text.markdown: Field required"
