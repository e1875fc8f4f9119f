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


# How wide a photo is drawn on the reader page: the column (50rem less its padding), or
# the window less its padding on narrower screens. Browsers pick the width from srcset.
SIZES = "(min-width: 50rem) 48rem, calc(100vw - 2rem)"


def _srcset(media_url: str, file: str, widths: list[int], extension: str) -> str:
    stem, own = file.rsplit(".", 1)
    full = widths[-1]

    def name(width: int) -> str:
        return file if width == full and own == extension else f"{stem}-{width}w.{extension}"

    return ", ".join(f"{media_url}{name(w)} {w}w" for w in widths)


def _picture(element: ElementData, media_url: str, alt: str) -> Markup:
    """The photo in every width made at upload (``_media``, added by ``render_body`` from its
    media row), WebP first: the browser downloads only the width the screen needs. A file
    stored before there were widths renders as one ``<img>``, as it always did."""
    file = element["file"]
    about = element.get("_media")
    if not about or not about.get("widths"):
        return Markup('<img src="{}" alt="{}" loading="lazy" decoding="async">').format(
            media_url + file, alt
        )
    widths = [int(w) for w in about["widths"]]
    extension = file.rsplit(".", 1)[-1]
    webp = (
        Markup('<source type="image/webp" srcset="{}" sizes="{}">').format(
            _srcset(media_url, file, widths, "webp"), SIZES
        )
        if extension != "webp"
        else ""
    )
    return Markup(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"'
        ' loading="lazy" decoding="async"></picture>'
    ).format(
        webp,
        media_url + file,
        _srcset(media_url, file, widths, extension),
        SIZES,
        about["width"],
        about["height"],
        alt,
    )


def _html(element: ElementData, media_url: str) -> str:
    caption = escape(element.get("caption") or "")
    credit = element.get("credit")
    alt = str(element.get("alt") or element.get("caption") or "")
    if element.get("file"):
        picture = _picture(element, media_url, alt)
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
