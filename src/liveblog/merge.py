"""A three-way merge of a post, field by field, for two people who edited it at once.

Base is the version both started from, *theirs* the version saved meanwhile, *yours* what
the second person sent. Pure: no storage, no web; the desk and the API build on it.

- A field changed on one side only is taken from that side (``Merge.taken`` says which).
- A field both sides changed the same way is taken once.
- A field both changed differently is a ``Conflict``: base, theirs and yours, with a
  suggested merged value (a word-by-word merge of the two texts when their changes do not
  overlap, the union of two name lists, otherwise yours) for the person to take or edit.
- A post's elements are merged unit by unit: each paragraph of a text element (split on
  blank lines) is one unit, every other element (a photo with its caption, credit and alt;
  a quote; a link) is one unit. Units are aligned with difflib, and only the places both
  sides changed differently are conflicts; the rest comes through from whichever side
  changed it.

The fields are read from the post content schema (``PostContent``): a new field of a post
is merged by its type (a flag, a list of names, a choice, a text) without a change here,
and only needs a line in ``LABELS`` for a nicer name or in ``KINDS`` for a special kind.
"""

from __future__ import annotations

import enum
import functools
import json
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Generic, Literal, TypeVar, Union, get_args, get_origin

from liveblog.schema import PostContent

T = TypeVar("T")
U = TypeVar("U")

# How a field is compared and shown: a one-line text, a longer text, a flag, a list of
# names, a choice among fixed values, or the post's elements.
Kind = Literal["line", "text", "flag", "names", "choice", "elements"]
Side = Literal["theirs", "yours"]
# What a person may answer to a conflict: one side, both (theirs then yours: for elements),
# or the merged value as edited.
Answer = Literal["theirs", "yours", "both", "merged"]
ANSWERS: tuple[Answer, ...] = ("theirs", "yours", "both", "merged")

# What the desk calls each field; a field missing here is named after itself ("Tags").
LABELS = {
    "title": "Headline",
    "elements": "Text and elements",
    "key_event": "Key event",
    "summary": "Summary",
    "pinned": "Pinned",
    "sources": "Sources",
    "verification": "Verification",
    "authors": "Byline",
    "correction": "Correction",
    "tags": "Tags",
}
# Kinds that the field's type does not tell.
KINDS: dict[str, Kind] = {"title": "line", "elements": "elements"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind


def _kind_of(annotation: Any) -> Kind:
    """A field's kind from its type: bool, list, Enum, else text (Optional unwrapped)."""
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)][:1] or [str]
    while hasattr(annotation, "__metadata__"):  # Annotated[...]
        annotation = get_args(annotation)[0]
    if annotation is bool:
        return "flag"
    if get_origin(annotation) is list or annotation is list:
        return "names"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice"
    return "text"


def _fields() -> tuple[Field, ...]:
    out = [
        Field(
            name,
            LABELS.get(name, name.replace("_", " ").capitalize()),
            KINDS.get(name) or _kind_of(info.annotation),
        )
        for name, info in PostContent.model_fields.items()
    ]
    # Pinning is the blog's, not the post's content, but the form sets it too.
    return (*out, Field("pinned", LABELS["pinned"], "flag"))


FIELDS: tuple[Field, ...] = _fields()
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
CONTENT_NAMES: tuple[str, ...] = tuple(PostContent.model_fields)


# --- sequences: diff3 --------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk(Generic[U]):
    """A stretch of the three sequences: stable (all equal) or changed on some side."""

    base: list[U]
    theirs: list[U]
    yours: list[U]

    @property
    def stable(self) -> bool:
        return self.base == self.theirs == self.yours

    def resolved(self) -> tuple[list[U], Side | Literal["both", "none"]] | None:
        """The chunk's outcome when at most one side changed it (or both the same way)."""
        if self.theirs == self.yours:
            return self.yours, ("none" if self.base == self.yours else "both")
        if self.theirs == self.base:
            return self.yours, "yours"
        if self.yours == self.base:
            return self.theirs, "theirs"
        return None


