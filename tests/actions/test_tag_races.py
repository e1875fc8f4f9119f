"""Tag rename and delete racing post saves: the blog row is locked first by all of them,
so a post's ``tags`` and its ``post_tags`` rows always name the same, existing tags."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post, edit_post
from liveblog.actions.tags import create_tag, delete_tag, rename_tag
from liveblog.errors import Conflict, Invalid, NotFound, PreconditionFailed
from liveblog.schema import BlogFields, NewPost, PostChanges, TagFields
from liveblog.site import Site
from liveblog.storage import Blog, Post, PostTag, Tag
from tests.conftest import TEST_DATABASE
from tests.waiting import poll_until, wait_until

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE.startswith("postgresql"), reason="row locks race only on PostgreSQL"
)

EXPECTED = (Conflict, NotFound, PreconditionFailed, Invalid)


def new(text: str, **fields: Any) -> NewPost:
    return NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]} | fields)


def consistent(site: Site) -> list[str]:
    """Each post whose ``tags`` differ from the tags its post_tags rows point at."""
    wrong = []
    with site.db.reading() as session:
        for post in session.scalars(select(Post)):
            rows = session.scalars(
                select(Tag.name)
                .join(PostTag, PostTag.tag_id == Tag.id)
                .where(PostTag.post_id == post.id)
            )
            if sorted(post.tags) != sorted(rows):
                wrong.append(f"{post.public_id}: {post.tags} vs {sorted(rows)}")
    return wrong


def run(*targets: Any) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Any) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_renames_and_deletes_racing_edits_leave_posts_and_rows_agreeing(site: Site) -> None:
    slug = str(create_blog(site, SYSTEM, BlogFields(title="Race", slug="race"))["slug"])
    posts = [
        str(create_post(site, SYSTEM, slug, new(f"Post {n}.", tags=["Alpha"]))["id"])
        for n in range(4)
    ]

    def renamer() -> None:
        for i in range(30):
            try:
                rename_tag(site, SYSTEM, slug, "Alpha", TagFields(name="Beta"))
                rename_tag(site, SYSTEM, slug, "Beta", TagFields(name="Alpha"))
                if i % 5 == 0:
                    delete_tag(site, SYSTEM, slug, "Alpha")
                    create_tag(site, SYSTEM, slug, TagFields(name="Alpha"))
            except EXPECTED:
                pass

    def editor(public_id: str) -> None:
        for i in range(30):
            try:
                version = _version(site, public_id)
                tags = ["Alpha"] if i % 2 else ["Beta", "Alpha"]
                edit_post(site, SYSTEM, slug, public_id, PostChanges(tags=tags), version)
            except EXPECTED:
                pass

    errors = run(renamer, *(lambda p=p: editor(p) for p in posts))
    assert not errors, errors
    assert consistent(site) == []


def _version(site: Site, public_id: str) -> int:
    with site.db.reading() as session:
        return int(session.scalars(select(Post.version).where(Post.public_id == public_id)).one())


@pytest.mark.parametrize("action", ["create", "draft-edit", "rename", "delete"])
def test_tag_list_changes_wait_for_the_blog_row_lock(site: Site, action: str) -> None:
    """Deterministic: while another transaction holds the blog row, an action that reads
    or changes the tag list (none of these emits an event that would lock it anyway)
    waits for it, and finishes once it is let go."""
    slug = str(create_blog(site, SYSTEM, BlogFields(title="Lock", slug="lock"))["slug"])
    draft = create_post(site, SYSTEM, slug, new("Draft.", status="draft", tags=["Alpha"]))
    calls = {
        "create": lambda: create_tag(site, SYSTEM, slug, TagFields(name="Gamma")),
        "draft-edit": lambda: edit_post(
            site, SYSTEM, slug, str(draft["id"]), PostChanges(tags=["Delta"]), 1
        ),
        "rename": lambda: rename_tag(site, SYSTEM, slug, "Alpha", TagFields(name="Beta")),
        "delete": lambda: delete_tag(site, SYSTEM, slug, "Alpha"),
    }
    done = threading.Event()
    errors: list[BaseException] = []

    def act() -> None:
        try:
            calls[action]()
        except BaseException as exc:
            errors.append(exc)
        done.set()

    with site.db.writing() as session:
        session.execute(select(Blog.id).where(Blog.slug == slug).with_for_update())
        thread = threading.Thread(target=act)
        thread.start()
        # The action must still be waiting while the lock is held.
        assert not poll_until(done.is_set, 1.0), f"{action} did not wait for the blog row"
    wait_until(done.is_set, 30, what=f"{action} to finish once the lock is let go")
    thread.join()
    assert not errors, errors
