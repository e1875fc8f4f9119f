"""The list of blogs a person can work on, starting a blog, and ending or reopening one."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from liveblog.actions import Actor, webhooks
from liveblog.actions import blogs as blog_actions
from liveblog.errors import LiveblogError
from liveblog.schema import BlogChanges, BlogFields
from liveblog.states import BlogStatus
from liveblog.web.desk.common import SignedIn, render, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent, text_field
from liveblog.web.desk.postform import validated

router = APIRouter()

BLOG_FORM_FIELDS = ("title", "slug", "section", "standfirst", "timezone", "language")


def _blog_list(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    with site_of(request).db.reading() as session:
        blogs = blog_actions.desk_blogs(session, actor)
    context.setdefault("new_blog", dict.fromkeys(BLOG_FORM_FIELDS, ""))
    # Each blog's readers as this process knows them now (the list shows only blogs the
    # person may see; the page is not cached, so a reload is current).
    readers = request.app.state.readers.counts.totals(time.monotonic())
    # An admin whose webhook was disabled is told here (there is no email).
    notices = webhooks.notices(site_of(request), actor)
    return render(
        request,
        "editor/desk.html",
        actor,
        status,
        blogs=blogs,
        readers=readers,
        webhook_notices=notices,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def desk(request: Request, actor: SignedIn) -> Response:
    return _blog_list(request, actor)


@router.post("/blogs", response_class=HTMLResponse)
def create_blog(request: Request, actor: SignedIn, form: Sent) -> Response:
    values = {name: form.text(name) for name in BLOG_FORM_FIELDS}
    try:
        form.check()
        fields = validated(
            BlogFields, {k: v for k, v in values.items() if v} | {"status": BlogStatus.LIVE}
        )
        record = blog_actions.create_blog(site_of(request), actor, fields)
    except LiveblogError as exc:
        return _blog_list(request, actor, exc.status, new_blog=values, error=exc.message)
    return see_other(f"/editor/blogs/{record['slug']}?done=created")


@router.post("/blogs/{slug}/status")
def set_blog_status(request: Request, slug: str, actor: SignedIn, form: Buttons) -> Response:
    status = text_field(form, "status")
    changes = validated(BlogChanges, {"status": status})
    blog_actions.update_blog(site_of(request), actor, slug, changes)
    return see_other(f"/editor/blogs/{slug}?done={quote(status)}")


@router.get("/blogs/{slug}/readers")
def blog_readers(request: Request, slug: str, actor: SignedIn) -> Response:
    """ "N reading now" for the desk's blog page, which asks every few seconds."""
    blog_id = blog_actions.readers_of(site_of(request), actor, slug)
    count = request.app.state.readers.total(blog_id)
    return JSONResponse({"readers": count}, headers={"Cache-Control": "no-store"})


# Addresses that only take forms: a browser that asks for one (after a login, from its
# history) is sent to the page the form is on.
@router.get("/blogs")
def blogs_form_address(_actor: SignedIn) -> Response:
    return see_other("/editor")


@router.get("/blogs/{slug}/posts")
@router.get("/blogs/{slug}/status")
def blog_form_address(slug: str, _actor: SignedIn) -> Response:
    return see_other(f"/editor/blogs/{quote(slug)}")


@router.get("/blogs/{slug}/posts/{public_id}/{operation}")
def post_form_address(slug: str, public_id: str, operation: str, _actor: SignedIn) -> Response:
    return see_other(f"/editor/blogs/{quote(slug)}/posts/{quote(public_id)}")
