"""Scheduling's rules, shared by the actions that set a schedule (posts.py, blogs.py) and
the runner that carries it out (scheduler.py).

A schedule lives in the database, never in memory: a post's ``scheduled_at`` (status
``scheduled``), a blog's ``starts_at`` and ``ends_at``. The times are stored in UTC; a time
given without an offset (the desk's date-time field, or the API) is read in the blog's
time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from liveblog.actions.access import Actor
from liveblog.errors import Invalid
from liveblog.site import Site
from liveblog.states import SiteRole
from liveblog.storage import Blog
from liveblog.storage.tables import utcnow
from liveblog.times import from_local

# The furthest ahead anything may be scheduled.
MOST_AHEAD = timedelta(days=366)

# Who the runner acts as: what it does is audited under this name. Permission to schedule
# was checked when the schedule was set (only who may publish may schedule).
SCHEDULER = Actor(user_id=None, role=SiteRole.ADMIN, name="scheduler", address="scheduler")


def due_time(
    value: datetime, zone: str, field: str, what: str, now: datetime | None = None
) -> datetime:
    """The time, in UTC, checked: in the future and at most a year ahead. ``what`` names
    it in the message ("the post's publication")."""
    value = from_local(value, zone).astimezone(UTC)
    now = now or utcnow()
    if value <= now:
        raise Invalid(f"{what} must be in the future; the time given has passed", field)
    if value > now + MOST_AHEAD:
        raise Invalid(f"{what} can be at most a year ahead", field)
    return value


def nudge(site: Site, blog: Blog) -> None:
    """Tells every worker, on every node, that a schedule changed, so that each runner
    looks again at its next due time. The bus carries the blog's current seq: hubs, which
    already have it, ignore the wake-up. Called after the transaction commits."""
    site.bus.notify(blog.id, blog.last_seq)
