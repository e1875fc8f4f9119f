"""A photo with its caption, credit and alt text; the file is one of the site's media."""

from __future__ import annotations

from typing import Annotated, Literal

from markupsafe import Markup, escape
from pydantic import AfterValidator, StringConstraints

from liveblog.elements.base import ElementData, ElementKind, ElementModel, FormField
from liveblog.strings import Caption, MediaName, no_control


class ImageElement(ElementModel):
    type: Literal["image"]
    caption: Caption = ""
    credit: Annotated[str, StringConstraints(max_length=300), AfterValidator(no_control)] | None = (
        None
    )
    alt: Caption | None = None
    file: MediaName | None = None


def _html(element: ElementData, media_url: str) -> str:
    caption = escape(element.get("caption") or "")
    credit = element.get("credit")
    alt = escape(element.get("alt") or element.get("caption") or "")
    file = element.get("file")
    if file:
        picture = Markup('<img src="{}" alt="{}" loading="lazy" decoding="async">').format(
            media_url + file, alt
        )
    else:
        # No media file yet: a neutral frame that still tells screen readers what it shows.
        picture = Markup('<div class="figure-blank" role="img" aria-label="{}"></div>').format(alt)
    credit_html = (
        Markup(' <span class="credit">Photograph: {}</span>').format(credit) if credit else ""
    )
    return str(
        Markup('<figure class="post-figure">{}<figcaption>{}{}</figcaption></figure>').format(
            picture, caption, credit_html
        )
    )


def _plain(element: ElementData) -> str:
    return str(element.get("caption") or "")


def _page_lines(element: ElementData) -> list[str]:
    caption = element.get("caption") or ""
    # An alt line shows only where the alt text says something the caption does not.
    alt = element.get("alt")
    out = [alt] if alt and alt != caption else []
    credit = element.get("credit")
    if credit:
        caption = f"{caption} Photograph: {credit}" if caption else f"Photograph: {credit}"
    # The alt line sits directly above its caption, as on the copied page.
    return ["\n".join([*out, caption])]


def _media(element: ElementData) -> list[str]:
    return [element["file"]] if element.get("file") else []


KIND = ElementKind(
    model=ImageElement,
    label="Photo",
    # The file comes first: the desk shows the photo above its words.
    form_fields=(
        FormField("file", blank_is_null=True),
        FormField("caption"),
        FormField("credit", blank_is_null=True),
        FormField("alt", blank_is_null=True),
    ),
    form_template="editor/elements/image.html",
    render_html=_html,
    plain_text=_plain,
    page_lines=_page_lines,
    media=_media,
    example={
        "type": "image",
        "caption": "Sandbags along the harbour wall",
        "credit": "Hannah Coyle",
        "alt": "A row of sandbags on a wet stone quay",
        "file": None,
    },
)
