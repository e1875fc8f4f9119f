"""How close parse_text comes to a page's expected structure.

The expected structure is the format of tests/fixtures/corpus/README.md: posts with their
line span, headline, time, flags, sources and elements (by line), and the lines set aside.
The scorer lives in the package, not in the tests, because it is a tool for anyone who
wants to know how well the importer reads their own pages: annotate a few of them in that
format and score them (``bench/import_corpus.py --corpus DIR``). It is also what the bench
and the suite's floor test share, and mypy checks it with the rest of the package.

Everything is counted, not averaged, so that pages add up (micro figures over a corpus):

- boundaries: a boundary is the first own line of a post (headline, time or element);
  precision and recall of the parser's boundaries against the expected ones.
- posts are paired one to one, largest line overlap first; titles, flags and sources are
  compared on the pairs (a post without a partner counts against recall or precision).
- elements: an expected element is found when the parser made an element of the same type
  from exactly the same lines (wherever the post boundaries fell); image credits and quote
  attributions are compared on the elements found.
- lines: every non-blank line gets one role on each side (header, title, time, text,
  quote, image, discarded); the share that agree.
- sources are compared by identity: "Associated Press" and "AP" are one source (the names
  of data/sources.toml).
- discarded lines: the lines the parser set aside (furniture, key-events entries, bylines,
  the pinned post's top copy) against the expected ``discarded``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .known import known_sources
from .result import ParseResult

FLAGS = ("pinned", "key_event", "summary", "edited", "unverified")
ROLES = ("header", "title", "time", "text", "quote", "image", "discarded")


@dataclass
class Score:
    """Counts for one page or a whole corpus (``+`` adds them up)."""

    counts: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: Score) -> Score:
        return Score(self.counts + other.counts)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def ratio(self, hit: str, total: str) -> float | None:
        den = self.counts[total]
        return None if den == 0 else self.counts[hit] / den

    def figures(self) -> dict[str, float | None]:
        """Precision, recall and accuracy figures, None where nothing was there to count."""
        out = {
            "boundary_precision": self.ratio("boundary_hit", "boundary_pred"),
            "boundary_recall": self.ratio("boundary_hit", "boundary_exp"),
            "title_accuracy": self.ratio("title_ok", "title_exp"),
            "element_precision": self.ratio("element_hit", "element_pred"),
            "element_recall": self.ratio("element_hit", "element_exp"),
            "line_role_accuracy": self.ratio("role_ok", "role_lines"),
            "credit_accuracy": self.ratio("credit_ok", "credit_exp"),
            "attribution_accuracy": self.ratio("attribution_ok", "attribution_exp"),
            "source_precision": self.ratio("source_hit", "source_pred"),
            "source_recall": self.ratio("source_hit", "source_exp"),
            "discarded_precision": self.ratio("discard_hit", "discard_pred"),
            "discarded_recall": self.ratio("discard_hit", "discard_exp"),
        }
        for flag in FLAGS:
            out[f"{flag}_precision"] = self.ratio(f"{flag}_hit", f"{flag}_pred")
            out[f"{flag}_recall"] = self.ratio(f"{flag}_hit", f"{flag}_exp")
        return out


def _span(lines: list[str], rng: list[int]) -> list[int]:
    return [i for i in range(rng[0], rng[1] + 1) if lines[i - 1].strip()]


def _norm(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split()).casefold()


def _source(name: str) -> str | None:
    """A source however written ("Associated Press", "AP"): its name in the data file."""
    return _norm(known_sources().canonical(name))


def _expected_elements(lines: list[str], post: dict[str, Any]) -> list[tuple[str, frozenset[int]]]:
    out = []
    for el in post["elements"]:
        if el["type"] == "image":
            where = frozenset(n for n in (el.get("alt_line"), el.get("caption_line")) if n)
        else:
            where = frozenset(_span(lines, el["lines"]))
        out.append((el["type"], where))
    return out


def _expected_own(lines: list[str], post: dict[str, Any]) -> set[int]:
    own = {n for _, where in _expected_elements(lines, post) for n in where}
    own |= {n for n in (post.get("title_line"), post.get("time_line")) if n}
    return own


def _flags(post: dict[str, Any]) -> set[str]:
    found = {f for f in FLAGS[:4] if post.get(f)}
    if post.get("verification") == "unverified":
        found.add("unverified")
    return found


def _pair(exp_own: list[set[int]], pred_own: list[set[int]]) -> dict[int, int]:
    """Expected post index -> parsed post index, one to one, largest overlap first."""
    overlaps = sorted(
        ((len(e & p), i, j) for i, e in enumerate(exp_own) for j, p in enumerate(pred_own)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for size, i, j in overlaps:
        if size == 0:
            break
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs


def score_page(text: str, expected: dict[str, Any], result: ParseResult) -> Score:
    """Compare one parse with the page's expected structure."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    s = Score()
    exp_posts: list[dict[str, Any]] = expected["posts"]
    # The parser's posts come oldest first; pair them by lines, so the order does not matter.
    pred_posts: list[dict[str, Any]] = result.blog["posts"]
    layout = result.layout

    exp_own = [_expected_own(lines, p) for p in exp_posts]
    pred_own = [set(lay.own_lines()) for lay in layout]
    exp_bounds = {min(o) for o in exp_own if o}
    pred_bounds = {min(o) for o in pred_own if o}
    s.add("boundary_exp", len(exp_bounds))
    s.add("boundary_pred", len(pred_bounds))
    s.add("boundary_hit", len(exp_bounds & pred_bounds))

    pairs = _pair(exp_own, pred_own)
    paired_pred = set(pairs.values())
    for i, post in enumerate(exp_posts):
        j = pairs.get(i)
        got = pred_posts[j] if j is not None else None
        s.add("title_exp")
        if got is not None and _norm(got["title"]) == _norm(post["title"]):
            s.add("title_ok")
        exp_flags = _flags(post)
        got_flags = (
            {f for f in FLAGS[:4] if got.get(f)}
            | ({"unverified"} if got.get("verification") == "unverified" else set())
            if got is not None
            else set()
        )
        for flag in FLAGS:
            s.add(f"{flag}_exp", flag in exp_flags)
            s.add(f"{flag}_pred", flag in got_flags)
            s.add(f"{flag}_hit", flag in exp_flags and flag in got_flags)
        exp_src = {_source(x) for x in post["sources"]}
        got_src = {_source(x) for x in got["sources"]} if got is not None else set()
        s.add("source_exp", len(exp_src))
        s.add("source_pred", len(got_src))
        s.add("source_hit", len(exp_src & got_src))
    for j, got in enumerate(pred_posts):
        if j in paired_pred:
            continue
        for flag in FLAGS[:4]:
            s.add(f"{flag}_pred", bool(got.get(flag)))
        s.add("unverified_pred", got.get("verification") == "unverified")
        s.add("source_pred", len({_source(x) for x in got["sources"]}))

    # Elements, by type and exact lines, wherever the boundaries fell.
    pred_elements = _pred_elements(lines, result)
    by_line = {(kind, n): el for (kind, where), el in pred_elements.items() for n in where}
    s.add("element_pred", len(pred_elements))
    for post in exp_posts:
        for el, key in zip(post["elements"], _expected_elements(lines, post), strict=True):
            s.add("element_exp")
            s.add("element_hit", key in pred_elements)
            # Credits and attributions on the parsed element of that type holding the
            # caption (or alt) line, or the quote's first line, even if its lines differ.
            if el["type"] == "image":
                s.add("credit_exp")
                found = by_line.get(("image", el.get("caption_line") or el.get("alt_line")))
                if found is not None and _norm(found.get("credit")) == _norm(el.get("credit")):
                    s.add("credit_ok")
            elif el["type"] == "quote":
                s.add("attribution_exp")
                found = by_line.get(("quote", min(key[1])))
                if found is not None and _norm(found.get("attribution")) == _norm(
                    el.get("attribution")
                ):
                    s.add("attribution_ok")

    # One role per non-blank line on each side.
    exp_role = _roles(lines, expected)
    pred_role = _pred_roles(result)
    for n, role in exp_role.items():
        s.add("role_lines")
        s.add("role_ok", pred_role.get(n) == role)

    exp_discard = {int(k) for k in expected["discarded"]}
    pred_discard = {n for n, role in pred_role.items() if role == "discarded"}
    s.add("discard_exp", len(exp_discard))
    s.add("discard_pred", len(pred_discard))
    s.add("discard_hit", len(exp_discard & pred_discard))
    return s


