"""A blog's team: who has a role on this blog, changed by its owners."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor
from liveblog.actions import blogs as blog_actions
from liveblog.actions.access import BLOG_ROLES
from liveblog.errors import LiveblogError
from liveblog.states import BlogRole
from liveblog.web.desk.common import SignedIn, render, see_other, site_of
from liveblog.web.desk.forms import Sent

router = APIRouter()


def _team_page(
    request: Request, actor: Actor, slug: str, status: int = 200, **context: Any
) -> HTMLResponse:
    blog, team = blog_actions.team(site_of(request), actor, slug)
    context.setdefault("member", {"email": "", "role": BlogRole.EDITOR.value})
    return render(
        request,
        "editor/team.html",
        actor,
        status,
        blog=blog,
        team=team,
        roles=BLOG_ROLES,
        **context,
    )


@router.get("/blogs/{slug}/team", response_class=HTMLResponse)
def team_page(request: Request, slug: str, actor: SignedIn) -> Response:
    return _team_page(request, actor, slug)


@router.post("/blogs/{slug}/team", response_class=HTMLResponse)
def change_team(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    member = {"email": form.text("email"), "role": form.text("role")}
    try:
        form.check()
        role = None if member["role"] == "remove" else member["role"]
        blog_actions.set_membership(site_of(request), actor, slug, member["email"], role)
    except LiveblogError as exc:
        return _team_page(request, actor, slug, exc.status, member=member, error=exc.message)
    done = "removed" if member["role"] == "remove" else "member"
    return see_other(f"/editor/blogs/{quote(slug)}/team?done={done}")
