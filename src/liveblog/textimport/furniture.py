"""Page furniture: buttons, counters and footer lines that a "select all, copy"
drags along. Each is reported with a reason; none is dropped silently. The labels,
in several languages, come from data/furniture.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from .textutil import script_of

FurnitureKind = Literal["share", "updated", "keyevents", "pinlabel", "keylabel", "other"]

_SHARE = re.compile(r"^share(?: this (?:post|update|article))?(?: on \w+)?$", re.IGNORECASE)
_UPDATED = re.compile(r"^updated(?: at| on)?\b(?P<rest>.*)$", re.IGNORECASE)
_LONE_NUMBER = re.compile(r"^[\d.,]+[kKmM]?$")
# An embed card's button and its note (static/clicktoload.js), when the page had scripts.
_LOAD_EMBED = re.compile(
    r"^load the (?:video|post|audio) from [\w .-]{1,40}?"
    r"(?:\s*loading it connects you to .{1,200})?$",
    re.IGNORECASE,
)
_KINDS: tuple[FurnitureKind, ...] = (
    "share",
    "updated",
    "keyevents",
    "pinlabel",
    "keylabel",
    "other",
)
_NUMBER = r"[\d٠-٩۰-۹.,]+"
_DIGIT = re.compile(r"[\d٠-٩۰-۹]")


class FurnitureDataError(ValueError):
    """data/furniture.toml is not as its header says."""


@dataclass(frozen=True)
class Furniture:
    """The labels of data/furniture.toml: whole lines, and prefixes before a time."""

    lines: dict[str, tuple[FurnitureKind, str]]  # folded label -> kind, reason
    counted: tuple[tuple[re.Pattern[str], FurnitureKind, str], ...]  # labels with {n}
    prefixes: tuple[tuple[re.Pattern[str], FurnitureKind, str], ...]
    languages: frozenset[str]


def _key(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(":").strip()


def parse_furniture(text: str) -> Furniture:
    """Read the data file's text; FurnitureDataError says what is wrong with it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FurnitureDataError(f"not TOML: {exc}") from None
    lines: dict[str, tuple[FurnitureKind, str]] = {}
    counted: list[tuple[re.Pattern[str], FurnitureKind, str]] = []
    prefixes: list[tuple[re.Pattern[str], FurnitureKind, str]] = []
    languages: set[str] = set()
    if not data:
        raise FurnitureDataError("no tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise FurnitureDataError(f"{name}: not a table")
        kind, reason, match = table.get("kind"), table.get("reason"), table.get("match", "line")
        if kind not in _KINDS:
            raise FurnitureDataError(f"{name}: kind must be one of {', '.join(_KINDS)}")
        if not isinstance(reason, str) or not reason.strip():
            raise FurnitureDataError(f"{name}: reason must be a non-empty string")
        if match not in ("line", "prefix"):
            raise FurnitureDataError(f"{name}: match must be 'line' or 'prefix'")
        for lang, labels in table.items():
            if lang in ("kind", "reason", "match"):
                continue
            if not re.fullmatch(r"[a-z]{2}", lang):
                raise FurnitureDataError(f"{name}: {lang!r} is not a language code")
            if not isinstance(labels, list) or not labels:
                raise FurnitureDataError(f"{name}.{lang}: must be a non-empty list of labels")
            languages.add(lang)
            for label in labels:
                if not isinstance(label, str) or not _key(label) or _key(label) != label:
                    raise FurnitureDataError(
                        f"{name}.{lang}: {label!r} must be lower case, trimmed, without a ':'"
                    )
                words = r"\s+".join(re.escape(w) for w in label.split())
                if match == "prefix":
                    pattern = re.compile(rf"^{words}(?![\w-])[:\s]*(?P<rest>.*)$", re.IGNORECASE)
                    prefixes.append((pattern, kind, reason))
                elif "{n}" in label:
                    pattern = re.compile(
                        "^" + words.replace(re.escape("{n}"), _NUMBER) + "$", re.IGNORECASE
                    )
                    counted.append((pattern, kind, reason))
                else:
                    lines.setdefault(label, (kind, reason))
    return Furniture(lines, tuple(counted), tuple(prefixes), frozenset(languages))


@cache
def furniture_data() -> Furniture:
    path = resources.files("liveblog.textimport").joinpath("data/furniture.toml")
    return parse_furniture(path.read_text("utf-8"))


def classify_furniture(text: str) -> tuple[FurnitureKind, str] | None:
    """Kind and reason when a stripped line is furniture wherever it appears."""
    if _SHARE.match(text):
        return "share", "'Share' button (ends a post)"
    m = _UPDATED.match(text)
    if m and len(text) <= 40:
        rest = m["rest"].strip()
        if rest:
            return "updated", f"'Updated at' stamp ({rest}); the post before it is marked edited"
        return "updated", "'Updated at' without a time; the post before it is marked edited"
    if _LONE_NUMBER.match(text):
        return "other", "lone number (a counter on the page)"
    data = furniture_data()
    found = data.lines.get(_key(text))
    if found is not None:
        return found
    for pattern, kind, reason in data.counted:
        if pattern.match(text):
            return kind, reason
    if len(text) <= 40:
        for pattern, kind, reason in data.prefixes:
            m = pattern.match(text)
            # A stamp: the label alone, or with a time or a date ("Mis à jour à 23h52").
            if m and (not m["rest"].strip() or _DIGIT.search(m["rest"])):
                rest = m["rest"].strip()
                return kind, f"{reason} ({rest})" if rest else reason
    if _LOAD_EMBED.match(text):
        return "other", "an embedded video's or post's 'Load' button"
    return None


def page_script(texts: list[str]) -> str:
    """The writing system most of the page's letters are in."""
    counts: dict[str, int] = {}
    for text in texts:
        script = script_of(text)
        if script:
            counts[script] = counts.get(script, 0) + len(text)
    if not counts:
        return "LATIN"
    return max(sorted(counts), key=lambda k: counts[k])


def footer_lines(stripped: list[str], script: str) -> dict[int, str]:
    """Trailing lines (0-based index -> reason) that belong to the page footer.

    Only the tail is examined: a line in another script inside a post may be a
    quotation in the original language and must stay with its post.
    """
    found: dict[int, str] = {}
    for index in range(len(stripped) - 1, -1, -1):
        text = stripped[index]
        if not text:
            continue
        other = script_of(text)
        if other is not None and other != script and len(text.split()) <= 12:
            found[index] = f"footer line in another script ({other.title()})"
            continue
        furniture = classify_furniture(text)
        if furniture is not None and furniture[0] == "other":
            found[index] = furniture[1]
            continue
        break
    return found
