"""render_text: flatten an exchange dict back to the text a reader would copy
from the page (newest first, Share lines, captions with credits)."""

from __future__ import annotations

from typing import Any

from liveblog.elements import KINDS
from liveblog.states import BlogStatus


def _byline(authors: list[str]) -> str:
    if len(authors) == 1:
        return f"By {authors[0]}"
    return f"By {', '.join(authors[:-1])} and {authors[-1]}"


def _post_lines(post: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if post.get("time_label"):
        out.append(post["time_label"])
    if post.get("title"):
        out.append(post["title"])
    if post.get("authors"):
        out.append(_byline(post["authors"]))
    for element in post.get("elements", []):
        out.extend(KINDS[element["type"]].page_lines(element))
    if post.get("correction"):
        out.append(f"Correction: {post['correction']}")  # as the post's page shows it
    return out


def render_text(blog: dict[str, Any]) -> str:
    """The page as text, in the style parse_text reads."""
    title = f"{blog['title']} – live"
    if blog.get("section"):
        title += f" | {blog['section']}"
    blocks: list[str] = [title]
    if blog.get("status") == BlogStatus.ENDED:
        blocks.append("This live blog is now closed.")
    dates = sorted({p["published_at"][:10] for p in blog.get("posts", []) if p.get("published_at")})
    if dates:
        blocks.append(dates[0])  # the page date; post times are read against it
    if blog.get("standfirst"):
        blocks.append(blog["standfirst"])
    newest_first = list(reversed(blog.get("posts", [])))
    pinned = [p for p in newest_first if p.get("pinned")]
    if pinned:
        blocks.extend(_post_lines(pinned[0]))
    key_titles = [p["title"] for p in newest_first if p.get("key_event") and p.get("title")]
    if pinned or key_titles:
        blocks.append("Key events")
        blocks.extend(key_titles)
    for post in newest_first:
        blocks.extend(_post_lines(post))
        blocks.append("Share")
        if post.get("edited"):
            blocks.append("Updated at")
    return "\n\n".join(blocks) + "\n"
