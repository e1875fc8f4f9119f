"""A partner's page on another origin frames a blog with the one-line embed.js, in a real
Chromium against `liveblog serve` started as an operator does: the frame appears after the
script, follows the blog live (a post published arrives within a second), grows with it;
the key-events embed follows flags, a post's embed its edits and its deletion; and a blog
that names other sites is not framed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Frame, Page, expect

from liveblog.settings import Settings
from liveblog.site import Site
from tests import waiting
from tests.servers import Served, Watcher, liveblog_serve, serve_env
from tests.test_serve import metric

pytestmark = pytest.mark.browser

Auth = dict[str, str]


@pytest.fixture
def auth(make_user: Callable[[str], dict[str, str]]) -> Auth:
    return {"Authorization": make_user("editor")["auth"]}


@pytest.fixture
def served(site: Site, settings: Settings, tmp_path: Path, auth: Auth) -> Iterator[Served]:
    site.db.dispose()
    with liveblog_serve(serve_env(settings), tmp_path) as server:
        yield server


@contextmanager
def partner_site(pages: dict[str, str]) -> Iterator[str]:
    """A partner's web server on a free port, reached as http://localhost:<port>: another
    origin than liveblog's http://127.0.0.1:<port>."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def partner_page(served: Served, embed: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner news</title></head>