def _matches(base: Sequence[Any], other: Sequence[Any], autojunk: bool = False) -> dict[int, int]:
    # autojunk (for long texts' words) keeps very common items from starting a match:
    # fewer matches, never a wrong one, and no quadratic time on a thousand spaces.
    matcher = SequenceMatcher(None, base, other, autojunk=autojunk)
    return {
        block.a + i: block.b + i
        for block in matcher.get_matching_blocks()
        for i in range(block.size)
    }


def diff3(
    base: Sequence[U],
    theirs: Sequence[U],
    yours: Sequence[U],
    key: Any = None,
    autojunk: bool = False,
) -> list[Chunk[U]]:
    """The three sequences cut into chunks: stable ones where all three agree, and between
    them the stretches one side or both changed (the classic diff3, on difflib's matches).
    ``key`` makes each item hashable for the alignment (items themselves by default)."""
    k = key or (lambda item: item)
    kb, kt, ky = [k(x) for x in base], [k(x) for x in theirs], [k(x) for x in yours]
    mt, my = _matches(kb, kt, autojunk), _matches(kb, ky, autojunk)
    chunks: list[Chunk[U]] = []
    o = t = y = 0
    stable: list[int] = []

    def flush_stable() -> None:
        if stable:
            chunks.append(
                Chunk(
                    [base[i] for i in stable],
                    [theirs[mt[i]] for i in stable],
                    [yours[my[i]] for i in stable],
                )
            )
            stable.clear()

    while o < len(base) or t < len(theirs) or y < len(yours):
        if o < len(base) and mt.get(o) == t and my.get(o) == y:
            stable.append(o)
            o, t, y = o + 1, t + 1, y + 1
            continue
        flush_stable()
        nxt = next((i for i in range(o, len(base)) if i in mt and i in my), None)
        if nxt is None:
            o2, t2, y2 = len(base), len(theirs), len(yours)
        else:
            o2, t2, y2 = nxt, mt[nxt], my[nxt]
        chunks.append(Chunk(list(base[o:o2]), list(theirs[t:t2]), list(yours[y:y2])))
        o, t, y = o2, t2, y2
    flush_stable()
    return chunks


def merge_sequences(
    base: Sequence[U],
    theirs: Sequence[U],
    yours: Sequence[U],
    key: Any = None,
    autojunk: bool = False,
) -> list[U] | None:
    """The merged sequence, or None when both sides changed one place differently."""
    out: list[U] = []
    for chunk in diff3(base, theirs, yours, key, autojunk):
        done = chunk.resolved()
        if done is None:
            return None
        out.extend(done[0])
    return out


MAX_TOKENS = 8_000  # a word-by-word merge of longer texts is not tried
# Words, spaces and punctuation, each its own token.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def merge_words(base: str, theirs: str, yours: str) -> str | None:
    """Two edits of one text merged word by word, or None where they overlap."""
    b, t, y = (_TOKENS.findall(text) for text in (base, theirs, yours))
    if max(len(b), len(t), len(y)) > MAX_TOKENS:
        return None  # a whole long text rewritten on both sides: not worth the time
    merged = merge_sequences(b, t, y, autojunk=True)
    return None if merged is None else "".join(merged)


def merge_names(base: Sequence[T], theirs: Sequence[T], yours: Sequence[T]) -> list[T]:
    """Two edits of a list of names as sets: theirs, less what yours removed, plus what
    yours added (in yours' order)."""
    removed = [n for n in base if n not in yours]
    return [n for n in theirs if n not in removed] + [
        n for n in yours if n not in base and n not in theirs
    ]


# --- elements as units -----------------------------------------------------------------

# A unit of a post's body: one paragraph (its Markdown) or one whole non-text element.
Unit = str | dict[str, Any]
_BLANK_LINE = re.compile(r"\n(?:[ \t]*\n)+")


def paragraphs(markdown: str) -> list[str]:
    return [p.strip() for p in _BLANK_LINE.split(markdown.strip()) if p.strip()]


