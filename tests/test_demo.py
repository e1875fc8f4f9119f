"""The demo blog is our own writing, has the seed page's shape, and replays live."""

from __future__ import annotations

import re
import threading

from liveblog.actions.exchange import import_blog
from liveblog.demo.run import demo_blog, plan, replay
from liveblog.exchange import export_blog
from liveblog.schema import ExchangeBlog
from liveblog.site import Site
from tests.conftest import seed_file


def test_demo_blog_has_the_shape_of_a_real_live_page() -> None:
    blog = ExchangeBlog.model_validate(demo_blog())
    posts = blog.posts
    assert 16 <= len(posts) <= 20
    assert sum(p.pinned for p in posts) == 1
    assert sum(p.key_event for p in posts) >= 5
    summary = [p for p in posts if p.summary]
    assert summary and any(
        "\n- " in e.model_dump().get("markdown", "") for e in summary[0].elements
    )
    kinds = [e.type for p in posts for e in p.elements]
    assert kinds.count("image") >= 4 and kinds.count("quote") >= 3
    assert all(e.credit for p in posts for e in p.elements if e.type == "image")
    assert sum(p.verification == "unverified" for p in posts) == 1
    assert any(p.sources for p in posts) and sum(p.edited for p in posts) == 2
    assert any(p.title for p in posts) and any(p.title is None for p in posts)


def _shingles(text: str, size: int = 7) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_demo_blog_copies_nothing_from_the_seed() -> None:
    seed = seed_file("seed-page.txt")
    ours = _shingles(str(demo_blog()))
    theirs = _shingles(seed.read_text(encoding="utf-8"))
    assert ours & theirs == set()


def test_demo_replays_later_posts_and_edits(site: Site) -> None:
    first, later, edits = plan(demo_blog(), site)
    assert later and len(edits) == 2
    assert all(e["file"] for p in first["posts"] for e in p["elements"] if e["type"] == "image")
    blog = import_blog(site, first)
    replay(site, blog["slug"], later, edits, 0.001, threading.Event())
    posts = export_blog(site, blog["slug"])["posts"]
    assert len(posts) == len(demo_blog()["posts"])
    assert sum(p["edited"] for p in posts) == 2
    assert sum(p["pinned"] for p in posts) == 1
