"""render_text then parse_text gives back the blog, on generated small blogs."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from liveblog.textimport import parse_text, render_text
from liveblog.textimport.textutil import fold

# Plain lowercase vocabulary: sentence-like text with no names, agencies or
# verification phrases, so headline detection is tested fairly and sources stay empty.
# fmt: off
WORDS = [
    "h", "a", "r", "b", "o", "u", "r", "c", "o", "u", "n", "c", "i", "l", "r", "i", "v", "e", "r",
    "b", "r", "i", "d", "g", "e", "m", "a", "r", "k", "e", "t", "v", "o", "l", "u", "n", "t", "e",
    "e", "r", "s", "s", "t", "a", "t", "i", "o", "n", "t", "i", "d", "e", "c", "r", "o", "w", "d",
    "f", "e", "s", "t", "i", "v", "a", "l", "e", "n", "g", "i", "n", "e", "e", "r", "s", "s", "c",
    "h", "o", "o", "l", "l", "i", "b", "r", "a", "r", "y", "g", "a", "r", "d", "e", "n", "f", "e",
    "r", "r", "y", "r", "o", "a", "d", "v", "i", "l", "l", "a", "g", "e", "l", "a", "n", "t", "e",
    "r", "n", "s", "o", "r", "c", "h", "e", "s", "t", "r", "a", "m", "u", "s", "e", "u", "m", "f",
    "a", "r", "m", "e", "r", "s", "b", "a", "k", "e", "r", "y", "i", "s", "l", "a", "n", "d", "v",
    "a", "l", "l", "e", "y", "w", "o", "r", "k", "e", "r", "s", "s", "t", "u", "d", "e", "n", "t",
    "s", "v", "i", "s", "i", "t", "o", "r", "s", "l", "i", "g", "h", "t", "h", "o", "u", "s", "e",
    "s", "q", "u", "a", "r", "e", "o", "p", "e", "n", "e", "d", "c", "l", "o", "s", "e", "d", "r",
    "e", "a", "c", "h", "e", "d", "c", "r", "o", "s", "s", "e", "d", "v", "i", "s", "i", "t", "e",
    "d", "r", "e", "p", "a", "i", "r", "e", "d", "p", "a", "i", "n", "t", "e", "d", "w", "e", "l",
    "c", "o", "m", "e", "d", "c", "o", "u", "n", "t", "e", "d", "d", "e", "s", "c", "r", "i", "b",
    "e", "d", "m", "o", "v", "e", "d", "w", "a", "t", "c", "h", "e", "d", "q", "u", "i", "c", "k",
    "l", "y", "s", "l", "o", "w", "l", "y", "n", "e", "a", "r", "a", "c", "r", "o", "s", "s", "u",
    "n", "d", "e", "r", "b", "e", "s", "i", "d", "e", "a", "f", "t", "e", "r", "b", "e", "f", "o",
    "r", "e", "e", "v", "e", "r", "y", "s", "m", "a", "l", "l", "l", "a", "r", "g", "e", "e", "a",
    "r", "l", "y", "l", "a", "t", "e", "g", "r", "e", "e", "n", "q", "u", "i", "e", "t", "b", "u",
    "s", "y",
]
# fmt: on
NAMES = ["Ana Lima", "Tom Reid", "Mei Chen", "Kofi Mensah"]
CREDITS = ["Ana Lima/Coastal Press", "Getty Images", "Tom Reid/Harbour Pictures"]


def _phrase(low: int, high: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=low, max_size=high).map(
        lambda ws: " ".join([ws[0].capitalize(), *ws[1:]])
    )


sentence = _phrase(5, 12).map(lambda s: s + ".")
paragraph = st.lists(sentence, min_size=1, max_size=2).map(" ".join)
title = _phrase(3, 9)


@st.composite
def image(draw: st.DrawFn) -> dict[str, Any]:
    caption = draw(sentence)
    # What the importer yields: the alt line when the page shows one, else the caption.
    alt = draw(st.sampled_from([caption, caption.replace("e", "E", 1)]))
    return {
        "type": "image",
        "caption": caption,
        "credit": draw(st.sampled_from(CREDITS)),
        "alt": alt,
        "file": None,
    }


URLS = [f"https://example.org/video/{n}" for n in ("ferry", "quay", "tide", "pier?ref=live")]

element = st.one_of(
    paragraph.map(lambda p: {"type": "text", "markdown": p}),
    image(),
    st.sampled_from(URLS).map(lambda u: {"type": "embed", "url": u}),
    paragraph.map(lambda p: {"type": "quote", "text": p, "attribution": None}),
)


@st.composite
def post(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 5)) == 0:
        bullets = draw(st.lists(sentence, min_size=1, max_size=3))
        elements: list[dict[str, Any]] = [
            {"type": "text", "markdown": draw(paragraph)},
            {"type": "text", "markdown": "\n".join(f"- {b}" for b in bullets)},
        ]
        if draw(st.booleans()):
            elements.append(draw(image()))
            more = draw(st.lists(sentence, min_size=1, max_size=2))
            elements.append({"type": "text", "markdown": "\n".join(f"- {b}" for b in more)})
        heading: str | None = "Summary"
    else:
        heading = draw(st.one_of(st.none(), title))
        elements = draw(st.lists(element, min_size=1, max_size=4))
    return {
        "title": heading,
        "edited": draw(st.booleans()),
        "key_event": heading is not None and draw(st.booleans()),
        "pinned": False,
        "summary": heading == "Summary",
        "sources": [],
        "verification": None,
        "authors": draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True)),
        "correction": draw(st.one_of(st.none(), sentence)),
        "elements": elements,
    }


@st.composite
def blog(draw: st.DrawFn) -> dict[str, Any]:
    posts = draw(st.lists(post(), min_size=1, max_size=6))
    pin = draw(st.one_of(st.none(), st.integers(0, len(posts) - 1)))
    if pin is not None:
        posts[pin]["pinned"] = True
    return {
        "format": "liveblog-exchange/1",
        "title": draw(title),
        "section": draw(st.one_of(st.none(), st.sampled_from(["World", "UK news", "Sport"]))),
        "standfirst": None,
        "language": "en",
        "status": draw(st.sampled_from(["live", "ended"])),
        "posts": posts,
    }


def _texts(data: dict[str, Any]) -> list[str]:
    out = [data["title"]]
    for p in data["posts"]:
        if p["title"]:  # titles are unique, so at most one post is a summary
            out.append(p["title"])
        if p["correction"]:
            out.append(p["correction"])
        for e in p["elements"]:
            if e["type"] == "embed":
                out.append(e["url"])
                continue
            body = e.get("markdown") or e.get("text") or e.get("caption")
            out.extend(row.removeprefix("- ") for row in body.split("\n"))
    return [fold(t) for t in out]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blog())
def test_parse_render_round_trip(data: dict[str, Any]) -> None:
    texts = _texts(data)
    # Repeated paragraphs would look like a pinned copy; the generator keeps them apart.
    assume(len(texts) == len(set(texts)))
    assert parse_text(render_text(data)).blog == data
