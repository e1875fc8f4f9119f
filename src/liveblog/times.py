"""How times are written, once: ISO 8601 in UTC for machines (the API, events, exports,
``<time datetime>``), and the blog's local clock and day for people ("14:05 BST")."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
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


def http_date(value: datetime) -> str:
    """``Wed, 29 May 2024 12:05:00 GMT``: the form of ``Last-Modified`` (RFC 9110)."""
    return format_datetime(value.astimezone(UTC), usegmt=True)


def parse_http_date(text: str | None) -> datetime | None:
    """An ``If-Modified-Since`` time, or None when absent or not a date."""
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def from_local(value: datetime, zone: str) -> datetime:
    """An aware time: one without an offset (a form's date-time field) is read as the
    blog's local time."""
    return value.replace(tzinfo=_zone(zone)) if value.tzinfo is None else value


def moment(value: datetime | None, zone: str) -> str:
    """29 May 2024, 14:05 BST: a scheduled time, as the desk shows it."""
    return f"{day(value, zone)}, {clock(value, zone)}" if value else ""


def field_value(value: datetime | None, zone: str) -> str:
    """2024-05-29T14:05: the blog's local time as an HTML date-time field holds it."""
    return f"{local(value, zone):%Y-%m-%dT%H:%M}" if value else ""
