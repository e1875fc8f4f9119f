"""Tags in a real Chromium against a real uvicorn server: the composer ticks and adds them,
its kept copy brings the ticked boxes back after a reload, and an open reader page shows a
post's tags and follows a rename without a reload, with no console error on the way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, expect

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.actions.tags import rename_tag
from liveblog.schema import BlogFields, NewPost, TagFields
from liveblog.site import Site
from tests import waiting
from tests.servers import Watcher
from tests.web.conftest import Account, Live
from tests.web.test_editor_browser import log_in

pytestmark = pytest.mark.browser


def test_the_composer_ticks_adds_and_keeps_tags(
    site: Site,
    live: Live,
    browser: Browser,
    account: Callable[..., Account],
) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Ferry strike", slug="ferry"))["slug"]
    new = NewPost.model_validate(
        {"elements": [{"type": "text", "markdown": "Queues."}], "tags": ["Dover", "Calais"]}
    )
    create_post(site, SYSTEM, slug, new)
    page = browser.new_page()
    watcher = Watcher(page)
    log_in(page, live, account("editor", "Ada"), f"/editor/blogs/{slug}")
    composer = page.locator("form.post-form").first
    composer.locator("textarea").first.fill("The port is closed.")
    composer.get_by_label("Calais").check()
    composer.locator("#f-new-tags").fill("Folkestone")
    # The browser's kept copy brings the text and the ticked box back after a reload.
    page.wait_for_function(
        "() => Object.keys(localStorage).some((k) => k.startsWith('liveblog:composer:')"
        " && localStorage.getItem(k).includes('Folkestone'))"
    )
    page.reload()
    expect(page.locator(".alert-restored")).to_be_visible()
    expect(composer.get_by_label("Calais")).to_be_checked()
    expect(composer.get_by_label("Dover")).not_to_be_checked()
    expect(composer.locator("#f-new-tags")).to_have_value("Folkestone")
    with page.expect_navigation():
        composer.locator('button[value="publish"]').click()
    newest = page.locator(".desk-post").first
    expect(newest.locator(".post-tags .tag")).to_have_text(["Calais", "Folkestone"])
    watcher.check()


def test_a_reader_page_shows_tags_and_follows_a_rename(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Quake", slug="quake"))["slug"]
    new = NewPost.model_validate(
        {"elements": [{"type": "text", "markdown": "Aftershock."}], "tags": ["Antakya"]}
    )
    post = create_post(site, SYSTEM, slug, new)["id"]
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}")
    card = page.locator(f"#post-{post}")
    expect(card.locator(".post-tags .tag")).to_have_text(["Antakya"])
    waiting.wait_until(
        lambda: live.hub.reader_count() == 1,
        5.0,
        pause=lambda s: page.wait_for_timeout(s * 1000),
        interval=0.05,
    )
    rename_tag(site, SYSTEM, slug, "antakya", TagFields(name="Hatay"))
    expect(card.locator(".post-tags .tag")).to_have_text(["Hatay"])
    watcher.check()
