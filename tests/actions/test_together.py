"""Working together (actions/together.py): presence and the team's notes, on both
databases: who may see and write them, how presence expires, and that nothing of it reaches
readers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from liveblog.actions import Actor, together
from liveblog.actions.blogs import create_blog, set_membership
from liveblog.actions.posts import create_post
from liveblog.errors import Forbidden, Invalid, NotFound
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import AuditEntry, Event, Note, Presence, User
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow


@dataclass
class Team:
    slug: str
    admin: Actor
    owner: Actor  # a site editor who owns the blog
    editor: Actor  # a site editor, not a member: site editors work on every blog
    member: Actor  # a site contributor on the blog's team
    outsider: Actor  # a site contributor who is not
    draft: str  # the member's own draft
    published: str


def _person(site: Site, role: str, name: str) -> Actor:
    """A person who never logs in here: written directly, without create_user's password
    hash, which costs a second or more of CPU per person."""
    email = f"{name.split()[0].lower()}-{secrets.token_hex(3)}@newsroom.example"
    with site.db.writing() as session:
        user = User(email=email, name=name, role=role, password_hash="not a hash")
        session.add(user)
        session.flush()
        uid = user.id
    return Actor(user_id=uid, role=role, name=name)


@pytest.fixture
def team(site: Site) -> Team:
    admin = _person(site, "admin", "Ada Admin")
    owner = _person(site, "editor", "Sam Reid")
    editor = _person(site, "editor", "Eli Desk")
    member = _person(site, "contributor", "Mo Field")
    outsider = _person(site, "contributor", "Oz Else")
    blog = create_blog(
        site, owner, BlogFields.model_validate({"title": "Harbour flooding", "status": "live"})
    )
    slug = blog["slug"]
    with site.db.reading() as session:
        owner_email, member_email = (
            session.scalar(select(User.email).where(User.id == a.user_id)) for a in (owner, member)
        )
    set_membership(site, admin, slug, owner_email, "owner")
    set_membership(site, owner, slug, member_email, "contributor")
    draft = create_post(
        site,
        member,
        slug,
        NewPost.model_validate(
            {"elements": [{"type": "text", "markdown": "Mo's draft"}], "status": "draft"}
        ),
    )
    published = create_post(
        site,
        owner,
        slug,
        NewPost.model_validate(
            {"title": "Storm hits", "elements": [{"type": "text", "markdown": "It rains."}]}
        ),
    )
    return Team(slug, admin, owner, editor, member, outsider, draft["id"], published["id"])


def _names(now: together.Together) -> set[str]:
    return {person.name for person in now.people}


def test_each_member_sees_the_others_and_not_themselves(site: Site, team: Team) -> None:
    together.beat(site, team.owner, team.slug)
    together.beat(site, team.member, team.slug, team.draft)
    seen_by_editor = together.beat(site, team.editor, team.slug, team.published)
    assert _names(seen_by_editor) == {"Sam Reid", "Mo Field"}
    seen_by_owner = together.beat(site, team.owner, team.slug)
    assert _names(seen_by_owner) == {"Eli Desk", "Mo Field"}
    assert seen_by_owner.editing(team.published) == [
        ("Eli Desk", seen_by_owner.people[-1].editing[0].since_clock)
    ]
    # The owner may read the member's draft, so it is named; its editor is Mo.
    assert seen_by_owner.editors() == {team.draft: ["Mo Field"], team.published: ["Eli Desk"]}


def test_a_contributor_is_not_told_which_colleague_s_draft_is_open(site: Site, team: Team) -> None:
    other = create_post(
        site,
        team.owner,
        team.slug,
        NewPost.model_validate(
            {"elements": [{"type": "text", "markdown": "Secret draft"}], "status": "draft"}
        ),
    )
    together.beat(site, team.owner, team.slug, other["id"])
    seen = together.beat(site, team.member, team.slug)
    (sam,) = seen.people
    assert sam.name == "Sam Reid"
    assert [(e.public_id, e.label) for e in sam.editing] == [("", "")]
    assert "Secret" not in str(sam.json())
    # ... and cannot claim to be on it either.
    with pytest.raises(NotFound):
        together.beat(site, team.member, team.slug, other["id"])


@pytest.mark.parametrize("who", ["outsider"])
def test_a_non_member_can_neither_be_seen_nor_see_nor_write_notes(
    site: Site, team: Team, who: str
) -> None:
    actor: Actor = getattr(team, who)
    together.beat(site, team.owner, team.slug)
    note = together.add_note(site, team.owner, team.slug, "took over from Sam at 22:00")
    with pytest.raises(Forbidden):
        together.beat(site, actor, team.slug)
    with pytest.raises(Forbidden):
        together.leave(site, actor, team.slug)
    with pytest.raises(Forbidden):
        together.add_note(site, actor, team.slug, "let me in")
    with pytest.raises(Forbidden):
        together.delete_note(site, actor, team.slug, note)
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, team.slug)
        with pytest.raises(Forbidden):
            together.desk(session, site, actor, blog)
        with pytest.raises(Forbidden):
            together.presence(session, site, actor, blog)
        with pytest.raises(Forbidden):
            together.notes(session, actor, blog)
        assert session.scalar(select(func.count()).select_from(Note)) == 1
        assert (
            session.scalar(
                select(func.count()).select_from(Presence).where(Presence.user_id == actor.user_id)
            )
            == 0
        )


def test_a_blog_in_draft_does_not_exist_for_a_non_member(site: Site, team: Team) -> None:
    blog = create_blog(
        site, team.owner, BlogFields.model_validate({"title": "Embargoed", "status": "draft"})
    )
    with pytest.raises(NotFound):
        together.beat(site, team.outsider, blog["slug"])
    with pytest.raises(NotFound):
        together.add_note(site, team.outsider, blog["slug"], "hello")
    # The site's editors and admins are on every blog's team.
    together.beat(site, team.editor, blog["slug"])
    assert _names(together.beat(site, team.admin, blog["slug"])) == {"Eli Desk"}


def test_presence_expires_and_a_new_stay_starts_a_new_since(site: Site, team: Team) -> None:
    together.beat(site, team.member, team.slug, team.draft)
    first = together.beat(site, team.owner, team.slug).people[0].editing[0].since
    # The member's page stops beating: once the stay is older than the setting, it is gone.
    stale = utcnow() - timedelta(seconds=site.settings.presence_seconds + 1)
    with site.db.writing() as session:
        session.execute(
            update(Presence).where(Presence.user_id == team.member.user_id).values(seen_at=stale)
        )
    assert together.beat(site, team.owner, team.slug).people == []
    # The member's next beat clears their stale row and starts anew.
    together.beat(site, team.member, team.slug, team.draft)
    again = together.beat(site, team.owner, team.slug).people[0].editing[0].since
    assert again > first
    with site.db.reading() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Presence)
                .where(Presence.user_id == team.member.user_id)
            )
            == 1
        )


def test_a_beat_keeps_since_and_leaving_is_at_once(site: Site, team: Team) -> None:
    together.beat(site, team.member, team.slug, team.draft)
    since = together.beat(site, team.owner, team.slug).people[0].editing[0].since
    together.beat(site, team.member, team.slug, team.draft)
    assert together.beat(site, team.owner, team.slug).people[0].editing[0].since == since
    together.leave(site, team.member, team.slug, team.draft)
    assert together.beat(site, team.owner, team.slug).people == []


def test_presence_lasts_as_the_setting_says(site: Site, team: Team) -> None:
    short = Site.from_settings(replace(site.settings, presence_seconds=0.01))
    try:
        together.beat(short, team.member, team.slug)
        assert together.beat(site, team.owner, team.slug).people != []
        with site.db.writing() as session:  # a beat 1 s ago: past the 0.01 s of `short`
            session.execute(update(Presence).values(seen_at=utcnow() - timedelta(seconds=1)))
        assert together.beat(short, team.owner, team.slug).people == []
        assert together.beat(site, team.owner, team.slug).people != []
    finally:
        short.db.dispose()


def test_notes_newest_first_with_author_and_only_for_the_team(site: Site, team: Team) -> None:
    first = together.add_note(site, team.member, team.slug, "  on the harbour from 21:00 \n")
    second = together.add_note(site, team.owner, team.slug, "took over from Mo at 22:00")
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, team.slug)
        shown = together.notes(session, team.member, blog)
    assert [(n.id, n.author, n.body) for n in shown] == [
        (second, "Sam Reid", "took over from Mo at 22:00"),
        (first, "Mo Field", "on the harbour from 21:00"),
    ]
    # The member may delete their own, not the owner's; the owner may delete any.
    assert [n.can_delete for n in shown] == [False, True]
    with site.db.reading() as session:
        owner_view = together.notes(session, team.owner, q.blog_by_slug(session, team.slug))
    assert [n.can_delete for n in owner_view] == [True, True]


def test_notes_limits(site: Site, team: Team) -> None:
    with pytest.raises(Invalid, match="1,000 characters"):
        together.add_note(site, team.owner, team.slug, "x" * 1001)
    with pytest.raises(Invalid):
        together.add_note(site, team.owner, team.slug, " \n ")
    together.add_note(site, team.owner, team.slug, "x" * 1000)


def test_the_thread_keeps_the_latest_notes(
    site: Site, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(together, "NOTES_KEPT", 3)
    ids = [together.add_note(site, team.owner, team.slug, f"note {i}") for i in range(5)]
    with site.db.reading() as session:
        kept = together.notes(session, team.owner, q.blog_by_slug(session, team.slug))
    assert [n.id for n in kept] == ids[:1:-1]


def test_deleting_a_note_is_for_its_author_or_the_owner_and_is_audited(
    site: Site, team: Team
) -> None:
    mine = together.add_note(site, team.member, team.slug, "Mo's handover")
    owners = together.add_note(site, team.owner, team.slug, "Sam's handover")
    with pytest.raises(Forbidden, match="author or the blog's owner"):
        together.delete_note(site, team.member, team.slug, owners)
    with pytest.raises(Forbidden):  # a site editor is no owner of this blog
        together.delete_note(site, team.editor, team.slug, mine)
    together.delete_note(site, team.member, team.slug, mine)
    together.delete_note(site, team.admin, team.slug, owners)
    with pytest.raises(NotFound):
        together.delete_note(site, team.owner, team.slug, owners)
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 0
        audited = session.execute(
            select(AuditEntry.action, AuditEntry.actor_label, AuditEntry.subject_id).where(
                AuditEntry.subject_kind == "note"
            )
        ).all()
    assert sorted(audited) == sorted(
        [("note.deleted", "Mo Field", str(mine)), ("note.deleted", "Ada Admin", str(owners))]
    )


def test_the_notes_mark_changes_with_each_note_and_beats_carry_the_thread(
    site: Site, team: Team
) -> None:
    quiet = together.beat(site, team.member, team.slug, known_notes="")
    assert quiet.notes == []  # the page's mark ("") was not current ("0")
    mark = quiet.notes_mark
    assert together.beat(site, team.member, team.slug, known_notes=mark).notes is None
    assert together.beat(site, team.member, team.slug).notes is None  # a post's page
    note = together.add_note(site, team.owner, team.slug, "took over from Sam at 22:00")
    told = together.beat(site, team.member, team.slug, known_notes=mark)
    assert told.notes is not None
    assert [n.body for n in told.notes] == ["took over from Sam at 22:00"]
    together.delete_note(site, team.owner, team.slug, note)
    assert together.beat(site, team.member, team.slug, known_notes=told.notes_mark).notes == []


def test_nothing_of_it_reaches_the_event_log(site: Site, team: Team) -> None:
    with site.db.reading() as session:
        before = session.scalar(select(func.count()).select_from(Event))
    together.beat(site, team.owner, team.slug, team.published)
    note = together.add_note(site, team.owner, team.slug, "internal: do not publish")
    together.delete_note(site, team.owner, team.slug, note)
    together.leave(site, team.owner, team.slug, team.published)
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == before


def test_presence_and_notes_are_shared_by_every_process(site: Site, team: Team) -> None:
    """Another Site on the same database stands for another process or node: it has its
    own engine, bus and memory, and sees the same presence and notes."""
    elsewhere = Site.from_settings(site.settings)
    try:
        together.beat(site, team.member, team.slug, team.draft)
        together.add_note(site, team.member, team.slug, "on the quay")
        seen = together.beat(elsewhere, team.owner, team.slug, known_notes="")
        assert [(p.name, [e.public_id for e in p.editing]) for p in seen.people] == [
            ("Mo Field", [team.draft])
        ]
        assert [n.body for n in seen.notes or []] == ["on the quay"]
        together.leave(elsewhere, team.member, team.slug, team.draft)
        assert together.beat(site, team.owner, team.slug).people == []
    finally:
        elsewhere.db.dispose()


def test_the_notes_mark_never_repeats_after_a_delete_and_a_new_note(site: Site, team: Team) -> None:
    """SQLite gives a new row the highest id again once that row is deleted: a mark made of
    the count and the newest id would come back, and a desk holding it would never be
    told of the new note."""
    together.add_note(site, team.owner, team.slug, "first")
    newest = together.add_note(site, team.owner, team.slug, "second")
    seen = together.beat(site, team.member, team.slug, known_notes="")
    together.delete_note(site, team.owner, team.slug, newest)
    together.add_note(site, team.owner, team.slug, "second, corrected")
    told = together.beat(site, team.member, team.slug, known_notes=seen.notes_mark)
    assert told.notes_mark != seen.notes_mark
    assert told.notes is not None
    assert [n.body for n in told.notes] == ["second, corrected", "first"]


def test_one_person_may_add_only_so_many_notes_at_a_time(
    site: Site, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liveblog.errors import TooManyRequests

    monkeypatch.setattr(
        together, "NOTES_PER_PERSON", ((timedelta(minutes=1), 3), (timedelta(hours=1), 4))
    )
    for i in range(3):
        together.add_note(site, team.member, team.slug, f"flood {i}")
    with pytest.raises(TooManyRequests, match="3 notes on this blog in the last minute") as ex:
        together.add_note(site, team.member, team.slug, "one more")
    assert ex.value.retry_after == 60
    together.add_note(site, team.owner, team.slug, "others still may")  # per person
    with site.db.writing() as session:  # a minute later: the hour's limit is next
        session.execute(update(Note).values(created_at=utcnow() - timedelta(minutes=2)))
    together.add_note(site, team.member, team.slug, "fourth this hour")
    with pytest.raises(TooManyRequests, match="last hour"):
        together.add_note(site, team.member, team.slug, "fifth this hour")


def test_notes_pushed_out_of_the_thread_are_audited(
    site: Site, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(together, "NOTES_KEPT", 2)
    together.add_note(site, team.owner, team.slug, "Sam's handover")
    together.add_note(site, team.member, team.slug, "Mo 1")
    last = together.add_note(site, team.member, team.slug, "Mo 2")
    with site.db.reading() as session:
        audited = session.execute(
            select(
                AuditEntry.action, AuditEntry.actor_label, AuditEntry.subject_id, AuditEntry.detail
            ).where(AuditEntry.subject_kind == "note")
        ).all()
    assert [tuple(a) for a in audited] == [
        ("note.trimmed", "Mo Field", str(last), {"notes": 1, "authors": [team.owner.user_id]})
    ]


@pytest.mark.parametrize("bad", ["ab\x00cd", "ab cd", "é" * 4, "x" * 65, "ab/cd"])
def test_a_post_id_outside_the_ids_alphabet_is_refused_by_beat_and_leave(
    site: Site, team: Team, bad: str
) -> None:
    with pytest.raises(Invalid, match="not a post's id"):
        together.beat(site, team.member, team.slug, bad)
    with pytest.raises(Invalid, match="not a post's id"):
        together.leave(site, team.member, team.slug, bad)


def test_a_note_with_a_control_character_is_refused(site: Site, team: Team) -> None:
    for bad in ("nul \x00 here", "bell \x07"):
        with pytest.raises(Invalid, match="control characters"):
            together.add_note(site, team.owner, team.slug, bad)
    together.add_note(site, team.owner, team.slug, "lines\r\nand\ttabs are fine")


def test_a_beat_writes_only_when_the_person_s_row_is_not_fresh(
    site: Site, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A beat is a read, plus a short write (delete own ended stays, upsert) that a second
    tab beating right after skips."""
    writes: list[int] = []
    writing = site.db.writing

    def counted() -> Any:
        writes.append(1)
        return writing()

    monkeypatch.setattr(site.db, "writing", counted)
    together.beat(site, team.member, team.slug)
    assert len(writes) == 1
    together.beat(site, team.member, team.slug)  # a second tab, at once
    assert len(writes) == 1
    assert "Mo Field" in _names(together.beat(site, team.owner, team.slug))
    with site.db.reading() as session:
        first = session.scalar(
            select(Presence.seen_at).where(Presence.user_id == team.member.user_id)
        )
    with writing() as session:  # a beat ago
        session.execute(
            update(Presence)
            .where(Presence.user_id == team.member.user_id)
            .values(seen_at=utcnow() - timedelta(seconds=together.beat_seconds(site)))
        )
    together.beat(site, team.member, team.slug)
    assert len(writes) == 3
    with site.db.reading() as session:
        renewed = session.scalar(
            select(Presence.seen_at).where(Presence.user_id == team.member.user_id)
        )
    assert first is not None and renewed is not None and renewed >= first
