"""Every consumer of post elements covers exactly the kinds liveblog.elements registers: the
schema, the desk's form, the renderer, the exchange format, the text importer and the docs.
A kind added to the registry and missed by one of them fails here."""

from __future__ import annotations

import json
import re
import typing
from typing import Any

import pytest
from pydantic import TypeAdapter

from liveblog.actions.exchange import import_blog, parse_exchange
from liveblog.elements import KINDS, Element, ElementKind
from liveblog.exchange import export_blog
from liveblog.render import post_text, render_body
from liveblog.render.templating import TEMPLATES, build_environment
from liveblog.schema import EXCHANGE_FORMAT, PostContent
from liveblog.site import Site
from liveblog.textimport import parse_text, render_text
from liveblog.web.desk.postform import ELEMENT_FIELDS, VERIFICATIONS, PostForm, blank
from tests.conftest import ROOT

KIND_NAMES = sorted(KINDS)


def _kind(name: str) -> ElementKind:
    return KINDS[name]


def test_the_schema_accepts_exactly_the_registered_kinds() -> None:
    union = typing.get_args(typing.get_args(Element)[0])
    assert {typing.get_args(m.model_fields["type"].annotation)[0] for m in union} == set(KINDS)
    with pytest.raises(ValueError, match="does not match any of the expected tags"):
        TypeAdapter(Element).validate_python({"type": "poll", "question": "?"})


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_example_is_valid_and_complete(name: str) -> None:
    kind = _kind(name)
    content = PostContent.model_validate({"elements": [kind.example]})
    assert content.model_dump(mode="json")["elements"] == [kind.example]
    assert set(kind.example) == set(kind.model.model_fields)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_renders(name: str) -> None:
    kind = _kind(name)
    html = render_body([kind.example])
    assert html.strip() and html == kind.render_html(kind.example, "/media/")
    assert isinstance(post_text([kind.example]), str)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_has_form_fields_for_every_field_of_its_model(name: str) -> None:
    kind = _kind(name)
    assert set(ELEMENT_FIELDS[name]) == set(kind.model.model_fields) - {"type"}
    assert (TEMPLATES / kind.form_template).is_file()
    # The form's values, sent back, give the element again.
    values = {field: str(kind.example.get(field) or "") for field in ELEMENT_FIELDS[name]}
    form = PostForm(elements=[{"type": name} | values])
    assert form.content()["elements"] == [kind.example]
    assert PostForm(elements=[blank(name)]).content()["elements"] == []


@pytest.mark.parametrize("name", KIND_NAMES)
def test_the_post_form_shows_each_kind(name: str) -> None:
    kind = _kind(name)
    values = {field: str(kind.example.get(field) or "") for field in ELEMENT_FIELDS[name]}
    form = PostForm(elements=[blank("text"), {"type": name} | values])
    macro = build_environment().get_template("editor/_postform.html").module.post_form  # type: ignore[attr-defined]
    html = str(macro(form, "/editor/x", "editor", "token", VERIFICATIONS, None))
    fieldset = html.split('<fieldset class="element element-')[2].split("</fieldset>")[0]
    assert f"<legend>{kind.legend}</legend>" in fieldset
    for field, value in values.items():
        if value:
            assert f'name="el-1-{field}"' in fieldset, field
    for other in KINDS.values():  # every kind can be added
        assert f'value="add-{other.name}" formnovalidate>{other.label}</button>' in html


def test_every_kind_round_trips_through_the_exchange_format(site: Site) -> None:
    examples = [kind.example for kind in KINDS.values()]
    data = {
        "format": EXCHANGE_FORMAT,
        "title": "Storm Maren",
        "posts": [{"elements": examples}],
    }
    blog = import_blog(site, data)
    exported = export_blog(site, blog["slug"])
    assert exported["posts"][0]["elements"] == examples
    assert parse_exchange(exported).posts[0].model_dump(mode="json")["elements"] == examples


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_comes_back_from_the_page_as_text(name: str) -> None:
    kind = _kind(name)
    said = {"type": "text", "markdown": "Ines Varga said the water had peaked."}
    blog = {
        "title": "Storm Maren",
        "status": "live",
        "posts": [
            {
                "title": "Barriers hold",
                "published_at": "2026-11-29T09:00:00+00:00",
                "elements": [said, kind.example],
            }
        ],
    }
    lines = kind.page_lines(kind.example)
    assert lines and all(line.strip() for line in lines)
    parsed = parse_text(render_text(blog))
    assert [e for post in parsed.blog["posts"] for e in post["elements"]] == [said, kind.example]


def test_the_exchange_format_docs_show_every_kind() -> None:
    doc = (ROOT / "docs" / "exchange-format.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)\n```", doc, re.S)[1])  # type: ignore[index]
    shown: list[dict[str, Any]] = example["posts"][0]["elements"]
    assert sorted(e["type"] for e in shown) == KIND_NAMES
    for element in shown:
        assert set(element) == set(KINDS[element["type"]].model.model_fields)
