"""Two synthetic pages flattened in the seed page's style (invented content): no post
times, Share lines on only some posts, headlines and unheaded posts, a pinned copy at
the top, alt text above "Photograph:" captions, quotes that keep only their closing
mark, and footer lines in another script. Line accounting and the render round trip
for these files are checked in test_textimport_fixtures.py with the other fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveblog.textimport import ParseResult, parse_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"


def _parse(name: str) -> tuple[list[str], ParseResult]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text.split("\n"), parse_text(text)


def _texts(post: dict[str, Any]) -> list[str]:
    return [e.get("markdown") or e.get("text") or e.get("caption") for e in post["elements"]]


def test_marathon() -> None:
    lines, result = _parse("marathon_seed_style.txt")
    blog = result.blog
    assert blog["title"] == (
        "Brackwater City Marathon: Amina Dorr breaks course record on a hot morning"
    )
    assert blog["section"] == "Athletics" and blog["standfirst"] is None
    posts = blog["posts"]
    # Oldest first: the page's last post is the welcome.
    assert [p["title"] for p in posts] == [
        None,
        None,
        "Joel Karanja wins the men’s race in a sprint finish",
        "Summary",
        "Dorr wins women’s race in a course record",
        None,
        "Medical teams extend water stations as temperatures climb",
        None,
    ]
    assert [p["title"] for p in posts if p["pinned"]] == [
        "Dorr wins women’s race in a course record"
    ]
    assert [p["edited"] for p in posts] == [False] * 7 + [True]
    assert not any(p["key_event"] for p in posts)  # the page kept no key-events list
    assert result.post_lines[0] == [79, 81]
    assert result.post_lines[7] == [19, 21]
    # The pinned copy at the top is merged into the stream copy, which lacks the alt line.
    assert result.post_lines[4][:3] == [6, 8, 10]
    pinned = posts[4]
    assert [e["type"] for e in pinned["elements"]] == ["text", "text", "image", "text"]
    image = pinned["elements"][2]
    assert image["caption"] == (
        "Amina Dorr crosses the finish line on Castle Parade, the city’s oldest street."
    )
    assert image["alt"] == (
        "Amina Dorr crosses the finish line on Castle Parade, the city's oldest street."
    )
    assert image["credit"] == "Pell Ansari/Riverside Sport"
    summary = posts[3]
    assert summary["summary"]
    assert [e["type"] for e in summary["elements"]] == ["text", "text", "image", "text"]
    assert summary["elements"][1]["markdown"].count("\n- ") == 1
    assert summary["elements"][2]["credit"] == "Mira Solberg/Riverside Sport"
    quotes = [
        (e["text"][:21], e["attribution"])
        for p in posts
        for e in p["elements"]
        if e["type"] == "quote"
    ]
    assert quotes == [
        ("Both men looked spent", "Ines Kallström"),
        ("We looked at the fore", "Tomasz Wrenfield"),
    ]
    assert posts[1]["elements"][1]["text"].endswith("either of them had.")
    assert posts[2]["sources"] == ["Reuters"]
    assert [p["verification"] for p in posts].count("unverified") == 1
    assert posts[6]["verification"] == "unverified"
    assert {n: lines[n - 1].strip() for n, _, _ in result.discarded} == {
        1: "7",
        17: "Key events",
        23: "Share",
        25: "Updated at",
        65: "Share",
        83: "Share",
        85: "Σχετικές αναρτήσεις",
        87: "Επιστροφή στην κορυφή",
    }


def test_budget() -> None:
    lines, result = _parse("budget_seed_style.txt")
    blog = result.blog
    assert blog["title"] == (
        "Norland budget 2032: finance minister Ruth Amsel raises fuel duty "
        "and freezes income tax bands"
    )
    assert blog["section"] == "Politics"
    # A paragraph alone between the title and the pinned copy is the standfirst.
    assert blog["standfirst"] == lines[4]
    assert 5 in result.header_lines
    posts = blog["posts"]
    assert [p["title"] for p in posts] == [
        None,
        None,
        None,
        "Amsel confirms fuel duty rise",
        "Key points",
        None,
        "Opposition leader calls budget a tax rise by stealth",
    ]
    assert [p["authors"] for p in posts] == [
        [],
        [],
        [],
        ["Oskar Lind"],
        ["Tilde Marrow"],
        [],
        ["Tilde Marrow"],
    ]
    # The key-events list survived here: its entries flag the two headed posts.
    assert [p["key_event"] for p in posts] == [False, False, False, True, False, False, True]
    key_points = posts[4]
    assert key_points["pinned"] and key_points["summary"]
    assert [e["type"] for e in key_points["elements"]] == ["text", "text", "image", "text"]
    assert key_points["elements"][1]["markdown"].split("\n") == [
        "- Fuel duty rises by 4 cents a litre from midnight.",
        "- Income tax bands are frozen for three more years.",
        "- Spending on the rail network rises by 2.1bn crowns.",
    ]
    assert key_points["elements"][2]["alt"] == key_points["elements"][2]["caption"]
    # The council post: "the council’s chair" refers back, so the AFP line stays in it.
    council = posts[5]
    assert council["edited"] and sum(p["edited"] for p in posts) == 1
    assert council["sources"] == ["Norland Fiscal Council", "AFP"]
    assert len(council["elements"]) == 2
    assert posts[1]["sources"] == ["Reuters"]
    assert posts[3]["verification"] == "unverified"
    assert [p["verification"] for p in posts].count("unverified") == 1
    amsel_image = posts[3]["elements"][2]
    assert amsel_image["alt"] is not None and amsel_image["credit"] == "Ana Duvall/Capital Images"
    opposition = posts[6]
    assert opposition["elements"][1] == {
        "type": "quote",
        "text": "This is a tax rise by stealth, and every family that gets a pay rise "
        "next year will pay for it.",
        "attribution": "Kasimir Vohl",
    }
    assert _texts(posts[0]) == [lines[86]]
    assert {n: lines[n - 1].strip() for n, _, _ in result.discarded} == {
        1: "23",
        24: "Key events",
        26: "Opposition leader calls budget a tax rise by stealth",
        28: "Amsel confirms fuel duty rise",
        40: "Share",
        46: "Updated at",
        77: "Share",
        81: "Share",
        85: "Share",
        89: "Share",
        91: "مقالات ذات صلة",
        93: "العودة إلى الأعلى",
    }
