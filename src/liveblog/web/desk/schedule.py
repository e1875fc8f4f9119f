"""A blog's schedule at the desk: when it goes live and when it ends by itself. The
runner (actions/scheduler.py) then changes its status through the same action as the
blog page's buttons. Scheduling a post is part of the post form (posts.py, postform.py)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liveblog.actions import blogs as blog_actions
from liveblog.errors import Invalid, LiveblogError
from liveblog.schema import BlogChanges
from liveblog.web.desk.common import SignedIn, see_other, site_of
from liveblog.web.desk.forms import Sent, local_time
from liveblog.web.desk.postform import validated
from liveblog.web.desk.posts import blog_page

router = APIRouter()

LABELS = {"starts_at": "Go live at", "ends_at": "End at"}


@router.post("/blogs/{slug}/schedule")
def set_schedule(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    sent = {name: form.text(name) for name in LABELS}
    action = form.text("action") or "save"
    changes: dict[str, datetime | None]
    try:
        form.check()
        if action == "cancel-start":
            changes = {"starts_at": None}
        elif action == "cancel-end":
            changes = {"ends_at": None}
        elif action == "save":
            # A field left out (no start for a live blog) leaves that time as it is.
            changes = {
                name: local_time(sent[name], name, label)
                for name, label in LABELS.items()
                if name in form.data
            }
        else:
            raise Invalid(f"unknown action {action!r}", "action")
        blog_actions.update_blog(site_of(request), actor, slug, validated(BlogChanges, changes))
    except LiveblogError as exc:
        return blog_page(
            request,
            actor,
            slug,
            error=exc.message,
            status=exc.status,
            schedule_form=sent,
        )
    return see_other(f"/editor/blogs/{slug}?done=schedule-saved")


@router.get("/blogs/{slug}/schedule")
def schedule_form_address(slug: str, _actor: SignedIn) -> Response:
    return see_other(f"/editor/blogs/{quote(slug)}")
