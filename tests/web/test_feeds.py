"""A blog's feeds, read by feedparser as a feed reader would: the entries are what the reader
page shows, they follow publishing, editing and deleting, and they are cached like the page."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any

import feedparser
import pytest
from feedparser import FeedParserDict

from liveblog.actions import Actor
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.media import clean_photo
from liveblog.actions.posts import create_post, delete_post, edit_post
from liveblog.actions.users import create_user
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from tests.actions.test_photo_metadata import png
from tests.conftest import Client

FEEDS = ["feed.atom", "feed.json", "key-events.atom", "key-events.json"]


def editor_of(site: Site) -> Actor:
    return Actor(
        user_id=create_user(site, "ed@feeds.example", "correct horse battery", "editor"),
        role="editor",
        name="Ed",
    )


def publish(site: Site, actor: Actor, slug: str, words: str, **fields: Any) -> str:
    new = NewPost.model_validate({"elements": [{"type": "text", "markdown": words}]} | fields)
    record: dict[str, Any] = create_post(site, actor, slug, new)
    return str(record["id"])


@pytest.fixture
def blog(site: Site) -> tuple[Actor, str, dict[str, str]]:
    """A live blog with four posts: (editor, slug, {name: post id})."""
    actor = editor_of(site)
    slug = create_blog(
        site, actor, BlogFields(title="Harbour floods", standfirst="Water over the quay.")
    )["slug"]
    photo = clean_photo(actor, png(), "quay.png")
    photo_post = NewPost.model_validate(
        {
            "elements": [
                {
                    "type": "image",
                    "caption": "The quay",
                    "alt": "A stone quay",
                    "file": photo.filename,
                }
            ]
        }
    )
    ids = {
        "opening": publish(
            site, actor, slug, "The tide is rising.", title="We are live", authors=["Ana Ruiz"]
        ),
        "photo": str(create_post(site, actor, slug, photo_post, photos=[photo])["id"]),
        "key": publish(
            site, actor, slug, "Evacuation ordered. More follows.", key_event=True, authors=["Bo"]
        ),
        "doomed": publish(site, actor, slug, "A rumour we will take back."),
    }
    return actor, slug, ids


def atom(client: Client, slug: str, name: str = "feed.atom") -> Any:
    answer = client.get(f"/live/{slug}/{name}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def json_feed(client: Client, slug: str, name: str = "feed.json") -> Any:
    answer = client.get(f"/live/{slug}/{name}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/feed+json; charset=utf-8"
    raw = json.loads(answer.content)
    # feedparser 6.0 reads no JSON Feed: the same shape, from the JSON Feed 1.1 fields.
    entries = [
        FeedParserDict(
            id=item["id"],
            link=item["url"],
            title=item["title"],
            published=item["date_published"],
            updated=item["date_modified"],
            authors=item.get("authors", []),
            content=[FeedParserDict(value=item["content_html"])],
        )
        for item in raw["items"]
    ]
    return FeedParserDict(version="json11", entries=entries), raw


def page_posts(client: Client, slug: str) -> list[dict[str, Any]]:
    """What the reader page shows of each post, in its order."""
    html = client.get(f"/live/{slug}").text
    stream = html.split('<section class="stream"', 1)[1]
    posts = []
    for article in stream.split('<article class="post')[1:]:
        times = re.findall(r'<time datetime="([^"]+)"', article)
        posts.append(
            {
                "id": re.search(r'data-post-id="([^"]+)"', article).group(1),  # type: ignore[union-attr]
                "label": re.search(r'data-share-title="([^"]*)"', article).group(1),  # type: ignore[union-attr]
                "permalink": re.search(r'class="post-time" href="([^"]+)"', article).group(1),  # type: ignore[union-attr]
                "published": times[0],
                "updated": times[1] if len(times) > 1 else times[0],
                "byline": re.findall(r'<p class="post-byline">By ([^<]+)</p>', article),
            }
        )
    return posts


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_matches_page(client: Client, slug: str) -> None:
    shown = page_posts(client, slug)
    for parsed in (atom(client, slug), json_feed(client, slug)[0]):
        entries = parsed.entries
        assert [e.link for e in entries] == [f"http://testserver{p['permalink']}" for p in shown]
        assert [e.id for e in entries] == [e.link for e in entries]
        # A post of photos alone has no label on the page: the feed names it by its time.
        assert [e.title for e in entries] == [
            p["label"] or e.title for p, e in zip(shown, entries, strict=True)
        ]
        assert all(e.title for e in entries)
        for entry, post in zip(entries, shown, strict=True):
            assert when(entry.published) == when(post["published"])
            assert when(entry.updated) == when(post["updated"])
            names = [a["name"] for a in entry.get("authors", []) if a.get("name")]
            expected = post["byline"][0].split(", ") if post["byline"] else []
            if parsed.version.startswith("atom") and not expected:
                expected = []  # the feed's own author (the site) stands in
            assert names == expected


def test_feeds_follow_publish_edit_and_delete(
    client: Client, site: Site, blog: tuple[Actor, str, dict[str, str]]
) -> None:
    actor, slug, ids = blog
    check_matches_page(client, slug)
    parsed = atom(client, slug)
    assert parsed.feed.title == "Harbour floods"
    assert parsed.feed.link == f"http://testserver/live/{slug}"
    newest_first = [ids["doomed"], ids["key"], ids["photo"], ids["opening"]]
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == newest_first
    by_id = {e.link.rsplit("/", 1)[1]: e for e in parsed.entries}
    # Untitled posts are named by their first sentence; a photo alone by its time.
    assert by_id[ids["opening"]].title == "We are live"
    assert by_id[ids["key"]].title == "Evacuation ordered."
    assert by_id[ids["photo"]].title.startswith("Update at ")
    # The body is the page's, with the photo's address made absolute.
    assert "<p>The tide is rising.</p>" in by_id[ids["opening"]].content[0].value
    photo_html = by_id[ids["photo"]].content[0].value
    assert re.search(r'src="http://testserver/media/photo-[0-9a-f-]+\.png"', photo_html)
    assert client.get(re.search(r'src="http://testserver([^"]+)"', photo_html).group(1)).is_success  # type: ignore[union-attr]

    before = by_id[ids["opening"]].updated
    edit_post(site, actor, slug, ids["opening"], PostChanges(title="We are live, and wet"), 1)
    delete_post(site, actor, slug, ids["doomed"])
    check_matches_page(client, slug)
    after = {e.link.rsplit("/", 1)[1]: e for e in atom(client, slug).entries}
    assert ids["doomed"] not in after
    assert after[ids["opening"]].title == "We are live, and wet"
    assert when(after[ids["opening"]].updated) > when(before)
    assert after[ids["opening"]].published == by_id[ids["opening"]].published
    _, raw = json_feed(client, slug)
    assert raw["version"] == "https://jsonfeed.org/version/1.1"
    assert ids["doomed"] not in json.dumps(raw)
    assert [i["id"].rsplit("/", 1)[1] for i in raw["items"]] == newest_first[1:]


def test_key_event_feeds_hold_only_key_events(
    client: Client, site: Site, blog: tuple[Actor, str, dict[str, str]]
) -> None:
    _, slug, ids = blog
    parsed = atom(client, slug, "key-events.atom")
    assert parsed.feed.title == "Harbour floods: key events"
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == [ids["key"]]
    assert parsed.entries[0].tags[0].term == "key-event"
    parsed, raw = json_feed(client, slug, "key-events.json")
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == [ids["key"]]
    assert raw["items"][0]["tags"] == ["key event"]
    assert raw["items"][0]["authors"] == [{"name": "Bo"}]


@pytest.mark.parametrize("name", FEEDS)
def test_conditional_get(
    client: Client, site: Site, blog: tuple[Actor, str, dict[str, str]], name: str
) -> None:
    actor, slug, _ = blog

    def get(**headers: str) -> Any:
        return client.get(f"/live/{slug}/{name}", headers={"accept-encoding": "identity"} | headers)

    next_second()  # Last-Modified names the blog's latest change once its second is over
    first = get()
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"') and first.headers["cache-control"].startswith("public")
    assert "content-encoding" not in first.headers
    assert get(**{"if-none-match": etag}).status_code == 304
    again = get(**{"if-modified-since": modified})
    assert again.status_code == 304 and again.content == b""
    # Compressed answers have their own tag, and a 304 for it.
    br = get(**{"accept-encoding": "br"})
    assert br.headers["content-encoding"] == "br" and br.headers["etag"] != etag
    assert get(**{"accept-encoding": "br", "if-none-match": br.headers["etag"]}).status_code == 304
    # Any change the reader can see makes the old copy stale.
    publish(site, actor, slug, "Another key event.", key_event=True)
    changed = get(**{"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert get(**{"if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200


def next_second() -> None:
    """Waits for the start of the next second of the clock."""
    time.sleep(1.01 - time.time() % 1)


def test_a_change_in_the_second_of_a_copy_is_not_missed_by_if_modified_since(
    client: Client, site: Site, blog: tuple[Actor, str, dict[str, str]]
) -> None:
    """``Last-Modified`` has no fraction of a second: a reader that sends back only the date
    of a copy made in the second of a change still gets a later change in that second."""
    actor, slug, _ = blog
    for _ in range(5):
        next_second()
        started = int(time.time())
        publish(site, actor, slug, "First in this second.")
        copy = client.get(f"/live/{slug}/feed.json")
        publish(site, actor, slug, "Second in this second.")
        if int(time.time()) == started:
            break
    else:
        pytest.fail("could not publish twice within one second")
    again = client.get(
        f"/live/{slug}/feed.json", headers={"if-modified-since": copy.headers["last-modified"]}
    )
    assert again.status_code == 200
    assert again.json()["items"][0]["content_text"] == "Second in this second."
    # Once the second is over, the date names it, and a copy made then is current.
    next_second()
    later = client.get(f"/live/{slug}/feed.json")
    assert later.headers["last-modified"] != copy.headers["last-modified"]
    current = client.get(
        f"/live/{slug}/feed.json", headers={"if-modified-since": later.headers["last-modified"]}
    )
    assert current.status_code == 304


def test_draft_blogs_and_unknown_blogs_have_no_feeds(client: Client, site: Site) -> None:
    actor = editor_of(site)
    slug = create_blog(site, actor, BlogFields(title="Not yet", status="draft"))["slug"]
    for name in FEEDS:
        assert client.get(f"/live/{slug}/{name}").status_code == 404
        assert client.get(f"/live/nowhere/{name}").status_code == 404
    update_blog(site, actor, slug, BlogChanges.model_validate({"status": "ended"}))
    _, raw = json_feed(client, slug)
    # Ended is not "expired": posts may still be corrected, and the blog reopened.
    assert "expired" not in raw and raw["items"] == []


def test_the_page_links_to_its_feeds(
    client: Client, blog: tuple[Actor, str, dict[str, str]]
) -> None:
    _, slug, _ = blog
    html = client.get(f"/live/{slug}").text
    head = html.split("</head>", 1)[0]
    links = re.findall(
        r'<link rel="alternate" type="([^"]+)" title="([^"]+)" href="([^"]+)">', head
    )
    assert [(kind, href) for kind, _, href in links] == [
        ("application/atom+xml", f"/live/{slug}/feed.atom"),
        ("application/feed+json", f"/live/{slug}/feed.json"),
        ("application/atom+xml", f"/live/{slug}/key-events.atom"),
        ("application/feed+json", f"/live/{slug}/key-events.json"),
    ]
    for _, _, href in links:
        assert client.get(href).status_code == 200
