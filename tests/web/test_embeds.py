"""Embeds: the compact pages partners frame, who may frame them (CSP frame-ancestors from
the site's setting or the blog's own list), oEmbed, discovery and the stable embed.js."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, set_membership
from liveblog.actions.media import clean_photo
from liveblog.actions.posts import create_post
from liveblog.app import create_app
from liveblog.errors import LiveblogError
from liveblog.framing import embed_policy, frame_ancestors, parse_ancestors
from liveblog.schema import BlogFields, NewPost
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.web.assets import static_assets
from liveblog.web.embeds import MAX_POSTS
from liveblog.web.pagecache import PageCache
from tests.actions.test_photo_metadata import png
from tests.conftest import Client, text_post
from tests.web.test_editor import csrf_of, login
from tests.web.test_feeds import editor_of

NewBlog = Callable[..., dict[str, Any]]


def publish(client: Client, editor: dict[str, str], slug: str, words: str, **fields: Any) -> str:
    response = client.post(
        f"/api/v1/blogs/{slug}/posts", json=text_post(words, **fields), headers=editor
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ancestors(response: Any) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.headers["content-security-policy"])
    assert match
    return match.group(1)


@pytest.fixture
def harbour(client: Client, editor: dict[str, str], new_blog: NewBlog) -> dict[str, Any]:
    blog = new_blog(slug="harbour")
    ids = [
        publish(client, editor, "harbour", "Gates shut.", key_event=True, title="Gates shut"),
        publish(client, editor, "harbour", "Rain again."),
        publish(client, editor, "harbour", "Ferry stops.", key_event=True),
    ]
    return blog | {"ids": ids}


def test_the_blog_embed_is_compact_and_links_out(client: Client, harbour: dict[str, Any]) -> None:
    response = client.get("/live/harbour/embed")
    assert response.status_code == 200
    html = response.text
    assert '<base target="_blank">' in html
    assert re.search(
        r'<a href="http://testserver/live/harbour" target="_blank" rel="noopener">'
        r"Harbour flooding</a>",
        html,
    )
    assert "Read the full live blog" in html
    assert html.count('<article class="post') == 3
    # The page's own cards, newest first; no pager, no key-events list, no site chrome.
    assert html.index("Ferry stops.") < html.index("Rain again.") < html.index("Gates shut.")
    assert 'class="pager"' not in html and "key-events" not in html
    assert 'class="site"' not in html
    assert 'data-embed="10"' in html and "data-only" not in html
    assert "/static/live.js?v=" in html and "/static/embed-frame.js?v=" in html
    assert response.headers["cache-control"].startswith("public, max-age=5")
    two = client.get("/live/harbour/embed?posts=2").text
    assert two.count('<article class="post') == 2 and "Gates shut." not in two
    assert client.get("/live/harbour/embed?posts=0").status_code == 422
    assert client.get("/live/harbour/embed?posts=51").status_code == 422


def test_the_key_events_embed_shows_key_events_only(
    client: Client, harbour: dict[str, Any]
) -> None:
    html = client.get("/live/harbour/embed/key-events").text
    assert "Ferry stops." in html and "Gates shut." in html
    assert "Rain again." not in html
    assert 'data-only="key"' in html


def test_a_post_embed_shows_that_post(
    client: Client, editor: dict[str, str], harbour: dict[str, Any]
) -> None:
    first = harbour["ids"][0]
    html = client.get(f"/live/harbour/posts/{first}/embed").text
    assert "Gates shut." in html and "Rain again." not in html
    assert f'data-only="post:{first}"' in html
    assert f'<link rel="canonical" href="http://testserver/live/harbour/posts/{first}">' in html
    assert client.get("/live/harbour/posts/nothing/embed").status_code == 404
    deleted = client.delete(f"/api/v1/blogs/harbour/posts/{first}", headers=editor)
    assert deleted.status_code in (200, 204), deleted.text
    assert client.get(f"/live/harbour/posts/{first}/embed").status_code == 404


def test_a_blog_in_draft_has_no_embed(
    client: Client, editor: dict[str, str], harbour: dict[str, Any]
) -> None:
    client.patch("/api/v1/blogs/harbour", json={"status": "draft"}, headers=editor)
    for path in ("/live/harbour/embed", "/live/harbour/embed/key-events"):
        assert client.get(path).status_code == 404


def test_embeds_are_answered_304_until_the_blog_changes(
    client: Client, editor: dict[str, str], harbour: dict[str, Any]
) -> None:
    first = client.get("/live/harbour/embed")
    etag = first.headers["etag"]
    again = client.get("/live/harbour/embed", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert ancestors(again) == "*"
    publish(client, editor, "harbour", "Tide turns.")
    after = client.get("/live/harbour/embed", headers={"If-None-Match": etag})
    assert after.status_code == 200 and "Tide turns." in after.text


def test_the_site_setting_and_the_blog_list_decide_who_may_frame(
    client: Client, editor: dict[str, str], harbour: dict[str, Any]
) -> None:
    # The default lets any site frame the embeds; the reader page is never framed elsewhere.
    assert ancestors(client.get("/live/harbour/embed")) == "*"
    assert ancestors(client.get("/live/harbour")) == "'self'"
    seq = harbour["last_seq"]
    seq = client.get("/api/v1/blogs/harbour").json()["last_seq"]
    changed = client.patch(
        "/api/v1/blogs/harbour",
        json={"frame_ancestors": "https://News.example.com, https://partner.example:8443/"},
        headers=editor,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["frame_ancestors"] == (
        "https://news.example.com https://partner.example:8443"
    )
    # Not a change readers see: no event, the page's seq stays.
    assert changed.json()["last_seq"] == seq
    wanted = "'self' https://news.example.com https://partner.example:8443"
    for path in ("/live/harbour/embed", "/live/harbour/embed/key-events"):
        assert ancestors(client.get(path)) == wanted
    assert ancestors(client.get("/live/harbour")) == "'self'"
    assert client.get("/api/v1/blogs/harbour").json()["frame_ancestors"].startswith("https://")
    nobody = client.patch("/api/v1/blogs/harbour", json={"frame_ancestors": "none"}, headers=editor)
    assert nobody.json()["frame_ancestors"] == "none"
    assert ancestors(client.get("/live/harbour/embed")) == "'self'"
    # Empty (or null) is the site's setting again.
    back = client.patch("/api/v1/blogs/harbour", json={"frame_ancestors": ""}, headers=editor)
    assert back.json()["frame_ancestors"] == ""
    assert ancestors(client.get("/live/harbour/embed")) == "*"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("ftp://files.example.com", "not a site's address"),
        ("news.example.com", "not a site's address"),
        ("https://news.example.com/live", "give no path"),
        ("https://news.example.com?x=1", "give no path"),
        ("https://user@news.example.com", "give no path"),
        ("* https://news.example.com", "* stands alone"),
        ("https://bad_host.example", "not a site's address"),
        ("https://news.example.com:99999", "not a site's address"),
    ],
)
def test_a_bad_list_is_refused_with_a_message(
    client: Client, editor: dict[str, str], harbour: dict[str, Any], value: str, words: str
) -> None:
    response = client.patch(
        "/api/v1/blogs/harbour", json={"frame_ancestors": value}, headers=editor
    )
    assert response.status_code == 422
    body = response.json()
    assert words in body["detail"]
    assert body["errors"][0]["field"] == "frame_ancestors"
    assert client.get("/api/v1/blogs/harbour").json()["frame_ancestors"] == ""


def test_only_the_blog_s_editors_may_change_who_frames(
    client: Client, make_user: Callable[[str], dict[str, str]], harbour: dict[str, Any]
) -> None:
    contributor = {"Authorization": make_user("contributor")["auth"]}
    response = client.patch(
        "/api/v1/blogs/harbour", json={"frame_ancestors": "*"}, headers=contributor
    )
    assert response.status_code == 403


def test_parsing_a_list() -> None:
    assert parse_ancestors("") == ""
    assert parse_ancestors(" * ") == "*"
    assert parse_ancestors("'none'") == "none"
    assert parse_ancestors("https://a.example https://a.example") == "https://a.example"
    assert parse_ancestors("https://*.example.org") == "https://*.example.org"
    assert frame_ancestors(None, "*") == "*"
    assert frame_ancestors("", "none") == "'self'"
    assert frame_ancestors("https://a.example", "*") == "'self' https://a.example"
    policy = embed_policy(None, "https://b.example")
    assert "frame-ancestors 'self' https://b.example;" in policy
    assert "script-src 'self';" in policy


def test_the_site_setting_is_read_and_checked() -> None:
    assert Settings.from_env({}, dotenv=None).frame_ancestors == "*"
    env = {"LIVEBLOG_FRAME_ANCESTORS": "https://a.example,https://b.example"}
    assert (
        Settings.from_env(env, dotenv=None).frame_ancestors == "https://a.example https://b.example"
    )
    assert (
        Settings.from_env({"LIVEBLOG_FRAME_ANCESTORS": ""}, dotenv=None).frame_ancestors == "none"
    )
    with pytest.raises(LiveblogError, match=r"LIVEBLOG_FRAME_ANCESTORS: 'a\.example' is not"):
        Settings.from_env({"LIVEBLOG_FRAME_ANCESTORS": "a.example"}, dotenv=None)


def test_a_site_that_names_its_partners(settings: Settings) -> None:
    site = Site.from_settings(settings.with_changes(frame_ancestors="https://partner.example"))
    try:
        create_blog(site, SYSTEM, BlogFields(title="Harbour", slug="harbour"))
        with start_blocking_portal() as portal:
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(site=site)),
                base_url="http://testserver",
            )
            answer = portal.call(client.get, "/live/harbour/embed")
            portal.call(client.aclose)
        assert ancestors(answer) == "'self' https://partner.example"
    finally:
        site.db.dispose()


def test_embeds_never_push_reader_pages_out_of_their_cache(
    site: Site, harbour: dict[str, Any]
) -> None:
    """Every variant of a blog's embeds, at once, leaves a cached reader page cached."""
    app = create_app(site=site)
    pages: PageCache = app.state.page_cache
    embeds: PageCache = app.state.embed_cache
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        assert portal.call(client.get, "/live/harbour").status_code == 200
        rendered = pages.encodings
        for posts in range(1, MAX_POSTS + 1):
            for kind in ("embed", "embed/key-events"):
                answer = portal.call(client.get, f"/live/harbour/{kind}?posts={posts}")
                assert answer.status_code == 200
        assert portal.call(client.get, "/live/harbour").status_code == 200
        portal.call(client.aclose)
    assert pages.encodings == rendered  # not one embed went in, the page was not made again
    assert embeds.encodings == 2 * MAX_POSTS


