"""A link to a post elsewhere (a video, a social media post), shown as its address."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from markupsafe import Markup
from pydantic import StringConstraints

from liveblog.elements.base import ElementData, ElementKind, ElementModel, FormField


class EmbedElement(ElementModel):
    type: Literal["embed"]
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"']+$", max_length=2_000)]


def _html(element: ElementData, _media_url: str) -> str:
    url = element["url"]
    host = urlsplit(url).hostname or url
    return str(
        Markup(
            '<p class="post-embed"><a href="{}" rel="noopener noreferrer nofollow">'
            '<span class="post-embed-host">{}</span> <span class="post-embed-url">{}</span></a></p>'
        ).format(url, host, url)
    )


def _page_lines(element: ElementData) -> list[str]:
    return [element["url"]]  # an embedded video or post, shown by its address


KIND = ElementKind(
    model=EmbedElement,
    label="Link",
    legend="Link to a post elsewhere",
    form_fields=(FormField("url", required=True),),
    form_template="editor/elements/embed.html",
    render_html=_html,
    page_lines=_page_lines,
    example={"type": "embed", "url": "https://example.org/video"},
)
