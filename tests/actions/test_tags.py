"""Tags through the actions: normalised, matched to the blog's list in any case or
spacing, added on the fly, limited, kept in revisions and events, and the list's rename
and delete reaching every post that carries a tag."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import create_blog, set_membership
from liveblog.actions.posts import create_post, delete_post, edit_post
from liveblog.actions.tags import create_tag, delete_tag, list_tags, rename_tag
from liveblog.actions.users import create_user
from liveblog.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from liveblog.schema import BlogFields, NewPost, PostChanges, TagFields
from liveblog.site import Site
from liveblog.storage import AuditEntry, Blog, Event, Post, PostTag, Revision, Tag
from liveblog.tags import MAX_TAGS_PER_BLOG, normalise, tag_slug


def new(text: str, **fields: Any) -> NewPost:
    return NewPost.model_validate({"elements": [{"type": "text", "markdown": text}]} | fields)


@pytest.fixture
def slug(site: Site) -> str:
    return str(create_blog(site, SYSTEM, BlogFields(title="Floods", slug="floods"))["slug"])


def rows(site: Site, public_id: str) -> list[str]:
    """The post's tags as post_tags holds them (by the tag's name), sorted."""
    with site.db.reading() as session:
        return sorted(
            session.scalars(
                select(Tag.name)
                .join(PostTag, PostTag.tag_id == Tag.id)
                .join(Post, Post.id == PostTag.post_id)
                .where(Post.public_id == public_id)
            )
        )


def names(site: Site, slug: str) -> list[str]:
    return [tag["name"] for tag in list_tags(site, SYSTEM, slug)["tags"]]


def test_names_are_normalised_and_one_tag_whatever_the_case_or_spacing() -> None:
    assert normalise("  New \t York ") == "New York"
    assert tag_slug("New York") == tag_slug("new  york") == tag_slug("NEW-YORK") == "new-york"
    assert tag_slug("Kraków") == "kraków"
    content = new("x", tags=["  Kyiv ", "kyiv", "KYIV", "Red  Cross"])
    assert content.tags == ["Kyiv", "Red Cross"]


@pytest.mark.parametrize(
    ("tags", "says"),
    [
        (["x" * 41], "at most 40 characters"),
        (["   "], "needs a name"),
        (["!!!"], "letter or a digit"),
        (["bad\x00tag"], "control character"),
        (["\ufdfa" * 10], "too long a tag once spelled out"),
        ([f"t{i}" for i in range(11)], "at most 10"),
        (["Paris, Texas"], "may not hold a comma"),
        (["Key  event"], "how feeds mark a post's flag"),
        (["SUMMARY"], "how feeds mark a post's flag"),
    ],
)
def test_bad_tags_are_refused_with_a_reason(tags: list[str], says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        new("x", tags=tags)
    assert says in str(refused.value)


def test_new_tags_join_the_blog_s_list_and_existing_ones_keep_its_spelling(
    site: Site, slug: str
) -> None:
    first = create_post(site, SYSTEM, slug, new("Rain.", tags=["River Severn", "Worcester"]))
    assert first["tags"] == ["River Severn", "Worcester"]
    second = create_post(site, SYSTEM, slug, new("More.", tags=["river  severn", "Gloucester"]))
    assert second["tags"] == ["River Severn", "Gloucester"]
    assert names(site, slug) == ["Gloucester", "River Severn", "Worcester"]
    counts = {t["slug"]: t["posts"] for t in list_tags(site, SYSTEM, slug)["tags"]}
    assert counts == {"gloucester": 1, "river-severn": 2, "worcester": 1}
    assert rows(site, second["id"]) == ["Gloucester", "River Severn"]
    # Another blog's list is its own.
    other = create_blog(site, SYSTEM, BlogFields(title="Other", slug="other"))["slug"]
    assert create_post(site, SYSTEM, other, new("x", tags=["worcester"]))["tags"] == ["worcester"]


def test_an_edit_that_changes_tags_is_a_new_version_an_edit_event_and_a_revision(
    site: Site, slug: str
) -> None:
    post = create_post(site, SYSTEM, slug, new("Rain.", tags=["Worcester"]))
    edited = edit_post(
        site, SYSTEM, slug, post["id"], PostChanges(tags=["worcester", "Bewdley"]), 1
    )
    assert edited["tags"] == ["Worcester", "Bewdley"] and edited["version"] == 2
    assert rows(site, post["id"]) == ["Bewdley", "Worcester"]
    # The same tags in another spelling change nothing: no version, no event.
    again = edit_post(site, SYSTEM, slug, post["id"], PostChanges(tags=["WORCESTER", "bewdley"]), 2)
    assert again["version"] == 2
    with site.db.reading() as session:
        kinds = session.execute(select(Event.kind, Event.payload).order_by(Event.seq)).all()
        snapshots = session.scalars(select(Revision.snapshot).order_by(Revision.version)).all()
    assert [k for k, _ in kinds] == ["blog.created", "post.published", "post.edited"]
    assert kinds[-1][1]["tags"] == ["Worcester", "Bewdley"] and kinds[-1][1]["v"] == 4
    assert 'class="post-tags"' in kinds[-1][1]["html"] and "Bewdley" in kinds[-1][1]["html"]
    assert [s["tags"] for s in snapshots] == [["Worcester"], ["Worcester", "Bewdley"]]
    cleared = edit_post(site, SYSTEM, slug, post["id"], PostChanges(tags=[]), 2)
    assert cleared["tags"] == [] and rows(site, post["id"]) == []


def test_a_blog_has_at_most_its_limit_of_tags(site: Site, slug: str) -> None:
    with site.db.writing() as session:
        blog = session.scalars(select(Blog).where(Blog.slug == slug)).one()
        session.add_all(
            Tag(blog_id=blog.id, name=f"Tag {i}", slug=f"tag-{i}") for i in range(MAX_TAGS_PER_BLOG)
        )
    with pytest.raises(Invalid) as refused:
        create_post(site, SYSTEM, slug, new("x", tags=["One more"]))
    assert "300 tags" in refused.value.message
    with pytest.raises(Invalid):
        create_tag(site, SYSTEM, slug, TagFields(name="One more"))
    # An existing tag is still fine.
    assert create_post(site, SYSTEM, slug, new("x", tags=["tag 7"]))["tags"] == ["Tag 7"]


def test_renaming_a_tag_reaches_every_post_and_emits_edits_for_published_ones(
    site: Site, slug: str
) -> None:
    a = create_post(site, SYSTEM, slug, new("A.", tags=["Kiev", "Army"]))
    b = create_post(site, SYSTEM, slug, new("B.", tags=["kiev"], status="draft"))
    c = create_post(site, SYSTEM, slug, new("C.", tags=["Army"]))
    with site.db.reading() as session:
        last = session.scalar(select(Event.seq).order_by(Event.seq.desc()).limit(1))
    renamed = rename_tag(site, SYSTEM, slug, "kiev", TagFields(name="Kyiv"))
    assert renamed["name"] == "Kyiv" and renamed["slug"] == "kyiv" and renamed["posts"] == 2
    assert any(url.endswith(f"/posts/{a['id']}") for url in renamed["purge"])
    with site.db.reading() as session:
        posts = {p.public_id: p for p in session.scalars(select(Post))}
        new_events = session.execute(
            select(Event.kind, Event.payload).where(Event.seq > last).order_by(Event.seq)
        ).all()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "tag.renamed")).one()
    assert posts[a["id"]].tags == ["Kyiv", "Army"] and posts[a["id"]].version == 2
    assert posts[b["id"]].tags == ["Kyiv"] and posts[b["id"]].version == 2
    assert posts[c["id"]].version == 1
    assert [(k, p["id"]) for k, p in new_events] == [("post.edited", a["id"])]
    assert audit.detail == {"from": "Kiev", "to": "Kyiv"}
    # A stale copy of a renamed post meets the usual conflict.
    with pytest.raises(PreconditionFailed):
        edit_post(site, SYSTEM, slug, a["id"], PostChanges(title="Late"), 1)
    # Another tag's name is a conflict; the same name in another case is a rename.
    with pytest.raises(Conflict):
        rename_tag(site, SYSTEM, slug, "kyiv", TagFields(name="ARMY"))
    assert rename_tag(site, SYSTEM, slug, "army", TagFields(name="ARMY"))["slug"] == "army"
    assert names(site, slug) == ["ARMY", "Kyiv"]
    with pytest.raises(NotFound):
        rename_tag(site, SYSTEM, slug, "navy", TagFields(name="Fleet"))


def test_deleting_a_tag_takes_it_off_every_post(site: Site, slug: str) -> None:
    a = create_post(site, SYSTEM, slug, new("A.", tags=["Rumour", "Army"]))
    gone = create_post(site, SYSTEM, slug, new("B.", tags=["Rumour"]))
    delete_post(site, SYSTEM, slug, gone["id"])
    deleted = delete_tag(site, SYSTEM, slug, "Rumour")
    assert deleted["posts"] == 2
    assert names(site, slug) == ["Army"]
    assert rows(site, a["id"]) == ["Army"]
    with site.db.reading() as session:
        posts = {p.public_id: p for p in session.scalars(select(Post))}
        last = session.execute(select(Event.kind, Event.payload).order_by(Event.seq.desc())).first()
    assert posts[a["id"]].tags == ["Army"] and posts[gone["id"]].tags == []
    assert last is not None and last[0] == "post.edited" and last[1]["tags"] == ["Army"]
    with pytest.raises(NotFound):
        delete_tag(site, SYSTEM, slug, "Rumour")


def test_adding_a_tag_by_hand(site: Site, slug: str) -> None:
    assert create_tag(site, SYSTEM, slug, TagFields(name=" Red  Cross "))["name"] == "Red Cross"
    with pytest.raises(Conflict):
        create_tag(site, SYSTEM, slug, TagFields(name="red cross"))
    assert create_post(site, SYSTEM, slug, new("x", tags=["RED CROSS"]))["tags"] == ["Red Cross"]


def test_who_may_do_what_with_tags(site: Site, slug: str) -> None:
    """The team lists and adds tags; its editors rename and delete them; a contributor
    adds tags on the fly to their own draft; outsiders do nothing."""
    people = {}
    for name, role in (("contrib", "contributor"), ("outsider", "contributor")):
        uid = create_user(site, f"{name}@tags.example", "correct horse battery", role)
        people[name] = Actor(user_id=uid, role=role, name=name)
    set_membership(site, SYSTEM, slug, "contrib@tags.example", "contributor")
    contrib, outsider = people["contrib"], people["outsider"]
    draft = create_post(site, contrib, slug, new("Mine.", tags=["Scoop"], status="draft"))
    assert draft["tags"] == ["Scoop"]
    assert names(site, slug) == ["Scoop"] and list_tags(site, contrib, slug)["tags"]
    assert create_tag(site, contrib, slug, TagFields(name="Lead"))["name"] == "Lead"
    with pytest.raises(Forbidden):
        rename_tag(site, contrib, slug, "scoop", TagFields(name="Exclusive"))
    with pytest.raises(Forbidden):
        delete_tag(site, contrib, slug, "scoop")
    for act in (
        lambda: list_tags(site, outsider, slug),
        lambda: create_tag(site, outsider, slug, TagFields(name="Mine")),
        lambda: create_post(site, outsider, slug, new("x", tags=["Mine"], status="draft")),
    ):
        with pytest.raises(Forbidden):
            act()
    assert names(site, slug) == ["Lead", "Scoop"]
    with site.db.reading() as session:
        audited = session.execute(
            select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.subject_kind == "tag")
        ).all()
    assert sorted(a for a, _ in audited) == ["tag.created", "tag.created"]
    assert {"name": "Scoop", "post": draft["id"]} in [d for _, d in audited]


def test_renaming_or_deleting_a_tag_on_too_many_posts_is_refused_with_what_to_do(
    site: Site, slug: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liveblog.actions import tags as tag_actions

    monkeypatch.setattr(tag_actions, "MAX_RETAG_POSTS", 3)
    made = [create_post(site, SYSTEM, slug, new(f"P{n}.", tags=["Wide"]))["id"] for n in range(4)]
    with site.db.reading() as session:
        before = session.scalar(select(Blog.last_seq).where(Blog.slug == slug))
    for attempt in (
        lambda: rename_tag(site, SYSTEM, slug, "Wide", TagFields(name="Broad")),
        lambda: delete_tag(site, SYSTEM, slug, "Wide"),
    ):
        with pytest.raises(Conflict, match=r"on 4 posts.*at most 3.*Take it off some posts"):
            attempt()
    with site.db.reading() as session:
        assert session.scalar(select(Blog.last_seq).where(Blog.slug == slug)) == before
    assert names(site, slug) == ["Wide"] and rows(site, made[0]) == ["Wide"]
    # The same spelling is no change, whatever the count; at the bound it goes through.
    assert rename_tag(site, SYSTEM, slug, "wide", TagFields(name="Wide"))["posts"] == 4
    monkeypatch.setattr(tag_actions, "MAX_RETAG_POSTS", 4)
    assert rename_tag(site, SYSTEM, slug, "Wide", TagFields(name="Broad"))["posts"] == 4


def test_a_contributor_is_shown_only_tags_and_counts_of_posts_they_may_read(
    site: Site, slug: str
) -> None:
    from liveblog.actions.tags import blog_tags, tag_names

    people = {}
    for name in ("mine", "other"):
        uid = create_user(site, f"{name}@tags.example", "correct horse battery", "contributor")
        people[name] = Actor(user_id=uid, role="contributor", name=name)
        set_membership(site, SYSTEM, slug, f"{name}@tags.example", "contributor")
    mine, other = people["mine"], people["other"]
    create_post(site, other, slug, new("Secret.", tags=["Layoffs", "Budget"], status="draft"))
    create_post(site, mine, slug, new("Mine.", tags=["Budget", "Scoop"], status="draft"))
    create_post(site, SYSTEM, slug, new("Out.", tags=["Budget"]))
    create_tag(site, SYSTEM, slug, TagFields(name="Unused"))

    def seen(actor: Actor) -> dict[str, int]:
        return {t["name"]: t["posts"] for t in list_tags(site, actor, slug)["tags"]}

    assert seen(mine) == {"Budget": 2, "Scoop": 1, "Unused": 0}
    assert seen(other) == {"Budget": 2, "Layoffs": 1, "Unused": 0}
    assert seen(SYSTEM) == {"Budget": 3, "Layoffs": 1, "Scoop": 1, "Unused": 0}
    with site.db.reading() as session:
        blog = session.scalars(select(Blog).where(Blog.slug == slug)).one()
        assert tag_names(session, mine, blog) == ["Budget", "Scoop", "Unused"]
        assert [t["name"] for t in blog_tags(session, SYSTEM, blog)] == tag_names(
            session, SYSTEM, blog
        )


def test_the_tag_counts_look_only_at_the_blog_s_own_posts(site: Site, slug: str) -> None:
    """The count subquery filters by blog, rather than grouping every blog's post_tags."""
    from sqlalchemy import event

    create_post(site, SYSTEM, slug, new("x", tags=["Army"]))
    said: list[str] = []
    engine = site.db.read_engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        said.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert list_tags(site, SYSTEM, slug)["tags"][0]["posts"] == 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    (listing,) = [s for s in said if "post_tags" in s and "GROUP BY" in s]
    grouped = listing[: listing.index("GROUP BY")]
    assert "posts.blog_id" in grouped
