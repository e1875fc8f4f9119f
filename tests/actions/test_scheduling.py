"""Scheduling: a post published at a given time, a blog started and ended, by the worker's
runner through the same actions as the desk's buttons, exactly once however many runners
there are (actions/schedule.py, actions/scheduler.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from liveblog.actions import SYSTEM, Actor, scheduler
from liveblog.actions.blogs import create_blog, set_membership, update_blog
from liveblog.actions.posts import create_post, delete_post, edit_post, list_posts, restore_post
from liveblog.actions.users import create_user
from liveblog.errors import Forbidden, Invalid
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import AuditEntry, Blog, Event, Post
from liveblog.storage.tables import utcnow
from liveblog.times import iso
from liveblog.worker import Job, Worker

SLUG = "count"


@pytest.fixture
def blog(site: Site) -> str:
    create_blog(site, SYSTEM, BlogFields(title="Count", slug=SLUG, timezone="Europe/Paris"))
    return SLUG


def scheduled(at: datetime | str, words: str = "At nine.") -> NewPost:
    return NewPost.model_validate(
        {
            "elements": [{"type": "text", "markdown": words}],
            "status": "scheduled",
            "scheduled_at": at,
        }
    )


def ahead(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def make_due(site: Site, public_id: str, seconds_ago: float = 1) -> None:
    """As if the time had come (a time in the past cannot be scheduled)."""
    with site.db.writing() as session:
        session.execute(
            update(Post)
            .where(Post.public_id == public_id)
            .values(scheduled_at=utcnow() - timedelta(seconds=seconds_ago))
        )


def kinds(site: Site) -> list[str]:
    with site.db.reading() as session:
        return list(session.scalars(select(Event.kind).order_by(Event.blog_id, Event.seq)))


def audited(site: Site, action: str) -> list[AuditEntry]:
    with site.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def post_row(site: Site, public_id: str) -> Post:
    with site.db.reading() as session:
        post = session.scalar(select(Post).where(Post.public_id == public_id))
        assert post is not None
        return post


def blog_row(site: Site, slug: str = SLUG) -> Blog:
    with site.db.reading() as session:
        found = session.scalar(select(Blog).where(Blog.slug == slug))
        assert found is not None
        return found


def run_all(site: Site) -> int:
    done = 0
    while scheduler.step(site) == 0:
        done += 1
    return done


def person(site: Site, role: str, blog_role: str | None = None) -> Actor:
    email = f"{role}-{blog_role}@newsroom.example"
    user_id = create_user(site, email, "correct horse battery", role)
    if blog_role:
        set_membership(site, SYSTEM, SLUG, email, blog_role)
    return Actor(user_id=user_id, role=role, name=email)


# --- scheduling a post ------------------------------------------------------------------


def test_a_scheduled_post_is_public_nowhere_until_the_runner_publishes_it(
    site: Site, blog: str
) -> None:
    record = create_post(site, SYSTEM, blog, scheduled(ahead(60)))
    assert record["status"] == "scheduled"
    assert record["scheduled_at"] is not None and record["published_at"] is None
    assert record["purge"] == []
    assert kinds(site) == ["blog.created"]  # no event: readers cannot see it
    assert list_posts(site, None, blog)["total"] == 0
    [entry] = audited(site, "post.scheduled")
    assert entry.detail["at"] == record["scheduled_at"]

    assert scheduler.step(site) == pytest.approx(60, abs=2)  # it sleeps until then
    assert kinds(site) == ["blog.created"]

    make_due(site, record["id"])
    due = post_row(site, record["id"]).scheduled_at
    assert run_all(site) == 1
    post = post_row(site, record["id"])
    assert post.status == "published" and post.scheduled_at is None
    assert post.published_at is not None
    assert kinds(site) == ["blog.created", "post.published"]
    assert list_posts(site, None, blog)["total"] == 1
    # The same action as the Publish button: its audit entry, by the scheduler.
    [published] = audited(site, "post.published")
    assert published.actor_label == "scheduler"
    assert due is not None and published.detail["scheduled_for"] == iso(due)
    assert scheduler.step(site) is None  # nothing left to do


def test_a_time_without_offset_is_the_blogs_local_time(site: Site, blog: str) -> None:
    paris = ahead(3600).astimezone(UTC).replace(tzinfo=None) + timedelta(hours=1)
    # Paris is UTC+1 in winter and UTC+2 in summer: the stored time is the local one, read there.
    record = create_post(site, SYSTEM, blog, scheduled(paris.isoformat()))
    stored = post_row(site, record["id"]).scheduled_at
    assert stored is not None
    assert stored == paris.replace(tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (lambda: ahead(-5), "must be in the future"),
        (lambda: ahead(367 * 86400), "at most a year ahead"),
        (lambda: None, "give the time"),
    ],
)
def test_a_schedule_must_be_in_the_coming_year(
    site: Site, blog: str, at: Callable[[], datetime | None], message: str
) -> None:
    with pytest.raises(Invalid, match=message) as raised:
        create_post(site, SYSTEM, blog, scheduled(at()))  # type: ignore[arg-type]
    assert raised.value.field == "scheduled_at"
    assert list_posts(site, SYSTEM, blog, "scheduled")["total"] == 0


def test_a_time_goes_only_with_the_status_scheduled(site: Site, blog: str) -> None:
    draft = NewPost.model_validate(
        {"title": "Later", "status": "draft", "scheduled_at": ahead(60).isoformat()}
    )
    with pytest.raises(Invalid, match="goes with the status 'scheduled'"):
        create_post(site, SYSTEM, blog, draft)


def test_only_who_may_publish_may_schedule(site: Site, blog: str) -> None:
    contributor = person(site, "contributor", "contributor")
    with pytest.raises(Forbidden, match="Scheduling a post needs the editor role"):
        create_post(site, contributor, blog, scheduled(ahead(60)))
    draft = create_post(site, contributor, blog, NewPost(title="Mine", status="draft"))
    changes = PostChanges(status="scheduled", scheduled_at=ahead(60))
    with pytest.raises(Forbidden, match="Scheduling a post needs the editor role"):
        edit_post(site, contributor, blog, draft["id"], changes, draft["version"])
    # Scheduled by an editor, it is out of the contributor's hands.
    edit_post(site, SYSTEM, blog, draft["id"], changes, draft["version"])
    with pytest.raises(Forbidden, match="only their own drafts"):
        edit_post(site, contributor, blog, draft["id"], PostChanges(title="Sneaky"), 2)


def test_reschedule_and_cancel(site: Site, blog: str) -> None:
    draft = create_post(site, SYSTEM, blog, NewPost(title="Briefing", status="draft"))
    first, second = ahead(600), ahead(1200)
    changes = PostChanges(status="scheduled", scheduled_at=first)
    record = edit_post(site, SYSTEM, blog, draft["id"], changes, 1)
    assert record["status"] == "scheduled"
    # Editing what it says keeps it scheduled, at the same time.
    record = edit_post(site, SYSTEM, blog, draft["id"], PostChanges(title="Briefing at 9"), 2)
    assert record["status"] == "scheduled"
    assert post_row(site, draft["id"]).scheduled_at == first
    record = edit_post(site, SYSTEM, blog, draft["id"], PostChanges(scheduled_at=second), 3)
    assert post_row(site, draft["id"]).scheduled_at == second
    record = edit_post(site, SYSTEM, blog, draft["id"], PostChanges(status="draft"), 4)
    assert record["status"] == "draft" and record["scheduled_at"] is None
    assert [e.detail["at"] for e in audited(site, "post.scheduled")] == [
        first.isoformat().replace("+00:00", "Z"),
        second.isoformat().replace("+00:00", "Z"),
    ]
    assert [e.detail["to"] for e in audited(site, "post.unscheduled")] == ["draft"]
    assert kinds(site) == ["blog.created"]
    assert scheduler.step(site) is None


def test_a_deleted_scheduled_post_comes_back_as_a_draft(site: Site, blog: str) -> None:
    record = create_post(site, SYSTEM, blog, scheduled(ahead(60)))
    delete_post(site, SYSTEM, blog, record["id"])
    assert restore_post(site, SYSTEM, blog, record["id"])["status"] == "draft"
    make_due(site, record["id"])
    assert run_all(site) == 0 and kinds(site) == ["blog.created"]


def test_publishing_by_hand_first_leaves_the_runner_nothing(site: Site, blog: str) -> None:
    record = create_post(site, SYSTEM, blog, scheduled(ahead(60)))
    edit_post(site, SYSTEM, blog, record["id"], PostChanges(status="published"), 1)
    assert post_row(site, record["id"]).scheduled_at is None
    assert scheduler.step(site) is None
    assert kinds(site) == ["blog.created", "post.published"]


def test_a_post_the_publish_refuses_goes_back_to_draft(
    site: Site, blog: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = create_post(site, SYSTEM, blog, scheduled(ahead(60)))
    make_due(site, record["id"])

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise Invalid("the photo has no alt text", "elements")

    monkeypatch.setattr(scheduler, "edit_in", refuse)
    assert scheduler.step(site) == 0
    post = post_row(site, record["id"])
    assert (post.status, post.scheduled_at) == ("draft", None)
    [entry] = audited(site, "post.schedule_failed")
    assert entry.detail["reason"] == "elements: the photo has no alt text"
    assert scheduler.step(site) is None


# --- several runners --------------------------------------------------------------------


def test_runners_at_once_publish_each_due_post_once(site: Site, blog: str) -> None:
    ids = [
        create_post(site, SYSTEM, blog, scheduled(ahead(60), f"Post {n}."))["id"] for n in range(12)
    ]
    for public_id in ids:
        make_due(site, public_id)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def runner() -> None:
        try:
            start.wait()
            while scheduler.step(site) is not None:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert kinds(site).count("post.published") == 12
    assert len(audited(site, "post.published")) == 12
    assert {post_row(site, i).status for i in ids} == {"published"}


# --- a blog's start and end -------------------------------------------------------------


def test_a_blog_goes_live_and_ends_on_schedule(site: Site, blog: str) -> None:
    update_blog(site, SYSTEM, blog, BlogChanges(status="draft"))
    record = update_blog(site, SYSTEM, blog, BlogChanges(starts_at=ahead(60), ends_at=ahead(120)))
    assert record["starts_at"] and record["ends_at"] and record["purge"] == []
    [entry] = audited(site, "blog.scheduled")
    assert set(entry.detail) == {"starts_at", "ends_at"}
    before = kinds(site)
    assert scheduler.step(site) == pytest.approx(60, abs=2)

    with site.db.writing() as session:
        session.execute(update(Blog).values(starts_at=utcnow() - timedelta(seconds=1)))
    assert run_all(site) == 1
    row = blog_row(site)
    assert (row.status, row.starts_at) == ("live", None) and row.ends_at is not None
    assert kinds(site) == [*before, "blog.edited"]

    with site.db.writing() as session:
        session.execute(update(Blog).values(ends_at=utcnow() - timedelta(seconds=1)))
    assert run_all(site) == 1
    row = blog_row(site)
    assert (row.status, row.ends_at) == ("ended", None)
    assert kinds(site) == [*before, "blog.edited", "blog.ended"]
    statuses = [(e.detail["to"], e.actor_label) for e in audited(site, "blog.status")]
    assert statuses[-2:] == [("live", "scheduler"), ("ended", "scheduler")]
    assert scheduler.step(site) is None


@pytest.mark.parametrize(
    ("status", "changes", "message"),
    [
        ("live", {"starts_at": 60}, "live already"),
        ("draft", {"ends_at": 60}, "needs a time to go live"),
        ("draft", {"starts_at": 120, "ends_at": 60}, "end must come after the start"),
        ("ended", {"ends_at": 60}, "ended already"),
        ("draft", {"starts_at": -60}, "must be in the future"),
    ],
)
def test_a_blog_schedule_must_make_sense(
    site: Site, blog: str, status: str, changes: dict[str, float], message: str
) -> None:
    if status != "live":
        update_blog(site, SYSTEM, blog, BlogChanges(status=status))
    given = BlogChanges(**{k: ahead(v) for k, v in changes.items()})
    with pytest.raises(Invalid, match=message):
        update_blog(site, SYSTEM, blog, given)


def test_ending_by_hand_drops_the_scheduled_end(site: Site, blog: str) -> None:
    update_blog(site, SYSTEM, blog, BlogChanges(ends_at=ahead(60)))
    record = update_blog(site, SYSTEM, blog, BlogChanges(status="ended"))
    assert record["ends_at"] is None
    assert scheduler.step(site) is None


def test_cancelling_a_blog_schedule(site: Site, blog: str) -> None:
    update_blog(site, SYSTEM, blog, BlogChanges(ends_at=ahead(60)))
    record = update_blog(site, SYSTEM, blog, BlogChanges(ends_at=None))
    assert record["ends_at"] is None
    assert scheduler.step(site) is None


# --- the worker runs it -----------------------------------------------------------------


def test_the_worker_wakes_at_the_due_time_and_when_a_schedule_changes(
    site: Site, blog: str
) -> None:
    looks: list[float | None] = []

    def step(site: Site) -> float | None:
        looks.append(scheduler.step(site))
        return looks[-1]

    async def scenario() -> None:
        # Polling alone would take 60 s: only the nudge and the due time are this quick.
        worker = Worker(site, [], [Job("scheduler", step, on_bus=True)], poll_seconds=60)
        worker.start()
        try:
            await until(lambda: looks == [None])  # nothing scheduled: it sleeps
            due = ahead(1.0)
            record = await asyncio.to_thread(create_post, site, SYSTEM, blog, scheduled(due))
            await until(lambda: post_row(site, record["id"]).status == "published", 5)
            published_at = post_row(site, record["id"]).published_at
            assert published_at is not None
            assert due <= published_at < due + timedelta(seconds=1)
            # Woken by the nudge, it slept until the due time, not in a busy loop.
            assert len(looks) < 10
        finally:
            await worker.stop()

    asyncio.run(scenario())


async def until(check: Callable[[], object], timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "not in time"
        await asyncio.sleep(0.01)


def test_an_imported_scheduled_post_is_a_draft(site: Site) -> None:
    """The exchange format carries no time to publish at: nothing is published by surprise."""
    from liveblog.actions.exchange import import_blog

    data = {
        "format": "liveblog-exchange/1",
        "title": "Imported",
        "slug": "imported",
        "posts": [{"title": "Later", "status": "scheduled"}],
    }
    import_blog(site, data)
    with site.db.reading() as session:
        assert list(session.scalars(select(Post.status))) == ["draft"]
    assert scheduler.step(site) is None
