"""Validated string types shared by the schema and the element kinds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# NUL and other control characters have no place in news text, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


Caption = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(no_control)]
MediaName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]
