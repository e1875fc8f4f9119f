"""The editor's desk, used as people use it, in a real Chromium against a real uvicorn server:
log in, start a blog, write a post with a list, a quote and a photo and watch it arrive on an
open reader page; edit, pin, delete and restore it; work without JavaScript; keep every typed
value through an error and through a clash with another editor; send a contributor's post
for review; bring back a blog from flattened text; and on every page no console error, no
CSP violation, a sound structure, and no sideways scrolling on a phone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, set_membership
from liveblog.actions.posts import create_post
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from tests import waiting
from tests.conftest import seed_file
from tests.servers import A11Y_AUDIT, Watcher
from tests.web.conftest import PASSWORD, Account, Live

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


# --- what every desk page is checked for ---------------------------------------------------


def audit(page: Page) -> None:
    """Structure: one h1, no skipped heading levels, landmarks, alt texts, unique ids..."""
    assert page.evaluate(A11Y_AUDIT) == []


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


FAILED_LOAD = re.compile(
    r"^console error: Failed to load resource: the server responded with a status of (\d{3}) "
)


def expect_error_status(page: Page, watcher: Watcher, status: int) -> None:
    """Chromium logs a page served with a 4xx status as a console error. Where the test asks
    for that status, exactly that one message is expected, and taken off the watcher's list."""
    deadline = time.monotonic() + 3
    while True:
        found = [p for p in watcher.problems if (m := FAILED_LOAD.match(p)) and m[1] == str(status)]
        if found or time.monotonic() > deadline:
            break
        page.wait_for_timeout(50)
    assert len(found) == 1, watcher.problems
    watcher.problems.remove(found[0])


def wait_until(page: Page, check: Callable[[], bool], seconds: float = 5.0) -> None:
    waiting.wait_until(
        check, seconds, pause=lambda s: page.wait_for_timeout(s * 1000), interval=0.05
    )


def watched_page(context: BrowserContext) -> tuple[Page, Watcher]:
    page = context.new_page()
    return page, Watcher(page)


def all_clear(*watchers: Watcher) -> None:
    """No console error, no uncaught exception, no CSP violation on any of the pages."""
    for watcher in watchers:
        assert watcher.problems == [], watcher.page.url
        watcher.check()


# --- what an editor does -------------------------------------------------------------------


def log_in(page: Page, live: Live, who: Account, target: str = "/editor") -> None:
    """Asks for a desk page, is sent to the login form, logs in and lands on that page."""
    page.goto(live.url + target)
    expect(page).to_have_url(re.compile(r"/editor/login\?next="))
    page.fill("#email", who.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    expect(page).to_have_url(live.url + target)


def start_blog(page: Page, live: Live, title: str, slug: str, **fields: str) -> None:
    page.goto(live.url + "/editor")
    page.fill("#blog-title", title)
    page.fill("#blog-slug", slug)
    for name, value in fields.items():
        page.fill(f"#blog-{name}", value)
    with page.expect_navigation():
        page.click("form[action='/editor/blogs'] button.primary")
    expect(page).to_have_url(f"{live.url}/editor/blogs/{slug}?done=created")
    expect(page.locator(".alert-done")).to_contain_text("The blog is live")


def press(page: Page, action: str) -> None:
    """Presses one of the post form's buttons, by its value, and waits for the next page."""
    with page.expect_navigation():
        page.click(f"form.post-form button[value={action}]")


def published_id(page: Page) -> str:
    """The post the desk came back to: its id is in the address's fragment."""
    match = re.search(r"#post-([\w-]+)$", page.url)
    assert match, page.url
    return match[1]


def row_button(page: Page, post_id: str, operation: str) -> Locator:
    return page.locator(f"#post-{post_id} form[action$='/{operation}'] button")


def open_reader(context: BrowserContext, live: Live, slug: str) -> tuple[Page, Watcher]:
    """A reader page, open and listening for updates."""
    page, watcher = watched_page(context)
    listening = live.hub.reader_count()
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: live.hub.reader_count() == listening + 1)
    return page, watcher


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "harbour-wall.png"
    image = Image.new("RGB", (640, 400), (70, 110, 150))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 640, 400), fill=(90, 90, 80))
    draw.ellipse((480, 40, 560, 120), fill=(240, 220, 120))
    image.save(path, "PNG")
    return path


def seed_blog(site: Site, title: str, posts: list[dict[str, Any]]) -> str:
    """A blog and its posts made directly, for tests about what happens next."""
    slug: str = create_blog(site, SYSTEM, BlogFields(title=title, timezone="Europe/London"))["slug"]
    for post in posts:
        create_post(site, SYSTEM, slug, NewPost.model_validate(post))
    return slug


def text(words: str, **fields: Any) -> dict[str, Any]:
    return {"elements": [{"type": "text", "markdown": words}]} | fields


