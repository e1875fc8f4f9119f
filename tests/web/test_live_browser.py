"""The reader page goes live, in a real Chromium against a real uvicorn server: posts arrive,
change, pin, unpin and go without a reload; a reader down the page is not moved; the end of
the blog stops the stream; polling stands in when the stream is blocked; a reconnect misses
nothing and doubles nothing; and no console error or CSP violation along the way."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, set_pinned
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import Post
from tests import waiting
from tests.servers import A11Y_AUDIT, Watcher
from tests.sse import SSEClient
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/liveblog-shots")
TITLE = "Harbour flooding: storm surge hits the east coast"


def new_blog(site: Site, **fields: Any) -> str:
    fields = {"title": TITLE, "timezone": "Europe/London"} | fields
    slug: str = create_blog(site, SYSTEM, BlogFields(**fields))["slug"]
    return slug


def publish(site: Site, slug: str, words: str, **fields: Any) -> str:
    new = NewPost.model_validate({"elements": [{"type": "text", "markdown": words}]} | fields)
    public_id: str = create_post(site, SYSTEM, slug, new)["id"]
    return public_id


def change(site: Site, slug: str, public_id: str, **fields: Any) -> None:
    with site.db.reading() as session:
        version = session.scalar(select(Post.version).where(Post.public_id == public_id))
    assert version is not None
    edit_post(site, SYSTEM, slug, public_id, PostChanges(**fields), expected_version=version)


def stream_ids(page: Page) -> list[str]:
    ids: list[str] = page.locator(".stream > article.post").evaluate_all(
        "cards => cards.map((c) => c.id)"
    )
    return ids


def wait_until(page: Page, check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Waits on the server's side of things; the page's own events keep being handled."""
    waiting.wait_until(
        check, seconds, pause=lambda s: page.wait_for_timeout(s * 1000), interval=0.05
    )


