"""Paragraphs of Markdown: the body of most posts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints

from liveblog.elements.base import ElementData, ElementKind, ElementModel, FormField
from liveblog.render.markdown import markdown_to_plain, render_markdown
from liveblog.strings import no_control


class TextElement(ElementModel):
    type: Literal["text"]
    markdown: Annotated[
        str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(no_control)
    ]


def _html(element: ElementData, _media_url: str) -> str:
    return render_markdown(element["markdown"])


def _plain(element: ElementData) -> str:
    return markdown_to_plain(element["markdown"])


def _page_lines(element: ElementData) -> list[str]:
    rows: list[str] = element.get("markdown", "").split("\n")
    if rows and all(row.startswith("- ") for row in rows):
        return [f"  • {row[2:]}" for row in rows]
    return [row for row in rows if row.strip()]


KIND = ElementKind(
    model=TextElement,
    label="Paragraphs",
    form_fields=(FormField("markdown", required=True),),
    form_template="editor/elements/text.html",
    render_html=_html,
    plain_text=_plain,
    page_lines=_page_lines,
    example={"type": "text", "markdown": "The warning is now **red**."},
)