def units(elements: Sequence[Mapping[str, Any]]) -> list[Unit]:
    out: list[Unit] = []
    for element in elements:
        if element.get("type") == "text":
            out.extend(paragraphs(str(element.get("markdown") or "")))
        else:
            out.append(dict(element))
    return out


# The most a text element holds (schema: TextElement); paragraphs beyond start another.
MAX_TEXT = 20_000


def elements_of(merged: Sequence[Unit]) -> list[dict[str, Any]]:
    """Units back into elements: neighbouring paragraphs make one text element (up to
    MAX_TEXT characters each)."""
    out: list[dict[str, Any]] = []
    for unit in merged:
        if not isinstance(unit, str):
            out.append(dict(unit))
        elif (
            out
            and out[-1]["type"] == "text"
            and len(out[-1]["markdown"]) + 2 + len(unit) <= MAX_TEXT
        ):
            out[-1]["markdown"] += "\n\n" + unit
        else:
            out.append({"type": "text", "markdown": unit})
    return out


def _unit_key(unit: Unit) -> str:
    return unit if isinstance(unit, str) else "\x00" + json.dumps(unit, sort_keys=True)


def unit_text(found: Sequence[Unit]) -> str | None:
    """Paragraphs as one text a person can edit (blank lines between), or None when a
    unit is another kind of element."""
    if not all(isinstance(u, str) for u in found):
        return None
    return "\n\n".join(str(u) for u in found)


# --- the merge ---------------------------------------------------------------------------


@dataclass
class Conflict:
    """One place both sides changed differently: a field, or a stretch of the elements."""

    id: str  # "title", or "elements-<n>" for the n-th stretch of the elements
    field: Field
    base: Any
    theirs: Any
    yours: Any
    suggestion: Any  # the merged value proposed (for elements: units)
    # The merged value can be typed: a text, a list of names, or paragraphs only.
    editable: bool
    # The answer the form starts with: the merged value where it can be edited, else yours.
    default: Answer = "merged"
    # Why the suggestion is what it is, for the person.
    why: str = ""


@dataclass(frozen=True)
class Taken:
    """A field (or part of the elements) taken without asking: changed on one side only,
    or the same way on both."""

    field: Field
    side: Literal["theirs", "yours", "both"]
    detail: str = ""


