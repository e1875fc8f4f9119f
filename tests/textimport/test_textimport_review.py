"""Cases a review found against the rules added for unseen pages: each rule must keep to
its own case and leave ordinary pages as they were."""

from __future__ import annotations

import pytest

from liveblog.textimport import parse_text
from liveblog.textimport.cohesion import is_headline_shape
from tests.textimport.textimport_checks import assert_every_line_accounted


def _page(*blocks: str) -> str:
    return "Harbour news – live | Local\n\n" + "\n\n".join(blocks) + "\n"


@pytest.mark.parametrize(
    "headline",
    [
        "The death toll has risen to 40",
        "The airport has reopened",
        "A ceasefire has been agreed",
        "A second body has been found in the rubble",
        "An arrest warrant has been issued for the mayor",
    ],
)
def test_short_perfect_tense_headlines_stay_headlines(headline: str) -> None:
    text = _page(headline, "Officials confirmed the news this morning.", "Share")
    result = parse_text(text)
    assert [p["title"] for p in result.blog["posts"]] == [headline]
    assert_every_line_accounted(text, result)


def test_a_long_report_that_doubts_itself_opens_a_new_post() -> None:
    text = _page(
        "Dockers have walked out at the container terminal, a union official said.",
        "Russia's defence ministry said on Thursday it had shot down 40 drones overnight, "
        "a claim that could not be independently verified.",
    )
    posts = parse_text(text).blog["posts"]  # oldest first: the page is newest first
    assert len(posts) == 2
    verification = {p["elements"][0]["markdown"][:7]: p["verification"] for p in posts}
    assert verification == {"Dockers": None, "Russia'": "unverified"}


def test_a_sign_off_does_not_swallow_the_next_news() -> None:
    text = _page(
        "Dockers have walked out at the container terminal, a union official said.",
        "We will be back tomorrow.",
        "Police have closed the ring road after a lorry overturned near the docks.",
    )
    posts = parse_text(text).blog["posts"]
    assert [len(p["elements"]) for p in posts] == [1, 1, 1]


@pytest.mark.parametrize(
    ("line", "headline"),
    [("Wow!", False), ("He did it!", False), ("Vane wins by four votes!", True)],
)
def test_exclamations(line: str, headline: bool) -> None:
    assert is_headline_shape(line) is headline