<body><h1>Partner news</h1><p>Before the live blog.</p>
<script src="{served.url}/static/embed.js" data-liveblog="{served.url}{embed}" async></script>
<p id="after">After the live blog.</p>
</body></html>"""


def new_blog(served: Served, auth: Auth, slug: str, **fields: Any) -> None:
    body = {"title": f"Harbour {slug}", "slug": slug, "timezone": "Europe/London"} | fields
    response = httpx.post(f"{served.url}/api/v1/blogs", json=body, headers=auth, timeout=10)
    assert response.status_code == 201, response.text


def publish(served: Served, auth: Auth, slug: str, words: str, **fields: Any) -> str:
    body = {"elements": [{"type": "text", "markdown": words}]} | fields
    response = httpx.post(
        f"{served.url}/api/v1/blogs/{slug}/posts", json=body, headers=auth, timeout=10
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def flag(served: Served, auth: Auth, slug: str, public_id: str, key_event: bool) -> None:
    url = f"{served.url}/api/v1/blogs/{slug}/posts/{public_id}"
    version = httpx.get(url, headers=auth, timeout=10).json()["version"]
    response = httpx.patch(
        url,
        json={"key_event": key_event},
        headers=auth | {"If-Match": str(version)},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def wait_for_readers(page: Page, served: Served, count: int) -> None:
    waiting.wait_until(
        lambda: metric(served, "liveblog_readers") >= count,
        10,
        pause=lambda s: page.wait_for_timeout(s * 1000),
        interval=0.05,
        what=f"{count} reader(s) on the event stream",
    )


def embed_frame(page: Page) -> Frame:
    waiting.wait_until(
        lambda: len(page.frames) > 1,
        10,
        pause=lambda s: page.wait_for_timeout(s * 1000),
        what="the embed's frame",
    )
    return page.frames[1]


def frame_height(page: Page) -> float:
    height: float = page.locator("iframe").evaluate("f => f.getBoundingClientRect().height")
    return height


def content_height(frame: Frame) -> float:
    height: float = frame.evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    return height


def test_a_partner_page_frames_the_blog_and_it_follows_live(
    served: Served, auth: Auth, browser: Browser
) -> None:
    new_blog(served, auth, "quay")
    publish(served, auth, "quay", "Gates shut at the quay.")
    with partner_site({"/": partner_page(served, "/live/quay/embed")}) as partner:
        page = browser.new_page()
        watcher = Watcher(page)
        page.goto(partner + "/")
        iframe = page.locator("script[data-liveblog] + iframe")
        expect(iframe).to_have_count(1)
        assert iframe.get_attribute("sandbox") == (
            "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
        )
        assert page.locator("iframe + #after").count() == 1
        frame = embed_frame(page)
        expect(frame.locator(".liveblog-embed .stream > article.post")).to_have_count(1)
        expect(frame.locator("h1.blog-title a")).to_have_attribute("target", "_blank")
        # Sized to its content, not the 600 px it starts with.
        waiting.wait_until(
            lambda: abs(frame_height(page) - content_height(frame)) <= 1,
            10,
            pause=lambda s: page.wait_for_timeout(s * 1000),
            what="the frame to take its content's height",
        )
        before = frame_height(page)
        assert before < 600
        wait_for_readers(page, served, 1)

        for n in range(3):
            words = f"Update number {n}: the tide is rising."
            publish(served, auth, "quay", words)
            sent = time.monotonic()
            card = frame.locator(".stream > article.post", has_text=words)
            expect(card).to_be_visible(timeout=1000)
            assert time.monotonic() - sent <= 1.0
        expect(frame.locator(".stream > article.post")).to_have_count(4)
        waiting.wait_until(
            lambda: (
                frame_height(page) > before and abs(frame_height(page) - content_height(frame)) <= 1
            ),
            5,
            pause=lambda s: page.wait_for_timeout(s * 1000),
            what="the frame to grow with its content",
        )
        watcher.check()
        assert frame.evaluate("window.__csp") == []  # the embed's own policy, too


def test_the_key_events_embed_follows_flags(served: Served, auth: Auth, browser: Browser) -> None:
    new_blog(served, auth, "flags")
    publish(served, auth, "flags", "A key moment.", key_event=True)
    with partner_site({"/": partner_page(served, "/live/flags/embed/key-events")}) as partner:
        page = browser.new_page()
        watcher = Watcher(page)
        page.goto(partner + "/")
        frame = embed_frame(page)
        cards = frame.locator(".stream > article.post")
        expect(cards).to_have_count(1)
        wait_for_readers(page, served, 1)
        ordinary = publish(served, auth, "flags", "Only an ordinary update.")
        later = publish(served, auth, "flags", "Another key moment.", key_event=True)
        expect(frame.locator(f"#post-{later}")).to_be_visible(timeout=2000)
        assert frame.locator(f"#post-{ordinary}").count() == 0
        flag(served, auth, "flags", ordinary, True)
        expect(frame.locator(f"#post-{ordinary}")).to_be_visible(timeout=2000)
        flag(served, auth, "flags", ordinary, False)
        expect(frame.locator(f"#post-{ordinary}")).to_have_count(0, timeout=2000)
        expect(cards).to_have_count(2)
        watcher.check()


def test_an_embed_keeps_its_posts_when_one_leaves(
    served: Served, auth: Auth, browser: Browser
) -> None:
    """A card that leaves (unmarked, or deleted) is replaced by the next one down, so the
    embed keeps showing as many posts as it asked for."""
    new_blog(served, auth, "refill")
    first, second, third = (
        publish(served, auth, "refill", f"Key moment {n}.", key_event=True) for n in range(3)
    )
    embed = "/live/refill/embed/key-events?posts=2"
    with partner_site({"/": partner_page(served, embed)}) as partner:
        page = browser.new_page()
        watcher = Watcher(page)
        page.goto(partner + "/")
        frame = embed_frame(page)
        cards = frame.locator(".stream > article.post")
        expect(cards).to_have_count(2)
        assert frame.locator(f"#post-{first}").count() == 0
        wait_for_readers(page, served, 1)
        flag(served, auth, "refill", third, False)
        expect(frame.locator(f"#post-{first}")).to_be_visible(timeout=5000)
        expect(cards).to_have_count(2)
        assert frame.locator(f"#post-{third}").count() == 0
        url = f"{served.url}/api/v1/blogs/refill/posts/{second}"
        assert httpx.delete(url, headers=auth, timeout=10).status_code in (200, 204)
        expect(frame.locator(f"#post-{second}")).to_have_count(0, timeout=2000)
        expect(cards).to_have_count(1)  # none left to take its place
        flag(served, auth, "refill", third, True)
        expect(cards).to_have_count(2, timeout=2000)
        watcher.check()


def test_a_post_embed_follows_its_edits_and_its_deletion(
    served: Served, auth: Auth, browser: Browser
) -> None:
    new_blog(served, auth, "one")
    shown = publish(served, auth, "one", "The barrier holds.")
    with partner_site({"/": partner_page(served, f"/live/one/posts/{shown}/embed")}) as partner:
        page = browser.new_page()
        watcher = Watcher(page)
        page.goto(partner + "/")
        frame = embed_frame(page)
        card = frame.locator(f"#post-{shown}")
        expect(card).to_contain_text("The barrier holds.")
        wait_for_readers(page, served, 1)
        other = publish(served, auth, "one", "Another post, not this embed's.")
        url = f"{served.url}/api/v1/blogs/one/posts/{shown}"
        edited = httpx.patch(
            url,
            json={"elements": [{"type": "text", "markdown": "The barrier still holds."}]},
            headers=auth | {"If-Match": "1"},
            timeout=10,
        )
        assert edited.status_code == 200, edited.text
        expect(card).to_contain_text("The barrier still holds.", timeout=2000)
        assert frame.locator(f"#post-{other}").count() == 0
        assert httpx.delete(url, headers=auth, timeout=10).status_code in (200, 204)
        expect(card).to_have_count(0, timeout=2000)
        expect(frame.locator(".stream .empty")).to_have_text("This post is no longer published.")
        watcher.check()


def test_a_blog_that_names_other_sites_is_not_framed(
    served: Served, auth: Auth, browser: Browser
) -> None:
    new_blog(served, auth, "closed")
    publish(served, auth, "closed", "Not for every site.")
    changed = httpx.patch(
        f"{served.url}/api/v1/blogs/closed",
        json={"frame_ancestors": "https://partner.example"},
        headers=auth,
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    with partner_site({"/": partner_page(served, "/live/closed/embed")}) as partner:
        page = browser.new_page()
        messages: list[str] = []

        def console(message: ConsoleMessage) -> None:
            messages.append(message.text)

        page.on("console", console)
        page.goto(partner + "/")
        expect(page.locator("script[data-liveblog] + iframe")).to_have_count(1)
        waiting.wait_until(
            lambda: any("frame-ancestors" in text for text in messages),
            10,
            pause=lambda s: page.wait_for_timeout(s * 1000),
            what="Chromium to refuse the frame",
        )
        frame = embed_frame(page)
        assert "liveblog-embed" not in frame.content()
        assert not frame.url.startswith(served.url)
        assert frame.url.startswith("chrome-error:")
