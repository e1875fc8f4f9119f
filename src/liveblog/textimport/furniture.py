"""Page furniture: buttons, counters and footer lines that a "select all, copy"
drags along. Each is reported with a reason; none is dropped silently."""

from __future__ import annotations

import re
from typing import Literal

from .textutil import script_of

FurnitureKind = Literal["share", "updated", "keyevents", "other"]

_SHARE = re.compile(r"^share(?: this (?:post|update|article))?(?: on \w+)?$", re.IGNORECASE)
_UPDATED = re.compile(r"^updated(?: at| on)?\b(?P<rest>.*)$", re.IGNORECASE)
_KEY_EVENTS = re.compile(r"^(?:key events|show key events only|key events only)$", re.IGNORECASE)
_LONE_NUMBER = re.compile(r"^[\d.,]+[kKmM]?$")
# An embed card's button and its note (static/clicktoload.js), when the page had scripts.
_LOAD_EMBED = re.compile(
    r"^load the (?:video|post|audio) from [\w .-]{1,40}?"
    r"(?:\s*loading it connects you to .{1,200})?$",
    re.IGNORECASE,
)

# Whole-line navigation and footer labels. They are matched on the entire line,
# so a sentence that merely mentions one of these words is never discarded.
_NAVIGATION = {
    "back to top": "'back to top' link",
    "related posts": "'related posts' footer",
    "related articles": "'related posts' footer",
    "related stories": "'related posts' footer",
    "more on this story": "'related posts' footer",
    "most viewed": "'most viewed' footer",
    "reuse this content": "'reuse this content' link",
    "topics": "topics footer heading",
    "comments": "comments link",
    "advertisement": "advertisement label",
    "skip past newsletter promotion": "newsletter promotion",
    "after newsletter promotion": "newsletter promotion",
    "show more": "'show more' button",
    "load more": "'show more' button",
    "previous": "pagination link",
    "next": "pagination link",
    "newest": "pagination link",
    "oldest": "pagination link",
    "live feed": "'live feed' label",
    "follow": "'follow' button",
    "nach oben": "'back to top' link",
    "zurück nach oben": "'back to top' link",
    "retour en haut": "'back to top' link",
    "haut de page": "'back to top' link",
    "volver arriba": "'back to top' link",
    "torna su": "'back to top' link",
    "ähnliche beiträge": "'related posts' footer",
    "articles similaires": "'related posts' footer",
    "artículos relacionados": "'related posts' footer",
    "articoli correlati": "'related posts' footer",
    "наверх": "'back to top' link",
    "похожие записи": "'related posts' footer",
    "похожие статьи": "'related posts' footer",
}
_COMMENT_COUNT = re.compile(r"^(?:comments|view comments)\s*\(?\d+\)?$", re.IGNORECASE)


def classify_furniture(text: str) -> tuple[FurnitureKind, str] | None:
    """Kind and reason when a stripped line is furniture wherever it appears."""
    if _SHARE.match(text):
        return "share", "'Share' button (ends a post)"
    m = _UPDATED.match(text)
    if m and len(text) <= 40:
        rest = m["rest"].strip()
        if rest:
            return "updated", f"'Updated at' stamp ({rest}); the post before it is marked edited"
        return "updated", "'Updated at' without a time; the post before it is marked edited"
    if _KEY_EVENTS.match(text):
        return "keyevents", "'Key events' heading"
    if _LONE_NUMBER.match(text):
        return "other", "lone number (a counter on the page)"
    key = text.casefold().rstrip(":").strip()
    if key in _NAVIGATION:
        return "other", _NAVIGATION[key]
    if _COMMENT_COUNT.match(text):
        return "other", "comments link"
    if _LOAD_EMBED.match(text):
        return "other", "an embedded video's or post's 'Load' button"
    return None


def page_script(texts: list[str]) -> str:
    """The writing system most of the page's letters are in."""
    counts: dict[str, int] = {}
    for text in texts:
        script = script_of(text)
        if script:
            counts[script] = counts.get(script, 0) + len(text)
    if not counts:
        return "LATIN"
    return max(sorted(counts), key=lambda k: counts[k])


def footer_lines(stripped: list[str], script: str) -> dict[int, str]:
    """Trailing lines (0-based index -> reason) that belong to the page footer.

    Only the tail is examined: a line in another script inside a post may be a
    quotation in the original language and must stay with its post.
    """
    found: dict[int, str] = {}
    for index in range(len(stripped) - 1, -1, -1):
        text = stripped[index]
        if not text:
            continue
        other = script_of(text)
        if other is not None and other != script and len(text.split()) <= 12:
            found[index] = f"footer line in another script ({other.title()})"
            continue
        furniture = classify_furniture(text)
        if furniture is not None and furniture[0] == "other":
            found[index] = furniture[1]
            continue
        break
    return found
