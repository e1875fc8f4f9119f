"""Embedded videos and posts in a real Chromium, with every request the page makes recorded
and every request off this machine stopped (the test runs offline): nothing goes to a
provider until the reader clicks, and then only the sandboxed frame's one request to the
provider's embed host; a card that arrives live works the same; without JavaScript the
card is a plain link."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Route, expect

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post, edit_post
from liveblog.elements.providers import fixed_frame_hosts
from liveblog.schema import BlogFields, NewPost, PostChanges
from liveblog.site import Site
from tests import waiting
from tests.servers import A11Y_AUDIT, Watcher
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/liveblog-shots")

YOUTUBE = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
YOUTUBE_FRAME = "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"
BLUESKY = "https://bsky.app/profile/jay.bsky.team/post/3lbb32nb4322g"
BLUESKY_FRAME = "https://embed.bsky.app/embed/jay.bsky.team/app.bsky.feed.post/3lbb32nb4322g"
MASTODON = "https://social.example.net/@ines/110000000000000001"
LATER_MASTODON = "https://other.example.org/@sam/110000000000000002"
PROVIDER_HOSTS = {
    "www.youtube.com",
    "youtube.com",
    "youtu.be",
    "bsky.app",
    "social.example.net",
    "other.example.org",
    *fixed_frame_hosts(),
}


@dataclass
class Requests:
    """Every request the context made, in order; the ones off this machine were stopped,
    but for the providers' frames, which get a small page of their own."""

    seen: list[str] = field(default_factory=list)

    def external(self) -> list[str]:
        return [url for url in self.seen if urlsplit(url).hostname != "127.0.0.1"]

    def to_providers(self) -> list[str]:
        return [url for url in self.seen if urlsplit(url).hostname in PROVIDER_HOSTS]


@contextmanager
def recorded(browser: Browser, **options: bool) -> Iterator[tuple[BrowserContext, Requests]]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    requests = Requests()

    def handle(route: Route) -> None:
        url = route.request.url
        requests.seen.append(url)
        host = urlsplit(url).hostname
        if host == "127.0.0.1":
            route.continue_()
        elif host in fixed_frame_hosts() or host in ("social.example.net", "other.example.org"):
            # The provider's frame, answered here: the test never leaves the machine.
            route.fulfill(
                status=200,
                content_type="text/html",
                body="<!doctype html><title>frame</title><p>the provider's frame</p>",
            )
        else:
            route.abort()

    context.route("**/*", handle)
    try:
        yield context, requests
    finally:
        context.close()


def blog_with_embeds(site: Site) -> str:
    slug: str = create_blog(
        site, SYSTEM, BlogFields(title="Storm surge at the harbour", timezone="Europe/London")
    )["slug"]
    post(site, slug, {"type": "text", "markdown": "What the quay looked like at noon."})
    post(
        site,
        slug,
        {"type": "embed", "url": YOUTUBE, "title": "The wall at high tide"},
        {"type": "embed", "url": BLUESKY},
        {"type": "embed", "url": MASTODON},
        {"type": "embed", "url": "https://valley.example/river-levels"},
    )
    return slug


def post(site: Site, slug: str, *elements: dict[str, str]) -> str:
    new = NewPost.model_validate({"elements": list(elements)})
    public_id: str = create_post(site, SYSTEM, slug, new)["id"]
    return public_id


