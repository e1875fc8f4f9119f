"""Tags, without storage: how a tag's name is normalised, the slug that makes two
spellings the same tag, and the limits. The actions (actions/tagging.py, actions/tags.py)
keep a blog's list; the schema checks what editors send with these."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

from liveblog.strings import no_control

MAX_TAGS_PER_POST = 10
MAX_TAG_LENGTH = 40
"""The longest name, in characters, once spaces are collapsed."""
MAX_TAGS_PER_BLOG = 300
MAX_RETAG_POSTS = 100
"""The most posts (drafts and deleted ones included) a rename or delete of one tag may
reach: each is a new version and, published, a ``post.edited`` event, all in one
transaction holding the blog's write lock. Past it the change is refused with a reason."""
MAX_SLUG_LENGTH = 120
"""The column's width: a name's slug can be longer than the name (compatibility forms)."""
FLAG_SLUGS = frozenset({"key-event", "summary"})
"""Names a tag may not have: feeds list a post's key-event and summary flags among its
categories (Atom) and tags (JSON Feed), where a tag of that name could not be told apart."""
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(name: str) -> str:
    """The name as stored: trimmed, runs of white space as one space, in Unicode's
    composed form (so that "é" typed two ways is one name)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def tag_slug(name: str) -> str:
    """The tag's key in its blog, also fit for an address (``?tag=``): case folded,
    anything but letters and digits as one hyphen. "New York", "new  york" and "NEW-YORK"
    are one tag; "" when the name has no letter or digit."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _NOT_WORD.sub("-", folded).strip("-")


def _tag_name(value: str) -> str:
    name = normalise(no_control(value))
    if not name:
        raise ValueError("a tag needs a name")
    if len(name) > MAX_TAG_LENGTH:
        raise ValueError(f"a tag has at most {MAX_TAG_LENGTH} characters; {name!r} has {len(name)}")
    if "," in name:
        raise ValueError(
            f"a tag may not hold a comma (tags are typed separated by commas): {name!r}"
        )
    slug = tag_slug(name)
    if not slug:
        raise ValueError(f"a tag needs a letter or a digit; {name!r} has none")
    if slug in FLAG_SLUGS:
        raise ValueError(
            f"{name!r} is how feeds mark a post's flag (key event, summary); choose another name"
        )
    if len(slug) > MAX_SLUG_LENGTH:  # a few characters spell out long ("\ufdfa")
        raise ValueError(f"{name!r} is too long a tag once spelled out; shorten it")
    return name


def _distinct(names: list[str]) -> list[str]:
    """The same tag given twice (in any case or spacing) counts once, as first given."""
    seen: set[str] = set()
    kept = []
    for name in names:
        if tag_slug(name) not in seen:
            seen.add(tag_slug(name))
            kept.append(name)
    return kept


# A generous bound before normalising, so that a huge string is refused before any work.
TagName = Annotated[str, Field(max_length=200), AfterValidator(_tag_name)]
TagList = Annotated[
    list[TagName],
    Field(
        max_length=MAX_TAGS_PER_POST,
        description=f"The post's tags, at most {MAX_TAGS_PER_POST}, each at most "
        f"{MAX_TAG_LENGTH} characters; one the blog does not have yet is added to its list",
    ),
    AfterValidator(_distinct),
]
