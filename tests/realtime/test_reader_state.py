"""A state machine of newsroom actions and flaky readers: whatever happens, a reader who
applies the events it receives ends up with exactly the page a fresh load shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, restore_post, set_pinned
from liveblog.schema import BlogFields, NewPost, PostChanges
from liveblog.site import Site
from tests.servers import running_server
from tests.sse import SSEClient

ARTICLE = re.compile(r'<article class="post.*?</article>', re.S)
PINNED_FLAG = '<span class="flag flag-pinned">Pinned</span>'


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _section(html: str, start: str, end: str) -> str:
    if start not in html:
        return ""
    return html.split(start, 1)[1].split(end, 1)[0]


def unflag(card: str) -> str:
    """A stream card that is no longer the pinned one (as live.js does it)."""
    head, rest = card.split(">", 1)
    return head.replace(" post-pinned", "") + ">" + rest.replace(PINNED_FLAG, "")


def pinned_copy(card: str, post_id: str) -> str:
    """What the server renders in the pinned slot, made from the stream card (as live.js does)."""
    return (
        card.replace(f'id="post-{post_id}"', f'id="pinned-{post_id}"')
        .replace(f"stream-h-{post_id}", f"pinned-h-{post_id}")
        .replace(PINNED_FLAG, "")
    )


@dataclass
class PostView:
    html: str
    published_at: str
    key_event: bool
    label: str = ""
    clock: str = ""


@dataclass
class View:
    """A reader's page: built from a page load, then changed only by events."""

    seq: int = 0
    posts: dict[str, PostView] = field(default_factory=dict)
    pinned: str | None = None
    key_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_page(cls, html: str) -> View:
        view = cls(seq=int(re.search(r'data-seq="(\d+)"', html).group(1)))  # type: ignore[union-attr]
        stream = _section(html, '<section class="stream"', "</section>")
        for card in ARTICLE.findall(stream):
            post_id = re.search(r'data-post-id="(\w+)"', card).group(1)  # type: ignore[union-attr]
            when = re.search(r'<time datetime="([^"]+)"', card).group(1)  # type: ignore[union-attr]
            view.posts[post_id] = PostView(card, when, " post-key" in card.split(">", 1)[0])
        pinned = _section(html, '<section class="pinned"', "</section>")
        if pinned:
            view.pinned = re.search(r'data-post-id="(\w+)"', pinned).group(1)  # type: ignore[union-attr]
        keys = _section(html, '<nav class="key-events"', "</nav>")
        for post_id, clock, label in re.findall(
            r'/posts/(\w+)"><time datetime="[^"]+">([^<]*)</time> (.*?)</a>', keys
        ):
            view.key_labels[post_id] = (clock, label)
        return view

    def apply(self, data: dict[str, Any]) -> None:
        assert data["seq"] == self.seq + 1, f"gap or repeat: {self.seq} then {data['seq']}"
        self.seq = data["seq"]
        kind = data["kind"]
        if kind in (
            "post.published",
            "post.edited",
            "post.flagged",
            "post.restored",
            "post.pinned",
        ):
            self.posts[data["id"]] = PostView(
                data["html"], data["published_at"], data["key_event"], data["label"], data["clock"]
            )
            if data["key_event"]:
                self.key_labels[data["id"]] = (data["clock"], data["label"])
            else:
                self.key_labels.pop(data["id"], None)
        if kind == "post.pinned":
            old = data.get("replaces")
            if old in self.posts:
                self.posts[old].html = unflag(self.posts[old].html)
            self.pinned = data["id"]
        elif kind == "post.unpinned":
            if data["id"] in self.posts:
                self.posts[data["id"]].html = unflag(self.posts[data["id"]].html)
            self.pinned = None
        elif kind == "post.deleted":
            self.posts.pop(data["id"], None)
            self.key_labels.pop(data["id"], None)
            if self.pinned == data["id"]:
                self.pinned = None

    def rendered(self) -> tuple[list[str], str | None, list[tuple[str, str, str]]]:
        order = sorted(self.posts, key=lambda i: _when(self.posts[i].published_at), reverse=True)
        stream = [self.posts[i].html for i in order]
        pinned = pinned_copy(self.posts[self.pinned].html, self.pinned) if self.pinned else None
        keys = [(i, *self.key_labels[i]) for i in order if i in self.key_labels]
        return stream, pinned, keys


def fresh(html: str) -> tuple[list[str], str | None, list[tuple[str, str, str]]]:
    stream = ARTICLE.findall(_section(html, '<section class="stream"', "</section>"))
    pinned_cards = ARTICLE.findall(_section(html, '<section class="pinned"', "</section>"))
    keys = re.findall(
        r'/posts/(\w+)"><time datetime="[^"]+">([^<]*)</time> (.*?)</a>',
        _section(html, '<nav class="key-events"', "</nav>"),
    )
    return stream, (pinned_cards[0] if pinned_cards else None), keys


@dataclass
class Reader:
    view: View
    client: SSEClient | None = None


