"""The blog's title and section on pages whose navigation runs long, or whose "live"
marker is in another language: our own pages, a line each."""

from __future__ import annotations

import pytest

from liveblog.textimport import parse_text

BODY = "\n14:02\nStalls open\nThe fair opened on the quay at two.\nShare\n"


@pytest.mark.parametrize(
    "title",
    [
        "Fiesta del río: los puestos abren en el muelle – en directo",
        "Feira do rio: barracas abrem no cais – AO VIVO",
        "Fête du fleuve : les stands ouvrent sur le quai – suivez notre direct",
        "Flussfest: Stände öffnen am Kai – der Liveblog",
        "جشنواره رود؛ غرفه‌ها باز شد – پوشش زنده",
        "Riverside fair: stalls open on the quay – as it happened",
    ],
)
def test_the_title_is_the_line_with_a_live_marker_below_long_navigation(title: str) -> None:
    nav = "Home\nNews\nCity\nCulture\nSport\nWeather\nTravel\nArts\n"
    result = parse_text(nav + title + BODY)
    assert result.blog["title"] == title
    assert result.header_lines == [8, 9]  # the section above it, and the title
    assert result.blog["section"] == "Arts"
    assert [n for n, _, _ in result.discarded][:7] == [1, 2, 3, 4, 5, 6, 7]
    assert len(result.blog["posts"]) == 1


def test_a_breadcrumb_above_the_title_gives_its_last_crumb() -> None:
    result = parse_text("Home › World › Europe\nRiverside fair – live" + BODY)
    assert result.blog["section"] == "Europe" and result.header_lines == [1, 2]


def test_a_sentence_above_the_title_is_not_a_section() -> None:
    result = parse_text("Read our coverage of the fair below.\nRiverside fair – live" + BODY)
    assert result.blog["section"] is None and result.header_lines == [2]


@pytest.mark.parametrize(
    ("heading", "entry"),
    [
        ("Key events", "2.10pm Stalls open"),
        ("Wichtige Ereignisse", "vor 12 Min. Stalls open"),
        ("Punti chiave", "Stalls open"),
    ],
)
def test_a_key_events_entry_with_its_time_flags_its_post(heading: str, entry: str) -> None:
    page = (
        f"Riverside fair – live\n{heading}\n{entry}\n"
        + BODY
        + ("13:40\nGates shut\nThe gates shut for an hour at noon.\nShare\n")
    )
    posts = parse_text(page).blog["posts"]
    assert {p["title"]: p["key_event"] for p in posts} == {
        "Stalls open": True,
        "Gates shut": False,
    }


@pytest.mark.parametrize(
    ("label", "flag"),
    [
        ("Pinned", "pinned"),
        ("Angepinnt", "pinned"),
        ("Key event", "key_event"),
        ("Événement clé", "key_event"),
    ],
)
def test_a_label_above_a_post_flags_it(label: str, flag: str) -> None:
    page = (
        "Riverside fair – live\n"
        + BODY.replace("14:02", f"{label}\n14:02")
        + ("13:40\nGates shut\nThe gates shut for an hour at noon.\nShare\n")
    )
    result = parse_text(page)
    posts = result.blog["posts"]
    assert {p["title"]: p[flag] for p in posts} == {"Stalls open": True, "Gates shut": False}
    assert 3 in [n for n, _, _ in result.discarded]  # the label itself is set aside
