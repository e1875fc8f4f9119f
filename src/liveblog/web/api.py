"""The JSON API, /api/v1: blogs and posts. Each write calls one action."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from liveblog.actions import blogs as blog_actions
from liveblog.actions import posts as post_actions
from liveblog.actions import tags as tag_actions
from liveblog.actions import webhooks as hooks
from liveblog.actions.access import require_readable_blog
from liveblog.errors import Invalid, PreconditionRequired
from liveblog.paging import LAST_PAGE
from liveblog.present import blog_record
from liveblog.schema import (
    BlogChanges,
    BlogFields,
    NewPost,
    PostChanges,
    TagFields,
    WebhookChanges,
    WebhookFields,
)
from liveblog.site import Site
from liveblog.states import PostStatus
from liveblog.storage import queries as q
from liveblog.web.api_models import (
    BlogChanged,
    BlogList,
    BlogRecord,
    BlogWithPin,
    DeliveryPage,
    PostChanged,
    PostPage,
    PostRecord,
    Readers,
    Replayed,
    TagChanged,
    TagList,
    TagRecord,
    WebhookDeleted,
    WebhookList,
    WebhookRecord,
    errors,
)
from liveblog.web.auth import CurrentActor, MaybeActor
from liveblog.web.desk.common import RowId, TagKey
from liveblog.web.desk.postform import small_number

# Any route may answer these; each route adds the ones only it gives (see docs/api.md).
router = APIRouter(prefix="/api/v1", tags=["v1"], responses=errors(400, 401, 404, 413, 422))


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def _etag(response: Response, record: dict[str, Any]) -> dict[str, Any]:
    response.headers["ETag"] = f'"{record["version"]}"'
    return record


def _version(if_match: str | None) -> int:
    if if_match is None:
        raise PreconditionRequired("send 'If-Match: <version>' with the version you edited")
    version = small_number(if_match.strip().removeprefix("W/").strip('"'), digits=9)
    if version is None:
        raise Invalid("If-Match must be the post's version number, e.g. If-Match: 3", "If-Match")
    return version


@router.get("/blogs", response_model=BlogList, summary="List live and ended blogs")
def list_blogs(request: Request) -> dict[str, Any]:
    site = _site(request)
    with site.db.reading() as session:
        blogs = q.listed_blogs(session, limit=200)
        return {"blogs": [blog_record(b, site.settings.base_url) for b in blogs]}


@router.post(
    "/blogs",
    status_code=201,
    responses=errors(403, 409),
    response_model=BlogRecord,
    summary="Create a blog",
)
def create_blog(request: Request, actor: CurrentActor, fields: BlogFields) -> dict[str, Any]:
    return blog_actions.create_blog(_site(request), actor, fields)


@router.get("/blogs/{slug}", response_model=BlogWithPin, summary="Get a blog")
def get_blog(request: Request, slug: str, actor: MaybeActor) -> dict[str, Any]:
    site = _site(request)
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        require_readable_blog(session, actor, blog)
        record = blog_actions.blog_settings(blog, site.settings.base_url)
        return record | {"pinned_post": q.pinned_post_id(session, blog)}


@router.get("/blogs/{slug}/readers", response_model=Readers, summary="Readers reading now")
def blog_readers(request: Request, response: Response, slug: str, actor: MaybeActor) -> Readers:
    blog_id = blog_actions.readers_of(_site(request), actor, slug)
    response.headers["Cache-Control"] = "no-store"
    return Readers(readers=request.app.state.readers.total(blog_id))


@router.patch(
    "/blogs/{slug}",
    responses=errors(403),
    response_model=BlogChanged,
    summary="Change a blog's title, standfirst, section, status, schedule or framing",
)
def update_blog(
    request: Request, slug: str, actor: CurrentActor, changes: BlogChanges
) -> dict[str, Any]:
    return blog_actions.update_blog(_site(request), actor, slug, changes)


@router.get(
    "/blogs/{slug}/posts",
    responses=errors(403),
    response_model=PostPage,
    summary="List posts, newest first",
)
def list_posts(
    request: Request,
    slug: str,
    actor: MaybeActor,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    status: PostStatus = PostStatus.PUBLISHED,
) -> dict[str, Any]:
    return post_actions.list_posts(_site(request), actor, slug, status, page, per_page)


@router.post(
    "/blogs/{slug}/posts",
    status_code=201,
    responses=errors(403),
    response_model=PostChanged,
    summary="Publish a post, schedule it, or save a draft",
)
def create_post(
    request: Request, response: Response, slug: str, actor: CurrentActor, post: NewPost
) -> dict[str, Any]:
    return _etag(response, post_actions.create_post(_site(request), actor, slug, post))


@router.get("/blogs/{slug}/posts/{post_id}", response_model=PostRecord, summary="Get a post")
def get_post(
    request: Request, response: Response, slug: str, post_id: str, actor: MaybeActor
) -> dict[str, Any]:
    return _etag(response, post_actions.read_post(_site(request), actor, slug, post_id))


@router.patch(
    "/blogs/{slug}/posts/{post_id}",
    responses=errors(403, 412, 428),
    response_model=PostChanged,
    summary="Edit a post; send If-Match with the version you edited",
)
def edit_post(
    request: Request,
    response: Response,
    slug: str,
    post_id: str,
    actor: CurrentActor,
    changes: PostChanges,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    version = _version(if_match)
    record = post_actions.edit_post(_site(request), actor, slug, post_id, changes, version)
    return _etag(response, record)


@router.delete(
    "/blogs/{slug}/posts/{post_id}",
    responses=errors(403),
    response_model=PostChanged,
    summary="Delete a post (it can be restored)",
)
def delete_post(
    request: Request, response: Response, slug: str, post_id: str, actor: CurrentActor
) -> dict[str, Any]:
    return _etag(response, post_actions.delete_post(_site(request), actor, slug, post_id))


@router.post(
    "/blogs/{slug}/posts/{post_id}/restore",
    responses=errors(403),
    response_model=PostChanged,
    summary="Restore a deleted post",
)
def restore_post(
    request: Request, response: Response, slug: str, post_id: str, actor: CurrentActor
) -> dict[str, Any]:
    return _etag(response, post_actions.restore_post(_site(request), actor, slug, post_id))


@router.post(
    "/blogs/{slug}/posts/{post_id}/pin",
    responses=errors(403),
    response_model=PostChanged,
    summary="Pin a post (one per blog)",
)
def pin_post(
    request: Request, response: Response, slug: str, post_id: str, actor: CurrentActor
) -> dict[str, Any]:
    return _etag(response, post_actions.set_pinned(_site(request), actor, slug, post_id, True))


@router.post(
    "/blogs/{slug}/posts/{post_id}/unpin",
    responses=errors(403),
    response_model=PostChanged,
    summary="Unpin a post",
)
def unpin_post(
    request: Request, response: Response, slug: str, post_id: str, actor: CurrentActor
) -> dict[str, Any]:
    return _etag(response, post_actions.set_pinned(_site(request), actor, slug, post_id, False))


# A blog's tags: its team lists and adds them, its editors rename and delete them (the
# actions check; see docs/api.md#tags). A tag is named by its slug, or its name.


@router.get(
    "/blogs/{slug}/tags", responses=errors(403), response_model=TagList, summary="List tags"
)
def list_tags(request: Request, slug: str, actor: CurrentActor) -> dict[str, Any]:
    return tag_actions.list_tags(_site(request), actor, slug)


@router.post(
    "/blogs/{slug}/tags",
    status_code=201,
    responses=errors(403, 409),
    response_model=TagRecord,
    summary="Add a tag to the blog's list",
)
def create_tag(request: Request, slug: str, actor: CurrentActor, tag: TagFields) -> dict[str, Any]:
    return tag_actions.create_tag(_site(request), actor, slug, tag)


@router.patch(
    "/blogs/{slug}/tags/{tag}",
    responses=errors(403, 409),
    response_model=TagChanged,
    summary="Rename a tag, on every post that carries it",
)
def rename_tag(
    request: Request, slug: str, tag: TagKey, actor: CurrentActor, fields: TagFields
) -> dict[str, Any]:
    return tag_actions.rename_tag(_site(request), actor, slug, tag, fields)


@router.delete(
    "/blogs/{slug}/tags/{tag}",
    responses=errors(403, 409),
    response_model=TagChanged,
    summary="Delete a tag, and take it off every post that carries it",
)
def delete_tag(request: Request, slug: str, tag: TagKey, actor: CurrentActor) -> dict[str, Any]:
    return tag_actions.delete_tag(_site(request), actor, slug, tag)


# Webhooks: site admins only (the actions check; see docs/webhooks.md).


@router.get("/webhooks", responses=errors(403), response_model=WebhookList, summary="List webhooks")
def list_webhooks(request: Request, actor: CurrentActor) -> dict[str, Any]:
    return {"webhooks": [view.record() for view in hooks.endpoints(_site(request), actor)]}


@router.post(
    "/webhooks",
    status_code=201,
    responses=errors(403),
    response_model=WebhookRecord,
    summary="Register a webhook endpoint",
)
def create_webhook(request: Request, actor: CurrentActor, fields: WebhookFields) -> dict[str, Any]:
    endpoint_id = hooks.create_endpoint(_site(request), actor, fields)
    return hooks.endpoint(_site(request), actor, endpoint_id).record()


@router.get(
    "/webhooks/{endpoint_id}",
    responses=errors(403),
    response_model=WebhookRecord,
    summary="Get a webhook endpoint",
)
def get_webhook(request: Request, endpoint_id: RowId, actor: CurrentActor) -> dict[str, Any]:
    return hooks.endpoint(_site(request), actor, endpoint_id).record()


@router.patch(
    "/webhooks/{endpoint_id}",
    responses=errors(403),
    response_model=WebhookRecord,
    summary="Change a webhook endpoint's address, blog, kinds or description",
)
def update_webhook(
    request: Request, endpoint_id: RowId, actor: CurrentActor, changes: WebhookChanges
) -> dict[str, Any]:
    hooks.update_endpoint(_site(request), actor, endpoint_id, changes)
    return hooks.endpoint(_site(request), actor, endpoint_id).record()


@router.delete(
    "/webhooks/{endpoint_id}",
    responses=errors(403),
    response_model=WebhookDeleted,
    summary="Delete a webhook endpoint and its delivery log",
)
def delete_webhook(request: Request, endpoint_id: RowId, actor: CurrentActor) -> dict[str, Any]:
    hooks.delete_endpoint(_site(request), actor, endpoint_id)
    return {"deleted": endpoint_id}


@router.post(
    "/webhooks/{endpoint_id}/replay",
    responses=errors(403),
    response_model=Replayed,
    summary="Send every failed delivery of an endpoint again, in order",
)
def replay_failed(request: Request, endpoint_id: RowId, actor: CurrentActor) -> dict[str, Any]:
    return {"replayed": hooks.replay(_site(request), actor, endpoint_id)}


# After /replay, which this address would match too.
@router.post(
    "/webhooks/{endpoint_id}/{switch}",
    responses=errors(403),
    response_model=WebhookRecord,
    summary="Enable a webhook endpoint again, disable it, or give it a new secret",
)
def switch_webhook(
    request: Request,
    endpoint_id: RowId,
    switch: Literal["enable", "disable", "rotate-secret"],
    actor: CurrentActor,
) -> dict[str, Any]:
    site = _site(request)
    if switch == "rotate-secret":
        hooks.rotate_secret(site, actor, endpoint_id)
    else:
        hooks.set_enabled(site, actor, endpoint_id, switch == "enable")
    return hooks.endpoint(site, actor, endpoint_id).record()


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    responses=errors(403),
    response_model=DeliveryPage,
    summary="A webhook endpoint's deliveries, newest first",
)
def list_deliveries(
    request: Request,
    endpoint_id: RowId,
    actor: CurrentActor,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> dict[str, Any]:
    found = hooks.deliveries(_site(request), actor, endpoint_id, page)
    records = [hooks.delivery_record(row, found.slugs) for row in found.deliveries]
    return {"deliveries": records, "page": found.page, "more": found.more}


@router.post(
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay",
    responses=errors(403),
    response_model=Replayed,
    summary="Send one delivery again (same webhook-id and body)",
)
def replay_one(
    request: Request, endpoint_id: RowId, delivery_id: RowId, actor: CurrentActor
) -> dict[str, Any]:
    return {"replayed": hooks.replay(_site(request), actor, endpoint_id, delivery_id)}
