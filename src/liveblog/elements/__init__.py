"""The kinds of element a post is made of (text, image, quote, embed): one registry.

The schema validates elements with the kinds' models, the desk's post form shows their
fields, the renderer and the text importer call their functions, and the exchange format
carries them as they are. A new kind is one module here (its ElementKind) and one line in
KINDS, plus its fieldset template; see docs/architecture.md, "Adding an element kind".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from liveblog.elements import embed, image, quote, text
from liveblog.elements.base import ElementData, ElementKind, ElementModel, FormField

KINDS: dict[str, ElementKind] = {
    kind.name: kind for kind in (text.KIND, quote.KIND, image.KIND, embed.KIND)
}

if TYPE_CHECKING:
    Element = ElementModel
else:
    # Any registered kind, told apart by its "type".
    Element = Annotated[
        Union[tuple(kind.model for kind in KINDS.values())],  # noqa: UP007 (built at run time)
        Field(discriminator="type"),
    ]

__all__ = ["KINDS", "Element", "ElementData", "ElementKind", "ElementModel", "FormField"]
