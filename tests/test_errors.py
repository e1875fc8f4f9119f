"""Validation problems are worded by one rule: ``field: message``, the field named by the
caller (the API's dotted path, the desk's form labels, the exchange file's places)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from liveblog.errors import Invalid, Location, field_path, invalid_input, problems
from liveblog.schema import NewPost


class _Point(BaseModel):
    x: int
    y: int


def _failure(model: type[BaseModel], data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value


def test_field_path_leaves_out_the_body() -> None:
    assert field_path(("body", "elements", 0, "markdown")) == "elements.0.markdown"
    assert field_path(("query", "page")) == "query.page"
    assert field_path(()) == ""


def test_every_problem_is_listed_in_order() -> None:
    exc = _failure(_Point, {"x": "a"})
    assert problems(exc.errors()) == [
        {
            "field": "x",
            "message": "Input should be a valid integer, unable to parse string as an integer",
        },
        {"field": "y", "message": "Field required"},
    ]


def test_the_first_problem_is_the_message() -> None:
    exc = _failure(NewPost, {"elements": [{"type": "text"}]})
    error = invalid_input(exc)
    assert isinstance(error, Invalid) and error.status == 422
    assert error.field == "elements.0.text.markdown"
    assert error.message == "elements.0.text.markdown: Field required"


def test_the_caller_names_the_field() -> None:
    seen: list[Location] = []

    def label(loc: Location) -> str:
        seen.append(loc)
        return "Headline"

    error = invalid_input(_failure(NewPost, {"title": "x" * 10_000}), label)
    assert seen and seen[0][0] == "title"
    assert error.message.startswith("Headline: ")


def test_a_nameless_place_leaves_the_message_alone() -> None:
    error = invalid_input(_failure(_Point, {"x": "a", "y": 2}), lambda _: "")
    assert error.message == error.detail
