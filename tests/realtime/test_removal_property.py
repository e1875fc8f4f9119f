"""Issue #9 as a property: whatever the newsroom does (publish, write drafts, edit, delete,
restore, take the blog back to draft and out again), after each step no answer an anonymous
reader can get carries words that are not public at that moment. Checked on a real server
after every step: the page, every permalink, updates.json (after 0, after the polling
reader's seq, after a random seq), a fresh event-stream replay from 0 (from the log) and
from a recent seq (from the hub's memory), a stream that stays open, and the API's public
reads. Every version of every post gets words of its own, so a leak names its version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, restore_post
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from tests.servers import running_server
from tests.sse import Message, SSEClient

settings.register_profile(
    "removal",
    max_examples=6,
    stateful_step_count=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
WORD = re.compile(r"Qz\d+k\d+v")


@dataclass
class Written:
    status: str  # published | draft | submitted | deleted
    words: set[str]  # the words of its current version
    version: int


class Newsroom(RuleBasedStateMachine):
    site: ClassVar[Site]
    url: ClassVar[str]
    http: ClassVar[httpx.Client]
    runs: ClassVar[int] = 0

    posts = Bundle("posts")

    def __init__(self) -> None:
        super().__init__()
        Newsroom.runs += 1
        self.run = Newsroom.runs
        self.slug = f"trust-{self.run}"
        create_blog(self.site, SYSTEM, BlogFields(title="Trust", slug=self.slug))
        self.status = "live"
        self.written: dict[str, Written] = {}
        self.ever: set[str] = set()
        self.made = 0
        self.reader: SSEClient | None = None
        self.reader_seq = 1
        self.polled_seq = 1
        self._open_reader()

    # -- what is public ---------------------------------------------------------------
    def _word(self) -> str:
        self.made += 1
        word = f"Qz{self.run}k{self.made}v"
        self.ever.add(word)
        return word

    def _content(self, headline: bool) -> dict[str, Any]:
        return {
            "title": f"Headline {self._word()}" if headline else None,
            "elements": [{"type": "text", "markdown": f"Report {self._word()}. More to come."}],
        }

    def _public(self) -> set[str]:
        if self.status == "draft":
            return set()
        return {w for p in self.written.values() if p.status == "published" for w in p.words}

    def _leaks(self, text: str) -> set[str]:
        return set(WORD.findall(text)) & (self.ever - self._public())

    def _assert_clean(self, where: str, text: str) -> None:
        leaked = self._leaks(text)
        assert not leaked, f"{where} carries words that are not public: {sorted(leaked)}"

    def _last_seq(self) -> int:
        blog = self.http.get(f"/api/v1/blogs/{self.slug}")
        if blog.status_code == 404:
            return -1
        return int(blog.json()["last_seq"])

    # -- the reader who keeps a stream open, and the one who polls -------------------
    def _open_reader(self) -> None:
        self.reader = SSEClient(
            self.url,
            f"/live/{self.slug}/events",
            headers={"Last-Event-ID": str(self.reader_seq)},
        )
        assert self.reader.read_head() == 200

    def _take(self, messages: list[Message], after: int, where: str) -> int:
        """Checks a run of stream messages: in order, no gap, no repeat, nothing hidden."""
        for message in messages:
            assert message.event != "resync", f"{where}: {message.data}"
            assert message.id == str(after + 1), f"{where}: {after} then {message.id}"
            after += 1
            self._assert_clean(f"{where} (seq {message.id})", message.data)
        return after

    def _follow(self, last_seq: int) -> None:
        if self.reader is None:
            return
        if self.status == "draft":
            assert self.reader.wait_closed(timeout=3), "a stream outlived its blog going to draft"
            self._assert_clean("the open stream", self.reader.buffer.decode())
            self.reader.close()
            self.reader = None
            return
        wanted = last_seq - self.reader_seq
        got = self.reader.messages(wanted, timeout=3) if wanted > 0 else []
        assert len(got) == wanted, f"the open stream got {len(got)} of {wanted} events"
        self.reader_seq = self._take(got, self.reader_seq, "the open stream")

    # -- what the newsroom does -------------------------------------------------------
    @initialize(target=posts, headline=st.booleans())
    def first_post(self, headline: bool) -> str:
        return self.write("published", headline)

    @precondition(lambda self: len(self.written) < 6)
    @rule(
        target=posts,
        status=st.sampled_from(["published", "published", "draft", "submitted"]),
        headline=st.booleans(),
    )
    def write(self, status: str, headline: bool) -> str:
        content = self._content(headline) | {"status": status}
        made = create_post(self.site, SYSTEM, self.slug, NewPost.model_validate(content))
        words = set(WORD.findall(str(content)))
        self.written[made["id"]] = Written(status, words, made["version"])
        return str(made["id"])

    @rule(post=posts, headline=st.booleans(), publish=st.booleans())
    def edit(self, post: str, headline: bool, publish: bool) -> None:
        written = self.written[post]
        if written.status == "deleted":
            return
        content = self._content(headline)
        if publish:
            content["status"] = "published"
        changes = PostChanges.model_validate(content)
        done = edit_post(self.site, SYSTEM, self.slug, post, changes, written.version)
        written.words = set(WORD.findall(str(content)))
        written.version, written.status = done["version"], done["status"]

    @rule(post=posts)
    def delete_or_restore(self, post: str) -> None:
        written = self.written[post]
        if written.status == "deleted":
            done = restore_post(self.site, SYSTEM, self.slug, post)
        else:
            done = delete_post(self.site, SYSTEM, self.slug, post)
        written.version, written.status = done["version"], done["status"]

    @rule(status=st.sampled_from(["live", "ended", "draft"]))
    def blog_status(self, status: str) -> None:
        update_blog(self.site, SYSTEM, self.slug, BlogChanges(status=status))
        was_hidden, self.status = self.status == "draft", status
        if was_hidden and status != "draft":
            self._open_reader()  # the reader comes back, from where it was

    # -- what every anonymous reader can get, after every step ------------------------
    @invariant()
    def nothing_hidden_leaves_the_server(self) -> None:
        last_seq = self._last_seq()
        self._follow(last_seq)
        hidden = self.status == "draft"
        answers: dict[str, httpx.Response] = {}
        paths = [
            "/",
            f"/live/{self.slug}",
            f"/live/{self.slug}/updates.json?after=0",
            f"/live/{self.slug}/updates.json?after={self.polled_seq}",
            f"/live/{self.slug}/updates.json?after={max(0, last_seq - 3)}",
            "/api/v1/blogs",
            f"/api/v1/blogs/{self.slug}",
            f"/api/v1/blogs/{self.slug}/posts",
        ]
        for post in self.written:
            paths += [f"/live/{self.slug}/posts/{post}", f"/api/v1/blogs/{self.slug}/posts/{post}"]
        for path in paths:
            answers[path] = response = self.http.get(path)
            assert response.status_code < 500, f"{path}: {response.status_code}"
            self._assert_clean(path, response.text)
            public = path in ("/", "/api/v1/blogs")
            if hidden and not public:
                assert response.status_code == 404, f"{path} is {response.status_code} in draft"
        for post, written in self.written.items():
            visible = not hidden and written.status == "published"
            for path in (
                f"/live/{self.slug}/posts/{post}",
                f"/api/v1/blogs/{self.slug}/posts/{post}",
            ):
                assert (answers[path].status_code != 404) == visible, path
        if hidden:
            for after in (0, self.reader_seq):
                stream = SSEClient(
                    self.url, f"/live/{self.slug}/events", headers={"Last-Event-ID": str(after)}
                )
                assert stream.read_head() == 404
                stream.close()
            return
        # The page shows everything public (so the checks above are not empty ones).
        page = answers[f"/live/{self.slug}"].text
        assert self._public() <= set(WORD.findall(page))
        # The polling reader moves on, exactly once and in order.
        polled = answers[f"/live/{self.slug}/updates.json?after={self.polled_seq}"].json()
        assert polled["resync"] is None
        assert [e["seq"] for e in polled["events"]] == list(
            range(self.polled_seq + 1, last_seq + 1)
        )
        self.polled_seq = last_seq
        # Fresh replays: from the log (after 0) and from the hub's memory (a recent seq).
        for after in {0, max(1, last_seq - 2)}:
            stream = SSEClient(
                self.url, f"/live/{self.slug}/events", headers={"Last-Event-ID": str(after)}
            )
            got = stream.messages(last_seq - after, timeout=3)
            assert self._take(got, after, f"a replay after {after}") == last_seq
            stream.close()

    def teardown(self) -> None:
        if self.reader is not None:
            self.reader.close()


@pytest.fixture
def newsroom(site: Site) -> Iterator[type[Newsroom]]:
    with running_server(site) as (url, _server), httpx.Client(base_url=url, timeout=5) as http:
        Newsroom.site, Newsroom.url, Newsroom.http = site, url, http
        yield Newsroom


def test_no_answer_carries_words_that_are_not_public(newsroom: type[Newsroom]) -> None:
    run_state_machine_as_test(newsroom, settings=settings.get_profile("removal"))
