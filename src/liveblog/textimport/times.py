"""Time labels at the start of posts ("12.05 BST", "14:32", "2h ago", "69 min:",
"Posted at 09:15") and page dates; published_at is only built from both."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

TimeKind = Literal["clock", "relative", "minute"]

# Offsets of the zone abbreviations newsrooms print; an unknown zone leaves the
# time without an offset rather than guessing one.
_TZ_OFFSETS = {
    "GMT": "+00:00",
    "UTC": "+00:00",
    "BST": "+01:00",
    "IST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "MSK": "+03:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AEST": "+10:00",
    "AEDT": "+11:00",
}
_TZ = r"(?:" + "|".join(sorted(_TZ_OFFSETS, key=len, reverse=True)) + r")"
# "14:32", "2.05pm", and the French and Québec "23h48", "21 h 50".
_CLOCK = r"\d{1,2}(?:[.:]|\s?h\s?)\d{2}(?:\s?[ap]\.?m\.?)?"
# Words printed after a clock that give no offset: "18:47 Uhr", "10.34 uur", "10:05 PM ET".
_AFTER_CLOCK = r"(?:Uhr|uur|ET|PT|CT|MT|hrs|hs)"
# Persian and Arabic-Indic digits ("۰۹:۴۰") read as their ASCII twins, one for one.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)

_CLOCK_LINE = re.compile(
    rf"^(?P<label>{_CLOCK}(?:\s+{_TZ})?(?:\s+{_AFTER_CLOCK})?)$", re.IGNORECASE
)
# An inline clock needs a zone or a separator, so "12.50 euros is ..." is not a time.
_CLOCK_PREFIX = re.compile(
    rf"^(?P<label>{_CLOCK}(?:\s+{_TZ}\b)?)(?:\s*[:–—-]\s+|(?<=[A-Z])\s+)(?P<rest>\S.*)$"
)
_RELATIVE_LINE = re.compile(
    r"^(?P<label>(?:\d+\s?(?:s|m|min|mins|h|hr|hrs|d)|\d+\s+(?:seconds?|minutes?|hours?|days?))"
    r"\s+ago|just now|"
    # "há 4 min", "vor 12 Min.", "hace 5 minutos", "il y a 2 h", "5 minuten geleden"
    r"(?:há|vor|hace|il y a)\s+\d+\s?(?:min\.?|minutos?|minuten|minutes?|h|horas?|hores|"
    r"std\.?|stunden?|heures?)|"
    r"\d+\s?(?:min|minuten|minuut|uur)\s+geleden)$",
    re.IGNORECASE,
)
_MINUTE = re.compile(
    r"^(?P<label>\d{1,3}(?:\+\d{1,2})?\s?(?:min|mins|mins\.|min\.|')|"
    r"(?:half[- ]time|full[- ]time|HT|FT))\s*(?::\s*(?P<rest>\S.*))?$",
    re.IGNORECASE,
)
_POSTED = re.compile(rf"^posted at\s+(?P<label>{_CLOCK}(?:\s+{_TZ})?)$", re.IGNORECASE)

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
_MONTH_RE = (
    r"(?P<month>"
    + "|".join(sorted({*_MONTHS, *(m[:3] for m in _MONTHS), "sept"}, key=len, reverse=True))
    + r")\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+)?"
_DATE_LINE = re.compile(
    rf"^{_WEEKDAY}(?:(?P<day>\d{{1,2}})\s+{_MONTH_RE}|{_MONTH_RE.replace('month', 'month2')}"
    rf"\s+(?P<day2>\d{{1,2}}),?)\s+(?P<year>\d{{4}})(?:\s+(?P<time>{_CLOCK})(?:\s+(?P<tz>{_TZ}))?)?$",
    re.IGNORECASE,
)
_ISO_DATE_LINE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")


@dataclass(frozen=True)
class TimeLabel:
    kind: TimeKind
    label: str
    rest: str | None = None  # text after an inline label, kept as the post's first paragraph


def match_time_line(text: str) -> TimeLabel | None:
    """A line that is only a time label, or a label followed by the post's first words.
    Labels and the rest are returned as printed (in the page's digits)."""
    ascii_text = text.translate(_DIGITS)  # same length: spans hold for the printed text

    def part(m: re.Match[str], name: str) -> str | None:
        return None if m[name] is None else text[m.start(name) : m.end(name)]

    m = _POSTED.match(ascii_text)
    if m:
        return TimeLabel("clock", text)
    m = _CLOCK_LINE.match(ascii_text)
    if m:
        return TimeLabel("clock", text[m.start("label") : m.end("label")])
    m = _RELATIVE_LINE.match(ascii_text)
    if m:
        return TimeLabel("relative", text[m.start("label") : m.end("label")])
    m = _MINUTE.match(ascii_text)
    if m:
        return TimeLabel("minute", text[m.start("label") : m.end("label")], part(m, "rest"))
    m = _CLOCK_PREFIX.match(ascii_text)
    if m:
        return TimeLabel("clock", text[m.start("label") : m.end("label")], part(m, "rest"))
    return None


def match_date_line(text: str) -> date | None:
    m = _ISO_DATE_LINE.match(text)
    if m:
        try:
            return date(int(m["year"]), int(m["month"]), int(m["day"]))
        except ValueError:
            return None
    m = _DATE_LINE.match(text)
    if not m:
        return None
    month_name = (m["month"] or m["month2"]).lower().rstrip(".")
    month = next(v for k, v in _MONTHS.items() if k.startswith(month_name[:3]))
    day = int(m["day"] or m["day2"])
    try:
        return date(int(m["year"]), month, day)
    except ValueError:
        return None


def _clock_parts(label: str) -> tuple[int, int, str | None] | None:
    label = label.translate(_DIGITS)
    m = re.search(
        rf"(\d{{1,2}})(?:[.:]|\s?h\s?)(\d{{2}})(?:\s?([ap])\.?m\.?)?(?:\s+({_TZ})\b)?", label, re.I
    )
    if not m:
        return None
    hour, minute = int(m[1]), int(m[2])
    if m[3]:
        hour = hour % 12 + (12 if m[3].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute, (m[4].upper() if m[4] else None)


def sort_key(kind: TimeKind, label: str) -> float | None:
    """A number that grows with time, for telling newest-first from oldest-first."""
    if kind == "clock":
        parts = _clock_parts(label)
        return None if parts is None else parts[0] * 60 + parts[1]
    if kind == "relative":
        m = re.search(r"(\d+)\s?([a-z]+)", label.translate(_DIGITS), re.I)
        if not m:
            return 0.0  # "just now" is the newest of all
        word = m[2].lower()
        unit = "h" if word.startswith(("std", "stund", "uur", "hor", "heur")) else word[0]
        scale = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}.get(unit, 1)
        return -int(m[1]) * scale
    m = re.match(r"(\d+)(?:\+(\d+))?", label)
    if m:
        return int(m[1]) + (int(m[2]) / 100 if m[2] else 0)
    return 45.5 if label.lower().startswith(("half", "ht")) else 90.5


def published_at(kind: TimeKind, label: str, page_date: date | None) -> str | None:
    """ISO timestamp when the label is a clock time and the page gives the date."""
    if kind != "clock" or page_date is None:
        return None
    parts = _clock_parts(label)
    if parts is None:
        return None
    hour, minute, tz = parts
    stamp = f"{page_date.isoformat()}T{hour:02d}:{minute:02d}:00"
    return stamp + _TZ_OFFSETS[tz] if tz else stamp


def page_is_newest_first(keys: list[float]) -> bool | None:
    """Compare neighbouring post times in page order; None when they do not tell."""
    down = sum(1 for a, b in itertools.pairwise(keys) if b < a)
    up = sum(1 for a, b in itertools.pairwise(keys) if b > a)
    if down == up:
        return None
    return down > up


def clock_dates(
    labels: list[tuple[TimeKind, str] | None], page_date: date | None
) -> tuple[list[date | None], int]:
    """The day of each post (oldest first), and how many midnights the clock passed.

    The page date is the day of the oldest post. A clock time that falls back by more
    than twelve hours from the post before it ("23:40", then "00:05") has passed
    midnight, so it and the posts after it are a day later. A smaller step back is a
    post slightly out of order, not a new day.
    """
    days: list[date | None] = []
    if page_date is None:
        return [None] * len(labels), 0
    day, last, rolled = page_date, None, 0
    for label in labels:
        parts = _clock_parts(label[1]) if label is not None and label[0] == "clock" else None
        if parts is not None:
            minutes = parts[0] * 60 + parts[1]
            if last is not None and minutes < last - 12 * 60:
                day, rolled = day + timedelta(days=1), rolled + 1
            last = minutes
        days.append(day)
    return days, rolled
