"""parse_text: a flattened live-blog page in, a liveblog-exchange/1 dict out,
with every line accounted for."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .elements import build_elements
from .lines import scan
from .result import ParseResult, PostLayout
from .segment import Draft, segment
from .sources import find_sources, find_verification
from .times import TimeKind, clock_dates, page_is_newest_first, published_at, sort_key

# A page shows a post's correction as its last line, "Correction: ...".
_CORRECTION = re.compile(r"^Correction:\s+(?P<text>\S.*)$")


def _layout(draft: Draft, element_lines: list[list[int]]) -> PostLayout:
    return PostLayout(
        title=sorted(draft.headline.lines) if draft.headline else [],
        time=sorted(draft.time.lines) if draft.time else [],
        bylines=sorted(n for b in draft.bylines for n in b.lines),
        elements=element_lines,
        pinned_copy=sorted(draft.extra_lines),
    )


def _post(draft: Draft, page_date: date | None, element_lines: list[list[int]]) -> dict[str, Any]:
    units = draft.units
    correction: str | None = None
    last = units[-1] if units else None
    m = _CORRECTION.match(last.text) if last is not None and last.kind == "para" else None
    if m:
        correction, units = m["text"], units[:-1]
    elements = build_elements(units, element_lines)
    if m and last is not None:
        element_lines.append(sorted(last.lines))  # the correction line: text of the post
    said = [draft.headline.text] if draft.headline else []
    # Quotations are the post's text too: an agency they name is named by the post.
    said += [
        e["markdown"] if e["type"] == "text" else e["text"]
        for e in elements
        if e["type"] in ("text", "quote")
    ]
    prose = "\n".join(said)
    authors: list[str] = []
    for byline in draft.bylines:
        authors += [a for a in byline.authors if a not in authors]
    post: dict[str, Any] = {
        "title": draft.headline.text if draft.headline else None,
        "edited": draft.edited,
        "key_event": draft.key_event,
        "pinned": draft.pinned,
        "summary": draft.summary,
        "sources": find_sources(prose),
        "verification": find_verification(prose),
        "authors": authors,
        "correction": correction,
    }
    if draft.time is not None and draft.time.time_kind is not None:
        post["time_label"] = draft.time.text
        stamp = published_at(draft.time.time_kind, draft.time.text, page_date)
        if stamp is not None:
            post["published_at"] = stamp
    post["elements"] = elements
    return post


def parse_text(text: str) -> ParseResult:
    """Structure a live blog flattened to text ("select all, copy" of the page)."""
    scanned = scan(text)
    seg = segment(scanned.units, allow_standfirst=scanned.standfirst is None)
    drafts = seg.drafts
    notes: list[str] = []
    standfirst = scanned.standfirst
    header_lines = list(scanned.header_lines)
    if seg.standfirst is not None:
        standfirst = seg.standfirst.text
        header_lines = sorted([*header_lines, *seg.standfirst.lines])
        notes.append(
            f"the paragraph at line {seg.standfirst.lines[0]}, alone between the title and "
            "the first post, was taken as the standfirst"
        )

    discarded = list(scanned.discarded)
    entry_lines = sorted({n for unit in seg.key_entries for n in unit.lines})
    for number in entry_lines:
        discarded.append(
            (
                number,
                scanned.raw[number - 1],
                "key-events list entry (its post is marked key event)",
            )
        )
    discarded.sort()

    if not scanned.live_marker:
        notes.append("the title line has no 'live' marker; the first line was taken as the title")
    if seg.pinned_lines is not None:
        top, kept = seg.pinned_lines
        notes.append(
            f"the pinned post appears at line {top} and again at line {kept}; "
            "kept once in its place in the stream, marked pinned"
        )
    if not seg.reliable_markers and drafts:
        notes.append(
            "Share lines and time labels mark only some posts; the other post boundaries "
            "were read from headlines and the prose, so check them"
        )

    keys = [
        key
        for d in drafts
        if d.time is not None and d.time.time_kind is not None
        for key in [sort_key(d.time.time_kind, d.time.text)]
        if key is not None
    ]
    newest_first = page_is_newest_first(keys)
    if newest_first is None:
        notes.append(
            "the post times do not tell the page order; taken as newest first "
            "(the live-blog default) and reversed to oldest first"
        )
        newest_first = True
    elif newest_first:
        notes.append("the post times run newest first; posts reversed to oldest first")
    else:
        notes.append("the post times run oldest first; page order kept")
    if newest_first:
        drafts = drafts[::-1]

    labels: list[tuple[TimeKind, str] | None] = [
        (d.time.time_kind, d.time.text)
        if d.time is not None and d.time.time_kind is not None
        else None
        for d in drafts
    ]
    days, midnights = clock_dates(labels, scanned.page_date)
    if midnights:
        notes.append(
            f"the post times pass midnight {midnights} time(s); posts after it are dated "
            "the next day from the page date"
        )
    element_lines: list[list[list[int]]] = [[] for _ in drafts]
    posts = [
        _post(d, day, where) for d, day, where in zip(drafts, days, element_lines, strict=True)
    ]
    untimed = sum(1 for p in posts if "time_label" not in p)
    if untimed:
        notes.append(f"{untimed} posts had no times; import assigns times in page order")
    undated = sum(1 for p in posts if "time_label" in p and "published_at" not in p)
    if undated:
        notes.append(
            f"{undated} posts have a time label but no date can be derived from the page; "
            "published_at left unset and the label kept as time_label"
        )
    unattributed = sum(
        1 for p in posts for e in p["elements"] if e["type"] == "quote" and e["attribution"] is None
    )
    if unattributed:
        notes.append(
            f"{unattributed} quotes have no attribution: "
            "the text before them does not name the speaker"
        )

    blog: dict[str, Any] = {
        "format": "liveblog-exchange/1",
        "title": scanned.title,
        "section": scanned.section,
        "standfirst": standfirst,
        "language": "en",
        "status": scanned.status,
        "posts": posts,
    }
    return ParseResult(
        blog=blog,
        discarded=discarded,
        post_lines=[d.line_numbers() for d in drafts],
        layout=[_layout(d, where) for d, where in zip(drafts, element_lines, strict=True)],
        notes=notes,
        header_lines=header_lines,
    )
