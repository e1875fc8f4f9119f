"""The reader page in a real Chromium against a real uvicorn server: no JS needed, no CSP
violations, accessible structure, share, the folded pinned post, pages and screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post, edit_post, set_pinned
from liveblog.schema import BlogFields, NewPost, PostChanges
from liveblog.site import Site
from tests.servers import A11Y_AUDIT, Watcher, running_server

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/liveblog-shots")
FOLD_PX = 24 * 16


@pytest.fixture
def base_url(site: Site) -> Iterator[str]:
    """A real uvicorn server for this test's site, on a free port of 127.0.0.1."""
    with running_server(site) as (url, _server):
        yield url


@dataclass
class Story:
    """A blog built through the real actions, and the public ids of its posts."""

    slug: str
    ids: dict[str, str] = field(default_factory=dict)


def _publish(site: Site, slug: str, **fields: Any) -> str:
    fields.setdefault("elements", [{"type": "text", "markdown": "Nothing new to report."}])
    record = create_post(site, SYSTEM, slug, NewPost.model_validate(fields))
    public_id: str = record["id"]
    return public_id


def _paragraphs(n: int, topic: str) -> list[dict[str, str]]:
    return [
        {
            "type": "text",
            "markdown": f"{topic}, paragraph {i + 1}: officials gave further details of the "
            "response, and residents described what they had seen on the waterfront.",
        }
        for i in range(n)
    ]


def build_story(site: Site, *, pinned_paragraphs: int = 3) -> Story:
    blog = create_blog(
        site,
        SYSTEM,
        BlogFields(
            title="Harbour flooding: storm surge hits the east coast",
            standfirst="Thousands told to leave their homes as the tide peaks tonight.",
            section="Weather",
            timezone="Europe/London",
        ),
    )
    story = Story(blog["slug"])
    s = story.slug
    story.ids["pinned"] = _publish(
        site,
        s,
        title="What we know so far",
        elements=_paragraphs(pinned_paragraphs, "Summary of the day"),
        authors=["Ana Lima"],
    )
    story.ids["kremlin"] = _publish(
        site,
        s,
        title="Mayor calls the barrier plan futile",
        key_event=True,
        sources=["Tass"],
        elements=[
            {"type": "text", "markdown": "The mayor spoke to reporters at the town hall."},
            {
                "type": "quote",
                "text": "Without the barrier, everything else is empty talk.",
                "attribution": "The mayor",
            },
        ],
    )
    story.ids["photo"] = _publish(
        site,
        s,
        authors=["Sam Reed", "Jo Park"],
        elements=[
            {"type": "text", "markdown": "Water reached the **high street** shortly after noon."},
            {
                "type": "image",
                "caption": "Sandbags outside shops on the high street.",
                "credit": "Sam Reed/Newsroom",
                "alt": "Sandbags piled outside a row of shops",
            },
        ],
    )
    story.ids["claim"] = _publish(
        site,
        s,
        verification="unverified",
        sources=["Reuters", "AFP"],
        elements=[{"type": "text", "markdown": "A second sea wall is said to have failed."}],
    )
    story.ids["embed"] = _publish(
        site,
        s,
        title="Forecasters' warning",
        verification="confirmed",
        elements=[
            {"type": "text", "markdown": "The national weather service issued a red warning."},
            {"type": "embed", "url": "https://weather.example/warnings/red-2024-05-16"},
        ],
    )
    story.ids["disputed"] = _publish(
        site,
        s,
        verification="disputed",
        elements=[{"type": "text", "markdown": "The port authority denies the port is closed."}],
    )
    story.ids["corrected"] = _publish(
        site,
        s,
        title="Evacuation centres open",
        elements=[{"type": "text", "markdown": "Three schools have opened as rest centres."}],
    )
    edit_post(
        site,
        SYSTEM,
        s,
        story.ids["corrected"],
        PostChanges(correction="An earlier version named the wrong school."),
        expected_version=1,
    )
    story.ids["summary"] = _publish(
        site,
        s,
        key_event=True,
        summary=True,
        elements=[
            {"type": "text", "markdown": "Here is the latest. The tide peaks at 9pm tonight."}
        ],
    )
    set_pinned(site, SYSTEM, s, story.ids["pinned"], True)
    return story


def test_renders_without_console_errors_or_csp_violations(
    site: Site, base_url: str, browser: Browser
) -> None:
    story = build_story(site, pinned_paragraphs=40)
    page = browser.new_page()
    watcher = Watcher(page)
    response = page.goto(f"{base_url}/live/{story.slug}")
    assert response is not None and response.ok
    assert "default-src 'self'" in (response.header_value("content-security-policy") or "")
    page.wait_for_load_state("load")
    # Exercise the script too: unfold and fold the pinned post.
    page.locator(".fold-toggle").click()
    page.locator(".fold-toggle").click()
    # Styles came from the stylesheet, not the browser defaults.
    assert page.locator(".badge-live").evaluate("e => getComputedStyle(e).color") == (
        "rgb(255, 255, 255)"
    )
    watcher.check()
    page.close()


