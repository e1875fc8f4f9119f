"""The Jinja2 environment (one per site: ``Site.templates``), and its filters (times are
written by :mod:`liveblog.times`)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from liveblog.elements.providers import provider_names
from liveblog.times import clock, day, field_value, iso, moment, stamp

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def iso_utc(value: datetime | None) -> str:
    """:func:`liveblog.times.iso` for a template, where no time is an empty attribute."""
    return iso(value) or ""


def json_script(data: Any) -> Markup:
    """JSON safe to put inside a <script> element: '<' and '&' can't end or break it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def eager_photos(body_html: str) -> str:
    """A post's body with its photos loaded at once rather than when scrolled to: for the
    posts at the top of a page, whose photos are on the first screen (elements/image.py
    renders every photo ``loading="lazy"``)."""
    return body_html.replace(' loading="lazy"', ' loading="eager"')


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        undefined=StrictUndefined,
    )
    env.filters.update(clock=clock, day=day, iso_utc=iso_utc, stamp=stamp, json_script=json_script)
    env.globals["embed_providers"] = provider_names()  # the desk's hint on embed fields
    env.filters.update(moment=moment, field_value=field_value)  # scheduled times, at the desk
    env.filters["eager_photos"] = eager_photos
    return env
