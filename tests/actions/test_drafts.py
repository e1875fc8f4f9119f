"""The composer's drafts on the server: one per person, blog and post; only for people who may
write on the blog; never a post; gone when the post is saved from the desk, when the person
leaves the team or is removed, and when left untouched too long."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import create_blog, set_membership
from liveblog.actions.drafts import (
    MAX_DRAFT_BYTES,
    MAX_FIELDS,
    DraftTooLarge,
    discard_draft,
    load_draft,
    prune_drafts,
    prune_step,
    save_draft,
)
from liveblog.actions.posts import create_post, edit_post
from liveblog.actions.users import create_user, remove_person
from liveblog.errors import Forbidden, Invalid, NotFound
from liveblog.schema import BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import ComposerDraft, Event, Post
from liveblog.storage.tables import utcnow

DEVICE = "browser-one-1234"
OTHER = "browser-two-5678"


def person(site: Site, role: str) -> tuple[Actor, str]:
    email = f"{role}-{secrets.token_hex(3)}@drafts.example"
    user_id = create_user(site, email, "correct horse battery", role)
    return Actor(user_id, role, role.title()), email


@pytest.fixture
def blog(site: Site) -> str:
    record = create_blog(site, SYSTEM, BlogFields(title="Harbour flooding"))
    return str(record["slug"])


def values(text: str) -> dict[str, str | bool]:
    return {"title": "", "el-0-markdown": text, "key_event": True, "authors": "Sam"}


def test_a_draft_is_kept_per_person_and_read_back_by_them_only(site: Site, blog: str) -> None:
    sam, _ = person(site, "editor")
    kim, _ = person(site, "editor")
    saved = save_draft(site, sam, blog, "", values("The water is rising"), DEVICE)
    assert saved["device"] == DEVICE and saved["saved_at"]
    again = save_draft(site, sam, blog, "", values("The water is rising fast"), OTHER)
    assert again["saved_ms"] >= saved["saved_ms"]
    mine = load_draft(site, sam, blog, "")
    assert mine is not None
    assert mine["values"]["el-0-markdown"] == "The water is rising fast"
    assert mine["device"] == OTHER  # the last browser to write it
    assert load_draft(site, kim, blog, "") is None  # a colleague sees nothing of it
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ComposerDraft)) == 1
        # Not a post, and nothing a reader could be told of.
        assert session.scalar(select(func.count()).select_from(Post)) == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 1  # blog.created


def test_only_people_who_may_write_on_the_blog_keep_drafts(site: Site, blog: str) -> None:
    outsider, _ = person(site, "contributor")  # a site contributor is on no team
    with pytest.raises(Forbidden):
        save_draft(site, outsider, blog, "", values("hello"), DEVICE)
    with pytest.raises(Forbidden):
        load_draft(site, outsider, blog, "")
    set_membership(site, SYSTEM, blog, _email_of(site, outsider), "contributor")
    assert save_draft(site, outsider, blog, "", values("hello"), DEVICE)["device"] == DEVICE
    with pytest.raises(NotFound):
        save_draft(site, outsider, "no-such-blog", "", values("hello"), DEVICE)


def _email_of(site: Site, actor: Actor) -> str:
    from liveblog.storage import User

    with site.db.reading() as session:
        user = session.get(User, actor.user_id)
        assert user is not None
        return user.email


def test_a_posts_draft_needs_a_post_the_person_may_edit(site: Site, blog: str) -> None:
    editor, _ = person(site, "editor")
    writer, email = person(site, "contributor")
    set_membership(site, SYSTEM, blog, email, "contributor")
    published = create_post(site, editor, blog, NewPost(title="Published"))
    own = create_post(site, writer, blog, NewPost(title="Mine", status="draft"))
    assert save_draft(site, editor, blog, published["id"], values("x"), DEVICE)
    assert save_draft(site, writer, blog, own["id"], values("x"), DEVICE)
    with pytest.raises(NotFound):  # a contributor cannot edit a published post
        save_draft(site, writer, blog, published["id"], values("x"), DEVICE)
    with pytest.raises(NotFound):
        save_draft(site, editor, blog, "nosuchid", values("x"), DEVICE)
    with pytest.raises(Invalid):
        save_draft(site, editor, blog, "Not An Id!", values("x"), DEVICE)
    # The composer's draft and the post's are two drafts.
    assert load_draft(site, editor, blog, "") is None
    assert load_draft(site, editor, blog, published["id"]) is not None


def test_sizes_and_shapes_are_checked(site: Site, blog: str) -> None:
    sam, _ = person(site, "editor")
    with pytest.raises(DraftTooLarge):
        save_draft(site, sam, blog, "", {"el-0-markdown": "x" * (MAX_DRAFT_BYTES + 1)}, DEVICE)
    with pytest.raises(DraftTooLarge):
        save_draft(site, sam, blog, "", {f"f{n}": "" for n in range(MAX_FIELDS + 1)}, DEVICE)
    for bad in ({"title": 3}, {"bad name": "x"}, ["title"], {"title": None}, {"tag:\n": True}):
        with pytest.raises(Invalid):
            save_draft(site, sam, blog, "", bad, DEVICE)
    with pytest.raises(Invalid):
        save_draft(site, sam, blog, "", values("x"), "short")
    # The tags' boxes are kept by their tag's name.
    save_draft(site, sam, blog, "", {"title": "x", "tag:Gare du Nord": True}, DEVICE)
    tagged = load_draft(site, sam, blog, "")
    assert tagged is not None and tagged["values"]["tag:Gare du Nord"] is True
    # Just under the limit is kept whole.
    body = "é" * ((MAX_DRAFT_BYTES - 100) // 2)
    save_draft(site, sam, blog, "", {"el-0-markdown": body}, DEVICE)
    kept = load_draft(site, sam, blog, "")
    assert kept is not None and kept["values"]["el-0-markdown"] == body


def test_saving_the_post_from_the_desk_clears_its_draft(site: Site, blog: str) -> None:
    sam, _ = person(site, "editor")
    save_draft(site, sam, blog, "", values("Breaking"), DEVICE)
    # The API (or anything not sent from the composer) leaves the composer's draft alone.
    made = create_post(site, sam, blog, NewPost(title="From the API"))
    assert load_draft(site, sam, blog, "") is not None
    create_post(site, sam, blog, NewPost(title="Breaking"), from_composer=True)
    assert load_draft(site, sam, blog, "") is None
    save_draft(site, sam, blog, made["id"], values("Edited"), DEVICE)
    edit_post(site, sam, blog, made["id"], PostChanges(title="Edited"), 1, from_composer=True)
    assert load_draft(site, sam, blog, made["id"]) is None


def test_discarding_by_one_browser_leaves_what_another_typed_since(site: Site, blog: str) -> None:
    sam, _ = person(site, "editor")
    save_draft(site, sam, blog, "", values("typed on the laptop"), DEVICE)
    save_draft(site, sam, blog, "", values("typed on the phone"), OTHER)
    assert discard_draft(site, sam, blog, "", DEVICE) is False
    assert load_draft(site, sam, blog, "") is not None
    assert discard_draft(site, sam, blog, "", OTHER) is True
    assert load_draft(site, sam, blog, "") is None
    save_draft(site, sam, blog, "", values("again"), DEVICE)
    assert discard_draft(site, sam, blog, "") is True  # without a device: whoever wrote it


def test_leaving_the_team_or_the_site_takes_the_drafts(site: Site, blog: str) -> None:
    writer, email = person(site, "contributor")
    editor, editor_email = person(site, "editor")
    set_membership(site, SYSTEM, blog, email, "contributor")
    set_membership(site, SYSTEM, blog, editor_email, "owner")
    save_draft(site, writer, blog, "", values("mine"), DEVICE)
    save_draft(site, editor, blog, "", values("theirs"), DEVICE)
    set_membership(site, SYSTEM, blog, email, None)
    # A site editor taken off the team still writes on the blog: their draft stays.
    set_membership(site, SYSTEM, blog, editor_email, None)
    with site.db.reading() as session:
        owners = session.scalars(select(ComposerDraft.user_id)).all()
    assert owners == [editor.user_id]
    remove_person(site, SYSTEM, editor.user_id or 0)
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ComposerDraft)) == 0


def test_drafts_left_untouched_are_pruned(site: Site, blog: str) -> None:
    sam, _ = person(site, "editor")
    kim, _ = person(site, "editor")
    save_draft(site, sam, blog, "", values("old"), DEVICE)
    save_draft(site, kim, blog, "", values("new"), DEVICE)
    with site.db.writing() as session:
        session.execute(
            update(ComposerDraft)
            .where(ComposerDraft.user_id == sam.user_id)
            .values(saved_at=utcnow() - timedelta(days=site.settings.draft_days, minutes=1))
        )
    assert prune_step(site) > 60  # the worker's job comes back in a while
    assert load_draft(site, sam, blog, "") is None
    assert load_draft(site, kim, blog, "") is not None
    assert prune_drafts(site, timedelta(0)) == 1
