"""The project's own demo blog, flattened by render_text, parses back field by field.

Two things the demo records cannot come back from its text, by design:

* quote attributions ("Jonah Ellery, duty forecaster at ..."): render_text prints a
  quote as the page does, its words and a closing quote mark, and the paragraph before
  each quote names no speaker, so the importer records None rather than guess;
* verification "confirmed" on the pier post: the text says "The Harbour Authority has
  now confirmed that ...", an institution's statement; the importer marks only what a
  post says about its own claims ("not yet been able to check ...", "independently
  verified") and makes no judgement of its own, and render_text prints no label.

Everything else does come back: the standfirst, the pinned post once (in its place),
key events (render_text prints the key-events list), the summary, images with alt text
that differs from the caption, the embedded video, a correction, sources and the
unverified post.
"""

from __future__ import annotations

from typing import Any

import pytest

from liveblog.demo.run import demo_blog
from liveblog.textimport import ParseResult, parse_text, render_text
from tests.textimport.textimport_checks import assert_every_line_accounted

NOT_FROM_TEXT = {"confirmed"}  # verification values no text rule sets (see above)


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return demo_blog()


@pytest.fixture(scope="module")
def text(demo: dict[str, Any]) -> str:
    return render_text(demo)


@pytest.fixture(scope="module")
def result(text: str) -> ParseResult:
    return parse_text(text)


def test_every_line_accounted(text: str, result: ParseResult) -> None:
    assert_every_line_accounted(text, result)
    # Set aside: only the page furniture and the key-events list (its entries mark posts).
    reasons = {reason.split(" (")[0].split(";")[0] for _, _, reason in result.discarded}
    assert reasons == {
        "'Share' button",
        "'Updated at' without a time",
        "'Key events' heading",
        "key-events list entry",
    }


def test_blog_fields(demo: dict[str, Any], result: ParseResult) -> None:
    blog = result.blog
    for key in ("title", "section", "standfirst", "language", "status"):
        assert blog[key] == demo[key], key
    assert any("standfirst" in note for note in result.notes)


def test_posts_same_count_and_order(demo: dict[str, Any], result: ParseResult) -> None:
    ours, theirs = result.blog["posts"], demo["posts"]
    assert len(ours) == len(theirs) == 18
    assert [p["title"] for p in ours] == [p["title"] for p in theirs]
    assert [p["authors"] for p in ours] == [p["authors"] for p in theirs]
    assert sum(p["pinned"] for p in ours) == 1


def test_posts_field_by_field(demo: dict[str, Any], result: ParseResult) -> None:
    for number, (ours, theirs) in enumerate(zip(result.blog["posts"], demo["posts"], strict=True)):
        where = (number, theirs["title"])
        for key in ("title", "edited", "key_event", "pinned", "summary", "sources", "correction"):
            assert ours[key] == theirs[key], (*where, key)
        expected = None if theirs["verification"] in NOT_FROM_TEXT else theirs["verification"]
        assert ours["verification"] == expected, where
        assert [e["type"] for e in ours["elements"]] == [e["type"] for e in theirs["elements"]]
        for mine, ref in zip(ours["elements"], theirs["elements"], strict=True):
            if mine["type"] == "text":
                assert mine["markdown"] == ref["markdown"], where
            elif mine["type"] == "image":
                for key in ("caption", "credit", "alt", "file"):
                    assert mine[key] == ref[key], (*where, key)
            elif mine["type"] == "quote":
                assert mine["text"] == ref["text"], where
                assert mine["attribution"] is None  # the text names no speaker (see above)
            else:
                assert mine == ref, where


def test_the_known_gaps_are_exactly_these(demo: dict[str, Any]) -> None:
    """The exceptions above are the only ones the demo has, so none hides a regression."""
    posts = demo["posts"]
    assert [p["verification"] for p in posts if p["verification"] in NOT_FROM_TEXT] == ["confirmed"]
    quotes = [e for p in posts for e in p["elements"] if e["type"] == "quote"]
    assert len(quotes) == 4 and all(q["attribution"] for q in quotes)


def test_unverified_and_sources_read_from_the_text(result: ParseResult) -> None:
    posts = result.blog["posts"]
    unverified = [p for p in posts if p["verification"] == "unverified"]
    assert len(unverified) == 1
    assert "not yet been able to check" in unverified[0]["elements"][1]["markdown"]
    # "Kesterby Sports Hall" and "Brightwater Community School" are places, not sources.
    named = {s for p in posts for s in p["sources"]}
    assert "Kesterby Sports Hall" not in named
    assert "Brightwater Community School" not in named


def test_round_trip_is_stable(text: str, result: ParseResult) -> None:
    again = parse_text(text)
    assert again.blog == result.blog and again.report() == result.report()
    assert parse_text(render_text(result.blog)).blog == result.blog
