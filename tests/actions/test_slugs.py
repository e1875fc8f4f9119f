"""A blog's address comes from its headline: readable, ASCII, and never half a word."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveblog.actions.blogs import SLUG_LENGTH, slugify
from liveblog.schema import BlogFields


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Storm Maren: flood barriers hold", "storm-maren-flood-barriers-hold"),
        ("Zürich’s café owners – live", "zurichs-cafe-owners-live"),
        ("   ", "blog"),
        (
            "Harbour authority suspends every ferry crossing from Kesterby and Dunmore until "
            "the storm passes",
            "harbour-authority-suspends-every-ferry-crossing-from-kesterby-and-dunmore-until",
        ),
        ("x" * 100, "x" * SLUG_LENGTH),
    ],
)
def test_slug_from_a_headline(title: str, slug: str) -> None:
    assert slugify(title) == slug


@given(st.text(max_size=400))
def test_every_headline_gives_a_valid_slug(title: str) -> None:
    slug = slugify(title)
    assert len(slug) <= SLUG_LENGTH
    BlogFields(title="t", slug=slug)  # the schema's own slug rule accepts it
