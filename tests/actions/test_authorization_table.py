"""Every action × every role × own/other, checked against tests/authz_table.py by calling
the actions themselves: the rule lives there, not in the web layer."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from liveblog.actions import SYSTEM, Actor, together, webhooks
from liveblog.actions.blogs import create_blog, readers_of, set_membership, team, update_blog
from liveblog.actions.media import clean_photo
from liveblog.actions.posts import (
    create_post,
    delete_post,
    edit_post,
    list_posts,
    read_post,
    restore_post,
    set_key_event,
    set_pinned,
)
from liveblog.actions.tags import create_tag, delete_tag, list_tags, rename_tag
from liveblog.actions.users import people as people_list
from liveblog.actions.users import person, revoke_person_token, set_site_role
from liveblog.errors import Forbidden, NotFound
from liveblog.schema import (
    BlogChanges,
    BlogFields,
    NewPost,
    PostChanges,
    TagFields,
    WebhookFields,
)
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import Base
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from tests.authz_table import (
    CASES,
    PERSONAS,
    TABLE,
    People,
    Scene,
    demote,
    make_people,
    make_scene,
    snapshot,
)
from tests.conftest import TEST_DATABASE


@pytest.fixture(scope="module")
def shared_site(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One database for the whole table: each case gets its own blog in it."""
    folder = tmp_path_factory.mktemp("authz")
    if TEST_DATABASE == "sqlite":
        shutil.copyfile(database_template, folder / "authz.db")
        url = f"sqlite:///{folder / 'authz.db'}"
    else:
        engine = create_engine(database_template)
        with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        url = database_template
    site = Site.from_settings(
        Settings(database_url=url, media_dir=Path(folder) / "media", base_url="http://testserver")
    )
    yield site
    site.db.dispose()


@pytest.fixture(scope="module")
def people(shared_site: Site) -> People:
    found = make_people(shared_site)
    # Scenes made after this see the demoted person as a contributor.
    make_scene(shared_site, found)
    demote(shared_site, found)
    return found


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def _new(words: str, status: str = "published") -> NewPost:
    return NewPost.model_validate(
        {"elements": [{"type": "text", "markdown": words}], "status": status}
    )


Run = Callable[[Site, Any, Scene, People, str], Any]
READS = ("read_draft", "see_draft_blog", "see_readers")

