"""The three-way merge of a post (liveblog/merge.py), without storage or web."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveblog import merge as m


def text(*paras: str) -> dict[str, Any]:
    return {"type": "text", "markdown": "\n\n".join(paras)}


PHOTO = {"type": "image", "caption": "The quay", "credit": "Ana", "alt": None, "file": None}
BASE: dict[str, Any] = {
    "title": "Fire at the stadium",
    "elements": [text("Smoke rises.", "Crowds leave."), PHOTO],
    "key_event": False,
    "summary": False,
    "pinned": False,
    "sources": ["Police"],
    "verification": None,
    "authors": ["Ana Ruiz"],
    "correction": None,
    "tags": [],
}


def test_the_fields_come_from_the_post_schema() -> None:
    kinds = {f.name: f.kind for f in m.FIELDS}
    assert kinds == {
        "title": "line",
        "elements": "elements",
        "key_event": "flag",
        "summary": "flag",
        "sources": "names",
        "verification": "choice",
        "authors": "names",
        "correction": "text",
        "tags": "names",
        "pinned": "flag",
    }


def test_one_sided_changes_are_taken_and_said() -> None:
    theirs = BASE | {"title": "Fire spreads", "key_event": True}
    yours = BASE | {"sources": ["Police", "Fire service"], "correction": "Fixed a name."}
    merge = m.merge_post(BASE, theirs, yours)
    assert merge.clean
    assert merge.resolve({}) == BASE | {
        "title": "Fire spreads",
        "key_event": True,
        "sources": ["Police", "Fire service"],
        "correction": "Fixed a name.",
    }
    taken = {t.field.name: t.side for t in merge.taken}
    assert taken == {
        "title": "theirs",
        "key_event": "theirs",
        "sources": "yours",
        "correction": "yours",
    }


def test_paragraphs_changed_in_different_places_merge_by_themselves() -> None:
    theirs = BASE | {"elements": [text("Smoke rises from the roof.", "Crowds leave."), PHOTO]}
    yours = BASE | {
        "elements": [text("Smoke rises.", "Crowds leave calmly.", "Trains are full."), PHOTO]
    }
    merge = m.merge_post(BASE, theirs, yours)
    assert merge.clean
    assert merge.fields["elements"] == [
        text("Smoke rises from the roof.", "Crowds leave calmly.", "Trains are full."),
        PHOTO,
    ]
    [taken] = merge.taken
    assert (
        taken.side == "both" and taken.detail == "merged paragraph by paragraph: theirs and yours"
    )


def test_one_paragraph_changed_by_both_is_a_conflict_with_a_word_merge_suggested() -> None:
    theirs = BASE | {"elements": [text("Thick smoke rises.", "Crowds leave."), PHOTO]}
    yours = BASE | {"elements": [text("Smoke rises fast.", "Crowds leave."), PHOTO]}
    merge = m.merge_post(BASE, theirs, yours)
    [conflict] = merge.conflicts
    assert conflict.id == "elements-1" and conflict.editable and conflict.default == "merged"
    assert conflict.base == ["Smoke rises."]
    assert conflict.theirs == ["Thick smoke rises."] and conflict.yours == ["Smoke rises fast."]
    assert conflict.suggestion == ["Thick smoke rises fast."]
    expected_rest = [PHOTO]
    for answer, first in [
        ("theirs", "Thick smoke rises."),
        ("yours", "Smoke rises fast."),
        ("merged", "Edited by hand."),
    ]:
        out = m.merge_post(BASE, theirs, yours).resolve({"elements-1": (answer, "Edited by hand.")})
        assert out["elements"] == [text(first, "Crowds leave."), *expected_rest]
    both = merge.resolve({"elements-1": ("both", "")})
    assert both["elements"][0] == text("Thick smoke rises.", "Smoke rises fast.", "Crowds leave.")


def test_a_photo_changed_by_both_is_a_unit_to_take_from_one_side() -> None:
    theirs = BASE | {"elements": [BASE["elements"][0], PHOTO | {"caption": "The harbour"}]}
    yours = BASE | {"elements": [BASE["elements"][0], PHOTO | {"credit": "Ben"}]}
    merge = m.merge_post(BASE, theirs, yours)
    [conflict] = merge.conflicts
    assert not conflict.editable and conflict.default == "yours"
    assert merge.resolve({"elements-1": ("theirs", "")})["elements"][1]["caption"] == "The harbour"
    assert merge.resolve({"elements-1": ("yours", "")})["elements"][1]["credit"] == "Ben"
    with pytest.raises(ValueError, match="not an answer"):
        merge.resolve({"elements-1": ("merged", "typed")})
    with pytest.raises(ValueError, match="Text and elements"):
        merge.resolve({})


def test_headline_and_names_conflicts_suggest_a_merge() -> None:
    theirs = BASE | {"title": "Huge fire at the stadium", "sources": ["Police", "AFP"]}
    yours = BASE | {"title": "Fire at the old stadium", "sources": ["Reuters"]}
    merge = m.merge_post(BASE, theirs, yours)
    by_id = {c.id: c for c in merge.conflicts}
    assert by_id["title"].suggestion == "Huge fire at the old stadium"
    assert by_id["sources"].suggestion == ["AFP", "Reuters"]
    out = merge.resolve({"title": ("merged", "  Typed  "), "sources": ("merged", "A, B\nC")})
    assert out["title"] == "Typed" and out["sources"] == ["A", "B", "C"]
    out = merge.resolve({"title": ("merged", ""), "sources": ("both", "")})
    assert out["title"] is None and out["sources"] == ["AFP", "Reuters"]


def test_a_choice_changed_by_both_takes_a_side() -> None:
    theirs = BASE | {"verification": "confirmed"}
    yours = BASE | {"verification": "disputed"}
    [conflict] = m.merge_post(BASE, theirs, yours).conflicts
    assert not conflict.editable and conflict.default == "yours"


def test_flags_never_conflict() -> None:
    merge = m.merge_post(BASE, BASE | {"summary": True}, BASE | {"summary": True})
    assert merge.clean and merge.fields["summary"] is True
    assert [(t.field.name, t.side) for t in merge.taken] == [("summary", "both")]


def test_a_field_yours_does_not_send_is_left_to_theirs() -> None:
    yours = {k: v for k, v in BASE.items() if k != "pinned"}
    merge = m.merge_post(BASE, BASE | {"pinned": True}, yours)
    assert "pinned" not in merge.resolve({})


def test_changed_fields_name_what_differs() -> None:
    after = BASE | {"title": "New", "sources": []}
    assert m.changed_fields(BASE, after) == ["title", "sources"]


def test_diff3_chunks_keep_every_item() -> None:
    chunks = m.diff3("abcde", "abXde", "aYcde")
    assert "".join(x for c in chunks for x in c.base) == "abcde"
    assert m.merge_sequences("abcdef", "abXdef", "abcdYf") == list("abXdYf")
    assert m.merge_sequences("abcde", "abXde", "aYcde") is None  # next to each other
    assert m.merge_sequences("abc", "aXc", "aYc") is None
    assert m.merge_sequences("", "X", "Y") is None
    assert m.merge_sequences("", "X", "X") == ["X"]


def test_paragraphs_split_on_blank_lines() -> None:
    assert m.paragraphs("One\nstill one\n\n  \nTwo\n\n\n- a\n- b\n") == [
        "One\nstill one",
        "Two",
        "- a\n- b",
    ]
    assert m.elements_of(["a", "b", PHOTO, "c"]) == [text("a", "b"), PHOTO, text("c")]
    long = "x" * 15_000
    assert m.elements_of([long, long]) == [text(long), text(long)]  # each within the limit


# --- properties ---------------------------------------------------------------------------

words = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).map(str.strip).filter(bool)
para = words.map(lambda w: w.capitalize() + ".")
element = st.one_of(
    st.lists(para, min_size=1, max_size=3).map(lambda ps: text(*ps)),
    st.builds(lambda c: {"type": "quote", "text": c, "attribution": None}, words),
)
post = st.fixed_dictionaries(
    {
        "title": st.one_of(st.none(), words),
        "elements": st.lists(element, max_size=4),
        "key_event": st.booleans(),
        "summary": st.booleans(),
        "pinned": st.booleans(),
        "sources": st.lists(words, max_size=3, unique=True),
        "verification": st.sampled_from([None, "unverified", "confirmed", "disputed"]),
        "authors": st.lists(words, max_size=2, unique=True),
        "correction": st.one_of(st.none(), words),
        "tags": st.lists(words, max_size=2, unique=True),
    }
)


@given(post, post)
def test_a_change_merged_with_no_change_is_that_change(base: Any, changed: Any) -> None:
    for merge in (m.merge_post(base, base, changed), m.merge_post(base, changed, base)):
        assert merge.clean
        assert merge.resolve({}) == changed


@given(post, post)
def test_identical_changes_come_through_once(base: Any, changed: Any) -> None:
    merge = m.merge_post(base, changed, changed)
    assert merge.clean and merge.resolve({}) == changed


@given(post, post, post, st.sets(st.sampled_from(m.FIELD_NAMES)))
def test_fields_changed_on_one_side_only_come_through(
    base: Any, one: Any, other: Any, mine: set[str]
) -> None:
    theirs = base | {k: other[k] for k in m.FIELD_NAMES if k not in mine}
    yours = base | {k: one[k] for k in mine}
    merge = m.merge_post(base, theirs, yours)
    assert merge.clean
    assert merge.resolve({}) == theirs | {k: yours[k] for k in mine}


@given(st.lists(para, min_size=3, max_size=6, unique=True), para, para)
def test_paragraph_edits_apart_both_come_through(paras: list[str], first: str, last: str) -> None:
    base = {"elements": [text(*paras)]}
    theirs = {"elements": [text(first, *paras[1:])]}
    yours = {"elements": [text(*paras[:-1], last)]}
    merge = m.merge_post(base, theirs, yours)
    assert merge.clean
    assert merge.resolve({})["elements"] == [text(first, *paras[1:-1], last)]


@given(st.lists(st.integers(0, 4), max_size=8), st.lists(st.integers(0, 4), max_size=8))
def test_diff3_with_one_side_unchanged_gives_the_other(base: list[int], other: list[int]) -> None:
    assert m.merge_sequences(base, base, other) == other
    assert m.merge_sequences(base, other, base) == other
    assert m.merge_sequences(base, other, other) == other


def test_an_inserted_paragraph_and_an_edit_of_its_neighbour_both_come_through() -> None:
    base = {"elements": [text("The roof is alight.", "Crowds leave.")]}
    theirs = {"elements": [text("The whole roof is alight now.", "Crowds leave.")]}
    yours = {"elements": [text("Breaking.", "The roof is alight.", "Crowds leave.")]}
    merge = m.merge_post(base, theirs, yours)
    assert merge.clean
    assert merge.fields["elements"] == [
        text("Breaking.", "The whole roof is alight now.", "Crowds leave.")
    ]


def test_a_paragraph_both_inserted_in_one_place_is_a_conflict() -> None:
    base = {"elements": [text("One.")]}
    merge = m.merge_post(
        base, {"elements": [text("One.", "Theirs.")]}, {"elements": [text("One.", "Yours.")]}
    )
    [conflict] = merge.conflicts
    assert conflict.base == [] and conflict.theirs == ["Theirs."] and conflict.yours == ["Yours."]
    both = merge.resolve({"elements-1": ("both", "")})
    assert both["elements"] == [text("One.", "Theirs.", "Yours.")]


def test_paragraphs_taken_beside_a_conflict_are_said() -> None:
    base = {"elements": [text("One.", "Two.", "Three.")]}
    theirs = {"elements": [text("One, theirs.", "Two.", "Three.")]}
    yours = {"elements": [text("One, yours.", "Two.", "Three, yours.")]}
    merge = m.merge_post(base, theirs, yours)
    assert [c.id for c in merge.conflicts] == ["elements-1"]
    assert [t.detail for t in merge.taken] == ["the rest merged paragraph by paragraph: yours"]
    out = merge.resolve({"elements-1": ("theirs", "")})
    assert out["elements"] == [text("One, theirs.", "Two.", "Three, yours.")]


def test_a_paragraph_one_deleted_and_the_other_edited_is_asked_about() -> None:
    base = {"elements": [text("Smoke rises.", "Crowds leave.")]}
    theirs = {"elements": [text("Smoke rises.")]}
    yours = {"elements": [text("Smoke rises.", "Crowds leave calmly.")]}
    [conflict] = m.merge_post(base, theirs, yours).conflicts
    assert (conflict.base, conflict.theirs, conflict.yours) == (
        ["Crowds leave."],
        [],
        ["Crowds leave calmly."],
    )
    assert conflict.suggestion == ["Crowds leave calmly."]  # yours is never dropped unasked
