"""The corpus scorer (liveblog.textimport.score): a parse that is exactly the expected
structure scores full marks, and each kind of mistake costs the figure it should."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from liveblog.textimport import parse_text
from liveblog.textimport.result import ParseResult, PostLayout
from liveblog.textimport.score import Score, score_page

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
PAGES = sorted(p.name[: -len(".expected.json")] for p in CORPUS.glob("*.expected.json"))


def _load(name: str) -> tuple[str, dict[str, Any]]:
    text = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    return text, json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))


def _as_parsed(text: str, exp: dict[str, Any]) -> ParseResult:
    """The ParseResult a perfect parser would give for the expected structure."""
    lines = text.split("\n")
    posts, layout = [], []
    for p in exp["posts"]:
        elements, where = [], []
        for el in p["elements"]:
            if el["type"] == "image":
                elements.append({"type": "image", "credit": el["credit"], "caption": ""})
                where.append([n for n in (el["alt_line"], el["caption_line"]) if n])
                continue
            a, b = el["lines"]
            span = [n for n in range(a, b + 1) if lines[n - 1].strip()]
            if el["type"] == "quote":
                elements.append({"type": "quote", "attribution": el["attribution"]})
                where.append(span)
            else:  # the parser makes one text element per paragraph
                for n in span:
                    elements.append({"type": "text", "markdown": lines[n - 1]})
                    where.append([n])
        posts.append(
            {
                "title": p["title"],
                "pinned": p["pinned"],
                "key_event": p["key_event"],
                "summary": p["summary"],
                "edited": p["edited"],
                "verification": p["verification"],
                "sources": list(p["sources"]),
                "elements": elements,
            }
        )
        title = [p["title_line"]] if p["title_line"] else []
        time = [p["time_line"]] if p["time_line"] and p["time_line"] not in title else []
        layout.append(PostLayout(title=title, time=time, elements=where))
    header = exp["header"]
    header_lines = [n for n in (header["title_line"], header.get("section_line")) if n]
    if header.get("standfirst_lines"):
        a, b = header["standfirst_lines"]
        header_lines += [n for n in range(a, b + 1) if lines[n - 1].strip()]
    return ParseResult(
        blog={"posts": posts},
        discarded=[(int(n), lines[int(n) - 1], r) for n, r in exp["discarded"].items()],
        post_lines=[lay.own_lines() for lay in layout],
        notes=[],
        header_lines=header_lines,
        layout=layout,
    )


@pytest.mark.parametrize("name", PAGES)
def test_the_expected_structure_scores_full_marks(name: str) -> None:
    text, exp = _load(name)
    figures = score_page(text, exp, _as_parsed(text, exp)).figures()
    assert {k: v for k, v in figures.items() if v is not None and v != 1.0} == {}


def test_merging_two_posts_costs_a_boundary_and_a_title() -> None:
    text, exp = _load("rail-strike-day-two")
    parsed = _as_parsed(text, exp)
    posts, layout = parsed.blog["posts"], parsed.layout
    merged = PostLayout(
        title=layout[0].title,
        time=layout[0].time + layout[1].time,
        elements=layout[0].elements + layout[1].elements,
    )
    first = dict(posts[0], elements=posts[0]["elements"] + posts[1]["elements"])
    bad = ParseResult(
        blog={"posts": [first, *posts[2:]]},
        discarded=parsed.discarded,
        post_lines=[],
        notes=[],
        header_lines=parsed.header_lines,
        layout=[merged, *layout[2:]],
    )
    figures = score_page(text, exp, bad).figures()
    n = len(exp["posts"])
    assert figures["boundary_precision"] == 1.0
    assert figures["boundary_recall"] == pytest.approx((n - 1) / n)
    assert figures["title_accuracy"] == pytest.approx((n - 1) / n)


def test_wrong_sources_credit_flag_and_discards_cost_their_figures() -> None:
    text, exp = _load("storm-ilse-red-warning")
    parsed = _as_parsed(text, exp)
    posts = copy.deepcopy(parsed.blog["posts"])
    with_source = next(p for p in posts if p["sources"])
    with_source["sources"] = [*with_source["sources"][1:], "Tass"]
    image = next(e for p in posts for e in p["elements"] if e["type"] == "image")
    image["credit"] = "Someone Else"
    pinned = next(p for p in posts if p["pinned"])
    pinned["pinned"] = False
    bad = ParseResult(
        blog={"posts": posts},
        discarded=parsed.discarded[1:],
        post_lines=[],
        notes=[],
        header_lines=parsed.header_lines,
        layout=parsed.layout,
    )
    figures = score_page(text, exp, bad).figures()
    assert figures["source_precision"] is not None and figures["source_precision"] < 1.0
    assert figures["source_recall"] is not None and figures["source_recall"] < 1.0
    assert figures["credit_accuracy"] is not None and figures["credit_accuracy"] < 1.0
    assert figures["pinned_recall"] == 0.0
    assert figures["discarded_precision"] == 1.0
    assert figures["discarded_recall"] is not None and figures["discarded_recall"] < 1.0
    assert figures["boundary_recall"] == 1.0 and figures["title_accuracy"] == 1.0


def test_scores_add_up_over_pages() -> None:
    total = Score()
    for name in PAGES[:3]:
        text, exp = _load(name)
        total = total + score_page(text, exp, parse_text(text))
    assert total.counts["boundary_exp"] == sum(len(_load(n)[1]["posts"]) for n in PAGES[:3])


# The corpus figures of this round (docs/performance.md), rounded down: a change to the
# importer may move a page, but the corpus as a whole must not read worse.
FLOOR = {
    "boundary_precision": 0.80,
    "boundary_recall": 0.92,
    "title_accuracy": 0.82,
    "element_precision": 0.64,
    "element_recall": 0.67,
    "line_role_accuracy": 0.87,
    "credit_accuracy": 0.97,
    "source_precision": 0.85,
    "source_recall": 0.97,
    "discarded_precision": 0.99,
    "discarded_recall": 0.80,
    "key_event_recall": 0.79,
    "pinned_recall": 0.75,
    "summary_recall": 0.58,
}


def test_the_corpus_reads_no_worse_than_recorded() -> None:
    total = Score()
    for name in PAGES:
        text, exp = _load(name)
        total = total + score_page(text, exp, parse_text(text))
    figures = total.figures()
    below = {
        k: round(figures[k] or 0.0, 3) for k, floor in FLOOR.items() if (figures[k] or 0) < floor
    }
    assert below == {}
