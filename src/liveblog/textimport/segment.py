"""Cutting the unit stream into posts: markers (Share, Updated at, time labels),
headlines, the pinned duplicate, the key-events list and prose cues."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cohesion import (
    SUMMARY_TITLES,
    continues,
    greets,
    is_headline,
    is_headline_shape,
    is_lead_in,
    opens_update,
    opens_with_reference,
    signs_off,
)
from .lines import Unit
from .textutil import fold, unbalanced_closing_quote

_BODY = ("para", "bullet", "image", "embed")
_MARKERS = ("share", "updated", "keyevents", "time")


@dataclass
class Draft:
    units: list[Unit] = field(default_factory=list)
    headline: Unit | None = None
    time: Unit | None = None
    bylines: list[Unit] = field(default_factory=list)
    edited: bool = False
    pinned: bool = False
    key_event: bool = False
    extra_lines: list[int] = field(default_factory=list)  # the pinned copy at the top

    @property
    def summary(self) -> bool:
        if self.headline is None:
            return False
        title = fold(self.headline.text)
        # "Summary: what we know so far", "Zusammenfassung am Mittag" count too.
        return title in SUMMARY_TITLES or any(
            title.startswith((f"{word}:", f"{word} –", f"{word} -")) for word in SUMMARY_TITLES
        )

    @property
    def empty(self) -> bool:
        return not (self.units or self.headline or self.time or self.bylines)

    def prose(self) -> str:
        parts = [self.headline.text] if self.headline else []
        parts += [u.text for u in self.units if u.kind in ("para", "bullet")]
        return "\n".join(parts)

    def line_numbers(self) -> list[int]:
        numbers = set(self.extra_lines)
        for unit in [self.time, self.headline, *self.bylines, *self.units]:
            if unit is not None:
                numbers.update(unit.lines)
        return sorted(numbers)


@dataclass
class Segmentation:
    drafts: list[Draft]
    key_entries: list[Unit]
    pinned_lines: tuple[int, int] | None  # first line of the top copy and of the kept copy
    reliable_markers: bool
    standfirst: Unit | None = None


def _same(a: Unit, b: Unit) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "image":
        return fold(a.text) == fold(b.text) and fold(a.credit or "") == fold(b.credit or "")
    return fold(a.text) == fold(b.text)


# An entry of the key-events list that carries its post's time on the same line:
# "1.58am Summary: what we know so far", "vor 12 Min. Evakuierung in der Altstadt".
_ENTRY_TIME = re.compile(
    r"^(?:\d{1,2}(?:[.:]|\s?h\s?)\d{2}\s?(?:[ap]\.?m\.?)?|(?:vor|há|hace|il y a)\s+\d+\s?"
    r"(?:min|std|h|horas?|minutos?)\.?|\d+\s?(?:min|h)\s+ago)\s+(?=\S)",
    re.IGNORECASE,
)


def _entry_text(text: str) -> str:
    return _ENTRY_TIME.sub("", text, count=1)


def _mark_key_entries(units: list[Unit]) -> list[Unit]:
    """Entries of the key-events list repeat later headlines; they flag those posts."""
    entries: list[Unit] = []
    for i, unit in enumerate(units):
        if unit.kind != "keyevents":
            continue
        j = i + 1
        while j < len(units):
            step = 2 if units[j].kind == "time" and j + 1 < len(units) else 1
            entry = units[j + step - 1]
            if entry.kind != "para" or not is_headline_shape(_entry_text(entry.text)):
                break
            key = fold(_entry_text(entry.text))
            later = [u for u in units[j + step :] if u.kind == "para" and fold(u.text) == key]
            if not later:
                break
            for u in units[j : j + step]:
                u.key_entry = True
                entries.append(u)
            j += step
    return entries


def _find_pinned(units: list[Unit], start: int | None) -> tuple[list[int], list[int]] | None:
    """Indices of the pinned copy at the top (from start) and of its copy in the stream."""
    if start is None or start >= len(units):
        return None
    if units[start].kind not in (*_BODY, "byline") or units[start].key_entry:
        return None
    end = start
    # The top copy runs until the first marker; bylines are part of it.
    while end < len(units) and units[end].kind in (*_BODY, "byline") and not units[end].key_entry:
        end += 1
    for j in range(end, len(units)):
        if units[j].key_entry or not _same(units[start], units[j]):
            continue
        size = 0
        while (
            start + size < end
            and j + size < len(units)
            and _same(units[start + size], units[j + size])
        ):
            size += 1
        # One short matching line ("Summary") is too little to call a duplicate.
        single = end - start == 1 and units[start].kind != "byline"
        distinct = units[start].kind in ("image", "embed") or len(units[start].text.split()) >= 3
        if size >= 2 or (single and distinct):
            return list(range(start, start + size)), list(range(j, j + size))
    return None


def _standfirst_candidate(units: list[Unit]) -> bool:
    """Could the first unit under the title be the standfirst rather than a post?

    It is one paragraph of a sentence or two, standing alone before something
    that opens a post or the page's blocks (a byline, a time label, the
    "Key events" heading, a headline); the newest post would run on into its
    own body or end with its Share line instead.
    """
    if len(units) < 2 or units[0].kind != "para" or units[0].key_entry:
        return False
    text = units[0].text
    if not 6 <= len(text.split()) <= 80 or opens_with_reference(text):
        return False
    if unbalanced_closing_quote(text) or text.endswith(":"):
        return False
    return units[1].kind in ("byline", "time", "keyevents", "para")


def _mark_headlines(units: list[Unit]) -> None:
    for i, unit in enumerate(units):
        if unit.kind != "para" or unit.key_entry:
            continue
        previous = units[i - 1] if i else None
        if previous is not None and previous.kind == "para" and previous.text.endswith(":"):
            continue  # the paragraph a colon introduces is a quotation
        following = units[i + 1] if i + 1 < len(units) else None
        next_is_body = following is not None and following.kind in (*_BODY, "byline")
        next_text = following.text if following is not None and following.kind == "para" else None
        unit.headline = is_headline(unit.text, next_text, next_is_body)


def _markers_reliable(units: list[Unit], skip: set[int], kept: list[int]) -> bool:
    """Do Share lines or time labels separate every pair of headed posts?

    When they do (a page that shows them for every post), they are the post
    boundaries and prose cues are not consulted; when they do not, posts in
    between lost their markers in the copy and the prose has to be read.
    The pinned post's copy in the stream is a post whose extent is known: text
    running straight into it or on from it shows posts without their markers too.
    """
    # Key-events entries and the top copy are lists of other posts, not post text.
    around = [i for i, u in enumerate(units) if i not in skip and not u.key_entry]
    if kept and kept[0] in around and kept[-1] in around:
        at = around.index(kept[0]), around.index(kept[-1])
        before = units[around[at[0] - 1]] if at[0] > 0 else None
        after = units[around[at[1] + 1]] if at[1] + 1 < len(around) else None
        for neighbour in (before, after):
            if neighbour is not None and neighbour.kind in (*_BODY, "byline"):
                return False
    seen_marker, any_marker, first = True, False, True
    for i, unit in enumerate(units):
        if i in skip or unit.key_entry:
            continue
        if unit.kind in _MARKERS:
            seen_marker = True
            any_marker = any_marker or unit.kind in ("share", "time")
        elif unit.headline:
            if not seen_marker and not first:
                return False
            seen_marker, first = False, False
    return any_marker


def _should_split(draft: Draft, unit: Unit) -> bool:
    if unit.kind != "para" or not draft.units:
        return False
    last = draft.units[-1]
    if unbalanced_closing_quote(unit.text) or (last.kind == "para" and last.text.endswith(":")):
        return False
    if unit.text.startswith("Correction: "):
        return False  # a post's correction note closes it
    if greets(unit.text):
        return True  # a welcome opens the blog (or a new shift of it), never carries on
    if draft.summary:
        # A summary is an intro and a list; prose after the list is the next post.
        return any(u.kind == "bullet" for u in draft.units)
    if (
        draft.headline is None
        and len(draft.units) == 1
        and is_lead_in(last.text)
        and (not signs_off(last.text) or signs_off(unit.text))
    ):
        # The paragraph after a one-line lead-in explains it; after a sign-off ("We will
        # be back tomorrow."), only more of the sign-off does.
        return False
    paragraphs = [u.text for u in draft.units if u.kind == "para"]
    previous = paragraphs[-1] if paragraphs else None
    carries_on = continues(unit.text, previous, draft.prose(), last.kind in ("image", "embed"))
    if draft.headline is not None or draft.time is not None:
        return opens_update(unit.text, draft.prose()) and not carries_on
    return not carries_on


def segment(units: list[Unit], allow_standfirst: bool = True) -> Segmentation:
    key_entries = _mark_key_entries(units)
    first = next(
        (i for i, u in enumerate(units) if u.kind in (*_BODY, "byline") and not u.key_entry), None
    )
    pinned = _find_pinned(units, first)
    candidate = allow_standfirst and first == 0 and _standfirst_candidate(units)
    if pinned is None and candidate:
        # A standfirst between the title and the pinned copy.
        pinned = _find_pinned(units, 1)
    top, kept = pinned if pinned else ([], [])
    for t, k in zip(top, kept, strict=True):
        if units[k].kind == "image" and units[k].alt is None:
            units[k].alt = units[t].alt  # the top copy may be the only one showing alt text
    _mark_headlines(units)
    standfirst: Unit | None = None
    if candidate and not (top and top[0] == 0):
        follower = units[1]
        pinned_next = bool(top) and top[0] == 1
        if pinned_next or (
            not units[0].headline and (follower.kind != "para" or follower.headline)
        ):
            standfirst = units[0]
            standfirst.headline = False
    skip = set(top)
    if top and top[0] > 0 and units[top[0] - 1].kind == "time" and standfirst is None:
        skip.add(top[0] - 1)  # the top copy's own time label repeats the kept copy's
    reliable = _markers_reliable(units, skip | ({0} if standfirst else set()), kept)

    drafts: list[Draft] = []
    current: Draft | None = None

    def close() -> None:
        nonlocal current
        if current is not None and not current.empty:
            drafts.append(current)
        current = None

    for i, unit in enumerate(units):
        if i in skip or unit.key_entry or unit is standfirst:
            continue
        if kept and i == kept[0]:
            # A time label just before the kept copy belongs to it.
            if current is not None and (current.units or current.headline):
                close()
            current = current or Draft()
            current.pinned = True
            for t in sorted(skip):
                current.extra_lines.extend(units[t].lines)
        if kept and i in kept:
            assert current is not None
            if i == kept[0] and unit.headline:
                current.headline = unit
            elif unit.kind == "byline":
                current.bylines.append(unit)
            else:
                current.units.append(unit)
            if i == kept[-1]:
                close()
            continue
        if unit.kind == "share" or unit.kind == "keyevents":
            close()
        elif unit.kind in ("pinlabel", "keylabel"):
            # "Pinned" / "Key event" above a post: it flags the post that follows.
            if current is not None and (current.units or current.headline):
                close()
            current = current or Draft()
            if unit.kind == "keylabel":
                current.key_event = True
            elif not kept:  # a page that repeats its pinned post says so by the copy
                current.pinned = True
        elif unit.kind == "updated":
            target = current if current is not None and current.units else None
            target = target or (drafts[-1] if drafts else None)
            if target is not None:
                target.edited = True
            close()
        elif unit.kind == "time":
            if current is not None and (current.units or current.headline or current.time):
                close()
            current = current or Draft()
            current.time = unit
        elif unit.kind == "byline":
            if current is not None and current.units:
                close()
            current = current or Draft()
            current.bylines.append(unit)
        elif unit.headline:
            if current is not None and (current.units or current.headline):
                close()
            current = current or Draft()
            current.headline = unit
        else:
            if current is not None and not reliable and _should_split(current, unit):
                close()
            current = current or Draft()
            current.units.append(unit)
    close()

    headlines = {fold(d.headline.text): d for d in drafts if d.headline is not None}
    for entry in key_entries:
        if entry.kind == "para" and fold(_entry_text(entry.text)) in headlines:
            headlines[fold(_entry_text(entry.text))].key_event = True
    pinned_lines = (units[top[0]].lines[0], units[kept[0]].lines[0]) if top else None
    return Segmentation(drafts, key_entries, pinned_lines, reliable, standfirst)
