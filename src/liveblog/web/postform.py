"""The editor's post form: what it shows, and what it sends back, turned into post content.

A post is a list of elements, so the form is too: each element is a fieldset whose fields
are named ``el-<n>-<field>``. Empty elements are dropped, so a spare paragraph box costs
nothing. Nothing an editor typed is lost when the form comes back with an error: the
same values are shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from liveblog.errors import Invalid
from liveblog.schema import NewPost, PostChanges
from liveblog.storage import Post

# The fields each kind of element has in the form, in the order they are shown.
ELEMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("markdown",),
    "quote": ("text", "attribution"),
    "image": ("file", "caption", "credit", "alt"),
    "embed": ("url",),
}
# The field that must be filled for an element to count.
_REQUIRED = {"text": "markdown", "quote": "text", "embed": "url"}
MAX_ELEMENTS = 200
VERIFICATIONS = ("unverified", "confirmed", "disputed")
M = TypeVar("M", bound=BaseModel)


def blank(kind: str) -> dict[str, str]:
    return {"type": kind} | dict.fromkeys(ELEMENT_FIELDS[kind], "")


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


@dataclass
class PostForm:
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
    version: int | None = None
    # For a form sent back: the number each element had in it, to find its upload field.
    numbers: list[int] = field(default_factory=list)

    @classmethod
    def from_post(cls, post: Post, pinned: bool) -> PostForm:
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
            sources=", ".join(post.sources),
            authors=", ".join(post.authors),
            verification=post.verification or "",
            correction=post.correction or "",
            version=post.version,
        )

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> PostForm:
        def text(name: str) -> str:
            value = form.get(name)
            return value if isinstance(value, str) else ""

        count_text = text("elements")
        count = int(count_text) if count_text.isdigit() else 0
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
            version=int(version) if version.isdigit() and len(version) < 10 else None,
            numbers=numbers,
        )

    def add(self, kind: str) -> None:
        if kind in ELEMENT_FIELDS and len(self.elements) < MAX_ELEMENTS:
            self.elements.append(blank(kind))

    def content(self) -> dict[str, Any]:
        """The post's fields as the schema takes them; empty elements left out."""
        elements: list[dict[str, Any]] = []
        for element in self.elements:
            kind = element["type"]
            values = {name: element.get(name, "").strip() for name in ELEMENT_FIELDS[kind]}
            if kind == "image":
                if not any(values.values()):
                    continue
                elements.append(
                    {"type": kind, "caption": values["caption"]}
                    | {k: values[k] or None for k in ("credit", "alt", "file")}
                )
                continue
            if not values[_REQUIRED[kind]]:
                continue
            if kind == "text":
                # Markdown keeps its own spacing: only the ends are trimmed.
                elements.append({"type": kind, "markdown": element["markdown"].strip()})
            elif kind == "quote":
                elements.append(
                    {"type": kind, "text": values["text"]}
                    | {"attribution": values["attribution"] or None}
                )
            else:
                elements.append({"type": kind, "url": values["url"]})
        return {
            "title": self.title.strip() or None,
            "elements": elements,
            "key_event": self.key_event,
            "summary": self.summary,
            "sources": _names(self.sources),
            "authors": _names(self.authors),
            "verification": self.verification or None,
        }

    def new_post(self, status: str) -> NewPost:
        return validated(NewPost, self.content() | {"status": status})

    def changes(self, status: str | None = None) -> PostChanges:
        data = self.content() | {
            "correction": self.correction.strip() or None,
            "note": self.note.strip() or None,
        }
        if status is not None:
            data["status"] = status
        return validated(PostChanges, data)


_FIELD_NAMES = {
    "title": "Headline",
    "sources": "Sources",
    "authors": "Bylines",
    "verification": "Verification",
    "correction": "Correction",
    "note": "Note on this edit",
}
_ELEMENT_NAMES = {"text": "Paragraphs", "quote": "Quote", "image": "Image", "embed": "Link"}


def validated(model: type[M], data: dict[str, Any]) -> M:
    """The model, or an Invalid error naming the field as the form labels it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(first["msg"], _describe(first["loc"], data)) from None


def _describe(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """Names a failing field the way the form labels it, e.g. "Quote (element 2)"."""
    if not loc:
        return ""
    if loc[0] == "elements" and len(loc) > 1 and isinstance(loc[1], int):
        kind = data["elements"][loc[1]]["type"]
        return f"{_ELEMENT_NAMES[kind]} (element {loc[1] + 1})"
    return _FIELD_NAMES.get(str(loc[0]), str(loc[0]))
