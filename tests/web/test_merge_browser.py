"""Two people edit one post at once, in Chromium against a real server: the second save
opens the merge, with base, theirs and yours side by side (stacked on a phone); they take
one side here and edit the merged text there; the merged post is what readers see, live."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from liveblog.site import Site
from tests.web.conftest import Account, Live
from tests.web.test_editor_browser import (
    PHONE,
    all_clear,
    audit,
    expect_error_status,
    log_in,
    no_sideways_scroll,
    open_reader,
    press,
    seed_blog,
    text,
    watched_page,
)

pytestmark = pytest.mark.browser

FIRST = "Smoke is rising from the east stand."
SECOND = "Fans are leaving calmly."


def _boxes(page: Page, selector: str) -> list[dict[str, float]]:
    return [
        box
        for box in (
            page.locator(f"{selector} > .merge-side").nth(i).bounding_box() for i in range(3)
        )
        if box is not None
    ]


def test_two_editors_merge_a_clash_and_readers_see_the_merge(
    site: Site,
    live: Live,
    browser: Browser,
    account: Callable[..., Account],
) -> None:
    slug = seed_blog(
        site,
        "Stadium roof fire",
        [text(f"{FIRST}\n\n{SECOND}", title="Fire at the stadium", sources=["Police"])],
    )
    ana, ben = account("editor", "Ana Ruiz"), account("editor", "Ben Okafor")
    # Ana works without JavaScript: the merge is a plain form.
    context_a = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context_b = browser.new_context()
    page_a, watcher_a = watched_page(context_a)
    page_b, watcher_b = watched_page(context_b)
    log_in(page_a, live, ana, f"/editor/blogs/{slug}")
    log_in(page_b, live, ben, f"/editor/blogs/{slug}")
    for page in (page_a, page_b):
        with page.expect_navigation():
            page.click("article.desk-post a.button")
        expect(page.locator("h1")).to_have_text("Edit post")
    reader, watcher_r = open_reader(browser.new_context(), live, slug)

    # Both change the first paragraph and the sources; Ben also the headline, Ana the
    # second paragraph and the key-event flag. Ben saves first.
    page_b.fill("#f-title", "Fire spreads to the stadium roof")
    page_b.fill("#f-el-0-markdown", f"Thick smoke is rising from the east stand.\n\n{SECOND}")
    page_b.fill("#f-sources", "Police, Fire service")
    press(page_b, "save")
    expect(page_b.locator(".alert-done")).to_have_text("Saved.")
    page_a.fill(
        "#f-el-0-markdown",
        "Smoke is rising from the east stand and the roof.\n\nFans are leaving by the north gates.",
    )
    page_a.fill("#f-sources", "Police, Reuters")
    page_a.check("input[name=key_event]")
    with page_a.expect_navigation() as clash:
        page_a.click("form.post-form button[value=save]")
    assert clash.value is not None and clash.value.status == 409
    expect_error_status(page_a, watcher_a, 409)

    # The merge: what only one of them changed is taken, and said so.
    expect(page_a.locator("h1")).to_have_text("Merge your edit")
    expect(page_a.locator(".merge-intro")).to_contain_text("Ben Okafor saved this post")
    taken = page_a.locator(".merge-taken")
    expect(taken.locator("li[data-field=title]")).to_contain_text("theirs (only they changed it)")
    expect(taken.locator("li[data-field=key_event]")).to_contain_text("yours (only you changed it)")
    expect(taken.locator("li[data-field=elements]")).to_contain_text(
        "paragraph by paragraph: yours"
    )
    # Where both changed the same thing: base, theirs and yours side by side.
    para = page_a.locator("#conflict-elements-1")
    expect(para.locator(".merge-base")).to_contain_text(FIRST)
    expect(para.locator(".merge-theirs")).to_contain_text(
        "Thick smoke is rising from the east stand."
    )
    expect(para.locator(".merge-yours")).to_contain_text(
        "Smoke is rising from the east stand and the roof."
    )
    # The suggested merge has both edits, and is what the form would save.
    merged = para.locator("textarea")
    expect(merged).to_have_value("Thick smoke is rising from the east stand and the roof.")
    expect(para.locator("input[value=merged]")).to_be_checked()
    sources = page_a.locator("#conflict-sources")
    expect(sources.locator("input[name=c-sources-text]")).to_have_value(
        "Police, Fire service, Reuters"
    )
    boxes = _boxes(page_a, "#conflict-elements-1 .merge-sides")
    assert len(boxes) == 3 and len({round(b["y"]) for b in boxes}) == 1  # one row of three
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    audit(page_a)

    # On a phone the three stand one above the other, and nothing scrolls sideways.
    page_a.set_viewport_size(PHONE)
    boxes = _boxes(page_a, "#conflict-elements-1 .merge-sides")
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert len({round(b["x"]) for b in boxes}) == 1
    no_sideways_scroll(page_a)

    # Ana edits the merged paragraph and takes Ben's sources.
    merged.fill("Thick smoke is rising from the east stand and the roof is alight.")
    sources.locator("input[value=theirs]").check()
    with page_a.expect_navigation():
        page_a.click("form.merge-form button.primary")
    expect(page_a.locator(".alert-done")).to_have_text("Saved.")

    # Readers with the page open see the merged post arrive, and a new reader sees it too.
    card = reader.locator(".stream article.post").first
    expect(card.locator(".post-body p").first).to_have_text(
        "Thick smoke is rising from the east stand and the roof is alight."
    )
    expect(card.locator(".post-body p").nth(1)).to_have_text("Fans are leaving by the north gates.")
    expect(card.locator(".post-title")).to_have_text("Fire spreads to the stadium roof")
    expect(card.locator(".post-sources")).to_have_text("Sources: Police, Fire service")
    page_b.goto(f"{live.url}/live/{slug}")
    expect(page_b.locator("nav.key-events li")).to_have_count(1)
    expect(page_b.locator(".stream article.post .post-body")).to_contain_text("the roof is alight.")
    all_clear(watcher_b, watcher_r)
    assert watcher_a.problems == []  # no script runs for Ana: the console is what there is
    for context in (context_a, context_b, reader.context):
        context.close()


def test_typing_a_merged_text_chooses_it(
    site: Site,
    live: Live,
    browser: Browser,
    account: Callable[..., Account],
) -> None:
    slug = seed_blog(site, "Harbour flood", [text(FIRST, title="Water at the quay")])
    editor = account("editor", "Ines Varga")
    context = browser.new_context()
    # One editor in two tabs clashes with themselves just as two people do.
    first, watcher_1 = watched_page(context)
    log_in(first, live, editor, f"/editor/blogs/{slug}")
    with first.expect_navigation():
        first.click("article.desk-post a.button")
    second, watcher_2 = watched_page(context)
    second.goto(first.url)
    second.fill("#f-title", "Water over the quay")
    press(second, "save")
    first.fill("#f-title", "Water at the old quay")
    with first.expect_navigation():
        first.click("form.post-form button[value=save]")
    expect_error_status(first, watcher_1, 409)
    title = first.locator("#conflict-title")
    expect(title.locator("input[value=merged]")).to_be_checked()
    title.locator("input[value=yours]").check()
    expect(title.locator("input[value=merged]")).not_to_be_checked()
    title.locator("input[name=c-title-text]").fill("Sea water over the old quay")
    expect(title.locator("input[value=merged]")).to_be_checked()  # editor.js chose it
    with first.expect_navigation():
        first.click("form.merge-form button.primary")
    expect(first.locator(".alert-done")).to_have_text("Saved.")
    first.goto(f"{live.url}/live/{slug}")
    expect(first.locator(".stream article.post .post-title")).to_have_text(
        "Sea water over the old quay"
    )
    all_clear(watcher_1, watcher_2)
    context.close()