def test_posts_arrive_change_pin_and_go_in_place(
    site: Site, live: Live, browser: Browser, make_user: Callable[[str], dict[str, str]]
) -> None:
    slug = new_blog(site)
    editor = make_user("editor")
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}")
    expect(page.locator(".stream .empty")).to_have_text("No updates yet.")
    assert page.locator("nav.key-events, section.pinned").count() == 0
    wait_until(page, lambda: live.hub.reader_count() == 1)
    stamp_before = page.locator(".last-updated time").get_attribute("datetime")

    # 1. Published through the API, on the page without a reload in under a second.
    started = time.monotonic()
    response = httpx.post(
        f"{live.url}/api/v1/blogs/{slug}/posts",
        json={
            "title": "Sea wall breached",
            "elements": [
                {"type": "text", "markdown": "The wall at the north quay gave way at noon."}
            ],
        },
        headers={"Authorization": editor["auth"]},
    )
    assert response.status_code == 201, response.text
    first = response.json()["id"]
    card = page.locator(f"#post-{first}")
    expect(card).to_be_visible(timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(card.locator(".post-title")).to_have_text("Sea wall breached")
    expect(page.locator(".stream .empty")).to_have_count(0)
    expect(card.locator(".time-ago")).to_have_text("just now")
    expect(page.locator(".live-announcer")).to_contain_text("New update: Sea wall breached")
    assert page.locator(".last-updated time").get_attribute("datetime") != stamp_before
    assert re.fullmatch(
        r"\d{1,2} \w+ \d{4}, \d\d:\d\d (BST|GMT)", page.locator(".last-updated time").inner_text()
    )
    assert page.title().startswith(TITLE)  # no "(1) ": the reader is at the top

    # 2. Edited: the text changes in place, and "Updated at" appears.
    second = publish(site, slug, "Residents of the harbour streets are told to leave.")
    expect(page.locator(f"#post-{second}")).to_be_visible()
    change(site, slug, first, elements=[{"type": "text", "markdown": "It gave way at 12:10."}])
    expect(card.locator(".post-body")).to_have_text("It gave way at 12:10.")
    expect(card.locator(".post-updated")).to_contain_text("Updated at ")
    assert stream_ids(page) == [f"post-{second}", f"post-{first}"]

    # 3. Pinned: a copy in the pinned slot, created for it; unpinned: the slot goes.
    set_pinned(site, SYSTEM, slug, first, True)
    pinned = page.locator(f"section.pinned .pinned-fold > #pinned-{first}")
    expect(pinned).to_be_visible()
    expect(pinned.locator("#pinned-h-" + first)).to_have_text("Sea wall breached")
    expect(card.locator(".flag-pinned")).to_have_text("Pinned")
    assert pinned.locator(".flag-pinned").count() == 0
    assert page.evaluate(A11Y_AUDIT) == []
    assert same_as_server(page, "section.pinned", ".stream", ".last-updated")
    set_pinned(site, SYSTEM, slug, second, True)  # pinning another replaces it
    expect(page.locator(f"#pinned-{second}")).to_be_visible()
    expect(page.locator(f"#pinned-{first}")).to_have_count(0)
    expect(card.locator(".flag-pinned")).to_have_count(0)
    set_pinned(site, SYSTEM, slug, second, False)
    expect(page.locator("section.pinned")).to_have_count(0)
    expect(page.locator(".stream .flag-pinned")).to_have_count(0)

    # 5. A key event: the list is created for it, and goes when it is empty again.
    change(site, slug, second, key_event=True)
    key_links = page.locator("nav.key-events ol li a")
    expect(key_links).to_have_count(1)
    assert key_links.first.get_attribute("href") == f"/live/{slug}/posts/{second}"
    expect(key_links.first).to_contain_text("Residents of the harbour streets are told to leave.")
    expect(page.locator(f"#post-{second} .flag-key")).to_have_text("Key event")
    change(site, slug, first, key_event=True, summary=True)
    expect(key_links).to_have_count(2)
    expect(page.locator("nav.key-events li").nth(1)).to_have_class("key-summary")
    assert (
        page.locator("nav.key-events li")
        .nth(1)
        .locator("a")
        .inner_text()
        .endswith("Sea wall breached")
    )
    assert same_as_server(page, "nav.key-events", ".stream")

    # 4. Deleted while pinned: gone from the stream, the pinned slot and the key events.
    set_pinned(site, SYSTEM, slug, first, True)
    expect(page.locator(f"#pinned-{first}")).to_be_visible()
    delete_post(site, SYSTEM, slug, first)
    expect(card).to_have_count(0)
    expect(page.locator("section.pinned")).to_have_count(0)
    expect(key_links).to_have_count(1)
    change(site, slug, second, key_event=False)
    expect(page.locator("nav.key-events")).to_have_count(0)
    delete_post(site, SYSTEM, slug, second)
    expect(page.locator(".stream .empty")).to_have_text("No updates yet.")
    assert same_as_server(page, ".blog-head", ".stream")

    assert page.evaluate(A11Y_AUDIT) == []
    watcher.check()
    page.close()


SAME_AS_SERVER = """async (selectors) => {
  // The server's page for the same state, parsed as the browser parses it; both sides
  // compared as DOM (attribute order and indentation aside), without what only the script
  // adds: the relative times and the highlight of a new post.
  const html = await (await fetch(location.pathname + location.search, {cache: "no-store"})).text();
  const served = new DOMParser().parseFromString(html, "text/html");
  const tidy = (node) => {
    const copy = node.cloneNode(true);
    copy.querySelectorAll(".time-ago").forEach((t) => t.remove());
    copy.querySelectorAll(".post-new").forEach((p) => p.classList.remove("post-new"));
    const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
    const blank = [];
    while (walker.nextNode()) {
      const text = walker.currentNode;
      text.data = text.data.replace(/\\s+/g, " ").trim();
      if (!text.data) blank.push(text);
    }
    blank.forEach((t) => t.remove());
    copy.normalize();
    return copy;
  };
  return selectors.filter((selector) => {
    const ours = document.querySelector(selector);
    const theirs = served.querySelector(selector);
    return !ours || !theirs || !tidy(ours).isEqualNode(tidy(theirs));
  });
}"""


def same_as_server(page: Page, *selectors: str) -> bool:
    """What live.js built is what the server renders for the same state."""
    differ: list[str] = page.evaluate(SAME_AS_SERVER, list(selectors))
    assert differ == []
    return True


FIRST_IN_VIEW = """[...document.querySelectorAll(".stream > .post")]
    .find((card) => card.getBoundingClientRect().top >= 0).id"""


def test_a_reader_down_the_page_is_not_moved(site: Site, live: Live, browser: Browser) -> None:
    slug = new_blog(site)
    older = [
        publish(site, slug, f"Update {n}: " + "the water keeps rising along the front. " * 12)
        for n in range(8)
    ]
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: live.hub.reader_count() == 1)
    page.evaluate("window.scrollTo(0, 1200)")
    reading = page.locator("#" + page.evaluate(FIRST_IN_VIEW))
    before = reading.bounding_box()
    assert before is not None and 0 <= before["y"] < 700

    # A new key event: held back, counted on a button and in the tab title; the key-events
    # list appears above the reader, and still nothing they are reading moves.
    fresh = publish(site, slug, "Breaking: the barrier has been closed.", key_event=True)
    button = page.locator(".new-updates button.new-updates-button")
    expect(button).to_have_text("1 new update", timeout=1000)
    expect(page).to_have_title(re.compile(r"^\(1\) " + re.escape(TITLE)))
    expect(page.locator("nav.key-events li")).to_have_count(1)
    assert page.locator(f"#post-{fresh}").count() == 0
    after = reading.bounding_box()
    assert after is not None and abs(after["y"] - before["y"]) < 1
    expect(button).to_be_in_viewport()
    expect(page.locator(".live-announcer")).to_contain_text("New update: Breaking")

    # An edit of a post above the reader does not move them either.
    change(site, slug, older[7], elements=[{"type": "text", "markdown": "Short now."}])
    expect(page.locator(f"#post-{older[7]} .post-body")).to_have_text("Short now.")
    after = reading.bounding_box()
    assert after is not None and abs(after["y"] - before["y"]) < 1

    second = publish(site, slug, "The tide has turned.")
    expect(button).to_have_text("2 new updates")
    expect(page).to_have_title(re.compile(r"^\(2\) "))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "live-new-updates.png"))

    button.click()
    expect(page.locator(f"#post-{second}")).to_be_in_viewport()
    expect(page.locator(".new-updates")).to_be_hidden()
    expect(page).to_have_title(re.compile("^" + re.escape(TITLE)))
    assert stream_ids(page)[:3] == [f"post-{second}", f"post-{fresh}", f"post-{older[7]}"]
    assert page.locator(".stream > article.post").count() == 10

    # Now at the top of the stream: the next post comes straight in.
    third = publish(site, slug, "Rest centres are full.")
    expect(page.locator(f"#post-{third}")).to_be_visible(timeout=1000)
    expect(page.locator(".new-updates")).to_be_hidden()
    watcher.check()
    context.close()


