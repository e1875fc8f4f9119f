"""A blog's tags: its list with how many posts carry each; its team adds tags, its editors
rename and delete them (the actions check who may)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor
from liveblog.actions import tags as tag_actions
from liveblog.actions.access import blog_role
from liveblog.errors import LiveblogError
from liveblog.schema import TagFields
from liveblog.storage import queries as q
from liveblog.web.desk.common import SignedIn, TagKey, render, see_other, site_of
from liveblog.web.desk.forms import Sent
from liveblog.web.desk.postform import validated

router = APIRouter()


def _tags_page(
    request: Request, actor: Actor, slug: str, status: int = 200, **context: Any
) -> HTMLResponse:
    with site_of(request).db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        tags = tag_actions.blog_tags(session, actor, blog)
        return render(
            request,
            "editor/tags.html",
            actor,
            status,
            blog=blog,
            tags=tags,
            role=blog_role(session, actor, blog),
            **({"name": ""} | context),
        )


@router.get("/blogs/{slug}/tags", response_class=HTMLResponse)
def tags_page(request: Request, slug: str, actor: SignedIn) -> Response:
    return _tags_page(request, actor, slug)


def _done(slug: str, done: str) -> Response:
    return see_other(f"/editor/blogs/{quote(slug)}/tags?done={done}")


@router.post("/blogs/{slug}/tags", response_class=HTMLResponse)
def add_tag(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    name = form.text("name")
    try:
        form.check()
        fields = validated(TagFields, {"name": name})
        tag_actions.create_tag(site_of(request), actor, slug, fields)
    except LiveblogError as exc:
        return _tags_page(request, actor, slug, exc.status, name=name, error=exc.message)
    return _done(slug, "tag-added")


@router.post("/blogs/{slug}/tags/{tag}/rename", response_class=HTMLResponse)
def rename_tag(request: Request, slug: str, tag: TagKey, actor: SignedIn, form: Sent) -> Response:
    try:
        form.check()
        fields = validated(TagFields, {"name": form.text("name")})
        tag_actions.rename_tag(site_of(request), actor, slug, tag, fields)
    except LiveblogError as exc:
        return _tags_page(request, actor, slug, exc.status, error=exc.message)
    return _done(slug, "tag-renamed")


@router.post("/blogs/{slug}/tags/{tag}/delete", response_class=HTMLResponse)
def delete_tag(request: Request, slug: str, tag: TagKey, actor: SignedIn, form: Sent) -> Response:
    try:
        form.check()
        tag_actions.delete_tag(site_of(request), actor, slug, tag)
    except LiveblogError as exc:
        return _tags_page(request, actor, slug, exc.status, error=exc.message)
    return _done(slug, "tag-deleted")
