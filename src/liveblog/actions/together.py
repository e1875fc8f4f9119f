"""Working together on a blog's desk: who has it open and who is editing which post
(presence), and the team's internal note thread for handovers.

Neither is for readers: nothing here appends an event, so no reader page, feed, embed,
export, public event stream or webhook ever carries them. The desk's page asks for them
itself (``beat``, every few seconds).

Presence is a table of heartbeats, not a count in one process's memory (as "N reading now"
is): a desk may be served by any worker on any node, and the database is the one thing
they all share and cannot run without, whereas the bus may be in-process and carries only
wake-ups that may be lost. A beat renews one row per person, blog and spot (the desk, or
the post being edited); a row whose last beat is older than LIVEBLOG_PRESENCE_SECONDS no
longer counts, and a person's own stale rows go at their next beat. A page that closes says
so at once (``leave``), and one that cannot (a crash, a lost connection) is gone within
LIVEBLOG_PRESENCE_SECONDS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from liveblog.actions.access import Actor, blog_role, require_blog_role, visible_posts
from liveblog.actions.audit import label
from liveblog.actions.posts import readable_post
from liveblog.actions.transaction import transaction
from liveblog.errors import Forbidden, Invalid, NotFound, TooManyRequests
from liveblog.site import Site
from liveblog.states import BlogRole
from liveblog.storage import Blog, Note, Post, Presence, User
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from liveblog.strings import no_control
from liveblog.times import iso, local

NOTE_LENGTH = 1000
"""The most characters a note may hold: a handover, not a report."""
NOTES_KEPT = 100
"""A blog's thread keeps its latest notes: an older one goes when a new one comes."""
NOTES_PER_PERSON = ((timedelta(minutes=1), 5), (timedelta(hours=1), 30))
"""The most notes one person may add to one blog's thread within each span: a handover
thread, and one member cannot push everyone else's notes out of it in a hurry (trimming
them is audited too)."""
BEATS_PER_STAY = 6
"""The desk's page beats this many times within LIVEBLOG_PRESENCE_SECONDS."""
DESK = 0
"""The spot of someone who has the blog's desk open (other spots are post ids)."""


def beat_seconds(site: Site) -> float:
    """How often an open desk page says it is still there."""
    return max(1.0, site.settings.presence_seconds / BEATS_PER_STAY)


@dataclass(frozen=True)
class Editing:
    """A post someone has open for editing. ``public_id`` and ``label`` are empty when the
    person asking may not read that post (a contributor and a colleague's draft)."""

    public_id: str
    label: str
    since: datetime
    since_clock: str  # 21:04, in the blog's zone


@dataclass(frozen=True)
class Person:
    """A colleague who has the blog open, and what they are editing."""

    user_id: int
    name: str
    since: datetime
    editing: list[Editing] = field(default_factory=list)

    def json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "since": iso(self.since),
            "editing": [
                {
                    "post": e.public_id,
                    "label": e.label,
                    "since": iso(e.since),
                    "clock": e.since_clock,
                }
                for e in self.editing
            ],
        }


@dataclass(frozen=True)
class ShownNote:
    id: int
    author: str
    body: str
    created_at: datetime
    can_delete: bool


@dataclass(frozen=True)
class Together:
    """What a desk page is told at each beat: its colleagues there, and which version of
    the note thread is current (the page asks for the thread when it changes)."""

    people: list[Person]
    notes_mark: str
    notes: list[ShownNote] | None = None  # when the page's mark was not the current one
    timezone: str = "UTC"  # the blog's, for the notes' times

    def editors(self) -> dict[str, list[str]]:
        """Who is editing each post the actor may read: public id -> names."""
        out: dict[str, list[str]] = {}
        for person in self.people:
            for e in person.editing:
                if e.public_id:
                    out.setdefault(e.public_id, []).append(person.name)
        return out

    def editing(self, public_id: str) -> list[tuple[str, str]]:
        """Who is editing this post, and since when (21:04): the post page's warning."""
        return [
            (person.name, e.since_clock)
            for person in self.people
            for e in person.editing
            if e.public_id == public_id
        ]


def _clock(value: datetime, zone: str) -> str:
    return f"{local(value, zone):%H:%M}"


def _member(session: Session, actor: Actor, blog: Blog, doing: str) -> int:
    """The actor's user id, when they are on the blog's team (site admins and editors are):
    anyone else is refused, and a blog in draft does not exist for them."""
    require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, doing)
    if actor.user_id is None:
        raise Forbidden(f"{doing} is for people signed in to the desk")
    return actor.user_id


def _cutoff(site: Site) -> datetime:
    return utcnow() - timedelta(seconds=site.settings.presence_seconds)