def test_scrolling_back_up_shows_what_was_held(site: Site, live: Live, browser: Browser) -> None:
    slug = new_blog(site)
    for n in range(6):
        publish(site, slug, f"Update {n}: " + "more rain is on the way tonight. " * 12)
    context = browser.new_context(viewport={"width": 390, "height": 700}, reduced_motion="reduce")
    page = context.new_page()
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: live.hub.reader_count() == 1)
    page.evaluate("window.scrollTo(0, 1500)")
    fresh = publish(site, slug, "The river has burst its banks.")
    expect(page.locator(".new-updates-button")).to_have_text("1 new update", timeout=1000)
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator(f"#post-{fresh}")).to_be_visible()
    expect(page.locator(".new-updates")).to_be_hidden()
    assert not page.title().startswith("(")
    context.close()


def test_on_a_later_page_new_posts_are_counted_not_shown(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = new_blog(site)
    for n in range(22):
        publish(site, slug, f"Result {n} is in.")
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}?page=2")
    wait_until(page, lambda: live.hub.reader_count() == 1)
    fresh = publish(site, slug, "The final result is in.", key_event=True)
    link = page.locator(".new-updates a.new-updates-button")
    expect(link).to_have_text("1 new update", timeout=1000)
    assert link.get_attribute("href") == f"/live/{slug}"
    expect(page.locator("nav.key-events li")).to_have_count(1)  # the list is the whole blog's
    assert page.locator(f"#post-{fresh}").count() == 0
    assert page.locator(".stream > article.post").count() == 2
    link.click()
    page.wait_for_load_state("load")
    expect(page.locator(".stream > article.post").first).to_have_id(f"post-{fresh}")
    watcher.check()
    page.close()


def test_the_end_of_the_blog_stops_the_stream(site: Site, live: Live, browser: Browser) -> None:
    slug = new_blog(site, standfirst="Thousands told to leave.")
    publish(site, slug, "The tide peaks at nine.")
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: live.hub.reader_count() == 1)
    assert page.title().startswith(TITLE + " \u2013 live")

    update_blog(site, SYSTEM, slug, BlogChanges(title="Harbour flooding: the day after"))
    expect(page.locator("h1")).to_have_text(re.compile(r"Harbour flooding: the day after$"))
    expect(page.locator("h1 .badge-live")).to_have_count(1)
    expect(page).to_have_title(re.compile(r"^Harbour flooding: the day after \u2013 live"))
    update_blog(site, SYSTEM, slug, BlogChanges(standfirst="Most have now gone home."))
    expect(page.locator(".standfirst")).to_have_text("Most have now gone home.")

    update_blog(site, SYSTEM, slug, BlogChanges(status="ended"))
    expect(page.locator("h1 .badge-ended")).to_have_text("Ended:")
    expect(page.locator(".badge-live")).to_have_count(0)
    expect(page.locator(".ended-notice")).to_have_text("This live blog has ended.")
    expect(page.locator("article.liveblog")).to_have_attribute("data-status", "ended")
    assert page.title() == "Harbour flooding: the day after · liveblog"
    assert same_as_server(page, ".blog-head", ".stream")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "live-ended.png"))
    # It stopped listening: its stream is closed, it asks for nothing more, and a later
    # post does not appear, though a reader still listening gets it.
    wait_until(page, lambda: live.hub.reader_count() == 0)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if f"/live/{slug}/" in r.url else None)
    seq = page.locator("article.liveblog").get_attribute("data-seq")
    listening = SSEClient(live.url, f"/live/{slug}/events", headers={"Last-Event-ID": seq or ""})
    assert listening.read_head() == 200
    wait_until(page, lambda: live.hub.reader_count() == 1)
    late = publish(site, slug, "One more thing.")
    [arrived] = listening.messages(1)
    assert arrived.event == "post.published" and arrived.json["id"] == late
    assert page.locator(f"#post-{late}").count() == 0
    assert asked == []
    # A reload shows the same ending the script showed.
    page.reload()
    expect(page.locator(".ended-notice")).to_have_text("This live blog has ended.")
    expect(page.locator(f"#post-{late}")).to_be_visible()
    watcher.check()
    page.close()


