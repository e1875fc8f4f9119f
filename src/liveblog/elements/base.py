"""What every element kind declares: the registry entry that the schema, the desk's form,
the renderer, the exchange format and the text importer all read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict

# An element as stored in posts.elements and sent in the exchange format.
ElementData = dict[str, Any]


class ElementModel(BaseModel):
    """The validated shape of one kind of element; its ``type`` is a one-value Literal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str


@dataclass(frozen=True)
class FormField:
    """One field of the element's fieldset in the desk's post form (``el-<n>-<name>``)."""

    name: str
    # An element whose required fields are empty is left out of the post; an element with
    # no required field is left out when every field is empty.
    required: bool = False
    # Left empty, the field is sent as null rather than as "".
    blank_is_null: bool = False


def _no_media(_element: ElementData) -> list[str]:
    return []


def _no_text(_element: ElementData) -> str:
    return ""


@dataclass(frozen=True)
class ElementKind:
    model: type[ElementModel]
    # What the desk calls it: the Add button, and error messages ("Quote (element 2)").
    label: str
    # The fields of its fieldset, in the order the form shows them.
    form_fields: tuple[FormField, ...]
    # The fieldset's inside (templates/<form_template>): gets ``el`` (the element's form
    # values), ``n`` (its number in the form) and ``first``.
    form_template: str
    # Safe HTML for the reader page, given the element and the URL media files are under.
    render_html: Callable[[ElementData, str], str]
    # The element as a reader copying the page gets it: lines of text (the text importer
    # reads them back; see textimport/render.py).
    page_lines: Callable[[ElementData], list[str]]
    # A complete example: the docs show it, and the tests send it through every consumer.
    example: ElementData
    # The fieldset's legend, when it says more than the label.
    legend: str = ""
    # Plain text for JSON-LD, feeds and descriptions ("" when it has none).
    plain_text: Callable[[ElementData], str] = _no_text
    # The media files it shows (kept in post_media, public while the post is).
    media: Callable[[ElementData], list[str]] = _no_media
    name: str = field(init=False)

    def __post_init__(self) -> None:
        (name,) = get_args(self.model.model_fields["type"].annotation)
        object.__setattr__(self, "name", name)
        if not self.legend:
            object.__setattr__(self, "legend", self.label)

    def form_values(self, values: dict[str, str]) -> ElementData | None:
        """The element as the schema takes it, from its form fields' values (already
        trimmed), or None when it is left empty."""
        required = [f for f in self.form_fields if f.required]
        if required and not all(values[f.name] for f in required):
            return None
        if not required and not any(values[f.name] for f in self.form_fields):
            return None
        return {"type": self.name} | {
            f.name: (values[f.name] or None) if f.blank_is_null else values[f.name]
            for f in self.form_fields
        }
