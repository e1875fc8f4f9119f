"""A post's body HTML, rendered once when the post is written, and its plain label."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from liveblog.render.markdown import markdown_to_plain, render_markdown

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s")
LABEL_LIMIT = 160


def render_body(elements: list[dict[str, Any]], media_url: str = "/media/") -> str:
    parts = [_ELEMENT_RENDERERS[element["type"]](element, media_url) for element in elements]
    return "\n".join(parts)


def post_label(title: str | None, elements: list[dict[str, Any]]) -> str:
    """The headline, or else the first sentence of the first text: what a key-events list shows."""
    if title:
        return title
    for element in elements:
        if element["type"] == "text":
            plain = markdown_to_plain(element["markdown"])
            if plain:
                first = _SENTENCE_END.split(plain, maxsplit=1)[0].strip()
                return (
                    first if len(first) <= LABEL_LIMIT else first[: LABEL_LIMIT - 1].rstrip() + "…"
                )
    return ""


def post_text(elements: list[dict[str, Any]]) -> str:
    """The post as plain text, for JSON-LD, feeds and descriptions."""
    parts: list[str] = []
    for element in elements:
        kind = element["type"]
        if kind == "text":
            parts.append(markdown_to_plain(element["markdown"]))
        elif kind == "quote":
            parts.append(f"“{element['text']}”")
        elif kind == "image" and element.get("caption"):
            parts.append(element["caption"])
    return "\n\n".join(part for part in parts if part)


def _text(element: dict[str, Any], _media_url: str) -> str:
    return render_markdown(element["markdown"])


def _image(element: dict[str, Any], media_url: str) -> str:
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


def _quote(element: dict[str, Any], _media_url: str) -> str:
    text = escape(element["text"])
    attribution = element.get("attribution")
    cite = Markup("<footer>— <cite>{}</cite></footer>").format(attribution) if attribution else ""
    return str(Markup('<blockquote class="post-quote"><p>{}</p>{}</blockquote>').format(text, cite))


def _embed(element: dict[str, Any], _media_url: str) -> str:
    url = element["url"]
    host = urlsplit(url).hostname or url
    return str(
        Markup(
            '<p class="post-embed"><a href="{}" rel="noopener noreferrer nofollow">'
            '<span class="post-embed-host">{}</span> <span class="post-embed-url">{}</span></a></p>'
        ).format(url, host, url)
    )


_ELEMENT_RENDERERS = {"text": _text, "image": _image, "quote": _quote, "embed": _embed}
