"""parse_text on the synthetic flattened pages in tests/fixtures/text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liveblog.textimport import parse_text, render_text
from tests.textimport.textimport_checks import assert_every_line_accounted

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"
ALL = sorted(p.name for p in FIXTURES.glob("*.txt"))


def _parse(name: str) -> tuple[str, Any]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text, parse_text(text)


@pytest.mark.parametrize("name", ALL)
def test_every_line_accounted(name: str) -> None:
    text, result = _parse(name)
    assert_every_line_accounted(text, result)


@pytest.mark.parametrize("name", ALL)
def test_deterministic_and_round_trips(name: str) -> None:
    text, result = _parse(name)
    again = parse_text(text)
    assert again.blog == result.blog and again.report() == result.report()
    assert parse_text(render_text(result.blog)).blog == result.blog


def test_clock_times_with_page_date() -> None:
    _, result = _parse("times_bst_newest_first.txt")
    blog = result.blog
    assert blog["title"] == "Harbour festival: tall ships arrive in Port Elwin as crowds gather"
    assert blog["section"] == "UK news"
    posts = blog["posts"]
    assert [p["time_label"] for p in posts] == [
        "10.30 BST",
        "11.10 BST",
        "11.40 BST",
        "12.05 BST",
        "12.30 BST",
    ]
    assert posts[0]["published_at"] == "2025-06-14T10:30:00+01:00"
    pinned = [p for p in posts if p["pinned"]]
    assert len(pinned) == 1 and pinned[0]["edited"] and pinned[0]["key_event"]
    assert pinned[0]["authors"] == ["Mara Quill"]
    summary = posts[1]
    assert summary["summary"] and summary["key_event"]
    assert [e["type"] for e in summary["elements"]] == ["text", "text", "image", "text"]
    quote_post = posts[2]
    quote = quote_post["elements"][1]
    assert quote == {
        "type": "quote",
        "text": "We have never had this many people on the waterfront before. "
        "Please use the park-and-ride if you are still on your way.",
        "attribution": "Ellen Brook",
    }
    image = quote_post["elements"][2]
    # The alt line uses a straight apostrophe, the caption a curly one: still one image.
    assert (
        image["alt"]
        == "The Gull's Wing, a restored schooner, leads the procession past the lighthouse."
    )
    assert image["caption"].startswith("The Gull’s Wing")
    assert image["credit"] == "Ada Finch/Coastal Press"
    assert posts[0]["sources"] == ["Reuters"]
    assert posts[4]["verification"] == "unverified"
    reasons = {number: reason for number, _, reason in result.discarded}
    assert "another script" in reasons[81]
    assert "key-events list entry" in reasons[17]


def test_clock_times_oldest_first_without_date() -> None:
    _, result = _parse("clock_oldest_first.txt")
    blog = result.blog
    assert blog["title"].startswith("Council election live:")
    posts = blog["posts"]
    assert [p["time_label"] for p in posts] == ["09:05", "09:48", "10:30", "11:15"]
    assert all("published_at" not in p for p in posts)
    assert any("no date" in note for note in result.notes)
    assert posts[0]["authors"] == ["Priya Nand"]
    assert posts[2]["authors"] == ["Priya Nand", "Sam Otieno"]
    assert posts[2]["edited"] and posts[2]["verification"] == "disputed"
    assert posts[2]["elements"][2] == {
        "type": "quote",
        "text": "This result belongs to every volunteer who knocked on a door in the rain.",
        "attribution": "Ruth Osei",
    }
    assert posts[1]["title"] is None


def test_relative_times() -> None:
    _, result = _parse("relative_ago.txt")
    posts = result.blog["posts"]
    assert [p["time_label"] for p in posts] == ["3h ago", "1h ago", "20m ago", "Just now"]
    assert all("published_at" not in p for p in posts)
    assert posts[1]["title"] is None
    assert result.blog["title"] == "Storm Brannoch: rail lines closed and thousands without power"


def test_sports_minutes() -> None:
    _, result = _parse("sports_minutes.txt")
    posts = result.blog["posts"]
    assert [p["time_label"] for p in posts] == [
        "12 min",
        "31 min",
        "52 min",
        "77 min",
        "90+2 min",
        "FT",
    ]
    assert posts[0]["elements"][0]["markdown"].startswith("GOAL! Rovers 0-1")
    assert len(posts[4]["elements"]) == 2
    assert posts[3]["elements"][2]["attribution"] == "Ines Calloway"
    assert posts[1]["elements"][1]["type"] == "image"


def test_posted_at_lines() -> None:
    _, result = _parse("posted_at.txt")
    posts = result.blog["posts"]
    assert [p["time_label"] for p in posts] == [
        "Posted at 08:10",
        "Posted at 08:45",
        "Posted at 09:20",
    ]
    assert posts[2]["authors"] == ["Hamish Grey"]
    assert posts[1]["sources"] == ["BBC"]
    assert {n for n, _, _ in result.discarded} == {1, 23, 25}
