"""Photo credits and summary headings as pages in other languages print them, on lines of
our own: a caption line becomes an image with its credit, and a sentence that merely ends
in brackets stays text."""

from __future__ import annotations

import pytest

from liveblog.textimport import parse_text

PAGE = """Riverside fair – live
14:02
Stalls open
The fair opened on the quay at two.
{caption}
Share
"""


@pytest.mark.parametrize(
    ("caption", "credit"),
    [
        ("Bauern am Stand. Foto: Anna Berg/dpa", "Anna Berg/dpa"),
        ("Les stands sur le quai. Photo : Paul Roy / AFP", "Paul Roy / AFP"),
        ("Gli stand sul molo. (Foto: ANSA/Luca Bruni)", "ANSA/Luca Bruni"),
        ("Le maire sur le quai. © Marc Petit / AFP", "Marc Petit / AFP"),
        ("Stalls on the quay at dusk. (AFP)", "AFP"),
        ("Stalls on the quay at dusk. © Reuters", "Reuters"),
        ("غرفه‌ها در کنار رودخانه. عکس: ایرنا", "ایرنا"),
        ("أكشاك على الرصيف. (أ ف ب)", "أ ف ب"),
    ],
)
def test_credit_forms(caption: str, credit: str) -> None:
    post = parse_text(PAGE.format(caption=caption)).blog["posts"][0]
    images = [e for e in post["elements"] if e["type"] == "image"]
    assert [e["credit"] for e in images] == [credit]
    assert credit not in [s for s in post["sources"]]  # a credit is not a source


@pytest.mark.parametrize(
    "line",
    [
        "The stalls stay open until nine (weather permitting)",
        "Entry is free for children (under 12)",
        "Tickets: €5 © the organisers would like us to say",
    ],
)
def test_a_sentence_ending_in_brackets_stays_text(line: str) -> None:
    post = parse_text(PAGE.format(caption=line)).blog["posts"][0]
    assert [e["type"] for e in post["elements"]] == ["text", "text"]


@pytest.mark.parametrize(
    "heading",
    [
        "Zusammenfassung",
        "L'essentiel",
        "Riepilogo",
        "Samenvatting",
        "Summary: what we know so far",
    ],
)
def test_summary_headings_in_other_languages(heading: str) -> None:
    page = PAGE.format(caption="- One\n- Two").replace("Stalls open", heading)
    post = parse_text(page).blog["posts"][0]
    assert post["summary"] is True
    other = parse_text(PAGE.format(caption="More stalls")).blog["posts"][0]
    assert other["summary"] is False
