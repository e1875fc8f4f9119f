"""The desk's post form: what it shows, and what it sends back, turned into post content.

A post is a list of elements, so the form is too: each element is a fieldset whose fields
are named ``el-<n>-<field>``. Empty elements are dropped, so a spare paragraph box costs
nothing. Nothing an editor typed is lost when the form comes back with an error: the
same values are shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from liveblog.actions.media import Photo
from liveblog.elements import KINDS, ElementKind
from liveblog.errors import invalid_input
from liveblog.schema import MAX_ELEMENTS, NewPost, PostChanges
from liveblog.states import PostStatus, Verification
from liveblog.storage import Post
from liveblog.tags import MAX_TAGS_PER_BLOG
from liveblog.times import field_value
from liveblog.web.desk.forms import local_time

# The fields each kind of element has in the form, in the order they are shown.
ELEMENT_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(f.name for f in kind.form_fields) for name, kind in KINDS.items()
}
VERIFICATIONS: tuple[str, ...] = tuple(Verification)
MAX_TICKED = MAX_TAGS_PER_BLOG  # more boxes than a blog has tags are not read
M = TypeVar("M", bound=BaseModel)


def blank(kind: str) -> dict[str, str]:
    return {"type": kind} | dict.fromkeys(ELEMENT_FIELDS[kind], "")


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


def _joined(names: list[str]) -> str:
    return ", ".join(names)


def small_number(value: str, digits: int = 6) -> int | None:
    """A count or version from a form field; None for anything else ("²", "1e3", "")."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else None


