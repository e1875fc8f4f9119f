"""A video or a post elsewhere, shown as a card that loads nothing from the provider.

The card names the provider, the title (the editor's, or one made from the address) and
the address, as links. Readers with JavaScript also get a button that loads the provider's
frame (static/clicktoload.js), built from the card's ``data-embed-*`` attributes; until
then nothing is requested from the provider. Providers are in providers.py; an address no
provider recognises is kept, as a plain link card that never loads anything.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from markupsafe import Markup
from pydantic import AfterValidator, StringConstraints

from liveblog.elements.base import ElementData, ElementKind, ElementModel, FormField
from liveblog.elements.providers import Embed, recognise
from liveblog.strings import no_control

LINK_LABEL = "Link"
"""What the card calls an address of a site that is not a provider."""


WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"']+$")


def is_web_address(url: str) -> bool:
    """An http(s) address that can be read apart: a host, and brackets only around an IPv6
    address (``https://[x/a`` looks like an address but cannot be read)."""
    if len(url) > 2_000 or not WEB_ADDRESS.match(url):
        return False
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def _web_address(url: str) -> str:
    if not is_web_address(url):
        raise ValueError(
            "the address must be a web address with a host, such as https://example.org/page"
        )
    return url


class EmbedElement(ElementModel):
    type: Literal["embed"]
    url: Annotated[
        str,
        StringConstraints(pattern=WEB_ADDRESS.pattern, max_length=2_000),
        AfterValidator(_web_address),
    ]
    # Shown on the card instead of the default made from the address.
    title: (
        Annotated[
            str,
            StringConstraints(min_length=1, max_length=300, pattern=r"^[^\r\n]+$"),
            AfterValidator(no_control),
        ]
        | None
    ) = None


def _link_title(url: str) -> str:
    parts = urlsplit(url)
    text = (parts.hostname or "") + parts.path.rstrip("/")
    return text.removeprefix("www.") or url


def card_parts(url: str) -> tuple[str, str, Embed | None]:
    """The card's label ("YouTube video", or "Link"), its default title, and the embed."""
    embed = recognise(url)
    if embed is None:
        return LINK_LABEL, _link_title(url), None
    return embed.label, embed.default_title, embed


def _html(element: ElementData, _media_url: str) -> str:
    url = element["url"]
    label, default, embed = card_parts(url)
    title = element.get("title") or default
    link = Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>')
    if embed is None:
        attrs = Markup(' class="post-embed embed-card embed-link"')
    else:
        p = embed.provider
        attrs = Markup(
            ' class="post-embed embed-card embed-{}" data-embed-provider="{}"'
            ' data-embed-noun="{}" data-embed-frame="{}" data-embed-ratio="{}"'
            ' data-embed-sandbox="{}" data-embed-allow="{}" data-embed-referrer="{}"'
        ).format(p.key, p.name, p.noun, embed.frame, p.ratio, p.sandbox, p.allow, p.referrer)
    return str(
        Markup(
            "<figure{}><figcaption>"
            '<span class="embed-label">{}:</span> <span class="embed-title">{}</span>'
            '</figcaption><p class="embed-url">{}</p></figure>'
        ).format(attrs, label, link.format(url, title), link.format(url, url))
    )


def _page_lines(element: ElementData) -> list[str]:
    # As the card reads when the page is copied: "YouTube video: title", then the address.
    label, default, _ = card_parts(element["url"])
    return [f"{label}: {element.get('title') or default}\n{element['url']}"]


_CARD_LINE = re.compile(r"^(?P<label>[^:]{1,40}): (?P<title>.+)$")


def read_card_line(line: str, url: str) -> tuple[bool, str | None]:
    """Read back the card's first line, above its address on a copied page: whether it is
    this card's line, and the title the editor typed (None when it is the default)."""
    m = _CARD_LINE.match(line)
    label, default, _ = card_parts(url)
    if m is None or m["label"] != label:
        return False, None
    title = m["title"].strip()
    return True, (None if title == default else title[:300])


KIND = ElementKind(
    model=EmbedElement,
    label="Video or post",
    legend="Video or post elsewhere",
    form_fields=(FormField("url", required=True), FormField("title", blank_is_null=True)),
    form_template="editor/elements/embed.html",
    render_html=_html,
    page_lines=_page_lines,
    example={
        "type": "embed",
        "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        "title": "The harbour wall at high tide",
    },
)