def _pred_elements(
    lines: list[str], result: ParseResult
) -> dict[tuple[str, frozenset[int]], dict[str, Any]]:
    """The parsed elements by (type, lines). The parser makes one text element per
    paragraph; the expected files make one of a run of paragraphs that nothing (no image,
    quote or set-aside line) interrupts, so consecutive text elements are joined first."""
    out: dict[tuple[str, frozenset[int]], dict[str, Any]] = {}
    for got, lay in zip(result.blog["posts"], result.layout, strict=True):
        kinds = [e["type"] for e in got["elements"]] + ["text"]  # a correction line is text
        elements = [*got["elements"], {"type": "text"}]
        run: list[int] = []
        for kind, el, where in zip(kinds, elements, lay.elements, strict=False):
            if kind in ("text", "embed"):
                if run and not _adjacent(lines, max(run), min(where)):
                    out[("text", frozenset(run))] = {"type": "text"}
                    run = []
                run += where
                continue
            if run:
                out[("text", frozenset(run))] = {"type": "text"}
                run = []
            out[(kind, frozenset(where))] = el
        if run:
            out[("text", frozenset(run))] = {"type": "text"}
    return out


def _adjacent(lines: list[str], a: int, b: int) -> bool:
    """Nothing but blank lines between line a and line b."""
    return a < b and not any(lines[n - 1].strip() for n in range(a + 1, b))


def _roles(lines: list[str], expected: dict[str, Any]) -> dict[int, str]:
    role: dict[int, str] = {int(k): "discarded" for k in expected["discarded"]}
    header = expected.get("header") or {}
    for key in ("title_line", "section_line"):
        if header.get(key):
            role[header[key]] = "header"
    if header.get("standfirst_lines"):
        for n in _span(lines, header["standfirst_lines"]):
            role[n] = "header"
    for post in expected["posts"]:
        if post.get("time_line"):
            role[post["time_line"]] = "time"
        if post.get("title_line"):
            role[post["title_line"]] = "title"
        for kind, where in _expected_elements(lines, post):
            for n in where:
                role[n] = kind
    return role


def _pred_roles(result: ParseResult) -> dict[int, str]:
    """The same precedence as the expected side: element over title over time."""
    role: dict[int, str] = {n: "discarded" for n, _, _ in result.discarded}
    for n in result.header_lines:
        role[n] = "header"
    for got, lay in zip(result.blog["posts"], result.layout, strict=True):
        for n in (*lay.bylines, *lay.pinned_copy):
            role[n] = "discarded"
        for n in lay.time:
            role[n] = "time"
        for n in lay.title:
            role[n] = "title"
        kinds = [e["type"] for e in got["elements"]] + ["text"]  # a correction line is text
        for kind, where in zip(kinds, lay.elements, strict=False):
            for n in where:
                role[n] = "text" if kind == "embed" else kind
    return role


def format_figure(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"