_POST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a post's public id may look like (imported ones included): anything else is refused
before it reaches a query (PostgreSQL refuses a NUL byte with an error)."""


def _post_id(public_id: str) -> str:
    if not _POST_ID.fullmatch(public_id):
        raise Invalid("that is not a post's id", "post")
    return public_id


def _spot(session: Session, actor: Actor, blog: Blog, public_id: str | None) -> int:
    if not public_id:
        return DESK
    return readable_post(session, actor, blog, _post_id(public_id)).id


def _people(session: Session, site: Site, actor: Actor, blog: Blog) -> list[Person]:
    """Everyone but the actor whose presence on the blog is current, longest there first,
    with the posts they edit (named only when the actor may read them)."""
    rows = session.execute(
        select(Presence.user_id, User.name, Presence.spot, Presence.since)
        .join(User, User.id == Presence.user_id)
        .where(
            Presence.blog_id == blog.id,
            Presence.seen_at >= _cutoff(site),
            Presence.user_id != actor.user_id,
            User.disabled_at.is_(None),
            User.removed_at.is_(None),
        )
        .order_by(Presence.since, Presence.user_id, Presence.spot)
    ).all()
    spots = {row.spot for row in rows if row.spot != DESK}
    readable: dict[int, tuple[str, str]] = {}
    if spots:
        for post_id, public_id, post_label, title in session.execute(
            select(Post.id, Post.public_id, Post.label, Post.title).where(
                Post.id.in_(spots), Post.blog_id == blog.id, visible_posts(session, actor, blog)
            )
        ):
            readable[post_id] = (public_id, title or post_label or "")
    people: dict[int, Person] = {}
    for row in rows:
        person = people.get(row.user_id)
        if person is None:
            person = people[row.user_id] = Person(row.user_id, row.name, row.since)
        if row.spot != DESK:
            public_id, post_label = readable.get(row.spot, ("", ""))
            person.editing.append(
                Editing(public_id, post_label, row.since, _clock(row.since, blog.timezone))
            )
    return list(people.values())


def _notes_mark(session: Session, blog: Blog) -> str:
    """Which version of the blog's note thread is current: a counter every added, trimmed
    or deleted note bumps, so a value once seen never comes back."""
    return str(blog.notes_mark)


def _bump_notes(session: Session, blog: Blog) -> None:
    session.execute(update(Blog).where(Blog.id == blog.id).values(notes_mark=Blog.notes_mark + 1))


def presence(session: Session, site: Site, actor: Actor, blog: Blog) -> Together:
    """Who else has the blog open now (a post's page shows it as it loads); no notes."""
    _member(session, actor, blog, "Seeing who is on a blog's desk")
    return Together(_people(session, site, actor, blog), "", None, blog.timezone)


def desk(session: Session, site: Site, actor: Actor, blog: Blog) -> Together:
    """What a blog's desk page shows as it loads: who else is there, and the notes."""
    user_id = _member(session, actor, blog, "Seeing who is on a blog's desk")
    return Together(
        _people(session, site, actor, blog),
        _notes_mark(session, blog),
        _notes(session, actor, blog, user_id),
        blog.timezone,
    )


def beat(
    site: Site,
    actor: Actor,
    slug: str,
    public_id: str | None = None,
    known_notes: str | None = None,
) -> Together:
    """The actor's desk page is still open, on the blog or on one of its posts
    (``public_id``): renews their presence there and tells them who else is, with the
    notes when they changed since the page's ``known_notes`` mark (None: a page without
    the notes, which is told none).

    The checks and what the page is told are a read; the write is short (the actor's own
    ended stays deleted, their row upserted) and skipped while their row is fresh (another
    tab of theirs beat less than half a beat ago)."""
    now = utcnow()
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        user_id = _member(session, actor, blog, "Being seen on a blog's desk")
        spot = _spot(session, actor, blog, public_id)
        seen = session.scalar(
            select(Presence.seen_at).where(
                Presence.blog_id == blog.id, Presence.user_id == user_id, Presence.spot == spot
            )
        )
        mark = _notes_mark(session, blog)
        changed = None
        if known_notes is not None and known_notes != mark:
            changed = _notes(session, actor, blog, user_id)
        told = Together(_people(session, site, actor, blog), mark, changed, blog.timezone)
    fresh = timedelta(seconds=beat_seconds(site) / 2)
    if seen is None or _aware(seen) < now - fresh:
        _renew(site, blog.id, user_id, spot, now)
    return told


def _aware(value: datetime) -> datetime:
    """SQLite hands times back without their zone; they are stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _renew(site: Site, blog_id: int, user_id: int, spot: int, now: datetime) -> None:
    with transaction(site) as tx:
        session = tx.session
        # The actor's own stays that ended: only their rows, so beats never wait on others.
        session.execute(
            delete(Presence).where(Presence.user_id == user_id, Presence.seen_at < _cutoff(site))
        )
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(Presence)
            .values(blog_id=blog_id, user_id=user_id, spot=spot, since=now, seen_at=now)
            .on_conflict_do_update(
                index_elements=["blog_id", "user_id", "spot"], set_={"seen_at": now}
            )
        )


def leave(site: Site, actor: Actor, slug: str, public_id: str | None = None) -> None:
    """The actor's page closed: they are no longer there (another open tab of theirs on the
    same spot brings them back at its next beat)."""
    with transaction(site) as tx:
        session = tx.session
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        user_id = _member(session, actor, blog, "Leaving a blog's desk")
        spot = DESK
        if public_id:
            wanted = _post_id(public_id)
            spot = (
                session.scalar(
                    select(Post.id).where(Post.blog_id == blog.id, Post.public_id == wanted)
                )
                or -1
            )
        session.execute(
            delete(Presence).where(
                Presence.blog_id == blog.id, Presence.user_id == user_id, Presence.spot == spot
            )
        )


# --- the note thread ----------------------------------------------------------------------


def notes(session: Session, actor: Actor, blog: Blog) -> list[ShownNote]:
    """The blog's notes, newest first, for its team only."""
    return _notes(session, actor, blog, _member(session, actor, blog, "Reading a blog's notes"))


