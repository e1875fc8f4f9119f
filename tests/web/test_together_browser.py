"""Working together, in a real Chromium against a real server: two people on one blog,
each in a browser of their own. Each sees the other's presence; the second opening a post
the first is editing is warned before typing; a note one writes appears for the other
without a reload; and a closed tab is gone."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, expect

from liveblog.settings import Settings
from liveblog.site import Site
from tests.web.conftest import Account, Live
from tests.web.test_editor_browser import (
    all_clear,
    audit,
    log_in,
    seed_blog,
    text,
    watched_page,
)

pytestmark = pytest.mark.browser

# Presence lasts 6 s here, so the pages beat every second and a closed tab goes quickly.
PRESENCE_SECONDS = 6.0
CLOCK = r"\d\d:\d\d"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, presence_seconds=PRESENCE_SECONDS)


def test_two_people_see_each_other_are_warned_and_share_notes(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    slug = seed_blog(
        site,
        "Harbour flooding",
        [text("Water is over the quay wall.", title="Quay flooded")],
    )
    desk = f"/editor/blogs/{slug}"
    sam, ana = account("editor", "Sam Reid"), account("editor", "Ana Lopes")
    context_s, context_a = browser.new_context(), browser.new_context()
    page_s, watcher_s = watched_page(context_s)
    page_a, watcher_a = watched_page(context_a)
    log_in(page_s, live, sam, desk)
    log_in(page_a, live, ana, desk)

    # Each sees the other on the blog, live.
    expect(page_s.locator("[data-here-now]")).to_contain_text("Here now: Ana Lopes")
    expect(page_a.locator("[data-here-now]")).to_contain_text("Here now: Sam Reid")
    audit(page_a)

    # Sam opens the post: Ana's list marks it, and her presence line says so.
    with page_s.expect_navigation():
        page_s.click("article.desk-post a.button")
    expect(page_s.locator("h1")).to_have_text("Edit post")
    expect(page_s.locator("[data-editing-warning]")).to_be_hidden()
    row_flag = page_a.locator("article.desk-post .flag-editing")
    expect(row_flag).to_have_text("Sam Reid is editing")
    expect(row_flag).to_be_visible()
    expect(page_a.locator("[data-here-now]")).to_contain_text(
        re.compile(rf"Sam Reid \(editing “Quay flooded” since {CLOCK}\)")
    )

    # Ana opens the same post: warned as the page loads, before typing anything.
    with page_a.expect_navigation():
        page_a.click("article.desk-post a.button")
    warning = page_a.locator("[data-editing-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(re.compile(rf"Sam Reid is editing this post \(since {CLOCK}\)"))
    # ... and Sam, already there, is told live that Ana has started too.
    expect(page_s.locator("[data-editing-warning]")).to_have_text(
        re.compile(rf"Ana Lopes is editing this post \(since {CLOCK}\)")
    )
    audit(page_s)

    # Both go back to the blog; Sam's edit page closing takes his mark off the post.
    for page in (page_s, page_a):
        page.goto(live.url + desk)
    expect(page_a.locator("article.desk-post .flag-editing")).to_be_hidden()
    # A marker that a reload would lose: the note must arrive without one.
    page_a.evaluate("window.__stayed = true")
    page_s.click("#notes summary")  # the thread is folded while it is empty
    page_s.fill("#note-text", "Took over from Ana at 22:00")
    page_s.click("form[data-note-form] button[type=submit]")
    expect(page_s.locator("#note-text")).to_have_value("")
    note = page_a.locator("[data-notes] .note").first
    expect(note.locator(".note-body")).to_have_text("Took over from Ana at 22:00")
    expect(note.locator(".note-meta")).to_contain_text(re.compile(rf"Sam Reid {CLOCK}"))
    expect(page_a.locator("[data-notes-count]")).to_have_text("1")
    assert page_a.evaluate("window.__stayed === true")
    # Ana may not delete Sam's note (she does not own the blog); Sam may.
    expect(note.locator("button")).to_have_count(0)
    expect(page_s.locator("[data-notes] .note").first.locator("button")).to_have_text(
        re.compile("^Delete")
    )
    audit(page_a)

    # Sam closes his tab: it says so as it goes, so Ana sees at her next beat, well before
    # his presence would have run out, that nobody else has the blog open.
    all_clear(watcher_s)
    page_s.close()
    expect(page_a.locator("[data-here-now]")).to_have_text(
        "Nobody else has this blog open.", timeout=(PRESENCE_SECONDS / 2) * 1000
    )
    context_s.close()
    all_clear(watcher_a)
    context_a.close()


def test_without_javascript_the_page_shows_the_state_at_load(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    slug = seed_blog(site, "Harbour flooding", [text("Water rises.", title="Quay flooded")])
    desk = f"/editor/blogs/{slug}"
    sam, ana = account("editor", "Sam Reid"), account("editor", "Ana Lopes")
    with_js = browser.new_context()
    page_s, watcher_s = watched_page(with_js)
    log_in(page_s, live, sam, desk)
    with page_s.expect_navigation():
        page_s.click("article.desk-post a.button")

    no_js = browser.new_context(java_script_enabled=False)
    page_a, watcher_a = watched_page(no_js)
    log_in(page_a, live, ana, desk)
    expect(page_a.locator("[data-here-now]")).to_contain_text("Here now: Sam Reid (editing")
    expect(page_a.locator("article.desk-post .flag-editing")).to_have_text("Sam Reid is editing")
    # A note through the plain form: the page comes back with it.
    page_a.click("#notes summary")
    page_a.fill("#note-text", "Ana on the quay until midnight")
    with page_a.expect_navigation():
        page_a.click("form[data-note-form] button[type=submit]")
    expect(page_a.locator(".alert-done")).to_contain_text("Your note is posted")
    expect(page_a.locator("[data-notes] .note-body").first).to_have_text(
        "Ana on the quay until midnight"
    )
    with page_a.expect_navigation():
        page_a.click("article.desk-post a.button")
    expect(page_a.locator("[data-editing-warning]")).to_have_text(
        re.compile(rf"Sam Reid is editing this post \(since {CLOCK}\)")
    )
    all_clear(watcher_s, watcher_a)
    with_js.close()
    no_js.close()
