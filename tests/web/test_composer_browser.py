"""The composer at speed, in a real Chromium against a real server: Ctrl+Enter publishes to
an open reader page within a second, Ctrl+Shift+Enter saves a draft, Alt+Shift+K/S/P mark
the post, and nothing is sent twice or from outside the form; at 1,280 px the composer sits
beside the posts, which follow a colleague's publishing in place; and a draft typed in one
browser opens in another of the same person's, losing at most a few seconds of typing when
the first is closed abruptly."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.actions.users import create_token, create_user
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import ComposerDraft, Post
from tests.web.conftest import Account, Live
from tests.web.test_editor_browser import (
    all_clear,
    audit,
    log_in,
    open_reader,
    start_blog,
    wait_until,
    watched_page,
)

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
# When a post with the given words entered the reader page's document (Date.now(), ms).
SEEN_AT = """(words) => {
    const look = () => [...document.querySelectorAll(".post")].some(
        (p) => p.textContent.includes(words));
    new MutationObserver((_, observer) => {
        if (look()) { window.__seenAt = Date.now(); observer.disconnect(); }
    }).observe(document.body, { childList: true, subtree: true });
}"""


def posts_in(site: Site, status: str) -> int:
    with site.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Post).where(Post.status == status))


def test_keys_publish_save_a_draft_and_mark_the_post(
    browser: Browser, live: Live, account: Callable[..., Account], site: Site
) -> None:
    context = browser.new_context(viewport=WIDE)
    page, watcher = watched_page(context)
    log_in(page, live, account("editor", "Ada Quist"))
    start_blog(page, live, "Night shift", "night-shift")
    reader, reader_watcher = open_reader(context, live, "night-shift")

    # The hint next to the buttons, and the shortcuts named for assistive technology.
    hint = page.locator(".key-hint")
    expect(hint).to_be_visible()
    expect(hint).to_have_text("Ctrl+Enter to publish · Ctrl+Shift+Enter to save as draft")
    primary = page.locator("form.post-form button.primary")
    expect(primary).to_have_attribute("aria-keyshortcuts", "Control+Enter Meta+Enter")
    key_event = page.locator("input[name=key_event]")
    expect(key_event).to_have_attribute("aria-keyshortcuts", "Alt+Shift+K")
    audit(page)

    # The marks toggle from the keyboard, and only inside the form.
    page.fill("#f-el-0-markdown", "The ferry is back in port.")
    page.keyboard.press("Alt+Shift+KeyK")
    expect(key_event).to_be_checked()
    page.keyboard.press("Alt+Shift+KeyP")
    expect(page.locator("input[name=pinned]")).to_be_checked()
    page.keyboard.press("Alt+Shift+KeyS")
    expect(page.locator("input[name=summary]")).to_be_checked()
    page.keyboard.press("Alt+Shift+KeyS")
    expect(page.locator("input[name=summary]")).not_to_be_checked()
    expect(page.locator("#f-el-0-markdown")).to_have_value("The ferry is back in port.")

    # Outside the form the keys are the page's and the browser's: nothing is sent.
    page.locator("#posts-h").click()
    page.keyboard.press("Control+Enter")
    page.keyboard.press("Alt+Shift+KeyK")
    expect(key_event).to_be_checked()
    page.wait_for_timeout(300)  # time for a wrongly sent form to leave
    assert posts_in(site, "published") == 0 and page.url.endswith("done=created")

    # Ctrl+Enter in the composer: on the open reader page in under a second, once.
    # Timed by the browser's own clock: from just before the key goes down on the desk to
    # the post being in the reader page's document (both tabs share the clock).
    reader.evaluate(SEEN_AT, "The ferry is back in port.")
    page.focus("#f-el-0-markdown")
    pressed_at = page.evaluate("Date.now()")
    page.keyboard.press("Control+Enter")
    page.keyboard.press("Control+Enter")  # pressed twice in haste
    reader.locator(".post", has_text="The ferry is back in port.").first.wait_for()
    took = reader.evaluate("window.__seenAt") - pressed_at
    print(f"Ctrl+Enter to the reader page: {took:.0f} ms")
    assert 0 < took < 1000
    expect(page).to_have_url(re.compile(r"done=published"))
    assert posts_in(site, "published") == 1  # one post, though Ctrl+Enter came twice
    expect(reader.locator("article[id^=pinned-]")).to_contain_text("The ferry is back in port.")
    expect(reader.locator(".key-events")).to_contain_text("The ferry is back in port.")

    # Ctrl+Shift+Enter saves a draft: on the desk's Drafts tab, not on the reader page.
    page.fill("#f-el-0-markdown", "Unconfirmed: a second ferry is late.")
    page.keyboard.press("Control+Shift+Enter")
    expect(page).to_have_url(re.compile(r"done=draft"))
    assert posts_in(site, "draft") == 1
    expect(page.locator(".tabs a", has_text="Drafts").locator(".count")).to_have_text("1")
    page.wait_for_timeout(200)
    expect(reader.locator(".post", has_text="second ferry")).to_have_count(0)

    # On a post's own page, Ctrl+Enter presses its main button (here: Publish).
    page.locator(".desk-post-draft a.button").first.click()
    expect(page.locator(".key-hint")).to_contain_text("Ctrl+Enter to publish")
    page.focus("#f-el-0-markdown")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    reader.locator(".post", has_text="second ferry").first.wait_for()
    all_clear(watcher, reader_watcher)
    context.close()


def test_wide_screens_put_the_composer_beside_posts_that_update_live(
    browser: Browser, live: Live, account: Callable[..., Account], site: Site
) -> None:
    context = browser.new_context(viewport=WIDE)
    page, watcher = watched_page(context)
    log_in(page, live, account("editor", "Bo Reyes"))
    listening = live.hub.reader_count()
    start_blog(page, live, "Storm watch", "storm-watch")
    wait_until(page, lambda: live.hub.reader_count() == listening + 1)  # the desk listens

    composer = page.locator("section.composer").bounding_box()
    posts = page.locator("section.desk-posts").bounding_box()
    assert composer and posts
    assert composer["x"] + composer["width"] <= posts["x"], (composer, posts)
    assert composer["y"] < WIDE["height"] and posts["y"] < WIDE["height"]
    assert abs(composer["y"] - posts["y"]) < 50  # side by side, on one screen

    # A colleague publishes through the API: the list shows it in place, no reload.
    email = f"api-{secrets.token_hex(3)}@newsroom.example"
    create_user(site, email, "correct horse battery", "editor")
    token = create_token(site, email, "tests")
    page.evaluate("window.__samePage = true")
    page.locator("details.embed-codes summary").first.focus()  # focus outside the list
    made = httpx.post(
        f"{live.url}/api/v1/blogs/storm-watch/posts",
        json={"elements": [{"type": "text", "markdown": "Gusts of 120 km/h at the pier."}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]
    expect(page.locator(f"#post-{post_id}")).to_contain_text("Gusts of 120 km/h")
    expect(page.locator(".tabs a", has_text="Published").locator(".count")).to_have_text("1")
    expect(page.locator(".desk-updated")).to_contain_text("Posts updated at")
    assert page.evaluate("window.__samePage") is True
    # Its row works as any other: pin it from there.
    with page.expect_navigation():
        page.locator(f"#post-{post_id} form[action$='/pin'] button").click()
    expect(page.locator(f"#post-{post_id} .flag-pinned")).to_have_text("Pinned")
    audit(page)

    # The composer stays in view while the posts scroll.
    for n in range(12):
        httpx.post(
            f"{live.url}/api/v1/blogs/storm-watch/posts",
            json={"elements": [{"type": "text", "markdown": f"Update number {n}."}]},
            headers={"Authorization": f"Bearer {token}"},
        )
    expect(page.locator(".desk-post")).to_have_count(13)
    grid_top = page.evaluate("document.querySelector('.desk-grid').getBoundingClientRect().top")
    page.mouse.wheel(0, grid_top + 300)
    wait_until(page, lambda: page.evaluate("window.scrollY") >= grid_top + 300)
    box = page.locator("section.composer").bounding_box()
    posts_now = page.locator("section.desk-posts").bounding_box()
    assert box and posts_now
    assert 0 <= box["y"] < 20 and posts_now["y"] < -250  # the posts went up; it did not

    # Below 1,200 px: the stacked layout, composer above the posts.
    page.set_viewport_size({"width": 1100, "height": 900})
    composer = page.locator("section.composer").bounding_box()
    posts = page.locator("section.desk-posts").bounding_box()
    assert composer and posts
    assert composer["y"] + composer["height"] <= posts["y"]
    all_clear(watcher)
    context.close()


def server_draft(site: Site, post_key: str = "") -> str:
    """The composer's text as the server keeps it (one person's draft in the test)."""
    with site.db.reading() as session:
        values = session.scalar(
            select(ComposerDraft.values).where(ComposerDraft.post_key == post_key)
        )
    return str((values or {}).get("el-0-markdown", ""))


def type_for(page: Page, words: str, delay_ms: int) -> list[float]:
    """Types the words one key at a time; returns when each key went in."""
    when = []
    for char in words:
        page.keyboard.type(char)
        when.append(time.monotonic())
        page.wait_for_timeout(delay_ms)
    return when


def test_a_draft_follows_its_author_to_another_browser(
    browser: Browser, live: Live, account: Callable[..., Account], site: Site
) -> None:
    who = account("editor", "Lin Okafor")
    laptop = browser.new_context()
    page, _ = watched_page(laptop)
    log_in(page, live, who)
    start_blog(page, live, "Council vote", "council-vote")
    page.fill("#f-title", "Vote delayed")
    page.check("input[name=key_event]")
    page.focus("#f-el-0-markdown")
    words = (
        "The council has postponed the vote on the harbour plan until Thursday, "
        "after three members asked for more time to read the report, and the mayor said"
    )
    typed_at = type_for(page, words, 40)
    # While the typing goes on, the server is never more than a few seconds behind: what it
    # holds at the last key, before anything the page does on closing.
    on_server = server_draft(site)
    stopped = time.monotonic()
    assert words.startswith(on_server), on_server
    behind = stopped - (typed_at[len(on_server) - 1] if on_server else typed_at[0])
    print(f"the server had {len(on_server)} of {len(words)} characters, {behind:.1f} s behind")
    assert behind <= 3.5
    laptop.close()  # abruptly, mid-sentence
    closed = time.monotonic()

    phone = browser.new_context()
    other, watcher = watched_page(phone)
    log_in(other, live, who, "/editor/blogs/council-vote")
    note = other.locator(".alert-restored")
    expect(note).to_contain_text("Your draft from")
    expect(note).to_contain_text("on another device")
    expect(other.locator("#f-title")).to_have_value("Vote delayed")
    expect(other.locator("input[name=key_event]")).to_be_checked()
    kept = other.locator("#f-el-0-markdown").input_value()
    assert words.startswith(kept) and kept, kept
    lost_from = typed_at[len(kept) - 1] if len(kept) <= len(typed_at) else closed
    lost_seconds = closed - lost_from
    print(f"kept {len(kept)} of {len(words)} characters; lost the last {lost_seconds:.1f} s")
    assert lost_seconds <= 3.5
    # A draft is not a post: nothing was published, nothing is waiting for review.
    assert posts_in(site, "published") == 0 and posts_in(site, "draft") == 0
    audit(other)

    # Finished on the phone and published: the draft is gone from the server too.
    other.locator("#f-el-0-markdown").press("End")
    other.keyboard.type(" it would pass.")
    with other.expect_navigation():
        other.keyboard.press("Control+Enter")
    expect(other.locator(".alert-done")).to_contain_text("Published")
    assert posts_in(site, "published") == 1
    desk = phone.new_page()
    desk.goto(f"{live.url}/editor/blogs/council-vote")
    desk.wait_for_timeout(500)  # time for a draft to come back, were there one
    expect(desk.locator(".alert-restored")).to_have_count(0)
    expect(desk.locator("#f-el-0-markdown")).to_have_value("")
    all_clear(watcher)
    phone.close()


def test_a_posts_unsaved_changes_are_offered_in_another_browser(
    browser: Browser, live: Live, account: Callable[..., Account], site: Site
) -> None:
    who = account("editor", "Mo Ahmed")
    slug = create_blog(site, SYSTEM, BlogFields(title="Rail strike"))["slug"]
    post_id = create_post(site, SYSTEM, slug, NewPost(title="Talks resume"))["id"]
    address = f"/editor/blogs/{slug}/posts/{post_id}"

    laptop = browser.new_context()
    page, watcher = watched_page(laptop)
    log_in(page, live, who, address)
    page.fill("#f-el-0-markdown", "Both sides are back at the table.")
    wait_until(page, lambda: "back at the table" in server_draft(site, post_id), 8)
    all_clear(watcher)
    laptop.close()

    phone = browser.new_context()
    other, other_watcher = watched_page(phone)
    log_in(other, live, who, address)
    offer = other.locator(".alert-restored")
    expect(offer).to_contain_text("Your unsaved changes to this post from")
    expect(offer).to_contain_text("on another device")
    # Offered, not poured over the post: the form shows the post as saved until asked.
    expect(other.locator("#f-el-0-markdown")).to_have_value("")
    offer.get_by_role("button", name="Put them in the form").click()
    expect(other.locator("#f-el-0-markdown")).to_have_value("Both sides are back at the table.")
    audit(other)
    other.focus("#f-el-0-markdown")
    with other.expect_navigation():
        other.keyboard.press("Control+Enter")  # Save changes
    expect(other.locator(".alert-done")).to_be_visible()
    with site.db.reading() as session:
        post = session.scalar(select(Post).where(Post.public_id == post_id))
        assert post is not None and post.version == 2
        assert "back at the table" in post.body_text
    assert server_draft(site, post_id) == ""  # saving the post took its draft
    all_clear(other_watcher)
    phone.close()
