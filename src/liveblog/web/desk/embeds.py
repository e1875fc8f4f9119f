"""A blog's embeds at the desk: who may frame them. (The box with the code to copy is part
of the blog's desk page: ``web.embeds.embed_codes`` gives it.)"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liveblog.actions import blogs as blog_actions
from liveblog.errors import LiveblogError
from liveblog.schema import BlogChanges
from liveblog.web.desk.common import SignedIn, see_other, site_of
from liveblog.web.desk.forms import Sent
from liveblog.web.desk.postform import validated
from liveblog.web.desk.posts import blog_page

router = APIRouter()


@router.post("/blogs/{slug}/embeds")
def set_frame_ancestors(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    """Saves the sites that may frame the blog's embeds (empty: the site's setting)."""
    typed = form.text("frame_ancestors")
    try:
        form.check()
        changes = validated(BlogChanges, {"frame_ancestors": typed})
        blog_actions.update_blog(site_of(request), actor, slug, changes)
    except LiveblogError as exc:
        return blog_page(request, actor, slug, error=exc.message, status=exc.status)
    return see_other(f"/editor/blogs/{quote(slug)}?done=framing#embeds")
