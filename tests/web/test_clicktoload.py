"""Embedded videos and posts through the API and on the reader page: any address is kept
(a provider's as a card that loads on a click, another site's as a plain link card), and
the page's content security policy frames exactly the providers' hosts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from anyio.from_thread import start_blocking_portal

from liveblog.app import create_app
from liveblog.elements.providers import fixed_frame_hosts
from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import Client

Json = dict[str, Any]
YOUTUBE = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
MASTODON = "https://social.example.net/@ines/110000000000000001"


def embed_post(*urls: str, **fields: Any) -> Json:
    return {"elements": [{"type": "embed", "url": url} for url in urls]} | fields


def frame_src(response: Any) -> list[str]:
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    return directives["frame-src"].split()


def test_any_address_is_kept_and_only_a_providers_is_framed(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="harbour")
    made = client.post(
        "/api/v1/blogs/harbour/posts",
        headers=editor,
        json={
            "elements": [
                {"type": "embed", "url": YOUTUBE, "title": "The wall at high tide"},
                {"type": "embed", "url": "https://valley.example/river-levels"},
            ]
        },
    )
    assert made.status_code == 201, made.text
    post = made.json()
    assert post["elements"] == [
        {"type": "embed", "url": YOUTUBE, "title": "The wall at high tide"},
        {"type": "embed", "url": "https://valley.example/river-levels", "title": None},
    ]
    html = post["body_html"]
    assert html.count('class="post-embed embed-card') == 2
    assert 'data-embed-frame="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"' in html
    assert html.count("data-embed-frame") == 1  # the other site's card is only a link
    assert ">The wall at high tide</a>" in html


def test_bad_embeds_are_refused_with_a_message(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="harbour")
    for element, words in (
        ({"type": "embed", "url": "javascript:alert(1)"}, "url"),
        ({"type": "embed", "url": "https://[x/a"}, "a web address with a host"),
        ({"type": "embed", "url": "https://[x/a", "title": "t"}, "a web address with a host"),
        ({"type": "embed", "url": YOUTUBE, "title": "x" * 301}, "title"),
        ({"type": "embed", "url": YOUTUBE, "title": "two\nlines"}, "title"),
        ({"type": "embed", "url": YOUTUBE, "poster": "https://evil.example/x.png"}, "poster"),
    ):
        answer = client.post(
            "/api/v1/blogs/harbour/posts", headers=editor, json={"elements": [element]}
        )
        assert answer.status_code == 422, element
        assert words in answer.text


def test_the_reader_page_frames_exactly_the_providers_hosts(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="harbour")
    client.post("/api/v1/blogs/harbour/posts", headers=editor, json=embed_post(YOUTUBE))
    first = client.get("/live/harbour")
    fixed = [f"https://{host}" for host in fixed_frame_hosts()]
    assert frame_src(first) == fixed
    assert "youtube.com" not in " ".join(frame_src(first))  # only the no-cookie host
    assert f'data-frame-hosts="{" ".join(fixed_frame_hosts())}"' in first.text

    # A Mastodon post on the page adds its server, to the policy and to the page's list.
    client.post("/api/v1/blogs/harbour/posts", headers=editor, json=embed_post(MASTODON))
    fresh = client.get("/live/harbour")
    assert frame_src(fresh) == [*fixed, "https://social.example.net"]
    # The same page again comes from memory (CachedPageRoute), with the same policy.
    again = client.get("/live/harbour", headers={"Accept-Encoding": "br"})
    assert again.headers["content-encoding"] == "br"
    assert frame_src(again) == frame_src(fresh)
    hosts = re.search(r'data-frame-hosts="([^"]*)"', again.text)
    assert hosts and hosts[1].split() == [*fixed_frame_hosts(), "social.example.net"]


def test_other_pages_frame_nothing(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="harbour")
    client.post("/api/v1/blogs/harbour/posts", headers=editor, json=embed_post(YOUTUBE))
    for path in ("/", "/live/harbour/embed", "/api/v1/blogs/harbour"):
        policy = client.get(path).headers["content-security-policy"]
        assert "frame-src" not in policy and "default-src 'self'" in policy, path
    # A partner's embed shows the card as a link: no click-to-load script there.
    embed = client.get("/live/harbour/embed").text
    assert "embed-card embed-youtube" in embed and "clicktoload.js" not in embed


def _fresh_get(site: Site, url: str, headers: dict[str, str]) -> httpx.Response:
    """``url`` from a new process's app: nothing in its caches, so the full route answers."""
    app = create_app(site=site)
    with start_blocking_portal() as portal:
        fresh = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        try:
            response: httpx.Response = portal.call(lambda: fresh.get(url, headers=headers))
        finally:
            portal.call(fresh.aclose)
    return response


def test_a_304_of_the_page_does_not_replace_its_policy(
    client: Client, editor: Json, new_blog: Callable[..., Json], site: Site
) -> None:
    new_blog(slug="harbour")
    client.post("/api/v1/blogs/harbour/posts", headers=editor, json=embed_post(MASTODON))
    first = client.get("/live/harbour")
    assert "https://social.example.net" in frame_src(first)
    etag = {"If-None-Match": first.headers["etag"]}
    # From memory (CachedPageRoute) and from the full route (a process that has not read
    # the blog): a 304 with no policy, so the one stored with the 200 stays in force.
    for again in (
        client.get("/live/harbour", headers=etag),
        _fresh_get(site, "/live/harbour", etag),
    ):
        assert again.status_code == 304
        assert "content-security-policy" not in again.headers
        assert again.headers["x-content-type-options"] == "nosniff"


def test_a_posts_text_cannot_add_a_frame_host(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="harbour")
    fake = '<p data-embed-frame="https://evil.example/x">data-embed-frame="https://evil.example/'
    made = client.post(
        "/api/v1/blogs/harbour/posts",
        headers=editor,
        json={"elements": [{"type": "text", "markdown": fake}]},
    )
    assert made.status_code == 201, made.text
    page = client.get("/live/harbour")
    assert "evil.example" in page.text  # the text is shown (escaped) ...
    assert frame_src(page) == [f"https://{host}" for host in fixed_frame_hosts()]  # ... no host


def test_the_mastodon_servers_setting_limits_what_the_page_frames(
    client: Client, editor: Json, new_blog: Callable[..., Json], settings: Settings
) -> None:
    new_blog(slug="harbour")
    other = "https://mastodon.social/@Gargron/1"
    client.post("/api/v1/blogs/harbour/posts", headers=editor, json=embed_post(MASTODON, other))
    chosen = Site.from_settings(replace(settings, mastodon_servers=("mastodon.social",)))
    try:
        page = _fresh_get(chosen, "/live/harbour", {})
    finally:
        chosen.db.dispose()
    fixed = [f"https://{host}" for host in fixed_frame_hosts()]
    assert frame_src(page) == [*fixed, "https://mastodon.social"]
    assert 'data-embed-frame="https://social.example.net/' in page.text  # a card, a link
