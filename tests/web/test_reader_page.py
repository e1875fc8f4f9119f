"""The reader page, read as HTML: anatomy, pages, permalinks, JSON-LD, headers, query count."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.exchange import import_blog
from liveblog.schema import BlogFields
from liveblog.site import Site
from tests.conftest import Client
from tests.harmless import executable_parts


def exchange(posts: list[dict[str, Any]], **blog: Any) -> dict[str, Any]:
    return {
        "format": "liveblog-exchange/1",
        "slug": "harbour",
        "title": "Harbour floods",
        "section": "Weather",
        "standfirst": "Water over the quay.",
        "timezone": "Europe/London",
        "posts": posts,
    } | blog


def text(words: str, **fields: Any) -> dict[str, Any]:
    return {"elements": [{"type": "text", "markdown": words}]} | fields


def jsonld(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@contextmanager
def count_queries(site: Site) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        if not str(args[2]).startswith("BEGIN"):
            statements.append(str(args[2]))

    event.listen(site.db.read_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(site.db.read_engine, "before_cursor_execute", record)


def test_page_anatomy(client: Client, site: Site) -> None:
    import_blog(
        site,
        exchange(
            [
                text("Opening post.", title="We are live", key_event=True, authors=["Ana Ruiz"]),
                {
                    "title": None,
                    "elements": [
                        {
                            "type": "image",
                            "caption": "The quay at dawn.",
                            "credit": "Ana Ruiz/Courier",
                            "alt": "Water covering a stone quay",
                            "file": None,
                        },
                        {
                            "type": "quote",
                            "text": "Stay away from the sea wall.",
                            "attribution": "Coastguard",
                        },
                    ],
                    "sources": ["Coastguard", "Courier"],
                    "verification": "unverified",
                    "edited": True,
                    "correction": "An earlier version misnamed the quay.",
                },
                text("The summary.", title="Summary", summary=True, key_event=True, pinned=True),
            ]
        ),
    )
    response = client.get("/live/harbour")
    assert response.status_code == 200
    html = response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert '<span class="badge badge-live">Live' in html
    assert "Harbour floods" in html and "Weather" in html and "Water over the quay." in html
    assert html.count('<article class="post') == 4  # three in the stream, the pinned copy above
    assert re.search(r'<section class="pinned".*id="pinned-', html, re.S)
    keys = re.search(r'<nav class="key-events".*?</nav>', html, re.S)
    assert keys and keys.group(0).count("<li") == 2 and "/posts/" in keys.group(0)
    assert '<span class="flag flag-summary">Summary</span>' in html
    assert '<figcaption>The quay at dawn. <span class="credit">Photograph: Ana Ruiz/Courier' in html
    assert 'aria-label="Water covering a stone quay"' in html
    assert '<blockquote class="post-quote"><p>Stay away from the sea wall.</p>' in html
    assert "Sources: Coastguard, Courier" in html
    assert "Unverified claim" in html
    assert html.count("Updated at <time") == 1
    assert "An earlier version misnamed the quay." in html
    assert "By Ana Ruiz" in html
    assert html.count('class="share-link"') == 4
    assert 'property="og:title"' in html and 'property="og:url"' in html
    assert all(t.startswith('<time datetime="20') for t in re.findall(r"<time[^>]*>", html))
    data = jsonld(html)
    assert data["@type"] == "LiveBlogPosting" and len(data["liveBlogUpdate"]) == 3
    # Headings in order: one h1, then h2 sections, then h3 posts.
    levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_hostile_text_in_every_field_renders_harmlessly(client: Client, site: Site) -> None:
    attacks = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "<svg onload=alert(1)>",
    ]
    posts = []
    for attack in attacks:
        posts.append(
            {
                "title": attack,
                "sources": [attack],
                "authors": [attack],
                "correction": attack,
                "elements": [
                    {"type": "text", "markdown": attack},
                    {
                        "type": "image",
                        "caption": attack,
                        "credit": attack,
                        "alt": attack,
                        "file": None,
                    },
                    {"type": "quote", "text": attack, "attribution": attack},
                    {"type": "embed", "url": "https://youtu.be/aqz-KE-bpKQ", "title": attack},
                ],
                "key_event": True,
            }
        )
    import_blog(
        site,
        exchange(
            posts,
            title="<script>alert(1)</script>",
            standfirst="<svg onload=alert(1)>",
            section="<b>x</b>",
        ),
    )
    html = client.get("/live/harbour").text
    head, body = html.split("<body>")
    for own in (
        "reader.js",
        "clicktoload.js",
        "live.js",
        "notify.js",
    ):  # the site's own scripts, and nothing else
        body = re.sub(rf'<script src="/static/{own}\?v=\w+" defer></script>', "", body)
    assert executable_parts(body) == []
    head_scripts = re.findall(r"<script[^>]*>", head)
    assert head_scripts == ['<script type="application/ld+json">']
    assert executable_parts(head, allow=frozenset({"meta", "link", "script"})) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld and "</script" not in ld.group(1) and "<" not in ld.group(1)


def test_pages_of_twenty_and_permalinks(client: Client, site: Site) -> None:
    import_blog(site, exchange([text(f"Update number {n}.") for n in range(45)]))
    first = client.get("/live/harbour").text
    assert first.count('<article class="post') == 20
    assert 'href="/live/harbour?page=2"' in first and "Newer updates" not in first
    second = client.get("/live/harbour?page=2").text
    assert "Update number 24." in second and "Older updates" in second
    third = client.get("/live/harbour?page=3").text
    assert third.count('<article class="post') == 5 and "Update number 0." in third
    assert client.get("/live/harbour?page=4").status_code == 404
    assert client.get("/live/harbour?page=x").status_code == 422
    oldest = re.findall(r'id="post-(\w+)"', third)[-1]
    moved = client.get(f"/live/harbour/posts/{oldest}")
    assert moved.status_code == 302
    assert moved.headers["location"] == f"/live/harbour?page=3#post-{oldest}"
    newest = re.findall(r'id="post-(\w+)"', first)[0]
    assert client.get(f"/live/harbour/posts/{newest}").headers["location"] == (
        f"/live/harbour#post-{newest}"
    )
    assert client.get("/live/harbour/posts/nothere").status_code == 404


def test_page_costs_a_constant_number_of_queries(client: Client, site: Site) -> None:
    def queries_for(count: int, slug: str) -> int:
        import_blog(
            site,
            exchange(
                [text(f"Post {n}.", key_event=n % 3 == 0, pinned=n == 1) for n in range(count)],
                slug=slug,
            ),
        )
        with count_queries(site) as statements:
            assert client.get(f"/live/{slug}").status_code == 200
        return len(statements)

    assert queries_for(3, "small") == queries_for(40, "large") <= 5


def test_index_lists_live_and_ended_blogs(client: Client, site: Site) -> None:
    import_blog(site, exchange([], slug="one", title="First story"))
    import_blog(site, exchange([], slug="two", title="Second story", status="ended"))
    import_blog(site, exchange([], slug="three", title="Secret draft", status="draft"))
    html = client.get("/").text
    assert "First story" in html and "Second story" in html and "Secret draft" not in html
    assert client.get("/live/three").status_code == 404
    ended = client.get("/live/two").text
    assert '<span class="badge badge-ended">Ended' in ended


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("Storm over the coast", "Storm over the coast – live"),
        ("Budget day – live", "Budget day – live"),
    ],
)
def test_the_title_says_live_once(client: Client, site: Site, title: str, shown: str) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title=title))["slug"]
    page = client.get(f"/live/{slug}").text
    assert f"<title>{shown} · " in page
    assert f'<meta property="og:title" content="{shown}">' in page


def test_unknown_pages_get_a_clear_html_404(client: Client) -> None:
    response = client.get("/live/none-such")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert "no blog" in response.text


@pytest.mark.parametrize(
    "zone,clock",
    [("Europe/London", "13:05 BST"), ("UTC", "12:05 UTC"), ("Asia/Tokyo", "21:05 JST")],
)
def test_times_show_in_the_blogs_zone(client: Client, site: Site, zone: str, clock: str) -> None:
    import_blog(
        site, exchange([text("Timed.", published_at="2024-05-16T12:05:00Z")], timezone=zone)
    )
    html = client.get("/live/harbour").text
    assert f'<time datetime="2024-05-16T12:05:00Z">{clock}</time>' in html


def test_page_is_cached_until_the_next_event(client: Client, site: Site) -> None:
    from liveblog.actions.posts import create_post
    from liveblog.schema import NewPost

    import_blog(site, exchange([text("First news.")]))
    first = client.get("/live/harbour")
    etag = first.headers["etag"]
    assert client.get("/live/harbour", headers={"If-None-Match": etag}).status_code == 304
    with count_queries(site) as statements:
        assert client.get("/live/harbour").text == first.text
    assert statements == [], "a cached page costs no query until the blog's next event"
    create_post(site, SYSTEM, "harbour", NewPost.model_validate(text("Second news.")))
    second = client.get("/live/harbour", headers={"If-None-Match": etag})
    assert second.status_code == 200 and "Second news." in second.text
    assert second.headers["etag"] != etag
