"""The exchange format: the seed fixture imports; export re-imports to an identical blog."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from liveblog.actions.exchange import import_blog
from liveblog.demo.run import demo_blog
from liveblog.errors import Invalid
from liveblog.exchange import export_blog
from liveblog.site import Site
from liveblog.storage import Blog, Post, PostTag, Tag
from tests.conftest import Client, seed_file


def test_seed_fixture_imports_and_reads_like_the_page(client: Client, site: Site) -> None:
    data = json.loads(seed_file("seed-liveblog.json").read_text(encoding="utf-8"))
    blog = import_blog(site, data)
    html = client.get(f"/live/{blog['slug']}").text
    assert "China" in html
    assert data["title"].removesuffix(" – live") in html
    keys = re.search(r'<nav class="key-events".*?</nav>', html, re.S)
    assert keys and keys.group(0).count("<li") == 7
    stream = html.split('<section class="stream"')[1]
    assert stream.count('<article class="post') == 17
    assert re.search(r'<section class="pinned".*?<article', html, re.S)
    assert '<span class="flag flag-summary">Summary</span>' in stream
    assert stream.count("<figure") == 5 and stream.count("<figcaption>") == 5
    assert "Gavriil Grigorov/AP" in stream
    assert stream.count("<blockquote") == sum(
        1 for p in data["posts"] for e in p["elements"] if e["type"] == "quote"
    )
    assert stream.count("Updated at <time") == 2
    unverified = [a for a in stream.split("<article")[1:] if "Unverified claim" in a]
    assert len(unverified) == 1 and "Kharkiv" in unverified[0]
    ld = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert len(ld["liveBlogUpdate"]) == 17
    # Newest first: the fixture's last post is on top.
    last_title = next(p["title"] for p in reversed(data["posts"]) if p["title"])
    first_title = next(p["title"] for p in data["posts"] if p["title"])
    assert stream.index(last_title) < stream.index(first_title)


def test_export_reimports_to_an_identical_blog(site: Site, tmp_path: Any) -> None:
    original = import_blog(site, demo_blog())
    exported = export_blog(site, original["slug"])
    assert len(exported["posts"]) == len(demo_blog()["posts"])
    assert all(p["published_at"] and p["id"] for p in exported["posts"])
    from liveblog.settings import Settings

    # A second, empty site: the same blog, field for field.
    other = Site.from_settings(
        Settings(database_url=f"sqlite:///{tmp_path}/other.db", media_dir=tmp_path / "m")
    )
    other.db.migrate()
    import_blog(other, exported)
    assert export_blog(other, exported["slug"]) == exported
    other.db.dispose()
    # And into the same site under another slug: same content, new ids where taken.
    again = import_blog(site, exported, slug="copy")
    copy = export_blog(site, again["slug"])
    strip = lambda d: [{k: v for k, v in p.items() if k != "id"} for p in d["posts"]]  # noqa: E731
    assert strip(copy) == strip(exported)


def test_tags_travel_through_export_and_import(site: Site, tmp_path: Any) -> None:
    data = {
        "format": "liveblog-exchange/1",
        "title": "Storm Maren",
        "slug": "storm",
        "posts": [
            {"title": "Red warning", "tags": ["Kesterby", "Flood  barriers"]},
            {"title": "Barriers hold", "tags": ["flood barriers"], "status": "draft"},
            {"title": "Gone", "tags": ["Rumour"], "status": "deleted"},
        ],
    }
    import_blog(site, data)
    exported = export_blog(site, "storm")
    assert {p["title"]: p["tags"] for p in exported["posts"]} == {
        "Red warning": ["Kesterby", "Flood barriers"],
        "Barriers hold": ["Flood barriers"],
        "Gone": ["Rumour"],
    }
    with site.db.reading() as session:
        listed = session.scalars(select(Tag.slug).order_by(Tag.slug)).all()
        linked = session.scalar(select(func.count()).select_from(PostTag))
    assert listed == ["flood-barriers", "kesterby", "rumour"] and linked == 4
    from liveblog.settings import Settings

    other = Site.from_settings(
        Settings(database_url=f"sqlite:///{tmp_path}/other.db", media_dir=tmp_path / "m")
    )
    other.db.migrate()
    import_blog(other, exported)
    assert export_blog(other, "storm") == exported
    other.db.dispose()
    # A file without tags (older files) still imports: posts get none.
    untagged = dict(data, slug="plain", posts=[{"title": "No tags"}])
    import_blog(site, untagged)
    assert export_blog(site, "plain")["posts"][0]["tags"] == []


def test_a_file_with_bad_tags_names_the_place(site: Site) -> None:
    many = [f"t{n}" for n in range(11)]
    for tags, says in ((many, "posts[0].tags"), (["x" * 41], "posts[0].tags[0]")):
        data = {"format": "liveblog-exchange/1", "title": "T", "posts": [{"tags": tags}]}
        with pytest.raises(Invalid) as refused:
            import_blog(site, data)
        assert refused.value.message.startswith(says)


def test_import_spaces_untimed_posts_and_marks_edits(site: Site) -> None:
    posts = [
        {"elements": [{"type": "text", "markdown": f"P{n}."}], "edited": n == 1} for n in range(3)
    ]
    import_blog(site, {"format": "liveblog-exchange/1", "title": "T", "slug": "t", "posts": posts})
    out = export_blog(site, "t")["posts"]
    times = [p["published_at"] for p in out]
    assert times == sorted(times) and len(set(times)) == 3
    assert [p["edited"] for p in out] == [False, True, False]
    assert out[1]["updated_at"] > out[1]["published_at"]


@pytest.mark.parametrize(
    "data,place",
    [
        ({"format": "other/1", "title": "T"}, "format"),
        ({"format": "liveblog-exchange/1"}, "title"),
        (
            {
                "format": "liveblog-exchange/1",
                "title": "T",
                "posts": [
                    {"elements": [{"type": "text", "markdown": "ok"}]},
                    {"elements": [{"type": "quote"}]},
                ],
            },
            "posts[1].elements[0].text",
        ),
        (
            {
                "format": "liveblog-exchange/1",
                "title": "T",
                "posts": [{"elements": [{"type": "video", "url": "x"}]}],
            },
            "posts[0].elements[0]",
        ),
        (
            {
                "format": "liveblog-exchange/1",
                "title": "T",
                "posts": [{"title": "x", "published_at": "yesterday"}],
            },
            "posts[0].published_at",
        ),
        (
            {
                "format": "liveblog-exchange/1",
                "title": "T",
                "posts": [{"title": "a", "pinned": True}, {"title": "b", "pinned": True}],
            },
            "posts",
        ),
        ([1, 2], "(top)"),
    ],
)
def test_a_broken_file_names_the_place_and_imports_nothing(
    site: Site, data: Any, place: str
) -> None:
    with pytest.raises(Invalid) as error:
        import_blog(site, data)
    assert error.value.field == place, error.value.message
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Blog)) == 0
        assert session.scalar(select(func.count()).select_from(Post)) == 0