def test_complete_without_javascript(site: Site, base_url: str, browser: Browser) -> None:
    story = build_story(site, pinned_paragraphs=40)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/live/{story.slug}")

    assert (
        page.locator("h1")
        .inner_text()
        .endswith("Harbour flooding: storm surge hits the east coast")
    )
    assert page.locator("h1 .badge-live").inner_text().strip().lower().startswith("live")
    assert page.locator(".standfirst").is_visible()

    key_links = page.locator(".key-events ol li a")
    assert key_links.count() == 2
    hrefs = [key_links.nth(i).get_attribute("href") for i in range(2)]
    assert hrefs == [
        f"/live/{story.slug}/posts/{story.ids['summary']}",
        f"/live/{story.slug}/posts/{story.ids['kremlin']}",
    ]
    assert "key-summary" in (page.locator(".key-events li").first.get_attribute("class") or "")

    # The pinned post is there in full: nothing folds it without the script.
    fold = page.locator(".pinned-fold")
    assert "is-folded" not in (fold.get_attribute("class") or "")
    assert page.locator(".fold-toggle").count() == 0
    assert page.locator(f"#pinned-{story.ids['pinned']} .post-body p").last.is_visible()
    assert fold.evaluate("e => e.scrollHeight <= e.clientHeight + 1")

    posts = page.locator(".stream > article.post")
    assert posts.count() == 8
    assert posts.first.get_attribute("id") == f"post-{story.ids['summary']}"

    photo = page.locator(f"#post-{story.ids['photo']}")
    figure = photo.locator("figure.post-figure")
    assert figure.locator(".figure-blank[role=img]").is_visible()
    assert figure.locator(".figure-blank").bounding_box() is not None
    assert "Sandbags outside shops" in figure.locator("figcaption").inner_text()
    assert figure.locator("figcaption .credit").inner_text() == "Photograph: Sam Reed/Newsroom"
    assert photo.locator(".post-byline").inner_text() == "By Sam Reed, Jo Park"

    quote = page.locator(f"#post-{story.ids['kremlin']} blockquote.post-quote")
    assert "empty talk" in quote.inner_text()
    assert quote.locator("cite").inner_text() == "The mayor"
    assert page.locator(f"#post-{story.ids['kremlin']} .post-sources").inner_text() == (
        "Sources: Tass"
    )

    claim = page.locator(f"#post-{story.ids['claim']}")
    assert claim.locator(".verification-unverified").inner_text() == "Unverified claim"
    assert claim.locator(".verification-unverified").is_visible()
    assert claim.locator(".post-sources").inner_text() == "Sources: Reuters, AFP"
    assert page.locator(".verification-confirmed").inner_text() == "Confirmed"
    assert page.locator(".verification-disputed").inner_text() == "Disputed"

    corrected = page.locator(f"#post-{story.ids['corrected']}")
    assert "named the wrong school" in corrected.locator(".post-correction").inner_text()
    assert corrected.locator(".post-updated").inner_text().startswith("Updated at ")

    embed = page.locator(f"#post-{story.ids['embed']} .post-embed .embed-title a")
    assert embed.get_attribute("href") == "https://weather.example/warnings/red-2024-05-16"

    # A key event goes through the permalink redirect and lands on its post.
    page.locator(".key-events a", has_text="Mayor calls the barrier plan").click()
    page.wait_for_load_state("load")
    assert page.url == f"{base_url}/live/{story.slug}#post-{story.ids['kremlin']}"
    target = page.locator(f"#post-{story.ids['kremlin']}")
    assert target.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight; }"
    )
    context.close()


def test_accessibility_basics(site: Site, base_url: str, browser: Browser) -> None:
    story = build_story(site, pinned_paragraphs=40)
    page = browser.new_page()
    page.goto(f"{base_url}/live/{story.slug}")
    assert page.locator(".fold-toggle").count() == 1
    assert page.evaluate(A11Y_AUDIT) == []
    assert page.locator("time").count() > 10

    # The skip link is the first stop for the keyboard and shows itself when focused.
    page.keyboard.press("Tab")
    skip = page.locator(".skip")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.close()


def test_share_copies_the_permalink(site: Site, base_url: str, browser: Browser) -> None:
    story = build_story(site)
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    # Desktop Chromium on Linux has no Web Share; make sure the copy path is what runs.
    context.add_init_script("delete Navigator.prototype.share;")
    page = context.new_page()
    watcher = Watcher(page)
    page.goto(f"{base_url}/live/{story.slug}")
    post = page.locator(f"#post-{story.ids['claim']}")
    post.locator(".share-link").click()
    status = page.locator(".share-status[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"{base_url}/live/{story.slug}/posts/{story.ids['claim']}"
    )
    assert page.url == f"{base_url}/live/{story.slug}"  # no navigation happened
    expect(status).to_have_text("", timeout=5000)  # the message goes away again
    watcher.check()
    context.close()