def _notes(session: Session, actor: Actor, blog: Blog, user_id: int) -> list[ShownNote]:
    owner = blog_role(session, actor, blog) == BlogRole.OWNER
    rows = session.execute(
        select(Note.id, Note.author_id, Note.body, Note.created_at, User.name)
        .outerjoin(User, User.id == Note.author_id)
        .where(Note.blog_id == blog.id)
        .order_by(Note.id.desc())
        .limit(NOTES_KEPT)
    ).all()
    return [
        ShownNote(
            row.id,
            row.name or "a former member",
            row.body,
            row.created_at,
            owner or row.author_id == user_id,
        )
        for row in rows
    ]


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    return "minute" if minutes == 1 else "hour" if minutes == 60 else f"{minutes} minutes"


def note_text(body: str) -> str:
    try:
        no_control(body)
    except ValueError:
        raise Invalid("a note may not hold control characters", "note") from None
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise Invalid("write the note first", "note")
    if len(text) > NOTE_LENGTH:
        raise Invalid(
            f"a note holds at most {NOTE_LENGTH:,} characters; this one has {len(text):,}",
            "note",
        )
    return text


def add_note(site: Site, actor: Actor, slug: str, body: str) -> int:
    """Adds the actor's note to the blog's thread (its team only), within NOTES_PER_PERSON;
    the thread keeps the latest NOTES_KEPT, and the older ones it drops are audited
    (``note.trimmed``). Returns the note's id."""
    text = note_text(body)
    with transaction(site) as tx:
        session = tx.session
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        user_id = _member(session, actor, blog, "Writing a note on a blog")
        _bump_notes(session, blog)  # first: the blog row's lock queues notes one by one
        now = utcnow()
        for span, most in NOTES_PER_PERSON:
            recent = session.scalar(
                select(func.count())
                .select_from(Note)
                .where(
                    Note.blog_id == blog.id,
                    Note.author_id == user_id,
                    Note.created_at > now - span,
                )
            )
            if (recent or 0) >= most:
                seconds = int(span.total_seconds())
                raise TooManyRequests(
                    f"you have written {recent} notes on this blog in the last "
                    f"{_span(span)}, the most; wait a little before the next",
                    seconds,
                )
        note = Note(blog_id=blog.id, author_id=user_id, body=text, created_at=now)
        session.add(note)
        session.flush()
        oldest_kept = session.scalar(
            select(Note.id)
            .where(Note.blog_id == blog.id)
            .order_by(Note.id.desc())
            .offset(NOTES_KEPT - 1)
            .limit(1)
        )
        if oldest_kept is not None:
            older = (Note.blog_id == blog.id, Note.id < oldest_kept)
            authors = list(session.scalars(select(Note.author_id).where(*older)))
            if authors:
                # Notes pushed out of the thread are gone for good: say whose, and by whom.
                tx.audit(
                    actor,
                    "note.trimmed",
                    "note",
                    note.id,
                    blog_id=blog.id,
                    detail={
                        "notes": len(authors),
                        "authors": sorted({a for a in authors if a is not None}),
                    },
                )
                session.execute(delete(Note).where(*older))
        return note.id


def delete_note(site: Site, actor: Actor, slug: str, note_id: int) -> None:
    """Deletes a note: its author may, and the blog's owners (and site admins). Audited."""
    with transaction(site) as tx:
        session = tx.session
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        user_id = _member(session, actor, blog, "Deleting a note")
        note = session.scalar(select(Note).where(Note.id == note_id, Note.blog_id == blog.id))
        if note is None:
            raise NotFound(f"no note {note_id} on the blog {blog.slug!r}")
        if note.author_id != user_id and blog_role(session, actor, blog) != BlogRole.OWNER:
            raise Forbidden("only its author or the blog's owner may delete a note")
        tx.audit(
            actor,
            "note.deleted",
            "note",
            note.id,
            blog_id=blog.id,
            detail={"author_id": note.author_id, "note": label(note.body)},
        )
        session.delete(note)
        _bump_notes(session, blog)