def test_nothing_reaches_a_provider_before_the_click(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = blog_with_embeds(site)
    with recorded(browser) as (context, requests):
        page = context.new_page()
        watcher = Watcher(page)
        page.goto(f"{live.url}/live/{slug}")
        youtube = page.locator(".embed-card.embed-youtube")
        bluesky = page.locator(".embed-card.embed-bluesky")
        expect(youtube.locator("button.embed-load")).to_have_text("Load the video from YouTube")
        expect(bluesky.locator("button.embed-load")).to_have_text("Load the post from Bluesky")
        expect(youtube.locator(".embed-note")).to_contain_text("may set cookies")
        mastodon = page.locator(".embed-card.embed-mastodon")
        expect(mastodon.locator("button.embed-load")).to_have_text(
            "Load the post from social.example.net"  # the server it loads from
        )
        expect(mastodon.locator(".embed-note")).to_contain_text(
            "connects you to social.example.net"
        )
        # Another site's card is a link and nothing more.
        link_card = page.locator(".embed-card.embed-link")
        expect(link_card.locator("a").first).to_have_attribute(
            "href", "https://valley.example/river-levels"
        )
        assert link_card.locator("button").count() == 0
        page.wait_for_load_state("networkidle")
        assert page.locator("iframe").count() == 0
        assert requests.external() == []  # nothing left the machine: no frame, image, font
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(".stream").screenshot(path=str(SHOTS / "embed-cards.png"))

        # The click: exactly the sandboxed frame's request, to the no-cookie host.
        youtube.locator("button.embed-load").click()
        frame = youtube.locator("iframe.embed-frame")
        expect(frame).to_have_attribute("src", YOUTUBE_FRAME)
        expect(frame).to_have_attribute(
            "sandbox", "allow-scripts allow-same-origin allow-popups allow-presentation"
        )
        expect(frame).to_have_attribute("referrerpolicy", "strict-origin")
        expect(frame).to_have_attribute("allow", "fullscreen; picture-in-picture; encrypted-media")
        expect(frame).to_have_attribute("title", "YouTube: The wall at high tide")
        frame_page = page.frame_locator(".embed-youtube iframe")
        expect(frame_page.locator("p")).to_have_text("the provider's frame")
        assert requests.external() == [YOUTUBE_FRAME]
        assert youtube.locator("button.embed-load").count() == 0
        assert bluesky.locator("iframe").count() == 0

        bluesky.locator("button.embed-load").click()
        expect(bluesky.locator("iframe")).to_have_attribute(
            "sandbox", "allow-scripts allow-same-origin allow-popups"
        )
        expect(page.frame_locator(".embed-bluesky iframe").locator("p")).to_be_visible()
        assert requests.external() == [YOUTUBE_FRAME, BLUESKY_FRAME]
        page.locator(".stream").screenshot(path=str(SHOTS / "embed-cards-loaded.png"))
        assert page.evaluate(A11Y_AUDIT) == []
        watcher.check()  # no CSP violation: the policy allows these frames


def test_a_card_that_arrives_live_loads_on_a_click_too(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = blog_with_embeds(site)
    with recorded(browser) as (context, requests):
        page = context.new_page()
        watcher = Watcher(page)
        page.goto(f"{live.url}/live/{slug}")
        expect(page.locator(".embed-youtube button.embed-load")).to_be_visible()
        page.wait_for_function("() => document.documentElement.classList.contains('live-on')")
        arrived = post(
            site,
            slug,
            {"type": "embed", "url": BLUESKY, "title": "The coastguard's update"},
            {"type": "embed", "url": LATER_MASTODON},
        )
        fresh = page.locator(f"#post-{arrived} .embed-bluesky")
        expect(fresh.locator("button.embed-load")).to_have_text("Load the post from Bluesky")
        # A Mastodon server the page's policy does not name stays a link until a reload.
        later = page.locator(f"#post-{arrived} .embed-mastodon")
        expect(later.locator("a").first).to_be_visible()
        assert later.locator("button").count() == 0
        assert requests.external() == []

        fresh.locator("button.embed-load").click()
        expect(fresh.locator("iframe")).to_have_attribute("src", BLUESKY_FRAME)
        expect(page.frame_locator(f"#post-{arrived} iframe").locator("p")).to_be_visible()
        assert requests.external() == [BLUESKY_FRAME]
        watcher.check()

        # Edited live, the post keeps what the reader loaded: the frame again, no button.
        edit_post(
            site,
            SYSTEM,
            slug,
            arrived,
            PostChanges(title="Coastguard: the harbour is closed"),
            expected_version=1,
        )
        edited = page.locator(f"#post-{arrived}")
        expect(edited.locator(".post-title")).to_have_text("Coastguard: the harbour is closed")
        expect(edited.locator(".embed-bluesky iframe")).to_have_attribute("src", BLUESKY_FRAME)
        assert edited.locator(".embed-bluesky button").count() == 0
        assert edited.locator(".embed-mastodon iframe").count() == 0
        waiting.wait_until(
            lambda: len(requests.external()) == 2,
            5,
            pause=lambda s: page.wait_for_timeout(s * 1000),  # the page's events go on
            interval=0.05,
        )
        assert requests.external() == [BLUESKY_FRAME, BLUESKY_FRAME]

        # Reloaded, the page names the new server: its card loads too.
        page.reload()
        later = page.locator(f"#post-{arrived} .embed-mastodon")
        later.locator("button.embed-load").click()
        expect(later.locator("iframe")).to_have_attribute(
            "src", "https://other.example.org/@sam/110000000000000002/embed"
        )
        expect(
            page.frame_locator(f"#post-{arrived} .embed-mastodon iframe").locator("p")
        ).to_be_visible()
        watcher.check()


def test_without_javascript_a_card_is_a_plain_link(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = blog_with_embeds(site)
    with recorded(browser, java_script_enabled=False) as (context, requests):
        page = context.new_page()
        page.goto(f"{live.url}/live/{slug}")
        youtube = page.locator(".embed-card.embed-youtube")
        expect(youtube).to_contain_text("YouTube video: The wall at high tide")
        assert youtube.locator("button").count() == 0
        title = youtube.locator(".embed-title a")
        expect(title).to_have_attribute("href", YOUTUBE)
        expect(youtube.locator(".embed-url a")).to_have_attribute("href", YOUTUBE)
        page.wait_for_load_state("networkidle")
        assert requests.external() == []


def test_the_pinned_copy_keeps_its_loaded_frame_across_an_edit(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = blog_with_embeds(site)
    new = NewPost.model_validate({"elements": [{"type": "embed", "url": BLUESKY}]})
    pinned: str = create_post(site, SYSTEM, slug, new, pinned=True)["id"]
    with recorded(browser) as (context, _):
        page = context.new_page()
        page.goto(f"{live.url}/live/{slug}")
        page.wait_for_function("() => document.documentElement.classList.contains('live-on')")
        copy = page.locator(f"#pinned-{pinned} .embed-bluesky")
        copy.locator("button.embed-load").click()
        expect(copy.locator("iframe")).to_have_attribute("src", BLUESKY_FRAME)
        edit_post(
            site,
            SYSTEM,
            slug,
            pinned,
            PostChanges(title="Pinned: the coastguard"),
            expected_version=1,
        )
        expect(page.locator(f"#pinned-{pinned} .post-title")).to_have_text("Pinned: the coastguard")
        expect(copy.locator("iframe")).to_have_attribute("src", BLUESKY_FRAME)
        assert copy.locator("button").count() == 0
        # The stream's copy was not loaded by the reader: it still offers the button.
        expect(page.locator(f"#post-{pinned} .embed-bluesky button.embed-load")).to_be_visible()
