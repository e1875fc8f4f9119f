"""The news agencies, broadcasters, news sites and institutions that posts cite, and the
forms in which they cite them, loaded once from data/sources.toml (format in its header)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = ("agency", "broadcaster", "site", "institution")
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ar", "fa")
PLACEHOLDER = "{source}"

# Letters of the Arabic script (Arabic, Persian): their words take a one-letter prefix
# ("لقناة المملكة": "to Al Mamlaka TV"), so a name may follow one of these letters.
_ARABIC = "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
_PROCLITIC = rf"(?:[وبلفك]ـ?(?=[{_ARABIC}]))?"
# An article between a citation form and the name: "according to the BBC", "à l'AFP".
_ARTICLE = (
    r"(?:(?:the|la|le|les|el|il|lo|los|las|o|a|os|as|de|der|die|das|dem|den|des|het)\s+"
    r"|l['’]|dell['’]|all['’]|dall['’])?"
)


class SourceDataError(ValueError):
    """data/sources.toml is not as its header says."""


@dataclass(frozen=True)
class KnownSource:
    name: str
    kind: str
    country: str
    spellings: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    cited_only: bool = False


@dataclass(frozen=True)
class Form:
    """One way of writing a source, and what the import records for it."""

    source: KnownSource
    recorded: str  # the spelling as written, or the source's name for an alias


@dataclass(frozen=True)
class Known:
    sources: tuple[KnownSource, ...]
    forms: dict[str, Form]  # every written form -> the form
    pattern: re.Pattern[str]  # any form, as a whole word; group "form"
    citations: dict[str, tuple[str, ...]]  # language -> citation forms
    _folded: dict[str, str]

    def canonical(self, name: str) -> str:
        """The usual short name of a source however written ("Associated Press" -> "AP");
        a name the data does not know is its own."""
        return self._folded.get(name.casefold(), name)


def _entry(raw: object, number: int) -> KnownSource:
    where = f"source {number}"
    if not isinstance(raw, dict):
        raise SourceDataError(f"{where}: not a table")
    unknown = set(raw) - {"name", "kind", "country", "spellings", "aliases", "cited_only"}
    if unknown:
        raise SourceDataError(f"{where}: unknown keys {sorted(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise SourceDataError(f"{where}: name must be a non-empty string")
    where = f"source {name!r}"
    if raw.get("kind") not in KINDS:
        raise SourceDataError(f"{where}: kind must be one of {', '.join(KINDS)}")
    country = raw.get("country")
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}|intl", country):
        raise SourceDataError(f"{where}: country must be an ISO 3166 code or 'intl'")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("spellings", "aliases"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v.strip() and v == v.strip() for v in value
        ):
            raise SourceDataError(f"{where}: {key} must be a list of non-empty strings")
        lists[key] = tuple(value)
    cited_only = raw.get("cited_only", False)
    if not isinstance(cited_only, bool):
        raise SourceDataError(f"{where}: cited_only must be true or false")
    return KnownSource(name, raw["kind"], country, lists["spellings"], lists["aliases"], cited_only)


def parse_known(text: str) -> Known:
    """Read the data file's text; SourceDataError says what is wrong with it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceDataError(f"not TOML: {exc}") from None
    raw_sources = data.get("source")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise SourceDataError("no [[source]] entries")
    sources = tuple(_entry(raw, i) for i, raw in enumerate(raw_sources, 1))
    forms: dict[str, Form] = {}
    folded: dict[str, str] = {}
    for src in sources:
        for written in (src.name, *src.spellings, *src.aliases):
            if written in forms:
                raise SourceDataError(
                    f"{written!r} names both {forms[written].source.name!r} and {src.name!r}"
                )
            keep = written == src.name or written in src.spellings
            forms[written] = Form(src, written if keep else src.name)
            folded.setdefault(written.casefold(), src.name)
    raw_citations = data.get("citation")
    if not isinstance(raw_citations, dict):
        raise SourceDataError("no [citation] table")
    citations: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        found = raw_citations.get(lang)
        if not isinstance(found, list) or not found:
            raise SourceDataError(f"citation: no forms for {lang!r}")
        for form in found:
            if not isinstance(form, str) or form.count(PLACEHOLDER) != 1 or form == PLACEHOLDER:
                raise SourceDataError(
                    f"citation {lang}: {form!r} must hold {PLACEHOLDER} once, and words"
                )
        citations[lang] = tuple(found)
    extra = set(raw_citations) - set(LANGUAGES)
    if extra:
        raise SourceDataError(f"citation: unknown languages {sorted(extra)}")
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-]){_PROCLITIC}(?P<form>{alternatives})(?![\w-])")
    return Known(sources, forms, pattern, citations, folded)


@cache
def known_sources() -> Known:
    text = resources.files("liveblog.textimport").joinpath("data/sources.toml").read_text("utf-8")
    return parse_known(text)


def _words(part: str) -> str:
    return r"\s+".join(re.escape(w) for w in part.split())


@cache
def _citation_patterns() -> tuple[tuple[re.Pattern[str] | None, re.Pattern[str] | None], ...]:
    out = []
    for forms in known_sources().citations.values():
        for form in forms:
            before, after = form.split(PLACEHOLDER)
            b = a = None
            if before:
                gap = r"\s*" if before[-1].isspace() or not before[-1].isalpha() else ""
                if before[-1].isspace():
                    gap = r"\s+"
                b = re.compile(rf"(?<![\w-]){_words(before)}{gap}{_ARTICLE}$", re.IGNORECASE)
            if after:
                lead = r"\s+" if after[0].isspace() else ""
                a = re.compile(rf"^{lead}{_words(after)}(?![\w-])", re.IGNORECASE)
            out.append((b, a))
    return tuple(out)


def cited(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] stands in one of the citation forms."""
    head, tail = text[max(0, start - 80) : start], text[end : end + 80]
    for before, after in _citation_patterns():
        if (before is None or before.search(head)) and (after is None or after.match(tail)):
            return True
    return False