class Newsroom(RuleBasedStateMachine):
    site: ClassVar[Site]
    url: ClassVar[str]
    counter: ClassVar[int] = 0

    posts = Bundle("posts")

    def __init__(self) -> None:
        super().__init__()
        Newsroom.counter += 1
        self.slug = f"story-{Newsroom.counter}"
        create_blog(self.site, SYSTEM, BlogFields(title="Story", slug=self.slug))
        self.versions: dict[str, int] = {}
        self.deleted: set[str] = set()
        self.readers = [self._load(), self._load()]

    def _page(self) -> str:
        return httpx.get(f"{self.url}/live/{self.slug}", timeout=5).text

    def _load(self) -> Reader:
        view = View.from_page(self._page())
        return Reader(view, self._connect(view))

    def _connect(self, view: View) -> SSEClient:
        client = SSEClient(
            self.url, f"/live/{self.slug}/events", headers={"Last-Event-ID": str(view.seq)}
        )
        # Wait for the response head here: the short reads below would give up on a busy
        # machine before it came.
        assert client.read_head() == 200
        return client

    def _read(self, reader: Reader, timeout: float = 0.05) -> None:
        if reader.client is None:
            return
        for message in reader.client.messages(1000, timeout=timeout):
            assert message.event != "resync"
            reader.view.apply(message.json)

    # -- what the newsroom does -------------------------------------------------------
    @precondition(lambda self: len(self.versions) < 12)
    @rule(
        target=posts, headline=st.none() | st.sampled_from(["Flood", "Rescue"]), key=st.booleans()
    )
    def publish(self, headline: str | None, key: bool) -> str:
        post = create_post(
            self.site,
            SYSTEM,
            self.slug,
            NewPost.model_validate(
                {
                    "title": headline,
                    "key_event": key,
                    "elements": [
                        {"type": "text", "markdown": f"Update {len(self.versions)}. More."}
                    ],
                }
            ),
        )
        self.versions[post["id"]] = post["version"]
        return str(post["id"])

    def _change(self, post: str, changes: PostChanges) -> None:
        if post not in self.deleted:
            done = edit_post(self.site, SYSTEM, self.slug, post, changes, self.versions[post])
            self.versions[post] = done["version"]

    @rule(post=posts, words=st.sampled_from(["Water rises.", "Roads shut.", "All clear."]))
    def edit(self, post: str, words: str) -> None:
        self._change(
            post, PostChanges.model_validate({"elements": [{"type": "text", "markdown": words}]})
        )

    @rule(post=posts, key=st.booleans(), summary=st.booleans())
    def flag(self, post: str, key: bool, summary: bool) -> None:
        self._change(post, PostChanges(key_event=key, summary=summary))

    @rule(post=posts)
    def delete_or_restore(self, post: str) -> None:
        if post in self.deleted:
            self.versions[post] = restore_post(self.site, SYSTEM, self.slug, post)["version"]
            self.deleted.discard(post)
        else:
            self.versions[post] = delete_post(self.site, SYSTEM, self.slug, post)["version"]
            self.deleted.add(post)

    @rule(post=posts, pin=st.booleans())
    def pin(self, post: str, pin: bool) -> None:
        if post not in self.deleted:
            set_pinned(self.site, SYSTEM, self.slug, post, pin)

    # -- what readers' phones do ------------------------------------------------------
    @rule(which=st.integers(0, 1))
    def read(self, which: int) -> None:
        self._read(self.readers[which])

    @rule(which=st.integers(0, 1))
    def drop_connection(self, which: int) -> None:
        reader = self.readers[which]
        if reader.client is not None:
            self._read(reader)
            reader.client.close()
            reader.client = None

    @rule(which=st.integers(0, 1))
    def reconnect(self, which: int) -> None:
        reader = self.readers[which]
        if reader.client is None:
            reader.client = self._connect(reader.view)

    @rule(which=st.integers(0, 1))
    def reload(self, which: int) -> None:
        if self.readers[which].client is not None:
            self.readers[which].client.close()  # type: ignore[union-attr]
        self.readers[which] = self._load()

    def teardown(self) -> None:
        page = self._page()
        last_seq = int(re.search(r'data-seq="(\d+)"', page).group(1))  # type: ignore[union-attr]
        expected = fresh(page)
        for reader in self.readers:
            if reader.client is None:
                reader.client = self._connect(reader.view)
            while reader.view.seq < last_seq:
                before = reader.view.seq
                self._read(reader, timeout=2)
                assert reader.view.seq > before, "the reader stopped getting events"
            assert reader.view.seq == last_seq
            assert reader.view.rendered() == expected
            reader.client.close()

    @invariant()
    def pages_hold_at_most_one_pinned_post(self) -> None:
        for reader in self.readers:
            assert reader.view.pinned is None or reader.view.pinned in reader.view.posts


@pytest.fixture
def newsroom(site: Site) -> Iterator[type[Newsroom]]:
    with running_server(site) as (url, _server):
        Newsroom.site, Newsroom.url = site, url
        yield Newsroom


def test_every_reader_ends_with_the_fresh_page(newsroom: type[Newsroom]) -> None:
    run_state_machine_as_test(
        newsroom,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
