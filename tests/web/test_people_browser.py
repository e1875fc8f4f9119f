"""People's lifecycle in a real Chromium against a real uvicorn server: an admin disables a
colleague whose desk is open, and that colleague's next click is refused, their words kept
nowhere; an admin makes a reset link and the person sets a new password through it;
everyone changes their own password on "Your account"; and two-factor login is set up and
used."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from liveblog.site import Site
from liveblog.storage import Post
from tests.web.conftest import PASSWORD, Account, Live
from tests.web.test_editor_browser import (
    all_clear,
    audit,
    log_in,
    seed_blog,
    text,
    watched_page,
)

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase"


def test_a_disabled_persons_open_desk_is_refused_on_the_next_click(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    slug = seed_blog(site, "Harbour fire", [text("Crews are at the scene.")])
    admin, sam = account("admin", "Ada Quinn"), account("editor", "Sam Reyes")
    admin_page, admin_watcher = watched_page(browser.new_context())
    sam_page, sam_watcher = watched_page(browser.new_context())
    log_in(sam_page, live, sam, f"/editor/blogs/{slug}")
    sam_page.fill("#f-el-0-markdown", "Typed while an admin disabled me.")

    log_in(admin_page, live, admin, "/editor/people")
    with admin_page.expect_navigation():
        admin_page.click("a:text('Sam Reyes')")
    audit(admin_page)
    with admin_page.expect_navigation():
        admin_page.click("button:text('Disable Sam Reyes')")
    expect(admin_page.locator(".alert-done")).to_contain_text("Disabled")
    expect(admin_page.locator(".person-state")).to_contain_text("disabled")
    expect(admin_page.locator("button:text('Enable Sam Reyes')")).to_have_count(1)

    # Sam presses Publish on the page that was open: the desk asks for a login.
    with sam_page.expect_navigation():
        sam_page.click("form.post-form button[value=publish]")
    expect(sam_page).to_have_url(re.compile(r"/editor/login\?next=/editor/blogs/"))
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 1  # only the seed's
    # And logging in again is refused, with the reason.
    sam_page.fill("#email", sam.email)
    sam_page.fill("#password", PASSWORD)
    with sam_page.expect_navigation():
        sam_page.click("button.primary")
    expect(sam_page.locator(".alert-error")).to_contain_text("this account is disabled")
    sam_watcher.problems[:] = [p for p in sam_watcher.problems if "status of 403" not in p]

    # Enabled again, Sam logs in.
    with admin_page.expect_navigation():
        admin_page.click("button:text('Enable Sam Reyes')")
    expect(admin_page.locator(".alert-done")).to_contain_text("Enabled")
    sam_page.fill("#password", PASSWORD)
    with sam_page.expect_navigation():
        sam_page.click("button.primary")
    expect(sam_page).to_have_url(re.compile(rf"/editor/blogs/{slug}$"))
    all_clear(admin_watcher, sam_watcher)


def test_a_reset_link_and_your_account(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    admin, sam = account("admin", "Ada Quinn"), account("editor", "Sam Reyes")
    admin_page, admin_watcher = watched_page(browser.new_context())
    log_in(admin_page, live, admin, "/editor/people")
    with admin_page.expect_navigation():
        admin_page.click("a:text('Sam Reyes')")
    with admin_page.expect_navigation():
        admin_page.click("button:text('Make a password-reset link')")
    link = admin_page.locator("#reset-link").input_value()
    assert "/editor/reset/lbr_" in link
    audit(admin_page)

    sam_page, sam_watcher = watched_page(browser.new_context())
    sam_page.goto(link.replace("http://testserver", live.url))
    expect(sam_page.locator("main")).to_contain_text(sam.email)
    audit(sam_page)
    sam_page.fill("#r-new", NEW_PASSWORD)
    sam_page.fill("#r-again", NEW_PASSWORD)
    with sam_page.expect_navigation():
        sam_page.click("button.primary")
    expect(sam_page.locator(".alert-done")).to_contain_text("Your new password is set")
    sam_page.fill("#email", sam.email)
    sam_page.fill("#password", NEW_PASSWORD)
    with sam_page.expect_navigation():
        sam_page.click("button.primary")

    # Your account: a new password, with the current one.
    sam_page.click("a:text('Your account')")
    expect(sam_page.locator("h1")).to_have_text("Your account")
    audit(sam_page)
    sam_page.fill("#a-current", NEW_PASSWORD)
    sam_page.fill("#a-new", "another fresh passphrase")
    sam_page.fill("#a-again", "another fresh passphrase")
    with sam_page.expect_navigation():
        sam_page.click("button:text('Change the password')")
    expect(sam_page.locator(".alert-done")).to_contain_text("Your password is changed")
    with sam_page.expect_navigation():
        sam_page.click("button:text('Log out everywhere')")
    expect(sam_page.locator(".alert-done")).to_contain_text("logged out everywhere")
    all_clear(admin_watcher, sam_watcher)


def test_two_factor_login_set_up_and_used(
    site: Site, live: Live, browser: Browser, account: Callable[..., Account]
) -> None:
    ana = account("editor", "Ana Silva")
    page, watcher = watched_page(browser.new_context())
    log_in(page, live, ana, "/editor/account")
    with page.expect_navigation():
        page.click("button:text('Set up two-factor login')")
    secret = page.locator("#t-secret").input_value()
    assert page.locator("#t-uri").input_value().startswith("otpauth://totp/")
    audit(page)
    totp = pyotp.TOTP(secret)
    page.fill("#t-code", totp.now())
    with page.expect_navigation():
        page.click("button:text('Turn two-factor login on')")
    expect(page.locator(".alert-done")).to_contain_text("Two-factor login is on")
    with page.expect_navigation():
        page.click("nav button:text('Log out')")

    page.goto(live.url + "/editor")
    page.fill("#email", ana.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    expect(page.locator("h1")).to_have_text("Your two-factor code")
    audit(page)
    page.fill("#code", totp.at(time.time() + 30))  # the set-up's code is spent
    with page.expect_navigation():
        page.click("button.primary")
    expect(page).to_have_url(live.url + "/editor")
    all_clear(watcher)
