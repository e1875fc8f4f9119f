"""Times are written one way each: ISO in UTC for machines, the blog's clock for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from liveblog.present import iso as present_iso
from liveblog.render.templating import build_environment, iso_utc
from liveblog.times import clock, day, iso, stamp

SUMMER = datetime(2024, 5, 29, 12, 5, tzinfo=UTC)
WINTER = datetime(2024, 1, 9, 23, 30, 15, tzinfo=UTC)


def test_iso_is_utc_with_a_z() -> None:
    assert iso(SUMMER) == "2024-05-29T12:05:00Z"
    assert iso(None) is None
    assert iso_utc(None) == ""  # an empty attribute in a template
    assert present_iso is iso  # the records and the event log use the same rule


@given(st.datetimes(timezones=st.just(UTC)))
def test_iso_reads_back_as_the_same_instant(value: datetime) -> None:
    written = iso(value)
    assert written is not None and written.endswith("Z")
    assert datetime.fromisoformat(written) == value


def test_clock_and_day_are_in_the_blog_zone() -> None:
    assert clock(SUMMER, "Europe/London") == "13:05 BST"
    assert clock(WINTER, "Europe/London") == "23:30 GMT"
    assert clock(WINTER, "Europe/Berlin") == "00:30 CET"
    assert day(WINTER, "Europe/Berlin") == "10 January 2024"
    assert clock(None, "UTC") == "" and day(None, "UTC") == ""


def test_an_offset_time_is_shown_as_the_same_instant() -> None:
    elsewhere = SUMMER.astimezone(timezone(timedelta(hours=-7)))
    assert clock(elsewhere, "Europe/London") == clock(SUMMER, "Europe/London")
    assert iso(elsewhere.astimezone(UTC)) == iso(SUMMER)


def test_templates_use_the_same_functions() -> None:
    filters = build_environment().filters
    assert filters["clock"] is clock and filters["day"] is day and filters["stamp"] is stamp
    assert stamp(WINTER) == "2024-01-09 23:30:15"
