"""How times are written, once: ISO 8601 in UTC for machines (the API, events, exports,
``<time datetime>``), and the blog's local clock and day for people ("14:05 BST")."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo


def iso(value: datetime | None) -> str | None:
    """``2024-05-29T12:05:00Z``: UTC with a ``Z``, as JavaScript's ``Date`` reads it."""
    return value.isoformat().replace("+00:00", "Z") if value else None


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
    """29 May 2024, in the blog's zone."""
    if value is None:
        return ""
    here = local(value, zone)
    return f"{here.day} {here:%B %Y}"


def stamp(value: datetime) -> str:
    """2024-05-29 12:05:00: to the second, as the audit log shows its entries."""
    return f"{value:%Y-%m-%d %H:%M:%S}"
