"""First pass over the flattened page: every non-blank line becomes a unit
(paragraph, bullet, image, time label, byline, marker) or a discarded line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from liveblog.elements.embed import is_web_address, read_card_line
from liveblog.states import BlogStatus

from .furniture import classify_furniture, footer_lines, page_script
from .known import known_sources
from .textutil import fold
from .times import TimeKind, match_date_line, match_time_line

UnitKind = Literal[
    "para",
    "bullet",
    "image",
    "embed",
    "time",
    "byline",
    "share",
    "updated",
    "keyevents",
    "pinlabel",
    "keylabel",
]
Discard = tuple[int, str, str]


@dataclass
class Unit:
    kind: UnitKind
    text: str
    lines: list[int]
    credit: str | None = None  # image credit
    title: str | None = None  # an embed's title, from the card's line above its address
    alt: str | None = None  # image alt text, when the page showed it
    time_kind: TimeKind | None = None
    authors: list[str] = field(default_factory=list)
    headline: bool = False
    key_entry: bool = False  # an entry of the page's key-events list


@dataclass
class Scan:
    units: list[Unit]
    discarded: list[Discard]
    header_lines: list[int]
    title: str
    section: str | None
    standfirst: str | None
    status: Literal[BlogStatus.LIVE, BlogStatus.ENDED]
    page_date: date | None
    live_marker: bool
    raw: list[str]


_TITLE_DASH = re.compile(
    r"^(?P<title>.+?)\s+[–—-]\s+live(?:\s+(?:updates|coverage|blog))?\s*(?:\|\s*(?P<section>[^|]+?))?\s*$",
    re.IGNORECASE,
)
_LIVE_WORDS = re.compile(
    r"(?:[–—:,|]|\s-)\s*(?:[\w’']+\s+){0,2}(?:live(?:\s+(?:updates|coverage|blog))?|latest updates|"
    r"as it happened|liveblog|live-?ticker|en direct|en directo|en vivo|direct|in diretta|"
    r"ao vivo|volg het hier|تغطية مباشرة|مباشر|پوشش زنده|زنده)(?!\w)"
    r"|^(?:as it happened|live(?:\s+updates)?)\s*:",
    re.IGNORECASE,
)
_TITLE_COLON = re.compile(
    r"^(?P<title>(?:[^|]*\s)?live\s*:\s*[^|]+?)\s*(?:\|\s*(?P<section>[^|]+?))?\s*$",
    re.IGNORECASE,
)
_TITLE_PIPE = re.compile(r"^(?P<title>[^|]+?)\s*\|\s*(?P<section>[^|]+?)\s*$")
_CLOSED = re.compile(
    r"^(?:this (?:live )?blog (?:is now closed|has (?:now )?(?:closed|ended))|"
    r"we(?:’|')re (?:now )?closing this (?:live )?blog)\b.*$",
    re.IGNORECASE,
)
_STANDFIRST_HINT = re.compile(
    r"(?:[–—-]\s*follow\b|\bfollow (?:the )?(?:latest|live)\b|"
    r"\blatest updates\b|\bas it happened\b)",
    re.IGNORECASE,
)

# A line that is nothing but a web address: an embedded video or post.
_EMBED = re.compile(r"^https?://[^\s<>\"']+$")
_BULLET = re.compile(r"^[•●▪◦‣·*-]\s+(?P<text>\S.*)$")
_PHOTO = re.compile(
    r"^(?P<caption>.*?)\s*\b(?:Photograph|Photographs|Photo|Photos|Photograph by)\s*:\s*"
    r"(?P<credit>[^:]{1,120})$"
)
# Credits as other pages print them: "Foto: Robert Michael/dpa", "(Foto: ANSA/Ettore
# Ferrari)", "عکس: ایرنا", "تصوير: محمد حامد/رويترز"; "… © Jeff Pachoud / AFP"; and an agency
# alone in brackets at the end of a caption, "… in Basel. (AFP)".
_PHOTO_OTHER = re.compile(
    r"^(?P<caption>.*?)\s*(?:\(\s*)?(?<!\w)(?:Foto|Fotos|Bild|Imagen|Fotografía|Fotografia|"
    r"عکس|تصوير|صورة)\s*:\s*(?P<credit>[^:()]{1,120}?)\s*\)?$"
)
# The caption is a sentence: it ends with its full stop before the credit.
_COPYRIGHT = re.compile(
    r"^(?P<caption>.*?[.!?…])\s*©\s*(?!\d{4})(?P<credit>[^\W\d_a-z][^©]{0,79})$"
)
_AGENCY_PAREN = re.compile(r"^(?P<caption>.*[.!?…])\s*\((?P<credit>[^()]{1,30})\)$")


def _credit_line(line: str) -> tuple[str, str] | None:
    """(caption, credit) of a caption line in one of the other forms."""
    for pattern in (_PHOTO_OTHER, _COPYRIGHT):
        m = pattern.match(line)
        if m and len(m["credit"].split()) <= 12:
            return m["caption"].strip(), m["credit"].strip()
    m = _AGENCY_PAREN.match(line)
    if m:
        known = known_sources()
        form = known.forms.get(m["credit"].strip())
        if form is not None and form.source.kind == "agency":
            return m["caption"].strip(), m["credit"].strip()
    return None


_NAME = r"[A-Z][\w’'.-]+(?:\s+(?:van|von|de|da|del|di|bin|al|[A-Z][\w’'.-]+)){0,3}"
_BYLINE = re.compile(rf"^By\s+(?P<names>{_NAME}(?:(?:,\s*|\s+and\s+){_NAME})*)$")
_ROLE_LINE = re.compile(
    rf"^(?P<names>{_NAME}),\s+(?:(?:senior|chief|political|foreign|sports|live|deputy|"
    r"international|economics|security|diplomatic|world|news|digital)\s+)*"
    r"(?:reporter|correspondent|editor|writer|journalist|columnist|producer|blogger)"
    r"(?:\s+(?:in|at|for)\s+[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)?$"
)


def split_lines(text: str) -> list[str]:
    # Only real line breaks count: str.splitlines would also split on U+2028 and
    # form feeds, shifting every later line number away from the editor's.
    return re.split(r"\r\n|\r|\n", text)


def _byline(text: str) -> list[str] | None:
    m = _BYLINE.match(text) or _ROLE_LINE.match(text)
    if not m:
        return None
    names = re.split(r",\s*|\s+and\s+", m["names"])
    return [n.strip() for n in names if n.strip()]


def _header(stripped: list[str], taken: set[int]) -> tuple[int | None, str, str | None, bool]:
    """Index of the title line, the title, the section and whether it had a live marker."""
    candidates = [i for i, t in enumerate(stripped) if t and i not in taken][:6]
    for i in candidates:
        for pattern in (_TITLE_DASH, _TITLE_COLON):
            m = pattern.match(stripped[i])
            if m:
                section = m["section"].strip() if m["section"] else None
                return i, m["title"].strip(), section, True
    # A page whose navigation runs longer, or that says "live" in its own words
    # ("– en directo", "– AO VIVO", "– as it happened", "– پوشش زنده"): the first line
    # near the top that carries such a marker is the title, kept whole.
    wider = [i for i, t in enumerate(stripped) if t and i not in taken][:12]
    for i in wider:
        for pattern in (_TITLE_DASH, _TITLE_COLON):
            m = pattern.match(stripped[i])
            if m:
                section = m["section"].strip() if m["section"] else None
                return i, m["title"].strip(), section, True
    for i in wider:
        if len(stripped[i]) <= 200 and _LIVE_WORDS.search(stripped[i]):
            return i, stripped[i], None, True
    if not candidates:
        return None, "", None, False
    first = candidates[0]
    m = _TITLE_PIPE.match(stripped[first])
    if m:
        return first, m["title"], m["section"], False
    return first, stripped[first], None, False


def scan(text: str) -> Scan:
    raw = split_lines(text)
    stripped = [line.strip() for line in raw]
    discarded: list[Discard] = []
    header: list[int] = []
    taken: set[int] = set()

    script = page_script([t for t in stripped if t])
    for index, reason in footer_lines(stripped, script).items():
        discarded.append((index + 1, raw[index], reason))
        taken.add(index)
    # Counters and buttons above the title are furniture too.
    for index, line in enumerate(stripped):
        if not line:
            continue
        furniture = classify_furniture(line)
        if furniture is None or furniture[0] != "other":
            break
        discarded.append((index + 1, raw[index], furniture[1]))
        taken.add(index)

    title_index, title, section, live_marker = _header(stripped, taken)
    standfirst: str | None = None
    status: Literal[BlogStatus.LIVE, BlogStatus.ENDED] = BlogStatus.LIVE
    page_date: date | None = None
    start = 0
    if title_index is not None:
        header.append(title_index + 1)
        taken.add(title_index)
        start = title_index + 1
        # Lines right after the title: page date, "blog closed" notice, standfirst.
        for index in range(start, len(stripped)):
            line = stripped[index]
            if not line or index in taken:
                continue
            found = match_date_line(line)
            if found is not None:
                page_date = page_date or found
            elif _CLOSED.match(line):
                status = BlogStatus.ENDED
            elif standfirst is None and _STANDFIRST_HINT.search(line):
                standfirst = line
            else:
                break
            header.append(index + 1)
            taken.add(index)
        # The short line right above the title names the section ("Weather",
        # "Home › World › Europe": its last crumb), unless the title line did.
        above = [i for i in range(title_index) if stripped[i] and i not in taken]
        if section is None and above and match_date_line(stripped[above[-1]]) is None:
            crumbs = [c.strip() for c in re.split(r"[›»>|/]", stripped[above[-1]]) if c.strip()]
            if crumbs and len(crumbs[-1].split()) <= 4 and crumbs[-1][-1:] not in ".!?:":
                section = crumbs[-1]
                header.append(above[-1] + 1)
                taken.add(above[-1])
        for index in range(0, title_index):
            if stripped[index] and index not in taken:
                found = match_date_line(stripped[index])
                if found is not None:
                    page_date = page_date or found
                    header.append(index + 1)
                else:
                    discarded.append((index + 1, raw[index], "above the title (page header)"))
                taken.add(index)

    # Pages that put a blank line between paragraphs keep the alt text of a photo
    # on the line right above its caption; there, adjacency itself links the two.
    filled = [i for i, t in enumerate(stripped) if t]
    touching = sum(1 for i in filled if i + 1 < len(stripped) and stripped[i + 1])
    spaced = len(filled) >= 4 and touching * 4 <= len(filled)
    units: list[Unit] = []
    for index in range(start, len(stripped)):
        line = stripped[index]
        if not line or index in taken:
            continue
        number = index + 1
        furniture = classify_furniture(line)
        if furniture is not None:
            kind, reason = furniture
            discarded.append((number, raw[index], reason))
            if kind != "other":
                units.append(Unit(kind, line, []))
            continue
        units.extend(_content_units(line, number, units, spaced))
    discarded.sort()
    return Scan(
        units,
        discarded,
        sorted(header),
        title,
        section,
        standfirst,
        status,
        page_date,
        live_marker,
        raw,
    )


def _content_units(line: str, number: int, before: list[Unit], spaced: bool) -> list[Unit]:
    label = match_time_line(line)
    if label is not None:
        out = [Unit("time", label.label, [number], time_kind=label.kind)]
        if label.rest:
            out.append(Unit("para", label.rest, [number]))
        return out
    authors = _byline(line)
    if authors is not None:
        return [Unit("byline", line, [number], authors=authors)]
    if _EMBED.match(line) and is_web_address(line):
        unit = Unit("embed", line, [number])
        # The card's first line ("YouTube video: title") sits right above its address.
        previous = before[-1] if before else None
        if previous is not None and previous.kind == "para" and previous.lines == [number - 1]:
            card, title = read_card_line(previous.text, line)
            if card:
                before.pop()
                unit.title = title
                unit.lines = [number - 1, number]
        return [unit]
    m = _BULLET.match(line)
    if m:
        return [Unit("bullet", m["text"], [number])]
    m = _PHOTO.match(line)
    found = (
        (m["caption"].strip(), m["credit"].strip())
        if m and len(m["credit"].split()) <= 12
        else _credit_line(line)
    )
    if found is not None:
        caption, credit = found
        unit = Unit("image", caption, [number], credit=credit)
        previous = before[-1] if before else None
        # The alt line sits just above the caption: it says the same thing, or it
        # describes the photo on the line directly above, with no blank line between.
        if (
            previous is not None
            and previous.kind == "para"
            and previous.lines[-1] < number
            and (
                (caption and fold(previous.text) == fold(caption))
                or (spaced and previous.lines[-1] == number - 1)
            )
        ):
            before.pop()
            unit.alt = previous.text
            unit.lines = [*previous.lines, number]
        return [unit]
    return [Unit("para", line, [number])]
