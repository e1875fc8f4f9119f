"""Post bodies as exchange elements: paragraphs, bullet lists, images and
blockquotes (with an attribution only when the text before names the speaker)."""

from __future__ import annotations

import re
from typing import Any

from .lines import Unit
from .textutil import FUNCTION_WORDS, OPENING_QUOTES, unbalanced_closing_quote

Element = dict[str, Any]

# Letters of Latin names, accented ones included ("Kallström", "Łukasz").
_UP, _LOW = "A-ZÀ-ÖØ-ÞĀ-Ž", "a-zß-öø-ÿĀ-ž"
_WORD = rf"[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)?"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{1,2}}"
_SPEECH = (
    r"(?:says|said|told|tells|added|adds|wrote|writes|warned|replied|responded|"
    r"was quoted as saying|continued)"
)
# Speaker patterns in the paragraph just before a quotation; each needs a
# two-word personal name so "Tass said" or "the ministry said" never qualify.
_SPEAKER_PATTERNS = (
    re.compile(rf"({_NAME})(?:,\s+(?:the\s+|a\s+)?[a-z][^,]{{0,120}},)?\s+{_SPEECH}\b"),
    # "said Jane Doe": only verbs whose object is the speaker ("told X" names the listener).
    re.compile(rf"\b(?:says|said|added|wrote)\s+({_NAME})\b"),
    # "The harbour master, Jane Doe, said": the name as an appositive.
    re.compile(rf",\s+({_NAME}),\s+{_SPEECH}\b"),
    re.compile(
        rf"({_NAME})[’']s\s+(?:speech|statement|remarks|comments|address|words|post|message)\b"
    ),
)


# "US secretary of state Jane Doe – who is in Kyiv – has sought to reassure …": a paragraph
# whose subject is one named person, introducing that person's words with no speech verb.
# Only an active "has/had <verb>" counts: "has been charged" makes them the subject of
# someone else's news, not the speaker. The paragraph must be one sentence that names no
# one else and has no speech verb of its own (then that speaker is meant, not the subject).
_SUBJECT = re.compile(
    rf"^(?:[\w’'.-]+\s+){{0,6}}?({_NAME})"
    rf"(?:\s+[–—]\s+[^–—]{{1,160}}?\s+[–—]|,\s+[^,]{{1,160}}?,)?"
    r"\s+(?:has|have|had)\s+(?!been\b|being\b)[a-z]+\b"
)
_SENTENCE_BREAK = re.compile(r"[.!?…][”’\"')]*\s+[A-Z“‘\"]")


def _subject_speaker(previous: str) -> str | None:
    if _SENTENCE_BREAK.search(previous.rstrip()) or re.search(rf"\b{_SPEECH}\b", previous):
        return None
    m = _SUBJECT.match(previous)
    if m is None or m[1].split()[0].casefold() in FUNCTION_WORDS:
        return None
    named = {
        n for n in re.findall(_NAME, previous) if n.split()[0].casefold() not in FUNCTION_WORDS
    }
    return m[1] if named == {m[1]} else None


def attribution(previous: str | None) -> str | None:
    """The speaker, when exactly one person is named as speaking just before, or the
    paragraph before is about exactly one named person."""
    if not previous:
        return None
    names: list[str] = []
    for pattern in _SPEAKER_PATTERNS:
        for m in pattern.finditer(previous):
            name = m[1]
            if (
                re.search(r"(?:\band|\bor|&)\s*$", previous[: m.start(1)])
                and pattern is (_SPEAKER_PATTERNS[0])
            ):
                return None  # "A and B said": more than one speaker
            if name.split()[0].casefold() in FUNCTION_WORDS:
                continue
            if name not in names:
                names.append(name)
    if not names:
        return _subject_speaker(previous)
    return names[0] if len(names) == 1 else None


# "Marganto said ...": a speaker named by surname alone, after the post gave the full name.
_SURNAME_SPEAKER = re.compile(rf"(?<![\w’'-])({_WORD})\s+{_SPEECH}\b")


def surname_attribution(previous: str | None, earlier: str) -> str | None:
    """The full name behind a surname-only speaker ("Marganto said"), when the post named
    exactly one person with that surname before; otherwise no attribution."""
    if not previous:
        return None
    speakers: set[str] = set()
    for m in _SURNAME_SPEAKER.finditer(previous):
        if re.search(r"(?:\band|\bor|&)\s*$", previous[: m.start(1)]):
            return None  # "Quesada and Marganto said": more than one speaker
        if m[1].casefold() not in FUNCTION_WORDS:
            speakers.add(m[1])
    if len(speakers) != 1:
        return None
    surname = speakers.pop()
    names = {
        n
        for n in re.findall(_NAME, earlier)
        if n.split()[-1] == surname and n.split()[0].casefold() not in FUNCTION_WORDS
    }
    return names.pop() if len(names) == 1 else None


def is_quote(unit: Unit, previous: Unit | None) -> bool:
    if unit.kind != "para":
        return False
    if unbalanced_closing_quote(unit.text):
        return True
    # "... reporting that the president said:" introduces a quotation without marks.
    return previous is not None and previous.kind == "para" and previous.text.endswith(":")


def _quote_text(text: str) -> str:
    if unbalanced_closing_quote(text):
        return text[:-1]
    if text[:1] in OPENING_QUOTES and text[-1:] in "”»":
        return text[1:-1]
    return text


def build_elements(units: list[Unit], lines_out: list[list[int]] | None = None) -> list[Element]:
    """The post's elements; with lines_out, also the page lines of each element, in the
    same order (what the import report and the corpus scorer show)."""
    elements: list[Element] = []
    bullets: list[str] = []
    bullet_lines: list[int] = []
    where: list[list[int]] = []

    def flush() -> None:
        if bullets:
            elements.append({"type": "text", "markdown": "\n".join(f"- {b}" for b in bullets)})
            where.append(sorted(bullet_lines))
            bullets.clear()
            bullet_lines.clear()

    previous: Unit | None = None
    said: list[str] = []  # the post's paragraphs so far
    for unit in units:
        if unit.kind == "bullet":
            bullets.append(unit.text)
            bullet_lines.extend(unit.lines)
        else:
            flush()
            where.append(sorted(unit.lines))
            if unit.kind == "image":
                elements.append(
                    {
                        "type": "image",
                        "caption": unit.text,
                        "credit": unit.credit,
                        # No alt line on the page: the caption is what it offered
                        # in its place, as the reader page does for a photo without alt.
                        "alt": unit.alt if unit.alt is not None else (unit.text or None),
                        "file": None,
                    }
                )
            elif unit.kind == "embed":
                embed: Element = {"type": "embed", "url": unit.text}
                if unit.title:
                    embed["title"] = unit.title
                elements.append(embed)
            elif is_quote(unit, previous):
                speaker_text = (
                    previous.text if previous is not None and previous.kind == "para" else None
                )
                speaker = attribution(speaker_text) or surname_attribution(
                    speaker_text, "\n".join(said[:-1])
                )
                elements.append(
                    {"type": "quote", "text": _quote_text(unit.text), "attribution": speaker}
                )
            else:
                elements.append({"type": "text", "markdown": unit.text})
        if unit.kind in ("para", "bullet"):
            said.append(unit.text)
        previous = unit
    flush()
    if lines_out is not None:
        lines_out.extend(where)
    return elements