def test_share_uses_web_share_when_there_is_one(
    site: Site, base_url: str, browser: Browser
) -> None:
    story = build_story(site)
    context = browser.new_context()
    context.add_init_script(
        """Object.defineProperty(Navigator.prototype, "share", {
             configurable: true,
             value(data) { window.__shared = data; return Promise.resolve(); },
           });"""
    )
    page = context.new_page()
    page.goto(f"{base_url}/live/{story.slug}")
    page.locator(f"#post-{story.ids['corrected']} .share-link").click()
    shared = page.evaluate("window.__shared")
    assert shared == {
        "title": "Evacuation centres open",
        "url": f"{base_url}/live/{story.slug}/posts/{story.ids['corrected']}",
    }
    assert page.url == f"{base_url}/live/{story.slug}"
    context.close()


def test_long_pinned_post_is_folded(site: Site, base_url: str, browser: Browser) -> None:
    story = build_story(site, pinned_paragraphs=40)
    page = browser.new_page()
    page.goto(f"{base_url}/live/{story.slug}")
    fold = page.locator(".pinned-fold")
    toggle = page.locator(".pinned-fold + button.fold-toggle")
    assert "is-folded" in (fold.get_attribute("class") or "")
    assert toggle.inner_text() == "Show more"
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == fold.get_attribute("id")
    folded = fold.bounding_box()
    assert folded is not None and folded["height"] <= FOLD_PX + 1

    toggle.click()
    assert "is-folded" not in (fold.get_attribute("class") or "")
    assert toggle.inner_text() == "Show less"
    assert toggle.get_attribute("aria-expanded") == "true"
    unfolded = fold.bounding_box()
    assert unfolded is not None and unfolded["height"] > FOLD_PX * 2
    assert page.locator(f"#pinned-{story.ids['pinned']} .post-body p").last.is_visible()

    toggle.click()
    assert toggle.inner_text() == "Show more"
    assert "is-folded" in (fold.get_attribute("class") or "")
    page.close()


def test_short_pinned_post_is_not_folded(site: Site, base_url: str, browser: Browser) -> None:
    story = build_story(site, pinned_paragraphs=2)
    page = browser.new_page()
    page.goto(f"{base_url}/live/{story.slug}")
    assert "is-folded" not in (page.locator(".pinned-fold").get_attribute("class") or "")
    assert page.locator(".fold-toggle").count() == 0
    page.close()


def test_pages_of_twenty(site: Site, base_url: str, browser: Browser) -> None:
    blog = create_blog(site, SYSTEM, BlogFields(title="Election night", timezone="UTC"))
    slug = blog["slug"]
    ids = [
        _publish(
            site,
            slug,
            key_event=(n == 2),
            elements=[{"type": "text", "markdown": f"Result number {n + 1} is in."}],
        )
        for n in range(25)
    ]
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(f"{base_url}/live/{slug}")
    assert page.locator(".stream > article.post").count() == 20
    assert page.locator(".stream > article.post").first.get_attribute("id") == f"post-{ids[-1]}"
    assert page.locator(".pager a[rel=prev]").count() == 0
    assert "Page 1 of 2" in page.locator(".pager").inner_text()

    page.locator(".pager a[rel=next]", has_text="Older updates").click()
    page.wait_for_load_state("load")
    assert page.url == f"{base_url}/live/{slug}?page=2"
    posts = page.locator(".stream > article.post")
    assert posts.count() == 5
    assert [posts.nth(i).get_attribute("id") for i in range(5)] == [
        f"post-{public_id}" for public_id in reversed(ids[:5])
    ]
    assert page.locator(".pager a[rel=prev]").inner_text() == "Newer updates"
    assert page.locator(".pager a[rel=next]").count() == 0

    # A key event on page 2, followed from page 1, opens page 2 at its post.
    page.locator(".pager a[rel=prev]").click()
    page.wait_for_load_state("load")
    assert page.url == f"{base_url}/live/{slug}"
    page.locator(".key-events a").click()
    page.wait_for_load_state("load")
    assert page.url == f"{base_url}/live/{slug}?page=2#post-{ids[2]}"
    assert page.locator(f"#post-{ids[2]}").is_visible()
    watcher.check()
    page.close()


@pytest.mark.parametrize(
    ("name", "width", "height", "scheme"),
    [
        ("phone", 390, 844, "light"),
        ("desktop", 1280, 900, "light"),
        ("phone-dark", 390, 844, "dark"),
    ],
)
def test_screenshots(
    site: Site,
    base_url: str,
    browser: Browser,
    name: str,
    width: int,
    height: int,
    scheme: Any,
) -> None:
    story = build_story(site, pinned_paragraphs=40)
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        is_mobile=width < 600,
        has_touch=width < 600,
        reduced_motion="reduce",
    )
    page = context.new_page()
    page.goto(f"{base_url}/live/{story.slug}")
    # Nothing runs off the side of the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    stream_width = page.locator(".stream").evaluate("e => e.getBoundingClientRect().width")
    assert stream_width <= 50 * 16
    context.close()


def test_index_lists_the_blog(site: Site, base_url: str, browser: Browser) -> None:
    story = build_story(site)
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(base_url + "/")
    link = page.locator(".blog-list a", has_text=re.compile("Harbour flooding"))
    assert link.get_attribute("href") == f"/live/{story.slug}"
    assert page.evaluate(A11Y_AUDIT) == []
    watcher.check()
    page.close()
