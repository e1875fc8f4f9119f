"""A post's card: the same HTML the reader page shows, rendered once for live events."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from jinja2 import Environment

from liveblog.render.templating import TEMPLATES, build_environment

CARD_TEMPLATE = "_post.html"
CARD_FORMAT = 3
"""Bump when what the card shows changes outside its template (the arguments below, or an
element's HTML: 3 is the click-to-load embed card of elements/embed.py)."""
CARD_STAMP = (
    f"{CARD_FORMAT}." + hashlib.sha256((TEMPLATES / CARD_TEMPLATE).read_bytes()).hexdigest()[:12]
)
"""Which card this code renders: an event whose card has another stamp is re-rendered."""


@dataclass(frozen=True, slots=True)
class CardPost:
    """What the card template reads of a post, taken from an event's fields, not a row."""

    public_id: str
    title: str | None
    label: str
    key_event: bool
    summary: bool
    version: int
    published_at: datetime | None
    updated_at: datetime | None
    authors: list[str]
    verification: str | None
    sources: list[str]
    correction: str | None
    body_html: str
    tags: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The template compares this with the pinned post's: see ``card_html``."""
        return self.public_id


@cache
def _card_templates() -> Environment:
    """The card's template, compiled once per process. Unlike a site's environment, no app
    adds globals to it: a card depends on the event's fields alone, so it is the same for
    every site (and a replay can re-render it without knowing which site reads it)."""
    return build_environment()


def card_html(post: CardPost, permalink: str, timezone: str, pinned: bool) -> str:
    macro = _card_templates().get_template(CARD_TEMPLATE).module.post_article  # type: ignore[attr-defined]
    blog = {"timezone": timezone}
    return str(macro(post, blog, post.id if pinned else None, permalink)).strip()
