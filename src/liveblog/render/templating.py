"""The Jinja2 environment (one per site: ``Site.templates``) and the filters that show times
in a blog's time zone."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(value: datetime, zone: str) -> datetime:
    return value.astimezone(_zone(zone))


def clock(value: datetime | None, zone: str) -> str:
    """14:05 BST: the time a newsroom reader expects to see on a post."""
    if value is None:
        return ""
    here = local(value, zone)
    return f"{here:%H:%M} {here.tzname()}"


def day(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    here = local(value, zone)
    return f"{here.day} {here:%B %Y}"


def iso_utc(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


def json_script(data: Any) -> Markup:
    """JSON safe to put inside a <script> element: '<' and '&' can't end or break it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        undefined=StrictUndefined,
    )
    env.filters.update(clock=clock, day=day, iso_utc=iso_utc, json_script=json_script)
    return env
