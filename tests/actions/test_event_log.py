"""Every change a reader can see appends an event, with a gap-free seq, in the same transaction."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, restore_post, set_pinned
from liveblog.errors import Forbidden, Invalid, PreconditionFailed
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import Event, Post, Revision


def events(site: Site, slug: str) -> list[tuple[int, str, str | None]]:
    with site.db.reading() as session:
        rows = session.execute(
            select(Event.seq, Event.kind, Event.payload).order_by(Event.seq)
        ).all()
    return [
        (seq, kind, payload.get("id") if kind.startswith("post") else None)
        for seq, kind, payload in rows
    ]


def new(text: str, **fields: Any) -> NewPost:
    return NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]} | fields)


@pytest.fixture
def slug(site: Site) -> str:
    return str(create_blog(site, SYSTEM, BlogFields(title="Rail strike", slug="rail"))["slug"])


def test_each_visible_change_appends_one_event_in_order(site: Site, slug: str) -> None:
    woken: list[tuple[int, int]] = []
    site.bus.subscribe(lambda blog_id, seq: woken.append((blog_id, seq)))
    a = create_post(site, SYSTEM, slug, new("First."))
    b = create_post(site, SYSTEM, slug, new("Second.", key_event=True))
    edit_post(site, SYSTEM, slug, a["id"], PostChanges(title="Now headed"), 1)
    edit_post(site, SYSTEM, slug, b["id"], PostChanges(summary=True), 1)
    set_pinned(site, SYSTEM, slug, a["id"], True)
    set_pinned(site, SYSTEM, slug, a["id"], False)
    delete_post(site, SYSTEM, slug, b["id"])
    restore_post(site, SYSTEM, slug, b["id"])
    update_blog(site, SYSTEM, slug, BlogChanges(status="ended"))
    update_blog(site, SYSTEM, slug, BlogChanges(status="live"))
    # Read afterwards, b's events before its deletion are tombstones: the log never
    # outlives a removal (tests/realtime/test_removal.py); the restore brought it back.
    assert events(site, slug) == [
        (1, "blog.created", None),
        (2, "post.published", a["id"]),
        (3, "post.deleted", b["id"]),
        (4, "post.edited", a["id"]),
        (5, "post.deleted", b["id"]),
        (6, "post.pinned", a["id"]),
        (7, "post.unpinned", a["id"]),
        (8, "post.deleted", b["id"]),
        (9, "post.restored", b["id"]),
        (10, "blog.ended", None),
        (11, "blog.reopened", None),
    ]
    # The bus is told after each commit, with the seq it committed.
    assert [seq for _, seq in woken] == list(range(2, 12))


def test_drafts_emit_nothing_until_published(site: Site, slug: str) -> None:
    draft = create_post(site, SYSTEM, slug, new("Embargoed.", status="draft"))
    assert [kind for _, kind, _ in events(site, slug)] == ["blog.created"]
    published = edit_post(site, SYSTEM, slug, draft["id"], PostChanges(status="published"), 1)
    assert published["published_at"] is not None
    assert events(site, slug)[-1] == (2, "post.published", draft["id"])


def test_a_failed_action_writes_nothing_and_emits_nothing(site: Site, slug: str) -> None:
    post = create_post(site, SYSTEM, slug, new("Original."))
    with pytest.raises(PreconditionFailed) as stale:
        edit_post(site, SYSTEM, slug, post["id"], PostChanges(title="Late edit"), 7)
    assert stale.value.current_version == 1
    with site.db.reading() as session:
        row = session.scalar(select(Post).where(Post.public_id == post["id"]))
        assert row is not None and row.title is None and row.version == 1
    assert len(events(site, slug)) == 2


def test_edits_keep_revisions_and_mark_updated(site: Site, slug: str) -> None:
    post = create_post(site, SYSTEM, slug, new("Two people hurt."))
    edited = edit_post(
        site,
        SYSTEM,
        slug,
        post["id"],
        PostChanges(
            elements=[{"type": "text", "markdown": "Three people hurt."}],
            correction="An earlier version gave the wrong number of injured.",
            note="fix count",
        ),
        1,
    )
    assert edited["version"] == 2 and edited["updated_at"] > edited["published_at"]
    flagged = edit_post(site, SYSTEM, slug, post["id"], PostChanges(key_event=True), 2)
    assert flagged["updated_at"] == edited["updated_at"], "a flag is not an update to the text"
    with site.db.reading() as session:
        revisions = session.execute(
            select(Revision.version, Revision.note).order_by(Revision.version)
        ).all()
    assert [tuple(r) for r in revisions] == [(1, "created"), (2, "fix count"), (3, None)]


def test_one_pinned_post_per_blog(site: Site, slug: str) -> None:
    a = create_post(site, SYSTEM, slug, new("A."))
    b = create_post(site, SYSTEM, slug, new("B."))
    set_pinned(site, SYSTEM, slug, a["id"], True)
    pinned_b = set_pinned(site, SYSTEM, slug, b["id"], True)
    assert pinned_b["pinned"]
    with site.db.reading() as session:
        last = session.scalars(select(Event).order_by(Event.seq.desc())).first()
        assert last is not None and last.payload["replaces"] == a["id"]
    assert delete_post(site, SYSTEM, slug, b["id"])["pinned"] is False


def test_contributors_write_drafts_but_cannot_publish(site: Site, slug: str) -> None:
    from liveblog.actions.blogs import set_membership
    from liveblog.actions.users import create_user

    uid = create_user(site, "stringer@newsroom.example", "long enough pw", "contributor")
    contributor = Actor(user_id=uid, role="contributor")
    with pytest.raises(Forbidden, match="not on its team"):
        create_post(site, contributor, slug, new("Scoop!", status="submitted"))
    set_membership(site, SYSTEM, slug, "stringer@newsroom.example", "contributor")
    with pytest.raises(Forbidden):
        create_post(site, contributor, slug, new("Scoop!"))
    draft = create_post(site, contributor, slug, new("Scoop!", status="submitted"))
    with pytest.raises(Forbidden):
        edit_post(site, contributor, slug, draft["id"], PostChanges(status="published"), 1)
    with pytest.raises(Forbidden):
        delete_post(site, contributor, slug, draft["id"])
    assert edit_post(site, contributor, slug, draft["id"], PostChanges(title="Scoop"), 1)["title"]


def test_published_posts_do_not_go_back_to_draft(site: Site, slug: str) -> None:
    post = create_post(site, SYSTEM, slug, new("Out."))
    with pytest.raises(Invalid):
        edit_post(site, SYSTEM, slug, post["id"], PostChanges(status="draft"), 1)


def test_concurrent_writers_get_gap_free_seqs(site: Site, slug: str) -> None:
    errors: list[BaseException] = []

    def publish(n: int) -> None:
        try:
            for i in range(5):
                create_post(site, SYSTEM, slug, new(f"Writer {n} post {i}."))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = [seq for seq, _, _ in events(site, slug)]
    assert seqs == list(range(1, 22))