# --- 1. the whole round: log in, write, and watch it reach readers ---------------------------


def test_a_post_written_on_the_desk_reaches_an_open_reader_page(
    live: Live, browser: Browser, account: Callable[..., Account], tmp_path: Path
) -> None:
    editor = account("editor", "Ines Calloway")
    context = browser.new_context()
    page, watcher = watched_page(context)

    # A wrong password: refused with 401, the email kept, the password not.
    page.goto(live.url + "/editor")
    expect(page).to_have_url(f"{live.url}/editor/login?next=/editor")
    audit(page)
    page.fill("#email", editor.email)
    page.fill("#password", "not the password")
    with page.expect_navigation() as wrong:
        page.click("button.primary")
    assert wrong.value is not None and wrong.value.status == 401
    expect(page.locator(".alert-error[role=alert]")).to_be_visible()
    expect(page.locator("#email")).to_have_value(editor.email)
    expect(page.locator("#password")).to_have_value("")
    expect_error_status(page, watcher, 401)
    audit(page)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    expect(page).to_have_url(live.url + "/editor")
    expect(page.locator("h1")).to_have_text("Blogs")
    audit(page)
    # The address field says what it takes: lower case, digits and hyphens.
    page.fill("#blog-slug", "Harbour Wall")
    assert page.locator("#blog-slug").evaluate("(input) => input.validity.patternMismatch")
    page.fill("#blog-slug", "")

    start_blog(
        page,
        live,
        "Harbour wall collapse: rescue under way",
        "harbour-wall",
        section="News",
        standfirst="Part of the old sea wall has fallen into the harbour.",
        timezone="Europe/London",
    )
    audit(page)
    reader, reader_watcher = open_reader(context, live, "harbour-wall")
    expect(reader.locator(".stream .empty")).to_have_text("No updates yet.")
    reader.evaluate("window.__sameDocument = true")

    # The composer: a headline, a paragraph with a list, then a quote and a photo added.
    page.fill("#f-title", "Sea wall gives way")
    paragraph = (
        "A section of the **north wall** fell at noon.\n\n- Two boats sank\n- The quay is shut"
    )
    page.fill("#f-el-0-markdown", paragraph)
    press(page, "add-quote")
    expect(page.locator("#f-el-0-markdown")).to_have_value(paragraph)
    expect(page.locator("#f-title")).to_have_value("Sea wall gives way")
    page.fill("#f-el-1-text", "We heard a roar and then the water came in.")
    page.fill("#f-el-1-attribution", "Ada Moss, harbour master")
    press(page, "add-image")
    expect(page.locator("#f-el-1-text")).to_have_value(
        "We heard a roar and then the water came in."
    )
    audit(page)
    page.set_input_files("#f-el-2-upload", photo(tmp_path))
    page.fill("#f-el-2-caption", "The gap in the wall at low tide.")
    page.fill("#f-el-2-credit", "Rui Santos/Harbour Press")
    page.fill("#f-el-2-alt", "A broken stone wall with the sea behind it")
    page.check("input[name=key_event]")
    page.fill("#f-sources", "Coastguard, Harbour Press")
    page.select_option("#f-verification", "confirmed")
    started = time.monotonic()
    press(page, "publish")
    expect(page).to_have_url(re.compile(r"/editor/blogs/harbour-wall\?done=published#post-"))
    expect(page.locator(".alert-done")).to_contain_text("Published")
    post_id = published_id(page)
    audit(page)

    card = reader.locator(f"#post-{post_id}")
    expect(card).to_be_visible(timeout=2000)
    assert time.monotonic() - started < 2.5
    assert reader.evaluate("window.__sameDocument") is True
    expect(card.locator(".post-title")).to_have_text("Sea wall gives way")
    expect(card.locator(".post-byline")).to_have_text("By Ines Calloway")
    expect(card.locator(".post-body strong")).to_have_text("north wall")
    expect(card.locator(".post-body ul > li")).to_have_text(["Two boats sank", "The quay is shut"])
    quote = card.locator("blockquote.post-quote")
    expect(quote.locator("p")).to_have_text("We heard a roar and then the water came in.")
    expect(quote.locator("cite")).to_have_text("Ada Moss, harbour master")
    figure = card.locator("figure.post-figure")
    expect(figure.locator("figcaption")).to_contain_text("The gap in the wall at low tide.")
    expect(figure.locator(".credit")).to_have_text("Photograph: Rui Santos/Harbour Press")
    img = figure.locator("img")
    expect(img).to_have_attribute("alt", "A broken stone wall with the sea behind it")
    src = img.get_attribute("src") or ""
    assert src.startswith("/media/")
    served = reader.request.get(live.url + src)
    assert served.status == 200
    assert served.headers["content-type"] == "image/png"
    img.scroll_into_view_if_needed()
    # The browser takes the width its screen needs from the srcset (WebP first); the page
    # says the stored size, so nothing moves while it loads.
    expect(img).to_have_attribute("width", "640")
    reader.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0 && img.currentSrc.endsWith('.webp')",
        arg=img.element_handle(),
    )
    expect(card.locator(".post-sources")).to_have_text("Sources: Coastguard, Harbour Press")
    expect(card.locator(".verification")).to_have_text("Confirmed")
    key_links = reader.locator("nav.key-events ol li a")
    expect(key_links).to_have_count(1)
    expect(key_links.first).to_have_attribute("href", f"/live/harbour-wall/posts/{post_id}")
    expect(key_links.first).to_contain_text("Sea wall gives way")

    # Edited from the desk: the card changes in place and says when.
    with page.expect_navigation():
        page.click(f"#post-{post_id} a.button")
    expect(page).to_have_url(f"{live.url}/editor/blogs/harbour-wall/posts/{post_id}")
    # The photo stays, as a hidden field, with a thumbnail of it.
    expect(page.locator("input[name='el-2-file']")).to_have_value(src.removeprefix("/media/"))
    expect(page.locator("img.element-thumb")).to_have_attribute("src", src)
    expect(page.locator("#f-sources")).to_have_value("Coastguard, Harbour Press")
    audit(page)
    page.fill("#f-title", "Sea wall gives way at the north quay")
    page.fill("#f-note", "Place added")
    press(page, "save")
    expect(page).to_have_url(re.compile(r"\?done=saved#post-"))
    expect(page.locator(".alert-done")).to_have_text("Saved.")
    expect(card.locator(".post-title")).to_have_text("Sea wall gives way at the north quay")
    expect(card.locator(".post-updated")).to_contain_text("Updated at ")
    expect(card.locator("figure img")).to_have_attribute("src", src)
    expect(key_links.first).to_contain_text("Sea wall gives way at the north quay")
    assert reader.evaluate("window.__sameDocument") is True

    # Pinned from its row: the reader page grows the pinned slot.
    with page.expect_navigation():
        row_button(page, post_id, "pin").click()
    expect(page.locator(".alert-done")).to_contain_text("Pinned")
    expect(page.locator(f"#post-{post_id} .flag-pinned")).to_have_text("Pinned")
    expect(reader.locator(f"section.pinned #pinned-{post_id}")).to_be_visible()
    expect(reader.locator(f"#pinned-{post_id} .post-title")).to_have_text(
        "Sea wall gives way at the north quay"
    )
    audit(page)

    # Deleted: gone from readers, listed under Deleted, and back with Restore.
    with page.expect_navigation():
        row_button(page, post_id, "delete").click()
    expect(page.locator(".alert-done")).to_contain_text("Deleted")
    expect(reader.locator(f"#post-{post_id}")).to_have_count(0)
    expect(reader.locator("section.pinned")).to_have_count(0)
    expect(reader.locator("nav.key-events")).to_have_count(0)
    expect(reader.locator(".stream .empty")).to_have_text("No updates yet.")
    expect(page.locator(f"#post-{post_id}")).to_have_count(0)
    with page.expect_navigation():
        page.click("nav.tabs a[href$='view=deleted']")
    expect(page.locator("nav.tabs a[aria-current=page]")).to_contain_text("Deleted")
    deleted = page.locator(f"article.desk-post-deleted#post-{post_id}")
    expect(deleted.locator("h3")).to_have_text("Sea wall gives way at the north quay")
    audit(page)
    with page.expect_navigation():
        row_button(page, post_id, "restore").click()
    expect(page.locator(".alert-done")).to_have_text("Restored.")
    expect(page.locator(f"#post-{post_id}")).to_have_count(0)  # no longer under Deleted
    expect(card).to_be_visible()
    expect(card.locator(".post-title")).to_have_text("Sea wall gives way at the north quay")
    expect(key_links).to_have_count(1)
    assert reader.evaluate("window.__sameDocument") is True
    audit(reader)

    all_clear(watcher, reader_watcher)
    context.close()