# --- oEmbed ---------------------------------------------------------------------------------


def oembed(client: Client, url: str, **params: str) -> Any:
    query = "&".join(f"{k}={quote(v)}" for k, v in ({"url": url} | params).items())
    return client.get(f"/oembed?{query}")


def test_oembed_of_a_blog(client: Client, harbour: dict[str, Any]) -> None:
    response = oembed(client, "http://testserver/live/harbour", format="json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert body["title"] == "Harbour flooding"
    assert body["provider_name"] == "liveblog"
    assert (body["width"], body["height"]) == (640, 800)
    html = body["html"]
    assert html.startswith('<iframe src="http://testserver/live/harbour/embed"')
    assert 'sandbox="allow-scripts allow-same-origin allow-popups' in html
    assert 'width="640" height="800"' in html
    small = oembed(client, "http://testserver/live/harbour?page=1", maxwidth="300", maxheight="200")
    assert (small.json()["width"], small.json()["height"]) == (300, 200)
    assert 'width="300" height="200"' in small.json()["html"]


def test_oembed_of_a_post(client: Client, harbour: dict[str, Any]) -> None:
    post = harbour["ids"][0]
    body = oembed(client, f"http://testserver/live/harbour/posts/{post}").json()
    assert body["title"] == "Gates shut · Harbour flooding"
    assert f'src="http://testserver/live/harbour/posts/{post}/embed"' in body["html"]
    assert body["height"] == 420


def test_oembed_of_a_post_of_photos_alone(
    client: Client, site: Site, harbour: dict[str, Any]
) -> None:
    """A post with no words is titled by the time it went out, as in the feeds."""
    actor = editor_of(site)
    photo = clean_photo(actor, png(), "quay.png")
    only_photo = NewPost.model_validate(
        {
            "elements": [
                {
                    "type": "image",
                    "caption": "The quay",
                    "alt": "A stone quay",
                    "file": photo.filename,
                }
            ]
        }
    )
    post = create_post(site, actor, "harbour", only_photo, photos=[photo])["id"]
    body = oembed(client, f"http://testserver/live/harbour/posts/{post}").json()
    assert re.fullmatch(r"Update at \d\d:\d\d \S+ · Harbour flooding", body["title"])
    assert f'title="{body["title"]}"' in body["html"]


def test_oembed_refuses_what_it_does_not_serve(client: Client, harbour: dict[str, Any]) -> None:
    assert oembed(client, "http://testserver/live/harbour", format="xml").status_code == 501
    for url in (
        "https://elsewhere.example/live/harbour",
        "http://testserver.example/live/harbour",
        "http://testserver/live/nothing",
        "http://testserver/live/harbour/posts/nothing",
        "http://testserver/editor/blogs/harbour",
        "http://testserver/",
        "not an address",
    ):
        response = oembed(client, url)
        assert response.status_code == 404, url
        assert "detail" in response.json()
    assert client.get("/oembed").status_code == 422
    assert oembed(client, "http://testserver/live/harbour", maxwidth="0").status_code == 422


def test_the_blog_page_names_its_oembed(client: Client, harbour: dict[str, Any]) -> None:
    html = client.get("/live/harbour").text
    match = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    assert match
    href = match.group(1).replace("&amp;", "&")
    assert href.startswith("http://testserver/oembed?url=http%3A%2F%2Ftestserver%2Flive%2Fharbour")
    assert client.get(href.removeprefix("http://testserver")).json()["type"] == "rich"


# --- embed.js at an address partners copy ---------------------------------------------------


def test_embed_js_has_a_stable_address_with_a_short_cache(client: Client) -> None:
    stable = client.get("/static/embed.js")
    assert stable.status_code == 200
    assert stable.headers["content-type"].startswith("text/javascript")
    assert stable.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=3600"
    assert "data-liveblog" in stable.text
    versioned = client.get(static_assets().url("embed.js"))
    assert "immutable" in versioned.headers["cache-control"]
    # Other files keep revalidating at their plain address.
    assert client.get("/static/live.js").headers["cache-control"] == "no-cache"
    assert client.get("/static/embed.js?x=1").headers["cache-control"] == "no-cache"


# --- the desk ------------------------------------------------------------------------------


def test_the_desk_shows_the_code_to_copy_and_saves_who_may_frame(
    client: Client, site: Site, harbour: dict[str, Any]
) -> None:
    login(client, site, "editor")
    page = client.get("/editor/blogs/harbour")
    html = unescape(page.text)
    assert 'id="embeds"' in page.text
    assert (
        '<script src="http://testserver/static/embed.js" '
        'data-liveblog="http://testserver/live/harbour/embed" async></script>'
    ) in html
    assert 'data-liveblog="http://testserver/live/harbour/embed/key-events"' in html
    assert '<iframe src="http://testserver/live/harbour/embed" title="Harbour flooding"' in html
    assert '<iframe src="http://testserver/live/harbour/embed/key-events"' in html
    assert 'name="frame_ancestors" value=""' in page.text
    saved = client.post(
        "/editor/blogs/harbour/embeds",
        data={"csrf": csrf_of(page), "frame_ancestors": "https://news.example.com"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/editor/blogs/harbour?done=framing#embeds"
    assert ancestors(client.get("/live/harbour/embed")) == "'self' https://news.example.com"
    again = client.get("/editor/blogs/harbour?done=framing")
    assert 'value="https://news.example.com"' in again.text
    assert "the embeds may be shown by the sites you named" in again.text
    refused = client.post(
        "/editor/blogs/harbour/embeds",
        data={"csrf": csrf_of(page), "frame_ancestors": "news.example.com/live"},
    )
    assert refused.status_code == 422
    assert "Sites that may show the embeds: &#39;news.example.com/live&#39;" in refused.text
    assert '<details class="panel embed-codes" id="embeds" open>' in refused.text
    assert ancestors(client.get("/live/harbour/embed")) == "'self' https://news.example.com"


def test_a_contributor_sees_the_code_but_no_form(
    client: Client, site: Site, harbour: dict[str, Any]
) -> None:
    email = login(client, site, "contributor")
    set_membership(site, SYSTEM, "harbour", email, "contributor")
    page = client.get("/editor/blogs/harbour")
    assert page.status_code == 200
    assert "data-liveblog=" in unescape(page.text)
    assert 'name="frame_ancestors"' not in page.text
    refused = client.post(
        "/editor/blogs/harbour/embeds", data={"csrf": csrf_of(page), "frame_ancestors": "*"}
    )
    assert refused.status_code == 403
