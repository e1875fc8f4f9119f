"""What a post says about where its claims come from: the agencies and
institutions it names, and whether it calls them verified. The agencies,
broadcasters and the forms in which they are cited come from data/sources.toml
(known.py)."""

from __future__ import annotations

import re

from liveblog.states import Verification

from .known import cited, known_sources
from .textutil import FUNCTION_WORDS, INSTITUTION_HEADS

# "the Institute for the Study of War (ISW)": an institution known by its acronym.
_INSTITUTION_ACRONYM = re.compile(
    r"\b(?:[A-Z][\w’'-]*\s+)*(?:Institute|Institution|Agency|Organisation|Organization|Office|"
    r"Bureau|Centre|Center|Council|Commission|Committee|Service|Observatory|Foundation|"
    r"Monitor|Mission)(?:\s+(?:for|of|on|in)(?:\s+the)?(?:\s+[A-Z][\w’'-]*)+)*\s+\((?P<acr>[A-Z]{2,8})\)"
)
# "news agency Yonhap" / "Yonhap news agency": an agency the list does not know.
_AGENCY_AFTER = re.compile(r"\bnews agency\s+(?P<name>[A-Z][\w-]+(?:\s[A-Z][\w-]+)?)")
_AGENCY_BEFORE = re.compile(
    r"\b(?P<name>[A-Z][\w-]+)(?:’s|'s)?\s+(?:state(?:-run|-owned)?\s+)?news agency\b"
)
# A named institution ("Kesterby City Council", "the Harbour Authority", "Ministry of
# Transport"): capitalised words ending in, or led by, a word for a public body or a
# company (INSTITUTION_HEADS). Places and buildings ("... Sports Hall") are not.
_HEADS = rf"(?:{'|'.join(INSTITUTION_HEADS)})"
_CAP = r"[A-Z][\w&-]*"
_INSTITUTION = re.compile(
    rf"(?<![\w’'-])(?P<name>(?:{_CAP} +)+{_HEADS}|(?:{_CAP} +)*{_HEADS} +(?:of|for)"
    rf"(?: +the)?(?: +{_CAP})+)(?![\w’'-])"
)
# It has to act or speak in the post ("... said", "... has closed", "according to
# ..."); an institution mentioned in passing (a speaker's employer) is not a source.
_ACTS = re.compile(
    r"^(?:,\s+(?:which|who)\b[^,.]{1,100},)?\s+(?:(?:has|have|had)\s+)?(?:now\s+|also\s+)?"
    r"(?:says|said|told|tells|reports|reported|announced|announces|confirmed|confirms|warned|"
    r"warns|cautioned|urged|urges|added|adds|estimates|estimated|expects|believes|denied|denies|"
    r"claims|claimed|stated|insisted|is|are|was|were|has|have|had|will|would|could|can|may|"
    r"might|must|should|[a-z]+ed)\b"
)
_ACCORDING = re.compile(r"\baccording to (?:the\s+)?$", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"^(?:The|A|An|State(?:-\w+)?|Its|Their|[A-Z]\w*(?:ian|ese|ish|ean|ic|i))$"
)

_UNVERIFIED = re.compile(
    r"\b(?:unverified|(?:not|n[’']t)\s+(?:yet\s+)?(?:been\s+)?able\s+to\s+(?:independently\s+)?"
    r"(?:check|verify|confirm)\w*|(?:not|n[’']t|cannot|unable to)\s+(?:\w+\s+){0,3}independently\s+"
    r"(?:verif|confirm)\w*|could not (?:be )?(?:verified|verify|confirmed|confirm))\b",
    re.IGNORECASE,
)
_DISPUTED = re.compile(
    r"\b(?:disputed|denied|denies|rejected|rejects)\s+(?:the\s+|these\s+|those\s+|this\s+)?"
    r"(?:claims?|reports?|account|figures?)\b",
    re.IGNORECASE,
)
_CONFIRMED = re.compile(
    r"\b(?:has|have|was|were|been)\s+independently\s+(?:verified|confirmed)\b", re.IGNORECASE
)


def find_sources(text: str) -> list[str]:
    """Agencies and institutions named in text, in order of first mention."""
    hits: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in hits)

    for m in _INSTITUTION_ACRONYM.finditer(text):
        hits.append((m.start(), m.end(), m["acr"]))
    known = known_sources()
    for m in known.pattern.finditer(text):
        start, end = m.span("form")
        form = known.forms[m["form"]]
        if form.source.cited_only and not cited(text, start, end):
            continue
        if free(start, end):
            hits.append((start, end, form.recorded))
    for pattern in (_AGENCY_AFTER, _AGENCY_BEFORE):
        for m in pattern.finditer(text):
            name = m["name"]
            if not _NOT_A_NAME.match(name) and free(m.start("name"), m.end("name")):
                hits.append((m.start("name"), m.end("name"), name))
    for m in _INSTITUTION.finditer(text):
        words = m["name"].split()
        while words and words[0].casefold() in FUNCTION_WORDS:
            words.pop(0)  # "The Harbour Authority": the article is not part of the name
        start = m.end() - len(" ".join(words)) if words else m.end()
        acts = _ACTS.match(text[m.end() :]) or _ACCORDING.search(text[: m.start()])
        if len(words) >= 2 and acts and free(start, m.end()):
            hits.append((start, m.end(), " ".join(words)))
    names: list[str] = []
    seen: set[str] = set()
    for _, _, name in sorted(hits):
        # "the Associated Press" and later "AP": one source, named as first written.
        if known.canonical(name).casefold() not in seen:
            seen.add(known.canonical(name).casefold())
            names.append(name)
    return names


def find_verification(text: str) -> Verification | None:
    """What the post itself says about verification; no judgement of our own."""
    if _UNVERIFIED.search(text):
        return Verification.UNVERIFIED
    if _DISPUTED.search(text):
        return Verification.DISPUTED
    if _CONFIRMED.search(text):
        return Verification.CONFIRMED
    return None