# --- 2. plain forms: the desk needs no JavaScript ------------------------------------------


def test_the_desk_works_without_javascript(
    live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    editor = account("editor", "Noor Haddad")
    context = browser.new_context(java_script_enabled=False)
    page, watcher = watched_page(context)
    log_in(page, live, editor)
    start_blog(page, live, "Night bus strike", "night-buses", timezone="Europe/London")
    page.fill("#f-title", "Drivers walk out at midnight")
    page.fill("#f-el-0-markdown", "No night buses will run in the city centre.")
    press(page, "add-quote")
    page.fill("#f-el-1-text", "We were given no choice.")
    page.check("input[name=key_event]")
    press(page, "publish")
    expect(page.locator(".alert-done")).to_contain_text("Published")
    post_id = published_id(page)
    expect(page.locator(f"#post-{post_id} h3")).to_have_text("Drivers walk out at midnight")
    with page.expect_navigation():
        row_button(page, post_id, "pin").click()
    expect(page.locator(f"#post-{post_id} .flag-pinned")).to_have_text("Pinned")

    page.goto(f"{live.url}/live/night-buses")
    card = page.locator(f".stream #post-{post_id}")
    expect(card.locator(".post-title")).to_have_text("Drivers walk out at midnight")
    expect(card.locator("blockquote.post-quote p")).to_have_text("We were given no choice.")
    expect(page.locator(f"section.pinned #pinned-{post_id}")).to_have_count(1)
    expect(page.locator("nav.key-events li")).to_have_count(1)
    # No script runs, so the CSP hook cannot either: the console is what there is to check.
    assert watcher.problems == []
    context.close()


# --- 3. an error loses nothing ---------------------------------------------------------------


def test_a_rejected_post_comes_back_with_everything_typed(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    slug = seed_blog(site, "Flood warnings across the valley", [])
    editor = account("editor", "Marta Lind")
    context = browser.new_context()
    page, watcher = watched_page(context)
    log_in(page, live, editor, f"/editor/blogs/{slug}")
    page.fill("#f-title", "River peaks overnight")
    page.fill("#f-el-0-markdown", "The gauge at the old bridge reads 4.2 metres.")
    press(page, "add-embed")
    page.fill("#f-el-1-url", "not a url")
    page.check("input[name=key_event]")
    page.fill("#f-sources", "Environment Agency, Valley Radio")
    page.select_option("#f-verification", "disputed")
    typed_at = page.url

    # The browser itself stops the form first: the field is a URL field.
    page.click("form.post-form button[value=publish]")
    assert page.locator("#f-el-1-url").evaluate("(input) => input.validity.typeMismatch")
    assert page.url == typed_at

    # Sent anyway (as an older browser would): refused by the server, and nothing lost.
    page.locator("form.post-form").evaluate("(form) => { form.noValidate = true; }")
    with page.expect_navigation() as sent:
        page.click("form.post-form button[value=publish]")
    assert sent.value is not None and sent.value.status == 422
    expect_error_status(page, watcher, 422)
    alert = page.locator(".alert-error[role=alert]")
    expect(alert).to_contain_text("Video or post (element 2)")
    expect(page.locator("#f-title")).to_have_value("River peaks overnight")
    expect(page.locator("#f-el-0-markdown")).to_have_value(
        "The gauge at the old bridge reads 4.2 metres."
    )
    expect(page.locator("#f-el-1-url")).to_have_value("not a url")
    expect(page.locator("input[name=key_event]")).to_be_checked()
    expect(page.locator("#f-sources")).to_have_value("Environment Agency, Valley Radio")
    expect(page.locator("#f-verification")).to_have_value("disputed")
    expect(page.locator("#f-authors")).to_have_value("Marta Lind")
    audit(page)

    # Put right, it goes through, with what was kept.
    page.fill("#f-el-1-url", "https://valley.example/river-levels")
    press(page, "publish")
    expect(page.locator(".alert-done")).to_contain_text("Published")
    post_id = published_id(page)
    page.goto(f"{live.url}/live/{slug}/posts/{post_id}")
    card = page.locator(f"#post-{post_id}")
    expect(card.locator(".post-title")).to_have_text("River peaks overnight")
    expect(card.locator(".post-embed .embed-title a")).to_have_attribute(
        "href", "https://valley.example/river-levels"
    )
    expect(card.locator(".post-sources")).to_have_text("Sources: Environment Agency, Valley Radio")
    expect(card.locator(".verification")).to_have_text("Disputed")
    all_clear(watcher)
    context.close()


# --- 4. two editors, one post -------------------------------------------------------------


def test_a_clash_between_two_editors_merges_both_changes(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    slug = seed_blog(
        site,
        "Stadium roof fire",
        [text("Smoke is rising from the east stand.", title="Fire at the stadium")],
    )
    first, second = account("editor", "Ana Ruiz"), account("editor", "Ben Okafor")
    context_a, context_b = browser.new_context(), browser.new_context()
    page_a, watcher_a = watched_page(context_a)
    page_b, watcher_b = watched_page(context_b)
    log_in(page_a, live, first, f"/editor/blogs/{slug}")
    log_in(page_b, live, second, f"/editor/blogs/{slug}")
    for page in (page_a, page_b):
        with page.expect_navigation():
            page.click("article.desk-post a.button")
        expect(page.locator("h1")).to_have_text("Edit post")
    edit_url = page_a.url

    # A starts typing; B saves first.
    page_a.fill("#f-el-0-markdown", "Smoke is rising from the east stand; the roof has caught.")
    page_b.fill("#f-title", "Fire spreads to the stadium roof")
    press(page_b, "save")
    expect(page_b.locator(".alert-done")).to_have_text("Saved.")

    # A's save clashes: the merge opens. They changed different things, so both are merged
    # already, and the page says which came from whom (tests/web/test_merge_browser.py has
    # a clash on the same words).
    with page_a.expect_navigation() as clash:
        page_a.click("form.post-form button[value=save]")
    assert clash.value is not None and clash.value.status == 409
    expect_error_status(page_a, watcher_a, 409)
    expect(page_a.locator("h1")).to_have_text("Merge your edit")
    expect(page_a.locator(".merge-intro")).to_contain_text("Ben Okafor saved this post")
    taken = page_a.locator(".merge-taken")
    expect(taken.locator("li[data-field=title]")).to_contain_text("theirs")
    expect(taken.locator("li[data-field=elements]")).to_contain_text("yours")
    expect(page_a.locator(".merge-conflict")).to_have_count(0)
    audit(page_a)

    # A saves the merge: both changes are in.
    with page_a.expect_navigation():
        page_a.click("form.merge-form button.primary")
    expect(page_a.locator(".alert-done")).to_have_text("Saved.")
    row = page_a.locator("article.desk-post")
    expect(row.locator(".desk-post-meta")).to_contain_text("version 3")
    page_a.goto(edit_url)
    expect(page_a.locator("#f-el-0-markdown")).to_have_value(
        "Smoke is rising from the east stand; the roof has caught."
    )
    expect(page_a.locator("#f-title")).to_have_value("Fire spreads to the stadium roof")
    page_b.goto(f"{live.url}/live/{slug}")
    expect(page_b.locator(".stream article.post .post-body")).to_have_text(
        "Smoke is rising from the east stand; the roof has caught."
    )
    all_clear(watcher_a, watcher_b)
    context_a.close()
    context_b.close()


# --- 5. a contributor's post goes through an editor ------------------------------------------


def test_a_contributor_submits_and_an_editor_publishes(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    slug = seed_blog(site, "County show", [text("The gates open at nine.", title="Gates open")])
    contributor, editor = account("contributor", "Kit Fenn"), account("editor", "Lou Park")
    # A contributor writes only on blogs whose team names them.
    set_membership(site, SYSTEM, slug, contributor.email, "contributor")
    context_c, context_e = browser.new_context(), browser.new_context()
    page_c, watcher_c = watched_page(context_c)
    page_e, watcher_e = watched_page(context_e)
    log_in(page_e, live, editor, f"/editor/blogs/{slug}")
    reader, reader_watcher = open_reader(context_e, live, slug)

    log_in(page_c, live, contributor, f"/editor/blogs/{slug}")
    form = page_c.locator("form.post-form")
    expect(form.locator("button[value=submit]")).to_have_text("Submit for review")
    expect(form.locator("button[value=publish]")).to_have_count(0)
    expect(form.locator("input[name=pinned]")).to_have_count(0)
    published_row = page_c.locator("article.desk-post-published")
    expect(published_row).to_have_count(1)
    expect(published_row.locator("form button")).to_have_count(0)  # no Pin, Delete, Key event
    expect(published_row.locator("a.button")).to_have_count(0)  # and not someone else's to edit
    expect(page_c.locator("form[action$='/status']")).to_have_count(0)
    audit(page_c)
    page_c.fill("#f-title", "Prize bull escapes")
    page_c.fill("#f-el-0-markdown", "Stewards are searching the car park.")
    press(page_c, "submit")
    expect(page_c.locator(".alert-done")).to_contain_text("Submitted for review")
    post_id = published_id(page_c)
    expect(page_c.locator(f"#post-{post_id} .status")).to_have_text("submitted")
    expect(page_c.locator(f"#post-{post_id} a.button")).to_have_count(1)  # their own, to edit
    audit(page_c)

    # Not for readers yet, neither live nor on a fresh page. A post published after it
    # reaching the reader proves the reader has had every event since the submission.
    later = create_post(site, SYSTEM, slug, NewPost.model_validate(text("Car parks are full.")))
    expect(reader.locator(f"#post-{later['id']}")).to_be_visible()
    expect(reader.locator(f"#post-{post_id}")).to_have_count(0)
    fresh = context_c.new_page()
    fresh.goto(f"{live.url}/live/{slug}")
    expect(fresh.locator(".stream")).not_to_contain_text("Prize bull escapes")
    permalink = fresh.goto(f"{live.url}/live/{slug}/posts/{post_id}")
    assert permalink is not None and permalink.status == 404
    fresh.close()

    # The editor finds it among the drafts and publishes it from its edit page.
    with page_e.expect_navigation():
        page_e.click("nav.tabs a[href$='view=drafts']")
    with page_e.expect_navigation():
        page_e.click(f"#post-{post_id} a.button")
    expect(page_e.locator("#f-title")).to_have_value("Prize bull escapes")
    audit(page_e)
    press(page_e, "publish")
    expect(page_e.locator(".alert-done")).to_have_text(
        "Published: readers with the page open see it now."
    )
    card = reader.locator(f"#post-{post_id}")
    expect(card.locator(".post-title")).to_have_text("Prize bull escapes")
    expect(card.locator(".post-byline")).to_have_text("By Kit Fenn")
    all_clear(watcher_c, watcher_e, reader_watcher)
    context_c.close()
    context_e.close()


# --- 6. bringing back a blog from its text ---------------------------------------------------

# A made-up live blog as "select all, copy" flattens it: a counter, the headline with its
# section, a standfirst, the key-events list, and "Share" after every post.
FERRY_PAGE = """6

Glenmoor ferry strike: crossings to the islands cancelled for a second day – live | Transport

Ferry crews walk out again as talks on rosters break down.

Key events

Port authority opens a rest area for stranded drivers

Union says talks will resume on Monday

Union says talks will resume on Monday

By Ines Calloway

The crew union said negotiators would meet the ferry company again on Monday morning.

Share

Port authority opens a rest area for stranded drivers

Lorry drivers stuck at the terminal since yesterday can now use a heated hall on the east quay.

Share

Updated at

The island council says food is being flown in for the most remote villages.

Share

Passengers sleep in the terminal

About forty foot passengers spent the night on benches in the departure hall.

Share

Company apologises to passengers

A spokesperson for the ferry company said every cancelled ticket would be refunded in full.

Share

Morning crossings cancelled

All six morning sailings from Glenmoor to the outer islands have been cancelled.

Share
"""
FERRY_SET_ASIDE = [
    ("1", "6"),
    ("7", "Key events"),
    ("9", "Port authority opens a rest area for stranded drivers"),
    ("11", "Union says talks will resume on Monday"),
    ("19", "Share"),
    ("25", "Share"),
    ("27", "Updated at"),
    ("31", "Share"),
    ("37", "Share"),
    ("43", "Share"),
    ("49", "Share"),
]
FERRY_TITLE = "Glenmoor ferry strike: crossings to the islands cancelled for a second day"


def facts(page: Page) -> dict[str, str]:
    found: dict[str, str] = page.locator("dl.facts").evaluate(
        """(dl) => Object.fromEntries([...dl.querySelectorAll("dt")].map(
            (dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))"""
    )
    return found


def set_aside(page: Page) -> list[tuple[str, str]]:
    rows: list[list[str]] = page.locator("table.discarded tbody tr").evaluate_all(
        "(rows) => rows.map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent.trim()))"
    )
    return [(number, line) for number, line in rows]


def test_an_admin_brings_back_a_blog_from_pasted_text(
    live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    admin = account("admin", "Ola Berg")
    context = browser.new_context()
    page, watcher = watched_page(context)
    log_in(page, live, admin, "/editor/import")
    audit(page)
    page.fill("#i-text", FERRY_PAGE)
    page.fill("#i-slug", "glenmoor-ferries")
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert facts(page) == {
        "Headline": FERRY_TITLE,
        "Section": "Transport",
        "Posts": "6, oldest first",
        "Lines set aside": str(len(FERRY_SET_ASIDE)),
    }
    assert set_aside(page) == FERRY_SET_ASIDE
    previews = page.locator("section.import-preview article.post")
    expect(previews).to_have_count(6)
    expect(previews.first.locator(".post-title")).to_have_text(
        "Union says talks will resume on Monday"
    )
    expect(previews.first.locator(".flag-key")).to_have_text("Key event")
    expect(page.locator("#i-text")).to_have_value(re.compile(r"^6\n\nGlenmoor ferry strike"))
    expect(page.locator("#i-slug")).to_have_value("glenmoor-ferries")
    audit(page)

    with page.expect_navigation():
        page.click("button[value=import]")
    expect(page).to_have_url(f"{live.url}/editor/blogs/glenmoor-ferries?done=imported")
    expect(page.locator(".alert-done")).to_contain_text("Imported")
    expect(page.locator("h1")).to_contain_text(FERRY_TITLE)
    expect(page.locator("article.desk-post")).to_have_count(6)
    expect(page.locator("article.desk-post h3").first).to_have_text(
        "Union says talks will resume on Monday"
    )
    audit(page)

    page.goto(f"{live.url}/live/glenmoor-ferries")
    expect(page.locator("h1")).to_contain_text(FERRY_TITLE)
    expect(page.locator(".standfirst")).to_have_text(
        "Ferry crews walk out again as talks on rosters break down."
    )
    expect(page.locator(".stream > article.post")).to_have_count(6)
    expect(page.locator(".stream > article.post .post-title")).to_have_text(
        [
            "Union says talks will resume on Monday",
            "Port authority opens a rest area for stranded drivers",
            "Passengers sleep in the terminal",
            "Company apologises to passengers",
            "Morning crossings cancelled",
        ]
    )
    expect(page.locator("nav.key-events li")).to_have_count(2)
    all_clear(watcher)
    context.close()


def test_importing_is_for_admins_only(
    live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    editor = account("editor", "Sam Vale")
    context = browser.new_context()
    page, watcher = watched_page(context)
    log_in(page, live, editor)
    expect(page.locator("nav.desk-nav a[href='/editor/import']")).to_have_count(0)
    response = page.goto(live.url + "/editor/import")
    assert response is not None and response.status == 403
    expect_error_status(page, watcher, 403)
    expect(page.locator("main")).to_contain_text("for admins")
    expect(page.locator("#i-text")).to_have_count(0)
    audit(page)
    all_clear(watcher)
    context.close()


@pytest.mark.seed
def test_the_seed_page_previews_as_seventeen_posts(
    live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    seed = seed_file("seed-page.txt")
    admin = account("admin", "Ola Berg")
    context = browser.new_context()
    page, watcher = watched_page(context)
    log_in(page, live, admin, "/editor/import")
    page.set_input_files("#i-file", seed)
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert facts(page)["Posts"] == "17, oldest first"
    expect(page.locator("table.discarded tbody tr")).to_have_count(8)
    expect(page.locator("section.import-preview article.post")).to_have_count(17)
    expect(page.locator("button[value=import]")).to_have_text("Import 17 posts")
    audit(page)
    all_clear(watcher)
    context.close()


# --- 8. on a phone -------------------------------------------------------------------------


def test_on_a_phone_nothing_scrolls_sideways(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    long_link = "https://council.example/news/2025/flood-defences/" + "phase-two-" * 8 + "report"
    slug = seed_blog(
        site,
        "Flood defences: the council votes on the new barrier",
        [
            text(f"The full report is at {long_link} for anyone who wants the detail."),
            {
                "title": "Councillors arrive for the vote",
                "elements": [
                    {"type": "quote", "text": "This barrier will protect a generation."},
                    {"type": "embed", "url": long_link},
                ],
                "sources": ["Council press office"],
                "verification": "unverified",
                "key_event": True,
            },
        ],
    )
    admin = account("admin", "Pia Moreno-Castellanos")
    context = browser.new_context(viewport=PHONE)
    page, watcher = watched_page(context)
    log_in(page, live, admin, f"/editor/blogs/{slug}")
    for summary in page.locator("article.desk-post summary").all():
        summary.click()
    expect(page.locator("article.desk-post .post-embed")).to_be_visible()
    no_sideways_scroll(page)
    audit(page)

    # The composer with one of every kind of element in it, and its preview.
    page.fill("#f-el-0-markdown", "Draft words.")
    for kind in ("quote", "image", "embed"):
        press(page, f"add-{kind}")
    expect(page.locator("form.post-form fieldset.element")).to_have_count(4)
    no_sideways_scroll(page)
    audit(page)
    page.fill("#f-el-1-text", "This barrier will hold.")
    page.fill("#f-el-3-url", long_link)
    press(page, "preview")
    preview = page.locator(".post-preview article.post")
    expect(preview.locator("blockquote")).to_contain_text("This barrier will hold.")
    expect(preview.locator(".post-embed")).to_be_visible()
    expect(page.locator("#f-el-0-markdown")).to_have_value("Draft words.")
    no_sideways_scroll(page)
    audit(page)

    with page.expect_navigation():
        page.locator("article.desk-post a.button").first.click()
    no_sideways_scroll(page)
    audit(page)
    page.goto(live.url + "/editor")
    expect(page.locator("table.desk-blogs tbody tr")).to_have_count(1)
    no_sideways_scroll(page)
    audit(page)
    page.goto(live.url + "/editor/import")
    no_sideways_scroll(page)
    page.goto(live.url + "/editor/people")
    expect(page.locator("table.people tbody tr")).to_have_count(1)
    no_sideways_scroll(page)
    audit(page)
    page.goto(f"{live.url}/editor/blogs/{slug}/team")
    expect(page.locator("h1")).to_have_text("Team")
    no_sideways_scroll(page)
    audit(page)
    page.goto(f"{live.url}/editor/tokens")
    page.fill("#t-name", "results feed")
    with page.expect_navigation():
        page.click("form[action='/editor/tokens'] button.primary")
    expect(page.locator("#new-token")).to_have_value(re.compile(r"^lb_"))
    no_sideways_scroll(page)
    audit(page)
    all_clear(watcher)
    context.close()


# --- the desk script: unsent text kept, colleagues' changes followed ------------------------

# The composer's kept texts in this browser (beside them, the browser's own name).
KEPT_TEXTS = "Object.keys(localStorage).filter((k) => k.startsWith('liveblog:composer:')).length"


def test_unsent_text_survives_a_closed_tab_and_a_failed_send(
    browser: Browser, live: Live, account: Callable[..., Account]
) -> None:
    context = browser.new_context()
    page, watcher = watched_page(context)
    log_in(page, live, account("editor", "Nia Ford"))
    start_blog(page, live, "Tunnel flooding", "tunnel-flooding")
    page.fill("#f-title", "Pumps fail in the south tunnel")
    page.fill("#f-el-0-markdown", "Water is rising at the southern portal.")
    page.check("input[name=key_event]")
    page.fill("#f-sources", "Transport agency")
    wait_until(page, lambda: "Transport agency" in page.evaluate("JSON.stringify(localStorage)"))
    page.close()  # the tab is closed before anything was sent

    page, watcher = watched_page(context)
    page.goto(f"{live.url}/editor/blogs/tunnel-flooding")
    expect(page.locator(".alert-restored")).to_contain_text("Your unsent text from")
    expect(page.locator("#f-title")).to_have_value("Pumps fail in the south tunnel")
    expect(page.locator("#f-el-0-markdown")).to_have_value(
        "Water is rising at the southern portal."
    )
    expect(page.locator("input[name=key_event]")).to_be_checked()
    expect(page.locator("#f-sources")).to_have_value("Transport agency")
    audit(page)

    # The connection drops as Publish is pressed: the text is still kept.
    context.set_offline(True)
    with page.expect_event("requestfailed"):
        page.click("form.post-form button[value=publish]")
    context.set_offline(False)
    page.goto(f"{live.url}/editor/blogs/tunnel-flooding")
    expect(page.locator("#f-title")).to_have_value("Pumps fail in the south tunnel")

    # Once the desk confirms the save, the kept copy is forgotten.
    press(page, "publish")
    expect(page.locator(".alert-done")).to_contain_text("Published")
    page.goto(f"{live.url}/editor/blogs/tunnel-flooding")
    expect(page.locator("#f-title")).to_have_value("")
    expect(page.locator(".alert-restored")).to_have_count(0)
    assert page.evaluate(KEPT_TEXTS) == 0

    # "Discard it" empties the form and forgets the copy.
    page.fill("#f-el-0-markdown", "Not worth keeping")
    wait_until(page, lambda: bool(page.evaluate(KEPT_TEXTS)))
    page.goto(f"{live.url}/editor/blogs/tunnel-flooding")
    page.click(".alert-restored button")
    expect(page.locator("#f-el-0-markdown")).to_have_value("")
    assert page.evaluate(KEPT_TEXTS) == 0
    # The failed send left the browser's own error page behind, which is not ours to check.
    watcher.problems = [p for p in watcher.problems if "ERR_INTERNET_DISCONNECTED" not in p]
    all_clear(watcher)
    context.close()


def test_the_desk_follows_colleagues_changes(
    browser: Browser, live: Live, account: Callable[..., Account], site: Site
) -> None:
    mine = browser.new_context()
    page, watcher = watched_page(mine)
    log_in(page, live, account("editor", "Ola Berg"))
    listening = live.hub.reader_count()
    start_blog(page, live, "Grain harvest", "grain-harvest")
    wait_until(page, lambda: live.hub.reader_count() == listening + 1)  # the desk listens
    page.evaluate("window.__samePage = true")

    theirs = browser.new_context()
    colleague, colleague_watcher = watched_page(theirs)
    log_in(colleague, live, account("editor", "Kim Lund"), "/editor/blogs/grain-harvest")
    colleague.fill("#f-el-0-markdown", "Yields are up a tenth on last year.")
    press(colleague, "publish")
    post_id = published_id(colleague)
    # The posts are read again and shown in place: no reload, no bar to press.
    expect(page.locator(f"#post-{post_id}")).to_contain_text("Yields are up a tenth")
    with colleague.expect_navigation():
        row_button(colleague, post_id, "pin").click()
    expect(page.locator(f"#post-{post_id} .flag-pinned")).to_have_text("Pinned")
    expect(page.locator(".alert-changed")).to_have_count(0)
    # A change to the blog itself (here: ended) asks for the whole page again.
    with colleague.expect_navigation():
        colleague.click("form[action$='/status'] button[value=ended]")
    expect(page.locator(".alert-changed")).to_contain_text("to this blog since this page opened")
    assert page.evaluate("window.__samePage") is True
    with page.expect_navigation():
        page.click(".alert-changed button")
    expect(page.locator(".alert-changed")).to_have_count(0)
    expect(page.locator("h1 .status")).to_have_text("ended")
    all_clear(watcher, colleague_watcher)
    mine.close()
    theirs.close()
