"""A post's body HTML, rendered once when the post is written, and its plain label."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from liveblog import elements
from liveblog.render.markdown import markdown_to_plain

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s")
LABEL_LIMIT = 160


def render_body(
    post_elements: list[dict[str, Any]],
    media_url: str = "/media/",
    media: Mapping[str, dict[str, Any]] | None = None,
) -> str:
    """Each element rendered by its kind (liveblog.elements). ``media`` describes the stored
    files the elements show (size, widths made): an element showing one gets it as
    ``_media``, for ``srcset``, ``width`` and ``height``."""
    known = media or {}
    return "\n".join(
        elements.KINDS[element["type"]].render_html(
            element | {"_media": known[element["file"]]}
            if element.get("file") in known
            else element,
            media_url,
        )
        for element in post_elements
    )


def post_label(title: str | None, post_elements: list[dict[str, Any]]) -> str:
    """The headline, or else the first sentence of the first text: what a key-events list shows."""
    if title:
        return title
    for element in post_elements:
        if element["type"] == "text":
            plain = markdown_to_plain(element["markdown"])
            if plain:
                first = _SENTENCE_END.split(plain, maxsplit=1)[0].strip()
                return (
                    first if len(first) <= LABEL_LIMIT else first[: LABEL_LIMIT - 1].rstrip() + "…"
                )
    return ""


def post_text(post_elements: list[dict[str, Any]]) -> str:
    """The post as plain text, for JSON-LD, feeds and descriptions."""
    parts = [elements.KINDS[element["type"]].plain_text(element) for element in post_elements]
    return "\n\n".join(part for part in parts if part)