@dataclass
class PostForm:
    # The element kinds, for the template: each one's fieldset, legend and Add button.
    kinds: ClassVar[dict[str, ElementKind]] = KINDS

    title: str = ""
    elements: list[dict[str, str]] = field(default_factory=lambda: [blank("text")])
    key_event: bool = False
    summary: bool = False
    pinned: bool = False
    sources: str = ""
    authors: str = ""
    verification: str = ""
    correction: str = ""
    note: str = ""
    # Tags: the blog's ones ticked (by name), and new ones typed, separated by commas.
    tags: list[str] = field(default_factory=list)
    new_tags: str = ""
    # The tags the form offers to tick: the blog's list, and any ticked that it lacks.
    offered: list[str] = field(default_factory=list)
    version: int | None = None
    # "Publish at": the date-time field as typed, in the blog's time zone (schedule.py).
    scheduled_at: str = ""
    # For a form sent back: the number each element had in it, to find its upload field.
    numbers: list[int] = field(default_factory=list)
    # Stored name lists the editor left as shown (see keep_names_of).
    kept_sources: list[str] | None = None
    kept_authors: list[str] | None = None
    # A rendered preview of the post, when the editor asked for one.
    preview: Post | None = None
    # Photos chosen in this form and cleaned, not stored yet (they are stored with the
    # post): by file name. Each image element showing one also holds it sealed, in
    # "photo", and a small copy to show, in "thumb" (see web/photos.py).
    photos: dict[str, Photo] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post: Post, pinned: bool, zone: str = "UTC") -> PostForm:
        elements = [
            {"type": el["type"]}
            | {name: str(el.get(name) or "") for name in ELEMENT_FIELDS[el["type"]]}
            for el in post.elements
        ]
        return cls(
            title=post.title or "",
            elements=elements or [blank("text")],
            key_event=post.key_event,
            summary=post.summary,
            pinned=pinned,
            sources=_joined(post.sources),
            authors=_joined(post.authors),
            verification=post.verification or "",
            correction=post.correction or "",
            tags=list(post.tags),
            version=post.version,
            scheduled_at=field_value(post.scheduled_at, zone),
        )

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> PostForm:
        def text(name: str) -> str:
            value = form.get(name)
            # Browsers send a textarea's line breaks as CRLF; stored text uses LF, so an
            # unchanged paragraph stays unchanged.
            return value.replace("\r\n", "\n") if isinstance(value, str) else ""

        count = small_number(text("elements")) or 0
        elements: list[dict[str, str]] = []
        numbers: list[int] = []
        for n in range(min(count, MAX_ELEMENTS)):
            kind = text(f"el-{n}-type")
            if kind not in ELEMENT_FIELDS or text(f"el-{n}-remove"):
                continue
            elements.append(
                {"type": kind} | {name: text(f"el-{n}-{name}") for name in ELEMENT_FIELDS[kind]}
            )
            numbers.append(n)
        version = text("version")
        getlist = getattr(form, "getlist", None)
        ticked = getlist("tag") if getlist else []
        tags = [t for t in ticked if isinstance(t, str)][:MAX_TICKED]
        return cls(
            title=text("title"),
            elements=elements,
            key_event=bool(text("key_event")),
            summary=bool(text("summary")),
            pinned=bool(text("pinned")),
            sources=text("sources"),
            authors=text("authors"),
            verification=text("verification"),
            correction=text("correction"),
            note=text("note"),
            tags=tags,
            new_tags=text("new_tags"),
            version=small_number(version, digits=9),
            scheduled_at=text("scheduled_at").strip(),
            numbers=numbers,
        )

    def offer(self, names: list[str]) -> None:
        """The blog's tags (by name) to show as boxes to tick, with those ticked already."""
        self.offered = list(names) + [t for t in self.tags if t not in names]

    def keep_one(self) -> None:
        """A form shown again always has a box to type in."""
        if not self.elements:
            self.add("text")

    def keep_names_of(self, post: Post) -> None:
        """Names are typed separated by commas, but a stored name may hold one ("Smith,
        J."): a list the editor left as it was shown stays exactly as it is stored."""
        if self.sources.strip() == _joined(post.sources):
            self.kept_sources = list(post.sources)
        if self.authors.strip() == _joined(post.authors):
            self.kept_authors = list(post.authors)

    def add(self, kind: str) -> None:
        if kind in ELEMENT_FIELDS and len(self.elements) < MAX_ELEMENTS:
            self.elements.append(blank(kind))

    def content(self) -> dict[str, Any]:
        """The post's fields as the schema takes them; empty elements left out."""
        elements: list[dict[str, Any]] = []
        for element in self.elements:
            kind = KINDS[element["type"]]
            sent = kind.form_values(
                {name: element.get(name, "").strip() for name in ELEMENT_FIELDS[kind.name]}
            )
            if sent is not None:
                elements.append(sent)
        return {
            "title": self.title.strip() or None,
            "elements": elements,
            "key_event": self.key_event,
            "summary": self.summary,
            "sources": self.kept_sources if self.kept_sources is not None else _names(self.sources),
            "authors": self.kept_authors if self.kept_authors is not None else _names(self.authors),
            "verification": self.verification or None,
            "tags": self.tags + _names(self.new_tags),
        }

    def new_photos(self) -> list[Photo]:
        """The photos chosen in this form that the post, as sent, shows."""
        shown = {name for el in self.elements for name in KINDS[el["type"]].media(el)}
        return [photo for name, photo in self.photos.items() if name in shown]

    def new_post(self, status: str) -> NewPost:
        return validated(NewPost, self.content() | {"status": status} | self._schedule(status))

    def _schedule(self, status: str) -> dict[str, Any]:
        """The time to publish at, with the status scheduled (read in the blog's zone)."""
        if status != PostStatus.SCHEDULED:
            return {}
        return {"scheduled_at": local_time(self.scheduled_at, "scheduled_at", "Publish at")}

    def changes(self, status: str | None = None) -> PostChanges:
        data = self.content() | {
            "correction": self.correction.strip() or None,
            "note": self.note.strip() or None,
        }
        if status is not None:
            data["status"] = status
            data |= self._schedule(status)
        return validated(PostChanges, data)


_FIELD_NAMES = {
    "title": "Headline",
    "sources": "Sources",
    "authors": "Byline",
    "verification": "Verification",
    "correction": "Correction",
    "tags": "Tags",
    "note": "Note on this edit",
    "frame_ancestors": "Sites that may show the embeds",
    "scheduled_at": "Publish at",
}


def validated(model: type[M], data: dict[str, Any]) -> M:
    """The model, or an Invalid error naming the field as the form labels it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc, lambda loc: _describe(loc, data)) from None


def _describe(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """Names a failing field the way the form labels it, e.g. "Quote (element 2)"."""
    if not loc:
        return ""
    if loc[0] == "elements" and len(loc) > 1 and isinstance(loc[1], int):
        kind = data["elements"][loc[1]]["type"]
        return f"{KINDS[kind].label} (element {loc[1] + 1})"
    return _FIELD_NAMES.get(str(loc[0]), str(loc[0]))
