"""Issue #9 in a real Chromium: the reader script never shows what is no longer public,
not even for a moment, and stops following a blog that went back to draft."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Response

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import update_blog
from liveblog.actions.posts import delete_post, edit_post
from liveblog.schema import BlogChanges, PostChanges
from liveblog.site import Site
from tests.web.conftest import Live
from tests.web.test_live_browser import new_blog, publish, wait_until

pytestmark = pytest.mark.browser

# Records every piece of the page that ever held the word, from the first byte on.
SEEN = """
    window.__seen = [];
    new MutationObserver((changes) => {
        for (const change of changes) {
            for (const node of change.addedNodes) {
                const text = node.textContent || "";
                if (text.includes("Kittiwake")) window.__seen.push(node.nodeName);
            }
        }
    }).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_a_post_deleted_while_the_page_was_away_never_shows(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = new_blog(site)
    kept = publish(site, slug, "Gannets: 12.")
    page = browser.new_page()
    page.add_init_script(SEEN)
    polled: list[Response] = []
    page.on("response", lambda r: polled.append(r) if "/updates.json" in r.url else None)
    page.route("**/events*", lambda route: route.abort())  # the page polls instead
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: len(polled) >= 1)
    # Between two polls: published, reworded, deleted.
    gone = publish(site, slug, "Kittiwake nests: 40.")
    edit_post(
        site,
        SYSTEM,
        slug,
        gone,
        PostChanges.model_validate({"elements": [{"type": "text", "markdown": "Kittiwake: 41."}]}),
        1,
    )
    delete_post(site, SYSTEM, slug, gone)
    root = page.locator("article.liveblog")
    wait_until(page, lambda: root.get_attribute("data-seq") == "5", seconds=10)
    assert page.evaluate("window.__seen") == []
    assert page.locator(f"#post-{gone}").count() == 0
    assert page.locator(f"#post-{kept}").count() == 1
    page.close()


def test_a_blog_back_in_draft_is_no_longer_followed(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = new_blog(site)
    publish(site, slug, "Out in the open.")
    page = browser.new_page()
    asked: list[Any] = []
    page.on(
        "response",
        lambda r: asked.append((r.url, r.status)) if f"/live/{slug}/" in r.url else None,
    )
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: live.hub.reader_count() == 1)
    update_blog(site, SYSTEM, slug, BlogChanges(status="draft"))
    wait_until(page, lambda: live.hub.reader_count() == 0, seconds=2)
    embargoed = publish(site, slug, "Embargoed: Skua.")
    # The browser tries the stream again (404), then updates.json (404), and stops.
    wait_until(page, lambda: any("updates.json" in u and s == 404 for u, s in asked), 15)
    settled = len(asked)
    # The subject: it stops asking. A silence is only seen by waiting for a while.
    page.wait_for_timeout(3000)
    assert len(asked) == settled, f"still asking: {asked[settled:]}"
    assert page.locator(f"#post-{embargoed}").count() == 0
    page.close()
