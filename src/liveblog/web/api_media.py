"""The JSON API's photos, /api/v1/blogs/{slug}/media: upload one (multipart), and list a
blog's library. A post shows an uploaded photo by naming its ``file`` in an image element."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from liveblog.actions import library
from liveblog.actions.media import MAX_UPLOAD_BYTES
from liveblog.paging import LAST_PAGE
from liveblog.site import Site
from liveblog.web.api_models import errors
from liveblog.web.auth import CurrentActor

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=errors(400, 401, 404, 413, 422))


class PhotoRecord(BaseModel):
    file: str = Field(description="The name an image element's `file` gives to show it")
    content_type: str
    width: int = Field(description="Pixels, as stored (at most 2,400 wide)")
    height: int
    caption: str
    credit: str | None
    alt: str | None
    uploaded_by: str | None = Field(description="Who stored it, when known")
    uploaded_at: str | None = Field(description="ISO 8601 in UTC")
    shown_in: int | None = Field(description="How many of the blog's posts show it")
    url: str
    thumbnail: str = Field(description="A narrow copy, for lists")
    widths: dict[str, dict[str, str]] = Field(
        description='Every copy made at upload, by format and width: {"webp": {"360": url}}'
    )


class PhotoPage(BaseModel):
    photos: list[PhotoRecord]
    page: int
    pages: int
    total: int


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


@router.post(
    "/blogs/{slug}/media",
    status_code=201,
    responses=errors(403, 429),
    response_model=PhotoRecord,
    summary="Upload a photo (multipart): cleaned, stored in several widths, for a post to show",
)
def upload_photo(
    request: Request,
    slug: str,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP photo")],
    caption: Annotated[str, Form(max_length=2000)] = "",
    credit: Annotated[str, Form(max_length=300)] = "",
    alt: Annotated[str, Form(max_length=2000)] = "",
) -> dict[str, Any]:
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    return library.upload_photo(
        _site(request),
        actor,
        slug,
        data,
        file.filename or "",
        caption=caption,
        credit=credit,
        alt=alt,
    )


@router.get(
    "/blogs/{slug}/media",
    responses=errors(403),
    response_model=PhotoPage,
    summary="List the blog's photos, newest first (its team only)",
)
def list_photos(
    request: Request,
    slug: str,
    actor: CurrentActor,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> dict[str, Any]:
    return library.library(_site(request), actor, slug, page)
