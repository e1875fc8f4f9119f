"""The parse result and its human-readable report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _span(lines: list[int]) -> str:
    if not lines:
        return "no lines"
    if len(lines) == 1:
        return f"line {lines[0]}"
    return f"lines {lines[0]}–{lines[-1]}"


IMPORT_FORMAT = "liveblog-import-text/1"


@dataclass(frozen=True)
class PostLayout:
    """Where one post came from on the page: the line numbers of its headline, its time
    label, its bylines, each of its elements (in the order of the post's elements; a
    correction line comes last) and, for the pinned post, its copy at the top."""

    title: list[int] = field(default_factory=list)
    time: list[int] = field(default_factory=list)
    bylines: list[int] = field(default_factory=list)
    elements: list[list[int]] = field(default_factory=list)
    pinned_copy: list[int] = field(default_factory=list)

    def own_lines(self) -> list[int]:
        """The post's own lines (headline, time, elements), without bylines or the copy."""
        return sorted({*self.title, *self.time, *(n for e in self.elements for n in e)})


@dataclass(frozen=True)
class ParseResult:
    """What parse_text found.

    blog: the liveblog-exchange/1 dict, posts oldest first.
    discarded: (line number, line text, reason) for every line set aside as furniture.
    post_lines: for each post (same order as blog["posts"]) the line numbers it consumed.
    notes: observations a person importing the page should know about.
    header_lines: lines that gave the blog's own fields (title, date, standfirst).
    layout: for each post, the lines of its headline, time and each element.
    """

    blog: dict[str, Any]
    discarded: list[tuple[int, str, str]]
    post_lines: list[list[int]]
    notes: list[str]
    header_lines: list[int] = field(default_factory=list)
    layout: list[PostLayout] = field(default_factory=list)  # per post, as blog["posts"]

    def document(self) -> dict[str, Any]:
        """The whole result as one JSON document (`import-text --json`): the blog in the
        exchange format, and the report: every set-aside line with its number and reason,
        the notes, and for each post (oldest first, as in the blog) the lines it came
        from, part by part. `liveblog import` accepts the document as it is."""

        def span(lines: list[int]) -> list[int] | None:
            return [lines[0], lines[-1]] if lines else None

        posts = []
        for number, (post, layout) in enumerate(
            zip(self.blog["posts"], self.layout, strict=True), 1
        ):
            own = layout.own_lines()
            posts.append(
                {
                    "post": number,
                    "title": post["title"],
                    "lines": span(own),
                    "title_lines": span(layout.title),
                    "time_lines": span(layout.time),
                    "byline_lines": layout.bylines,
                    "pinned_copy_lines": span(layout.pinned_copy),
                    "elements": [
                        {"type": element["type"], "lines": span(lines)}
                        for element, lines in zip(post["elements"], layout.elements, strict=False)
                    ],
                }
            )
        return {
            "format": IMPORT_FORMAT,
            "blog": self.blog,
            "report": {
                "header_lines": self.header_lines,
                "posts": posts,
                "discarded": [
                    {"line": number, "text": text.strip(), "reason": reason}
                    for number, text, reason in self.discarded
                ],
                "notes": self.notes,
            },
        }

    def report(self) -> str:
        blog = self.blog
        posts: list[dict[str, Any]] = blog["posts"]
        out = [f"Title: {blog['title']}"]
        out.append(f"Section: {blog['section'] or '-'}    Status: {blog['status']}")
        if blog.get("standfirst"):
            out.append(f"Standfirst: {_clip(blog['standfirst'])}")
        out.append(f"Posts found: {len(posts)} (oldest first)")
        for number, (post, lines) in enumerate(zip(posts, self.post_lines, strict=True), 1):
            flags = [
                name for name in ("pinned", "summary", "key_event", "edited") if post.get(name)
            ]
            when = post.get("published_at") or post.get("time_label") or "no time"
            title = f'"{_clip(post["title"], 70)}"' if post["title"] else "(no headline)"
            extra = f" [{', '.join(flags)}]" if flags else ""
            out.append(f"  {number:>2}. {_span(lines)}, {when}: {title}{extra}")
        sections: list[tuple[str, list[str]]] = [
            ("Headlines", [p["title"] for p in posts if p["title"]]),
            ("Key events", [p["title"] or "(no headline)" for p in posts if p["key_event"]]),
            ("Pinned", [p["title"] or "(no headline)" for p in posts if p["pinned"]]),
        ]
        summary_lines: list[str] = []
        for post in posts:
            if post["summary"]:
                bullets = sum(
                    e["markdown"].count("\n- ") + 1
                    for e in post["elements"]
                    if e["type"] == "text" and e["markdown"].startswith("- ")
                )
                summary_lines.append(f"{post['title']}: {bullets} bullets")
        sections.append(("Summary", summary_lines))
        images, quotes, sources, checks = [], [], [], []
        for number, post in enumerate(posts, 1):
            for element in post["elements"]:
                if element["type"] == "image":
                    alt = (
                        "no alt text"
                        if not element["alt"]
                        else "alt text: the caption"
                        if element["alt"] == element["caption"]
                        else "alt text shown"
                    )
                    # The credit in full: it is what a person checks against the page.
                    images.append(
                        f"post {number}: credit: {element['credit'] or 'none'} — "
                        f"{_clip(element['caption'], 50)} ({alt})"
                    )
                elif element["type"] == "quote":
                    who = element["attribution"] or "attribution unknown"
                    quotes.append(f"post {number}: “{_clip(element['text'], 60)}” — {who}")
            if post["sources"]:
                sources.append(f"post {number}: {', '.join(post['sources'])}")
            if post["verification"]:
                checks.append(f"post {number}: {post['verification']}")
        sections += [
            ("Images with credits", images),
            ("Quotes", quotes),
            ("Sources", sources),
            ("Verification", checks),
        ]
        for name, items in sections:
            out.append(f"{name}: {len(items) if items else 'none'}")
            # Headlines, credits and sources in full: they are what a person checks.
            out.extend(f"  - {item}" for item in items)
        out.append(f"Discarded lines: {len(self.discarded)}")
        for number, text, reason in self.discarded:
            out.append(f"  line {number}: {_clip(repr(text.strip()), 50)} — {reason}")
        if self.notes:
            out.append("Notes:")
            out.extend(f"  - {note}" for note in self.notes)
        return "\n".join(out) + "\n"