@dataclass
class Merge:
    base: dict[str, Any]
    theirs: dict[str, Any]
    yours: dict[str, Any]
    fields: dict[str, Any]  # merged values of the fields with no conflict
    taken: list[Taken]
    conflicts: list[Conflict]
    # The elements as stretches: merged units, or the conflict deciding that stretch.
    pieces: list[list[Unit] | Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def resolve(self, answers: Mapping[str, tuple[Answer, str]]) -> dict[str, Any]:
        """The merged post, given an answer for each conflict: (answer, merged text).
        Raises ValueError naming the conflict whose answer is missing or does not fit."""
        out = dict(self.fields)
        decided: dict[str, Any] = {}
        for conflict in self.conflicts:
            if conflict.id not in answers:
                raise ValueError(f"choose theirs, yours or a merged text for {_name(conflict)}")
            decided[conflict.id] = _decide(conflict, *answers[conflict.id])
        for conflict in self.conflicts:
            if conflict.field.kind != "elements":
                out[conflict.field.name] = decided[conflict.id]
        if "elements" in self.yours and "elements" not in out:
            merged: list[Unit] = []
            for piece in self.pieces:
                merged.extend(decided[piece.id] if isinstance(piece, Conflict) else piece)
            out["elements"] = elements_of(merged)
        return out


def _name(conflict: Conflict) -> str:
    if conflict.field.kind == "elements":
        return f"{conflict.field.label} (part {conflict.id.rsplit('-', 1)[1]})"
    return conflict.field.label


def _decide(conflict: Conflict, answer: str, text: str) -> Any:
    if answer == "theirs":
        return conflict.theirs
    if answer == "yours":
        return conflict.yours
    kind = conflict.field.kind
    if answer == "both" and kind == "elements":
        return [*conflict.theirs, *conflict.yours]
    if answer == "both" and kind == "names":
        return merge_names(conflict.base or [], conflict.theirs or [], conflict.yours or [])
    if answer == "merged" and conflict.editable:
        return parse_text(kind, text)
    raise ValueError(f"{answer!r} is not an answer for {_name(conflict)}")


def parse_text(kind: Kind, text: str) -> Any:
    """A merged value as typed into the form."""
    text = text.replace("\r\n", "\n")
    if kind == "names":
        return [n.strip() for n in text.replace("\n", ",").split(",") if n.strip()]
    if kind == "elements":
        return list(paragraphs(text))
    return text.strip() or None


def show_text(kind: Kind, value: Any) -> str:
    """A value as the form shows it for editing (and as the merge page shows a side)."""
    if value is None:
        return ""
    if kind == "names":
        return ", ".join(value)
    if kind == "elements":
        return unit_text(value) or ""
    if kind == "flag":
        return "yes" if value else "no"
    return str(value)


def _suggest_text(base: str, theirs: str, yours: str) -> tuple[str, str]:
    merged = merge_words(base, theirs, yours)
    if merged is not None:
        return merged, "both changes, merged word by word"
    return yours, "yours: both changed the same words"


def merge_post(
    base: Mapping[str, Any], theirs: Mapping[str, Any], yours: Mapping[str, Any]
) -> Merge:
    """Merges the fields yours has (a field yours leaves out is kept as theirs)."""
    result = Merge(dict(base), dict(theirs), dict(yours), {}, [], [])
    for f in FIELDS:
        if f.name not in yours:
            continue
        b, t, y = base.get(f.name), theirs.get(f.name), yours[f.name]
        if f.kind == "elements":
            b, t, y = b or [], t or [], y or []
        if t == y:
            result.fields[f.name] = y
            if b != y:
                result.taken.append(Taken(f, "both"))
        elif t == b:
            result.fields[f.name] = y
            result.taken.append(Taken(f, "yours"))
        elif y == b:
            result.fields[f.name] = t
            result.taken.append(Taken(f, "theirs"))
        elif f.kind == "elements":
            _merge_elements(result, f, b or [], t or [], y or [])
        else:
            result.conflicts.append(_conflict(f, f.name, b, t, y))
    return result


def _conflict(f: Field, cid: str, b: Any, t: Any, y: Any) -> Conflict:
    if f.kind in ("line", "text"):
        suggestion, why = _suggest_text(b or "", t or "", y or "")
        return Conflict(cid, f, b, t, y, suggestion, True, "merged", why)
    if f.kind == "names":
        return Conflict(
            cid, f, b, t, y, merge_names(b or [], t or [], y or []), True, "merged",
            "both lists: what either added, less what either removed",
        )  # fmt: skip
    # A choice (and, for a type not known here, anything else): take a side.
    return Conflict(cid, f, b, t, y, y, False, "yours")


def _merge_elements(
    result: Merge, f: Field, base: list[Any], theirs: list[Any], yours: list[Any]
) -> None:
    sides: set[str] = set()
    for chunk in _refined(diff3(units(base), units(theirs), units(yours), _unit_key)):
        done = chunk.resolved()
        if done is not None:
            result.pieces.append(done[0])
            if done[1] not in ("none", "both"):
                sides.add(done[1])
            continue
        n = sum(isinstance(p, Conflict) for p in result.pieces) + 1
        texts = [unit_text(side) for side in (chunk.base, chunk.theirs, chunk.yours)]
        if all(t is not None for t in texts):
            b, t, y = (str(x) for x in texts)
            text, why = _suggest_text(b, t, y)
            conflict = Conflict(
                f"elements-{n}", f, chunk.base, chunk.theirs, chunk.yours, paragraphs(text),
                True, "merged", why,
            )  # fmt: skip
        else:
            conflict = Conflict(
                f"elements-{n}", f, chunk.base, chunk.theirs, chunk.yours, chunk.yours,
                False, "yours", "",
            )  # fmt: skip
        result.pieces.append(conflict)
        result.conflicts.append(conflict)
    by = " and ".join(sorted(sides))
    if not any(isinstance(p, Conflict) for p in result.pieces):
        merged: list[Unit] = [u for p in result.pieces if not isinstance(p, Conflict) for u in p]
        result.fields[f.name] = elements_of(merged)
        result.pieces = []
        result.taken.append(Taken(f, "both", f"merged paragraph by paragraph: {by}"))
    elif sides:
        # Where only one of them changed a paragraph, it is taken too: said, not asked.
        result.taken.append(Taken(f, "both", f"the rest merged paragraph by paragraph: {by}"))


# Paragraphs at least this alike are one paragraph edited, when aligning a clash.
ALIKE = 0.5
MAX_REFINED = 60  # units on a side; a longer clash stays one conflict


def _refined(chunks: list[Chunk[Unit]]) -> list[Chunk[Unit]]:
    """Each stretch both sides changed, cut finer: its units are paired with their edited
    counterparts on each side (by likeness), so that two people who changed neighbouring
    paragraphs, or one paragraph each, do not clash."""
    out: list[Chunk[Unit]] = []
    for chunk in chunks:
        sizes = (len(chunk.base), len(chunk.theirs), len(chunk.yours))
        if chunk.resolved() is not None or not chunk.base or max(sizes) > MAX_REFINED:
            out.append(chunk)
            continue
        theirs_of = _pairs(chunk.base, chunk.theirs)
        yours_of = _pairs(chunk.base, chunk.yours)
        t_gaps = _gaps(theirs_of, len(chunk.base), len(chunk.theirs))
        y_gaps = _gaps(yours_of, len(chunk.base), len(chunk.yours))
        for i, unit in enumerate([*chunk.base, None]):
            gap = Chunk[Unit](
                [], [chunk.theirs[j] for j in t_gaps[i]], [chunk.yours[k] for k in y_gaps[i]]
            )
            if gap.theirs or gap.yours:
                out.append(gap)
            if unit is not None:
                t, y = theirs_of.get(i), yours_of.get(i)
                out.append(
                    Chunk(
                        [unit],
                        [] if t is None else [chunk.theirs[t]],
                        [] if y is None else [chunk.yours[y]],
                    )
                )
    return out


_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _alike(a: Unit, b: Unit) -> float:
    if a == b:
        return 2.0  # an unchanged unit pairs before any edited one
    if isinstance(a, str) and isinstance(b, str):
        # The share of words they have in common (a Dice coefficient over their sets of
        # words): linear in their length, where an alignment would be quadratic.
        wa, wb = _words(a), _words(b)
        total = len(wa) + len(wb)
        return 2 * len(wa & wb) / total if total else 1.0
    if isinstance(a, dict) and isinstance(b, dict) and a.get("type") == b.get("type"):
        return 1.0 if a.get("file") and a.get("file") == b.get("file") else 0.6
    return 0.0


def _pairs(base: Sequence[Unit], other: Sequence[Unit]) -> dict[int, int]:
    """The best in-order pairing of base units with the other side's (each pair at least
    ALIKE), by dynamic programming over the likeness of every two units."""
    n, m = len(base), len(other)
    alike = [[_alike(b, o) for o in other] for b in base]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if alike[i][j] >= ALIKE:
                best = max(best, alike[i][j] + score[i + 1][j + 1])
            score[i][j] = best
    pairs: dict[int, int] = {}
    i = j = 0
    while i < n and j < m:
        if alike[i][j] >= ALIKE and score[i][j] == alike[i][j] + score[i + 1][j + 1]:
            pairs[i] = j
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _gaps(pairs: dict[int, int], n: int, m: int) -> list[list[int]]:
    """The other side's units that pair with none, by the gap they sit in: gap i is just
    before base unit i (gap n at the end), after the last paired unit before them."""
    gaps: list[list[int]] = [[] for _ in range(n + 1)]
    paired = {j: i for i, j in pairs.items()}
    gap = 0
    for j in range(m):
        if j in paired:
            gap = paired[j] + 1
        else:
            gaps[gap].append(j)
    return gaps


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The names of the fields that differ between two versions (for the API's 412)."""
    return [name for name in FIELD_NAMES if name in before and before.get(name) != after.get(name)]
