"""People and roles under concurrency: two admins stepping down at the same moment leave
one admin, with a clear refusal for the other and never a deadlock."""

from __future__ import annotations

import threading

from sqlalchemy import select

from liveblog.actions import Actor
from liveblog.actions.users import create_user, set_site_role
from liveblog.errors import Forbidden
from liveblog.site import Site
from liveblog.storage import User


def _step_down_together(site: Site, ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def step_down(user_id: int) -> None:
        barrier.wait()
        try:
            set_site_role(site, Actor(user_id=user_id, role="admin"), user_id, "editor")
            outcomes.append("done")
        except Forbidden:
            outcomes.append("refused")

    threads = [threading.Thread(target=step_down, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_admins_stepping_down_at_once_leave_one(site: Site) -> None:
    for round_ in range(5):
        ids = [
            create_user(site, f"admin{round_}{n}@desk.example", "long enough pw", "admin")
            for n in range(2)
        ]
        with site.db.writing() as session:  # only these two are admins this round
            for user in session.scalars(select(User).where(User.id.not_in(ids))):
                user.role = "editor"
        assert sorted(_step_down_together(site, ids)) == ["done", "refused"]
        with site.db.reading() as session:
            admins = session.scalars(select(User.id).where(User.role == "admin")).all()
        assert len(admins) == 1