RUN: dict[str, Run] = {
    "create_blog": lambda site, a, s, p, who: create_blog(site, a, BlogFields(title="New one")),
    "change_blog_status": lambda site, a, s, p, who: update_blog(
        site, a, s.slug, BlogChanges(status="ended")
    ),
    "change_blog_framing": lambda site, a, s, p, who: update_blog(
        site, a, s.slug, BlogChanges(frame_ancestors="https://partner.example")
    ),
    "read_draft": lambda site, a, s, p, who: read_post(site, a, s.slug, s.draft_for(who)),
    "see_draft_blog": lambda site, a, s, p, who: list_posts(site, a, s.slug),
    "see_readers": lambda site, a, s, p, who: readers_of(site, a, s.slug),
    "create_draft": lambda site, a, s, p, who: create_post(site, a, s.slug, _new("d", "draft")),
    "publish_new": lambda site, a, s, p, who: create_post(site, a, s.slug, _new("News.")),
    "edit_draft": lambda site, a, s, p, who: edit_post(
        site, a, s.slug, s.draft_for(who), PostChanges(title="Changed"), 1
    ),
    "submit_for_review": lambda site, a, s, p, who: edit_post(
        site, a, s.slug, s.draft_for(who), PostChanges(status="submitted"), 1
    ),
    "publish_draft": lambda site, a, s, p, who: edit_post(
        site, a, s.slug, s.draft_for(who), PostChanges(status="published"), 1
    ),
    "schedule_draft": lambda site, a, s, p, who: edit_post(
        site,
        a,
        s.slug,
        s.draft_for(who),
        PostChanges(status="scheduled", scheduled_at=utcnow() + timedelta(hours=1)),
        1,
    ),
    "edit_published": lambda site, a, s, p, who: edit_post(
        site, a, s.slug, s.published, PostChanges(title="Changed"), 1
    ),
    "delete_post": lambda site, a, s, p, who: delete_post(site, a, s.slug, s.published),
    "restore_post": lambda site, a, s, p, who: restore_post(site, a, s.slug, s.deleted),
    "pin_post": lambda site, a, s, p, who: set_pinned(site, a, s.slug, s.published, True),
    "unpin_post": lambda site, a, s, p, who: set_pinned(site, a, s.slug, s.pinned, False),
    "flag_key_event": lambda site, a, s, p, who: set_key_event(site, a, s.slug, s.published, True),
    "flag_summary": lambda site, a, s, p, who: edit_post(
        site, a, s.slug, s.published, PostChanges(summary=True), 1
    ),
    "upload_photo": lambda site, a, s, p, who: clean_photo(a, _photo(), "p.png"),
    "manage_team": lambda site, a, s, p, who: set_membership(
        site, a, s.slug, p.emails["outsider"], "contributor"
    ),
    "see_team": lambda site, a, s, p, who: team(site, a, s.slug),
    "see_people": lambda site, a, s, p, who: (people_list(site, a), person(site, a, p.victim)),
    "manage_people": lambda site, a, s, p, who: set_site_role(site, a, p.victim, "editor"),
    "revoke_tokens": lambda site, a, s, p, who: revoke_person_token(
        site, a, p.victim, p.victim_token
    ),
    "see_webhooks": lambda site, a, s, p, who: (
        webhooks.endpoints(site, a),
        webhooks.deliveries(site, a, p.webhook),
    ),
    "manage_webhooks": lambda site, a, s, p, who: webhooks.create_endpoint(
        site, a, WebhookFields(url="https://partner.example/another")
    ),
    "see_tags": lambda site, a, s, p, who: list_tags(site, a, s.slug),
    "add_tag": lambda site, a, s, p, who: create_tag(site, a, s.slug, TagFields(name="Fresh")),
    "rename_tag": lambda site, a, s, p, who: rename_tag(
        site, a, s.slug, "scene", TagFields(name="Renamed")
    ),
    "delete_tag": lambda site, a, s, p, who: delete_tag(site, a, s.slug, "scene"),
    "beat": lambda site, a, s, p, who: together.beat(site, a, s.slug),
    "see_notes": lambda site, a, s, p, who: _see_notes(site, a, s.slug),
    "post_note": lambda site, a, s, p, who: together.add_note(site, a, s.slug, "Handover."),
    "delete_own_note": lambda site, a, s, p, who: together.delete_note(
        site, a, s.slug, together.add_note(site, a, s.slug, "Mine.")
    ),
    "delete_others_note": lambda site, a, s, p, who: together.delete_note(site, a, s.slug, s.note),
}


def _see_notes(site: Site, actor: Actor, slug: str) -> list[together.ShownNote]:
    with site.db.reading() as session:
        return together.notes(session, actor, q.blog_by_slug(session, slug, include_drafts=True))


def test_the_table_covers_every_action() -> None:
    assert set(RUN) | {"list_drafts"} == set(TABLE)


@pytest.mark.parametrize(("action", "persona"), CASES)
def test_action(shared_site: Site, people: People, action: str, persona: str) -> None:
    site, expected = shared_site, TABLE[action][persona]
    scene = make_scene(site, people)
    actor = people.actors[persona]
    if action == "list_drafts":
        _check_list(site, people, scene, persona, actor, expected)
        return
    if action in ("see_draft_blog", "see_readers"):
        update_blog(site, SYSTEM, scene.slug, BlogChanges(status="draft"))
    if actor is None and action not in READS:
        pytest.skip("the actions take a person; anonymous writes are refused by the web (401)")
    before = snapshot(site)
    if expected == "Y":
        RUN[action](site, actor, scene, people, persona)
        return
    with pytest.raises((Forbidden, NotFound)) as refused:
        RUN[action](site, actor, scene, people, persona)
    assert refused.value.message
    assert snapshot(site) == before


def _check_list(
    site: Site, people: People, scene: Scene, persona: str, actor: Actor | None, expected: str
) -> None:
    if expected == "N":
        with pytest.raises((Forbidden, NotFound)):
            list_posts(site, actor, scene.slug, "draft")
        return
    shown = {p["id"] for p in list_posts(site, actor, scene.slug, "draft", 1, 100)["posts"]}
    if expected == "all":
        assert shown == set(scene.drafts.values())
    else:
        assert shown == {scene.drafts["member"]}
    # Whatever the list shows, reading one by one agrees with it.
    for post_id in scene.drafts.values():
        if post_id in shown:
            read_post(site, actor, scene.slug, post_id)
        else:
            with pytest.raises(NotFound):
                read_post(site, actor, scene.slug, post_id)


def test_personas_are_all_in_the_table() -> None:
    assert all(set(row) == set(PERSONAS) for row in TABLE.values())
