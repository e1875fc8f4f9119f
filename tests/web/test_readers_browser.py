""" "N reading now" on the reader page, in Chromium: hidden until the stream brings a count,
then kept current as readers come and go, with no console error or CSP violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.schema import BlogFields
from liveblog.site import Site
from tests.servers import Watcher, running_server
from tests.sse import SSEClient

pytestmark = pytest.mark.browser


def test_the_page_shows_how_many_are_reading(site: Site, browser: Browser) -> None:
    quick = Site.from_settings(site.settings.with_changes(readers_seconds=0.1))
    try:
        create_blog(quick, SYSTEM, BlogFields(title="Counted live", slug="counted-live"))
        with running_server(quick) as (url, _server):
            page = browser.new_page()
            watcher = Watcher(page)
            page.goto(f"{url}/live/counted-live")
            count = page.locator(".blog-head .reading-now")
            expect(count).to_have_text("1 reading now", timeout=5000)
            expect(count).to_be_visible()
            others = [SSEClient(url, "/live/counted-live/events") for _ in range(2)]
            for other in others:
                other.read_head()
            expect(count).to_have_text("3 reading now", timeout=5000)
            for other in others:
                other.close()
            expect(count).to_have_text("1 reading now", timeout=5000)
            watcher.check()
            page.close()
    finally:
        quick.db.dispose()
