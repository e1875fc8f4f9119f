"""The events' contract (liveblog/events.py): one schema per kind, checked in every test
that emits; the reader scripts and the docs name exactly those kinds; events written by
older or newer code are read as this code's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post, delete_post
from liveblog.events import (
    POST_STATE_KINDS,
    SCHEMAS,
    STREAM_KINDS,
    EventKind,
    PostPublished,
    PostState,
    check,
    current,
    json_schemas,
)
from liveblog.render.cards import CARD_STAMP
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import Blog, Event, Post

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "liveblog" / "static"


class Looked:
    """A context that has nothing to look up: reading these events must not need it."""

    def blog(self) -> Blog:
        raise AssertionError("nothing to re-render")

    def post(self, post_id: int | None) -> Post | None:
        raise AssertionError("nothing to upcast from the post's row")


def test_every_kind_has_a_versioned_schema() -> None:
    assert set(SCHEMAS) == set(EventKind)
    for kind, model in SCHEMAS.items():
        assert model.KIND is kind and model.schema_version() >= 1


def test_every_schema_is_json_schema() -> None:
    schemas = json_schemas()
    assert list(schemas) == [kind.value for kind in EventKind]
    for kind, schema in schemas.items():
        assert schema["properties"]["v"]["const"] == SCHEMAS[EventKind(kind)].schema_version()
        assert json.loads(json.dumps(schema)) == schema


@pytest.mark.parametrize("name", ["live.js", "editor.js"])
def test_each_script_that_follows_a_stream_listens_to_exactly_the_kinds(name: str) -> None:
    """The reader page applies every kind; the desk counts every kind as a change."""
    script = (STATIC / name).read_text()
    listed = re.search(r"var KINDS = \[([^\]]*)\]", script)
    assert listed is not None
    assert json.loads(f"[{listed.group(1)}]") == list(STREAM_KINDS)
    assert script.count("new EventSource(") == 1
    assert "KINDS.forEach" in script


def test_the_browser_scripts_name_no_other_kind() -> None:
    for script in STATIC.glob("*.js"):
        named = set(re.findall(r"\"((?:post|blog)\.[a-z_]+)\"", script.read_text()))
        assert named <= set(EventKind), script.name


def test_the_architecture_names_every_kind() -> None:
    docs = (ROOT / "docs" / "architecture.md").read_text()
    table = docs.partition("## The event log")[2].partition("\n## ")[0]
    named = set(re.findall(r"`((?:post|blog)\.[a-z_]+)`", table))
    assert named == set(EventKind)


def test_the_docs_describe_every_kind_and_its_fields() -> None:
    docs = (ROOT / "docs" / "real-time.md").read_text()
    section = docs.partition("## Events: the contract")[2].partition("\n## ")[0]
    assert section, "docs/real-time.md has no section 'Events: the contract'"
    for kind, model in SCHEMAS.items():
        row = re.search(rf"^\| `{re.escape(kind)}` \|(.*)$", section, re.MULTILINE)
        assert row is not None, f"the docs' table of kinds has no row for {kind}"
        version = f"v{model.schema_version()}"
        assert version in row.group(1), f"{kind}: the docs do not say {version}"
        for field in model.model_fields:
            assert f"`{field}`" in section, f"{kind}: the docs do not describe `{field}`"


def test_an_action_that_emits_a_malformed_event_fails(
    site: Site, monkeypatch: pytest.MonkeyPatch, _events_keep_their_contract: list[str]
) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Malformed", slug="live"))
    post = NewPost.model_validate({"title": "Half an event"})

    def without_its_card(self: PostState) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(mode="json").items() if k != "html"}

    monkeypatch.setattr(PostPublished, "stored", without_its_card)
    with pytest.raises(ValidationError, match="html"):
        create_post(site, SYSTEM, "live", post)
    assert _events_keep_their_contract == [
        f"event 2 post.published: {_events_keep_their_contract[0].partition(': ')[2]}"
    ]
    _events_keep_their_contract.clear()  # seen: this test made it on purpose


def test_the_check_refuses_fields_and_kinds_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="mood"):
        check("post.deleted", {"v": 1, "id": "abcd2345", "mood": "sad"})
    with pytest.raises(ValueError, match=r"post\.translated"):
        check("post.translated", {"v": 1, "id": "abcd2345"})
    with pytest.raises(ValueError, match="version"):
        check("post.deleted", {"id": "abcd2345"})  # as older code wrote it
    with pytest.raises(ValidationError):
        check("post.deleted", {"v": 2, "id": "abcd2345"})


def test_restating_keeps_every_row_within_the_contract(site: Site) -> None:
    create_blog(site, SYSTEM, BlogFields(title="Restated", slug="live"))
    post = create_post(site, SYSTEM, "live", NewPost.model_validate({"title": "Soon gone"}))
    delete_post(site, SYSTEM, "live", post["id"])
    with site.db.reading() as session:
        rows = session.scalars(select(Event).order_by(Event.seq)).all()
        assert [r.kind for r in rows] == ["blog.created", "post.deleted", "post.deleted"]
        for row in rows:
            check(row.kind, row.payload)


CURRENT = {
    "blog": ("blog.edited", {"v": 1, "slug": "live", "status": "live"}),
    "tombstone": ("post.deleted", {"v": 1, "id": "abcd2345"}),
}


@pytest.mark.parametrize("kind, payload", CURRENT.values(), ids=CURRENT.keys())
def test_a_current_event_is_read_as_it_is(kind: str, payload: dict[str, Any]) -> None:
    assert current(kind, payload, None, Looked()) == (kind, payload)


def test_events_from_before_versions_read_as_version_1() -> None:
    assert current("post.deleted", {"id": "abcd2345"}, 7, Looked()) == (
        "post.deleted",
        {"v": 1, "id": "abcd2345"},
    )
    old_blog = {"slug": "live", "status": "ended"}
    assert current("blog.ended", old_blog, None, Looked()) == ("blog.ended", {"v": 1} | old_blog)


def test_a_newer_writer_s_kind_and_fields_pass_through() -> None:
    """In a rolling deploy, older code reads what newer code wrote: a kind it does not know
    passes untouched (the reader script ignores it), and a newer version of a kind it knows
    keeps the fields it does not know."""
    unknown = ("post.translated", {"v": 1, "id": "abcd2345", "language": "nb"})
    assert current(*unknown, 7, Looked()) == unknown
    newer = {
        "v": PostState.schema_version() + 1,
        "id": "abcd2345",
        "card": CARD_STAMP,
        "html": "<article/>",
        "mood": "calm",
    }
    assert current("post.edited", newer, 7, Looked()) == ("post.edited", newer)


def test_post_state_kinds_share_one_version() -> None:
    """Restating copies one post-state event's fields (and version) into another's."""
    assert len({SCHEMAS[kind].schema_version() for kind in POST_STATE_KINDS}) == 1


class OneBlog(Looked):
    def blog(self) -> Blog:
        return Blog(slug="live", timezone="UTC")


def test_an_event_that_cannot_be_re_rendered_is_sent_as_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One odd row in the log must not stop the blog's replay for every reader."""
    odd = {
        "v": PostState.schema_version(),
        "id": "abcd2345",
        "html": "<article>as it was</article>",
        "card": "0.old",
    }
    with caplog.at_level("WARNING", "liveblog.events"):
        assert current("post.edited", odd, 7, OneBlog()) == ("post.edited", odd)
    assert "not re-rendered" in caplog.text


