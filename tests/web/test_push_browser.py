"""Notifications in a real Chromium, as far as a browser without a push service goes: the
opt-in appears where the browser can do it, a click asks for permission and registers the
service worker, the page says clearly that no push service is there to subscribe through,
and a push message handed to the service worker (through the DevTools protocol, as a push
service would) is shown with the post's title and link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.posts import create_post
from liveblog.schema import BlogChanges, BlogFields, NewPost
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.states import BlogStatus
from liveblog.storage import PushSubscription
from tests import waiting
from tests.pushing import BrowserKeys, PushService, push_service
from tests.servers import Watcher, running_server
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

BUTTON = ".notify button"


def test_the_opt_in_registers_the_worker_which_shows_what_is_pushed(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Storm Ida", slug="ida"))["slug"]
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=live.url)
    page = context.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}")
    button = page.locator(BUTTON)
    expect(button).to_be_visible()
    expect(button).to_have_text("Notify me of key events on this blog")
    expect(button).to_have_attribute("aria-pressed", "false")

    button.click()
    # Headless Chromium has no push service: subscribing fails, and the page says why.
    expect(page.locator(".notify-status")).to_contain_text(
        "Your browser could not reach a push service (private windows and some browsers have "
        "none), so this page cannot notify you.",
        timeout=15_000,
    )
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_enabled()
    scope = page.evaluate(
        "async () => (await navigator.serviceWorker.getRegistration('/live/')).scope"
    )
    assert scope == f"{live.url}/live/"

    # What the server would send for a key event, delivered to the registered worker.
    url = f"{live.url}/live/{slug}/posts/abc123"
    message = {"title": "Storm Ida", "body": "The river burst its banks.", "url": url}
    deliver(context, page, live.url, message)
    assert shown(page) == [{"title": "Storm Ida", "body": "The river burst its banks.", "url": url}]
    # Chromium's own note on why subscribing failed (Playwright's contexts are incognito,
    # where it has no Push API); anything else in the console is ours, and a failure.
    watcher.problems = [p for p in watcher.problems if "Push API in incognito" not in p]
    watcher.check()

    # The blog ends while the page is open: nothing more to subscribe to.
    update_blog(site, SYSTEM, slug, BlogChanges(status=BlogStatus.ENDED))
    expect(page.locator("article.liveblog")).to_have_attribute("data-status", "ended")
    expect(page.locator(".notify")).to_be_hidden()
    context.close()


def deliver(context: BrowserContext, page: Page, origin: str, message: dict[str, Any]) -> None:
    """Hands a push message to the service worker of /live/, as its push service would."""
    cdp = context.new_cdp_session(page)
    registrations: dict[str, str] = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    cdp.send("ServiceWorker.enable")
    scope = f"{origin}/live/"
    pause = lambda s: page.wait_for_timeout(s * 1000)  # noqa: E731
    waiting.wait_until(
        lambda: scope in registrations, timeout=10, pause=pause, what="the worker's registration"
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registrations[scope], "data": json.dumps(message)},
    )
    waiting.wait_until(
        lambda: bool(shown(page)), timeout=10, pause=pause, what="the notification to be shown"
    )


def shown(page: Page) -> list[dict[str, str]]:
    """The notifications the worker of /live/ is showing."""
    found: list[dict[str, str]] = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.getRegistration('/live/');
            return (await registration.getNotifications()).map(
                (n) => ({title: n.title, body: n.body, url: n.data.url}));
        }"""
    )
    return found


# A push service in the browser: PushManager answers with the test's subscription (its
# keys and its endpoint on the test's push service), as a browser with one would.
FAKE_PUSH_MANAGER = """(() => {
    const subscription = %s;
    const made = () => ({
        endpoint: subscription.endpoint,
        options: {applicationServerKey: null},
        toJSON: () => subscription,
        unsubscribe: async () => { localStorage.removeItem("fake-push"); return true; },
    });
    // Kept across reloads, as a browser keeps its subscriptions.
    PushManager.prototype.subscribe = async function () {
        localStorage.setItem("fake-push", "1");
        return made();
    };
    PushManager.prototype.getSubscription = async function () {
        return localStorage.getItem("fake-push") ? made() : null;
    };
})();"""


@pytest.fixture
def pushing(settings: Settings) -> Iterator[tuple[Site, str, PushService]]:
    """A real server whose worker may send to the test's push service on 127.0.0.1."""
    site = Site.from_settings(settings.with_changes(push_services=("127.0.0.1",)))
    with push_service() as service, running_server(site) as (url, _server):
        yield site, url, service
    site.db.dispose()


def subscriptions(site: Site) -> int:
    with site.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(PushSubscription)) or 0)


def test_a_reader_turns_notifications_on_is_told_of_a_key_event_and_turns_them_off(
    pushing: tuple[Site, str, PushService], browser: Browser
) -> None:
    """With a push service standing in for the browser's: the page subscribes, the server's
    worker sends the key event there, and what it sent, decrypted, is what the worker shows."""
    site, url, service = pushing
    slug = create_blog(site, SYSTEM, BlogFields(title="Storm Ida", slug="ida"))["slug"]
    keys = BrowserKeys()
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=url)
    context.add_init_script(
        FAKE_PUSH_MANAGER % json.dumps(keys.subscription(service.endpoint("reader")))
    )
    page = context.new_page()
    watcher = Watcher(page)
    page.goto(f"{url}/live/{slug}")
    button = page.locator(BUTTON)
    button.click()
    expect(page.locator(".notify-status")).to_have_text(
        "You will be notified of key events on this blog, even with this page closed.",
        timeout=15_000,
    )
    expect(button).to_have_attribute("aria-pressed", "true")
    assert subscriptions(site) == 1

    new = NewPost.model_validate(
        {"elements": [{"type": "text", "markdown": "The river burst its banks."}]}
        | {"key_event": True}
    )
    public_id = create_post(site, SYSTEM, slug, new)["id"]
    pause = lambda s: page.wait_for_timeout(s * 1000)  # noqa: E731
    waiting.wait_until(lambda: bool(service.to("reader")), timeout=15, pause=pause, what="the push")
    message = keys.decrypt(service.to("reader")[0].body)
    deliver(context, page, url, message)
    permalink = f"{site.settings.base_url}/live/{slug}/posts/{public_id}"
    assert shown(page) == [
        {"title": "Storm Ida", "body": "The river burst its banks.", "url": permalink}
    ]

    page.reload()  # the page remembers that this blog's notifications are on
    expect(button).to_have_attribute("aria-pressed", "true")
    button.click()
    expect(page.locator(".notify-status")).to_have_text("Notifications for this blog are off.")
    expect(button).to_have_attribute("aria-pressed", "false")
    assert subscriptions(site) == 0
    watcher.check()
    context.close()


def test_a_refused_permission_is_said_plainly(site: Site, live: Live, browser: Browser) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Storm Ida", slug="ida"))["slug"]
    context = browser.new_context()  # no permission granted: headless Chromium denies it
    page = context.new_page()
    page.goto(f"{live.url}/live/{slug}")
    page.locator(BUTTON).click()
    expect(page.locator(".notify-status")).to_contain_text(
        "Your browser does not let this site show notifications"
    )
    context.close()


def test_without_javascript_there_is_no_opt_in(site: Site, live: Live, browser: Browser) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Storm Ida", slug="ida"))["slug"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live.url}/live/{slug}")
    expect(page.locator(".notify")).to_be_hidden()
    context.close()
