"""Time labels as pages in other languages print them: "23h48", "21 h 50", "10.34 uur",
"18:47 Uhr", "10:05 PM ET", Persian digits, "há 4 min", "vor 12 Min."; kept as printed,
read as the same clock or age."""

from __future__ import annotations

from datetime import date

import pytest

from liveblog.textimport.times import match_time_line, published_at, sort_key


@pytest.mark.parametrize(
    ("line", "minutes"),
    [
        ("23h48", 23 * 60 + 48),
        ("21 h 50", 21 * 60 + 50),
        ("10.34 uur", 10 * 60 + 34),
        ("18:47 Uhr", 18 * 60 + 47),
        ("10:05 PM ET", 22 * 60 + 5),
        ("۰۹:۴۰", 9 * 60 + 40),
        ("١٨:١٠", 18 * 60 + 10),
    ],
)
def test_clock_labels_in_other_forms(line: str, minutes: int) -> None:
    found = match_time_line(line)
    assert found is not None and found.kind == "clock" and found.label == line
    assert sort_key("clock", found.label) == minutes


def test_a_clock_in_persian_digits_dates_the_post() -> None:
    assert published_at("clock", "۰۹:۴۰", date(2026, 1, 20)) == "2026-01-20T09:40:00"


def test_an_inline_french_clock_keeps_its_text() -> None:
    found = match_time_line("19h15 : Les premiers résultats tombent")
    assert found is not None and (found.label, found.rest) == (
        "19h15",
        "Les premiers résultats tombent",
    )


@pytest.mark.parametrize(
    ("line", "key"),
    [("há 4 min", -4), ("há 2 horas", -120), ("vor 12 Min.", -12), ("vor 2 Std.", -120)],
)
def test_relative_labels_in_other_languages(line: str, key: float) -> None:
    found = match_time_line(line)
    assert found is not None and found.kind == "relative" and found.label == line
    assert sort_key("relative", line) == key


@pytest.mark.parametrize(
    "line", ["Il est 23h48 et la salle se vide.", "12h de grève", "10.34 euro per liter"]
)
def test_a_sentence_with_a_time_in_it_is_not_a_label(line: str) -> None:
    assert match_time_line(line) is None