def test_polling_stands_in_when_the_stream_is_blocked(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = new_blog(site)
    publish(site, slug, "The first update.")
    page = browser.new_page()
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/updates.json" in r.url else None)
    page.route("**/events*", lambda route: route.abort())
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: len(polls) >= 1)
    fresh = publish(site, slug, "Sent while the stream is blocked.")
    expect(page.locator(f"#post-{fresh}")).to_be_visible(timeout=8000)
    assert live.hub.reader_count() == 0
    assert all("after=" in url for url in polls)
    edited_to = "Edited while the stream is blocked."
    change(site, slug, fresh, elements=[{"type": "text", "markdown": edited_to}])
    expect(page.locator(f"#post-{fresh} .post-body")).to_have_text(edited_to, timeout=8000)
    assert page.locator(".stream > article.post").count() == 2
    page.close()


def test_a_reconnect_misses_nothing_and_doubles_nothing(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = new_blog(site)
    ids = [publish(site, slug, "Update A."), publish(site, slug, "Update B.")]
    page = browser.new_page()
    watcher = Watcher(page)
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if "/events" in r.url else None)

    def first_stream(route: Route) -> None:
        """The first stream replays what the page has, then C twice, then ends: the browser
        reconnects by itself with Last-Event-ID."""
        ids.append(publish(site, slug, "Update C."))
        log = httpx.get(f"{live.url}/live/{slug}/updates.json?after=0").json()["events"]
        body = "retry: 1500\n\n" + "".join(_sse(e) for e in log + log[-2:])
        route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=body)

    page.route("**/events*", first_stream, times=1)
    page.goto(f"{live.url}/live/{slug}")
    wait_until(page, lambda: len(ids) == 3)
    expect(page.locator(f"#post-{ids[2]}")).to_be_visible()
    ids.append(publish(site, slug, "Update D."))  # most likely while the page reconnects
    expect(page.locator(f"#post-{ids[3]}")).to_be_visible(timeout=8000)
    wait_until(page, lambda: live.hub.reader_count() == 1)
    ids.append(publish(site, slug, "Update E."))
    expect(page.locator(f"#post-{ids[4]}")).to_be_visible(timeout=1000)

    assert stream_ids(page) == [f"post-{i}" for i in reversed(ids)]
    assert len(sent) == 2
    c_seq = page.locator("article.liveblog").get_attribute("data-seq")
    assert c_seq == "6"  # blog.created, then A to E
    assert sent[1].header_value("last-event-id") == "4"  # C's seq: the last the first stream sent
    watcher.check()
    page.close()


def _sse(event: dict[str, Any]) -> str:
    return f"id: {event['seq']}\nevent: {event['kind']}\ndata: {json.dumps(event)}\n\n"


def test_a_short_post_pinned_over_a_folded_one_is_not_folded(
    site: Site, live: Live, browser: Browser
) -> None:
    slug = new_blog(site)
    long = publish(site, slug, "What we know so far. " * 400, title="What we know")
    set_pinned(site, SYSTEM, slug, long, True)
    short = publish(site, slug, "The barrier is closed.")
    page = browser.new_page()
    watcher = Watcher(page)
    page.goto(f"{live.url}/live/{slug}")
    expect(page.locator(".pinned-fold.is-folded + .fold-toggle")).to_have_text("Show more")
    wait_until(page, lambda: live.hub.reader_count() == 1)
    set_pinned(site, SYSTEM, slug, short, True)
    expect(page.locator(f".pinned-fold > #pinned-{short}")).to_be_visible()
    expect(page.locator(".fold-toggle")).to_have_count(0)
    expect(page.locator(".pinned-fold")).not_to_have_class(re.compile("is-folded"))
    expect(page.locator(f"#post-{long} .flag-pinned")).to_have_count(0)
    expect(page.locator(f"#post-{short} .flag-pinned")).to_have_text("Pinned")
    watcher.check()
    page.close()
