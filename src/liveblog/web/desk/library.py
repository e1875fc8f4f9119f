"""A blog's photos at the desk (/editor/blogs/<slug>/photos): every photo its posts stored
or the API uploaded, with caption, credit, who and when; "Use in a new post" opens the
composer with the photo and its words in it. Plain links: no script needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from liveblog.actions import library
from liveblog.paging import LAST_PAGE
from liveblog.web.desk.common import SignedIn, render, site_of

router = APIRouter()


@router.get("/blogs/{slug}/photos")
def photo_library(
    request: Request,
    slug: str,
    actor: SignedIn,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> Response:
    found = library.library(site_of(request), actor, slug, page)
    base_url = site_of(request).settings.base_url
    for photo in found["photos"]:
        # Shown on this site whatever its public address: the desk links within itself.
        photo["thumbnail"] = photo["thumbnail"].removeprefix(base_url)
    return render(request, "editor/library.html", actor, **found)
