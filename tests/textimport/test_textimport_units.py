"""Focused checks of single heuristics: headlines, quotes, sources, furniture."""

from __future__ import annotations

from liveblog.textimport import parse_text
from liveblog.textimport.cohesion import is_headline
from liveblog.textimport.sources import find_sources, find_verification
from liveblog.textimport.times import match_time_line


def test_headline_needs_more_than_a_missing_full_stop() -> None:
    body = "The ferry left on time this morning."
    assert is_headline("Ferry services resume after the storm", body, True)
    # Nothing after it: a trailing unpunctuated line is not a headline.
    assert not is_headline("Ferry services resume after the storm", None, False)
    long_line = (
        "A veteran of the harbour board, Ms Amara is a former engineer and a close ally "
        "of the mayor and a member of the planning committee for the new docks"
    )
    assert not is_headline(long_line, "It is likely she will chair the next meeting.", True)
    assert not is_headline("Two sentences here. Not a headline", body, True)


def test_sources_are_what_the_post_names() -> None:
    text = (
        "Analysts at the Institute for the Study of War (ISW) shared maps with Reuters, while "
        "RIA-Novosti carried a denial. Yonhap news agency also ran the story."
    )
    assert find_sources(text) == ["ISW", "Reuters", "RIA-Novosti", "Yonhap"]
    assert find_sources("Russian news agencies said little.") == []
    assert (
        find_verification("Officials said the figures could not be independently verified.")
        == "unverified"
    )
    assert find_verification("The army denied the reports on Monday.") == "disputed"
    assert find_verification("Local media confirmed the arrival.") is None


def test_time_labels() -> None:
    assert match_time_line("12.05 BST") is not None
    assert match_time_line("2h ago") is not None
    label = match_time_line("69 min: A shot goes wide.")
    assert label is not None and label.label == "69 min" and label.rest == "A shot goes wide."
    assert match_time_line("12.50 euros is what the ticket costs.") is None


def test_text_kept_exactly_and_no_time_invented() -> None:
    page = (
        "Village fete - live | Local\n\n"
        "Teh tombola raised £40 for the ‘new’ roof.\n\n"
        "Share\n\n"
        "Updated at \n"
    )
    result = parse_text(page)
    post = result.blog["posts"][0]
    assert post["elements"] == [
        {"type": "text", "markdown": "Teh tombola raised £40 for the ‘new’ roof."}
    ]
    assert post["edited"] is True
    assert "published_at" not in post and "time_label" not in post
    assert any("no times" in note for note in result.notes)


def test_blockquote_without_opening_mark() -> None:
    page = (
        "Town hall meeting – live\n\n"
        "Budget debate opens\n\n"
        "The treasurer, Olu Banks, said the budget would be tight.\n\n"
        "We cannot spend money we do not have.”\n\n"
        "Councillors will vote on Thursday.\n\n"
        "Share\n"
    )
    elements = parse_text(page).blog["posts"][0]["elements"]
    assert elements[1] == {
        "type": "quote",
        "text": "We cannot spend money we do not have.",
        "attribution": "Olu Banks",
    }
    page_unsure = page.replace("The treasurer, Olu Banks, said", "Olu Banks and Kim Reyes said")
    quote = parse_text(page_unsure).blog["posts"][0]["elements"][1]
    assert quote["attribution"] is None


def test_other_script_inside_a_post_is_kept() -> None:
    page = (
        "Border crossing – live | World\n\n"
        "A sign at the checkpoint reads:\n\n"
        "Проезд закрыт\n\n"
        "Officials said it would reopen at noon.\n\n"
        "Share\n\n"
        "Наверх\n"
    )
    result = parse_text(page)
    assert [n for n, _, _ in result.discarded] == [9, 11]
    texts = [e.get("text") for e in result.blog["posts"][0]["elements"]]
    assert "Проезд закрыт" in texts


def test_an_address_that_cannot_be_read_is_kept_as_text() -> None:
    page = (
        "Village fete - live | Local\n\n"
        "Share\n\n"
        "Updated at 10.15am\n\n"
        "YouTube video: The tombola\n"
        "https://[x/a\n\n"
        "The roof fund is at £40.\n"
    )
    result = parse_text(page)
    elements = [e for post in result.blog["posts"] for e in post["elements"]]
    assert not any(e["type"] == "embed" for e in elements)
    assert any("https://[x/a" in e.get("markdown", "") for e in elements)
