"""Scheduling at the desk (plain forms, no JavaScript) and through the API: a post's
"Publish at", the "Scheduled" tab, reschedule and cancel; a blog's go-live and end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from liveblog.actions import scheduler
from liveblog.site import Site
from liveblog.storage import AuditEntry, Blog, Event
from liveblog.storage.tables import utcnow
from tests.conftest import Client, text_post
from tests.web.test_editor import csrf_of, login, post_form, start_blog, stored_posts

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def desk_blog(client: Client, site: Site) -> tuple[str, str]:
    """An editor at the desk with a blog in London time: (form token, slug)."""
    login(client, site)
    token = csrf_of(client.get("/editor"))
    return token, start_blog(client, token)


def local(seconds: float) -> str:
    """A time so far ahead, as the desk's date-time field sends it: London time."""
    return f"{(utcnow() + timedelta(seconds=seconds)).astimezone(LONDON):%Y-%m-%dT%H:%M}"


def events(site: Site) -> list[str]:
    with site.db.reading() as session:
        return list(session.scalars(select(Event.kind).order_by(Event.id)))


def test_the_composer_schedules_a_post_shown_in_the_scheduled_tab(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    token, slug = desk_blog
    at = local(7200)
    sent = post_form(token, "The minister speaks at nine.", action="schedule", scheduled_at=at)
    response = client.post(f"/editor/blogs/{slug}/posts", data=sent)
    assert response.status_code == 303, response.text
    assert "done=scheduled" in response.headers["location"]
    [post] = stored_posts(site)
    assert post.status == "scheduled" and post.scheduled_at is not None
    # The field's time is London time, stored in UTC.
    wanted = datetime.fromisoformat(at).replace(tzinfo=LONDON)
    assert post.scheduled_at == wanted

    page = client.get(f"/editor/blogs/{slug}?view=scheduled")
    assert page.status_code == 200
    text = unescape(page.text)
    assert 'aria-current="page">Scheduled <span class="count">1</span>' in text
    assert f"{wanted:%H:%M}" in text and "goes out" in text
    assert "The minister speaks at nine." in text
    # Readers see nothing.
    assert client.get(f"/live/{slug}").text.count("The minister speaks") == 0
    assert events(site).count("post.published") == 0


def test_a_bad_time_comes_back_with_what_was_typed(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    token, slug = desk_blog
    for at, message in [
        (local(-3600), "must be in the future"),
        (local(400 * 86400), "at most a year ahead"),
        ("", "give the time"),
        ("next tuesday", "Publish at: give a date and a time"),
    ]:
        sent = post_form(token, "Keep me.", action="schedule", scheduled_at=at)
        response = client.post(f"/editor/blogs/{slug}/posts", data=sent)
        assert response.status_code == 422, (at, response.status_code)
        assert message in unescape(response.text)
        assert "Keep me." in response.text
    assert stored_posts(site) == []


def test_a_contributor_has_no_schedule_button_and_cannot_send_one(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    _token, slug = desk_blog
    client._client.cookies.clear()
    email = login(client, site, "contributor")
    from liveblog.actions import SYSTEM
    from liveblog.actions.blogs import set_membership

    set_membership(site, SYSTEM, slug, email, "contributor")
    page = client.get(f"/editor/blogs/{slug}")
    assert 'value="schedule"' not in page.text
    token = csrf_of(page)
    sent = post_form(token, "Mine.", action="schedule", scheduled_at=local(3600))
    response = client.post(f"/editor/blogs/{slug}/posts", data=sent)
    assert response.status_code == 403
    assert "Scheduling a post needs the editor role" in unescape(response.text)


def test_reschedule_publish_now_and_cancel_on_the_edit_page(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    token, slug = desk_blog
    sent = post_form(token, "Draft first.", action="draft")
    client.post(f"/editor/blogs/{slug}/posts", data=sent)
    [post] = stored_posts(site)
    url = f"/editor/blogs/{slug}/posts/{post.public_id}"
    page = client.get(url)
    assert 'value="schedule">Schedule<' in page.text

    later = local(3 * 3600)
    response = client.post(
        url,
        data=post_form(token, "Draft first.", action="schedule", version="1", scheduled_at=later),
    )
    assert response.status_code == 303 and "done=scheduled" in response.headers["location"]
    page = client.get(url)
    assert "Reschedule" in page.text and "Cancel the schedule" in page.text
    assert f'value="{later}"' in page.text  # the field shows the blog's local time

    even_later = local(5 * 3600)
    response = client.post(
        url,
        data=post_form(
            token, "Draft first.", action="schedule", version="2", scheduled_at=even_later
        ),
    )
    assert response.status_code == 303
    [post] = stored_posts(site)
    assert post.scheduled_at == datetime.fromisoformat(even_later).replace(tzinfo=LONDON)

    response = client.post(
        url, data=post_form(token, "Draft first.", action="unschedule", version="3")
    )
    assert response.status_code == 303
    [post] = stored_posts(site)
    assert (post.status, post.scheduled_at) == ("draft", None)
    assert events(site).count("post.published") == 0


def test_the_list_cancels_a_schedule(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    token, slug = desk_blog
    sent = post_form(token, "Soon.", action="schedule", scheduled_at=local(3600))
    client.post(f"/editor/blogs/{slug}/posts", data=sent)
    [post] = stored_posts(site)
    page = client.get(f"/editor/blogs/{slug}?view=scheduled")
    assert f"/posts/{post.public_id}/unschedule" in page.text
    response = client.post(
        f"/editor/blogs/{slug}/posts/{post.public_id}/unschedule", data={"csrf": token}
    )
    assert response.status_code == 303
    assert stored_posts(site)[0].status == "draft"


def test_the_blog_page_schedules_its_end_and_cancels_it(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    token, slug = desk_blog
    at = local(2 * 86400)
    response = client.post(
        f"/editor/blogs/{slug}/schedule", data={"csrf": token, "action": "save", "ends_at": at}
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/editor/blogs/{slug}")
    assert "ends <time" in page.text and f'value="{at}"' in page.text
    with site.db.reading() as session:
        ends = session.scalar(select(Blog.ends_at).where(Blog.slug == slug))
    assert ends == datetime.fromisoformat(at).replace(tzinfo=LONDON)

    bad = client.post(
        f"/editor/blogs/{slug}/schedule",
        data={"csrf": token, "action": "save", "ends_at": local(-60)},
    )
    assert bad.status_code == 422 and "must be in the future" in unescape(bad.text)

    client.post(f"/editor/blogs/{slug}/schedule", data={"csrf": token, "action": "cancel-end"})
    with site.db.reading() as session:
        assert session.scalar(select(Blog.ends_at).where(Blog.slug == slug)) is None
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("blog.scheduled") == 2


def test_a_blog_in_draft_is_scheduled_to_go_live_at_the_desk(
    client: Client, site: Site, desk_blog: tuple[str, str]
) -> None:
    token, slug = desk_blog
    with site.db.writing() as session:
        row = session.scalar(select(Blog).where(Blog.slug == slug))
        assert row is not None
        row.status = "draft"
    page = client.get(f"/editor/blogs/{slug}")
    assert 'name="starts_at"' in page.text
    starts, ends = local(3600), local(7200)
    response = client.post(
        f"/editor/blogs/{slug}/schedule",
        data={"csrf": token, "action": "save", "starts_at": starts, "ends_at": ends},
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/editor/blogs/{slug}")
    assert "goes live <time" in page.text and "ends <time" in page.text
    wrong = client.post(
        f"/editor/blogs/{slug}/schedule",
        data={"csrf": token, "action": "save", "starts_at": ends, "ends_at": starts},
    )
    assert wrong.status_code == 422
    assert "the end must come after the start" in unescape(wrong.text)
    assert f'value="{ends}"' in wrong.text  # what was typed is kept


# --- the API ----------------------------------------------------------------------------


def test_the_api_schedules_reschedules_and_cancels(
    client: Client, site: Site, new_blog: Callable[..., dict[str, Any]], editor: dict[str, str]
) -> None:
    made = new_blog()
    base = f"/api/v1/blogs/{made['slug']}/posts"
    at = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    response = client.post(
        base,
        json=text_post("At two.", status="scheduled", scheduled_at=at.isoformat()),
        headers=editor,
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["status"] == "scheduled"
    assert record["scheduled_at"] == at.isoformat().replace("+00:00", "Z")
    # Not for readers: not in the public list, nor in the post's public address.
    assert client.get(base).json()["total"] == 0
    assert client.get(f"{base}/{record['id']}").status_code == 404
    assert client.get(f"{base}?status=scheduled", headers=editor).json()["total"] == 1

    later = at + timedelta(hours=1)
    response = client.patch(
        f"{base}/{record['id']}",
        json={"scheduled_at": later.isoformat()},
        headers=editor | {"If-Match": str(record["version"])},
    )
    assert response.status_code == 200, response.text
    assert response.json()["scheduled_at"] == later.isoformat().replace("+00:00", "Z")

    past = client.patch(
        f"{base}/{record['id']}",
        json={"scheduled_at": (utcnow() - timedelta(minutes=1)).isoformat()},
        headers=editor | {"If-Match": str(response.json()["version"])},
    )
    assert past.status_code == 422 and "must be in the future" in past.text

    response = client.patch(
        f"{base}/{record['id']}",
        json={"status": "draft"},
        headers=editor | {"If-Match": str(response.json()["version"])},
    )
    assert response.json()["status"] == "draft" and response.json()["scheduled_at"] is None


def test_the_api_schedules_a_blogs_end_and_the_runner_ends_it(
    client: Client, site: Site, new_blog: Callable[..., dict[str, Any]], editor: dict[str, str]
) -> None:
    made = new_blog()
    at = utcnow() + timedelta(days=1)
    response = client.patch(
        f"/api/v1/blogs/{made['slug']}", json={"ends_at": at.isoformat()}, headers=editor
    )
    assert response.status_code == 200, response.text
    assert response.json()["ends_at"] is not None and response.json()["status"] == "live"
    assert client.get(f"/api/v1/blogs/{made['slug']}").json()["ends_at"] is not None
    with site.db.writing() as session:
        row = session.scalar(select(Blog).where(Blog.slug == made["slug"]))
        assert row is not None
        row.ends_at = utcnow() - timedelta(seconds=1)
    assert scheduler.step(site) == 0
    assert client.get(f"/api/v1/blogs/{made['slug']}").json()["status"] == "ended"


def test_the_openapi_documents_scheduling(client: Client) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "scheduled" in schemas["NewPost"]["properties"]["status"]["enum"]
    assert "blog's time zone" in schemas["NewPost"]["properties"]["scheduled_at"]["description"]
    assert "starts_at" in schemas["BlogChanges"]["properties"]
    assert "scheduled_at" in schemas["PostRecord"]["properties"]