class NoPost(Looked):
    def post(self, post_id: int | None) -> Post | None:
        return None


def test_a_version_1_post_that_is_no_longer_public_reads_as_a_tombstone() -> None:
    old = {"id": "abcd2345", "title": "Gone", "html": "<article>Gone</article>"}
    assert current("post.published", old, None, NoPost()) == (
        "post.deleted",
        {"v": 1, "id": "abcd2345"},
    )


class TaggedRow(OneBlog):
    def post(self, post_id: int | None) -> Post | None:
        return Post(status="published", tags=["Kyiv", "Red Cross"]) if post_id == 7 else None


def test_a_version_2_post_state_gains_its_tags_from_the_row() -> None:
    """Version 3 added ``tags``: a version 2 event takes them from the post's row, which
    restating keeps equal to its state, and its card is rendered again to show them."""
    fields: dict[str, Any] = {
        "id": "abcd2345",
        "title": "Convoy",
        "label": "Convoy",
        "elements": [{"type": "text", "markdown": "Trucks arrive."}],
        "key_event": False,
        "summary": False,
        "pinned": False,
        "sources": [],
        "verification": None,
        "authors": [],
        "correction": None,
        "status": "published",
        "published_at": "2026-11-30T18:00:00Z",
        "updated_at": None,
        "version": 1,
        "url": None,
    }
    old = fields | {"v": 2, "html": "<article>old</article>", "clock": "18:00", "card": "1.x"}
    kind, now = current("post.edited", old, 7, TaggedRow())
    assert kind == "post.edited" and now["v"] == 4 and now["tags"] == ["Kyiv", "Red Cross"]
    assert now["card"] == CARD_STAMP and '<li class="tag">Red Cross</li>' in now["html"]
    check(kind, now)
    assert current("post.edited", old, 8, TaggedRow()) == (
        "post.deleted",
        {"v": 1, "id": "abcd2345"},
    )


def test_a_version_3_embed_gains_an_empty_title_in_version_4() -> None:
    # Version 4 added an embed element's title: a node on older code sees v 4 and knows
    # the payload has fields it may not read; this code reads v 3 as v 4.
    embed = {"type": "embed", "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ"}
    text = {"type": "text", "markdown": "Trucks arrive."}
    old = {"v": 3, "id": "abcd2345", "elements": [text, embed], "card": CARD_STAMP}
    _, now = current("post.edited", old, 7, TaggedRow())
    assert now["v"] == 4
    assert now["elements"] == [text, embed | {"title": None}]


def test_a_card_rendered_before_the_click_to_load_embeds_is_rendered_again() -> None:
    # Same template, older element HTML: CARD_FORMAT 2 stamped the old embed paragraph.
    embed = {"type": "embed", "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ", "title": None}
    fields: dict[str, Any] = {
        "id": "abcd2345",
        "title": "Convoy",
        "label": "Convoy",
        "elements": [embed],
        "key_event": False,
        "summary": False,
        "pinned": False,
        "sources": [],
        "verification": None,
        "authors": [],
        "correction": None,
        "tags": [],
        "status": "published",
        "published_at": "2026-11-30T18:00:00Z",
        "updated_at": None,
        "version": 1,
        "url": None,
    }
    stamp = "2." + CARD_STAMP.split(".", 1)[1]
    old = fields | {
        "v": 4,
        "html": '<p class="post-embed">old</p>',
        "clock": "18:00",
        "card": stamp,
    }
    _, now = current("post.edited", old, 7, TaggedRow())
    assert now["card"] == CARD_STAMP and "embed-card embed-youtube" in now["html"]
