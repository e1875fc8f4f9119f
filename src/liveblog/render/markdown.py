"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 with an allow-list."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# What a post's text may become. No raw HTML passes markdown-it (html=False), and nh3
# removes anything else: no script, style, iframe, SVG or MathML, no event attributes.
_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Headings and images are not part of a post's text: headlines and figures are elements.
_md.disable(["heading", "lheading", "image"])


def render_markdown(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def markdown_to_plain(text: str) -> str:
    """The words of a Markdown text without its markup, for labels and descriptions."""
    tokens = _md.parse(text)
    words: list[str] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            words.extend(
                child.content for child in token.children if child.type in ("text", "code_inline")
            )
            words.append(" ")
    return " ".join("".join(words).split())
