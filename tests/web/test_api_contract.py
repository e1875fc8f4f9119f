"""The API says what it answers: the OpenAPI document gives every success a schema, and
the schemas name exactly the fields the records carry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from liveblog.present import blog_record, post_record
from liveblog.storage import Blog, Post
from liveblog.web.api_models import BlogRecord, PostRecord
from tests.conftest import Client

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
