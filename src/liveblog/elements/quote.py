"""Words someone said or wrote, with who said them when that is known."""

from __future__ import annotations

from typing import Annotated, Literal

from markupsafe import Markup, escape
from pydantic import AfterValidator, StringConstraints

from liveblog.elements.base import ElementData, ElementKind, ElementModel, FormField
from liveblog.strings import no_control


class QuoteElement(ElementModel):
    type: Literal["quote"]
    text: Annotated[
        str, StringConstraints(min_length=1, max_length=5_000), AfterValidator(no_control)
    ]
    attribution: (
        Annotated[str, StringConstraints(max_length=300), AfterValidator(no_control)] | None
    ) = None


def _html(element: ElementData, _media_url: str) -> str:
    text = escape(element["text"])
    attribution = element.get("attribution")
    cite = Markup("<footer>— <cite>{}</cite></footer>").format(attribution) if attribution else ""
    return str(Markup('<blockquote class="post-quote"><p>{}</p>{}</blockquote>').format(text, cite))


def _plain(element: ElementData) -> str:
    return f"“{element['text']}”"


def _page_lines(element: ElementData) -> list[str]:
    return [f"{element['text']}”"]


KIND = ElementKind(
    model=QuoteElement,
    label="Quote",
    form_fields=(FormField("text", required=True), FormField("attribution", blank_is_null=True)),
    form_template="editor/elements/quote.html",
    render_html=_html,
    plain_text=_plain,
    page_lines=_page_lines,
    example={
        "type": "quote",
        "text": "The barriers did what they were built to do.",
        "attribution": "Ines Varga",
    },
)
