"""What the API answers, as pydantic models: the schemas of /api/openapi.json.

The records themselves are built by :mod:`liveblog.present` (and events and exports carry
the same ones); these models describe them, field for field, and FastAPI checks every
answer against them. A test keeps the two in step."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class BlogRecord(BaseModel):
    slug: str
    title: str
    standfirst: str | None
    section: str | None
    language: str
    timezone: str = Field(description="An IANA time zone name, e.g. Europe/London")
    status: str = Field(description="draft, live or ended")
    last_seq: int = Field(description="The seq of the blog's last event")
    created_at: str | None = Field(description="ISO 8601 in UTC, e.g. 2024-05-29T12:05:00Z")
    updated_at: str | None = Field(description="ISO 8601 in UTC")
    url: str = Field(description="The reader page")


class BlogWithPin(BlogRecord):
    pinned_post: str | None = Field(description="The pinned post's id")
    frame_ancestors: str = Field(
        description="Sites that may frame the embeds (docs/embeds.md); empty: the site's setting"
    )
    starts_at: str | None = Field(
        description="When the blog goes live by itself (ISO 8601 in UTC); null: not scheduled"
    )
    ends_at: str | None = Field(
        description="When the blog ends by itself (ISO 8601 in UTC); null: not scheduled"
    )


class BlogChanged(BlogRecord):
    frame_ancestors: str = Field(
        description="Sites that may frame the embeds (docs/embeds.md); empty: the site's setting"
    )
    starts_at: str | None = Field(
        description="When the blog goes live by itself (ISO 8601 in UTC); null: not scheduled"
    )
    ends_at: str | None = Field(
        description="When the blog ends by itself (ISO 8601 in UTC); null: not scheduled"
    )
    purge: list[str] = Field(description="The public addresses this change altered")


class BlogList(BaseModel):
    blogs: list[BlogRecord]


class PostRecord(BaseModel):
    id: str
    title: str | None
    elements: list[dict[str, Any]] = Field(
        description="text, image, quote and embed elements, in order"
    )
    key_event: bool
    summary: bool
    pinned: bool
    sources: list[str]
    verification: str | None = Field(description="null, unverified, confirmed or disputed")
    authors: list[str]
    correction: str | None
    tags: list[str] = Field(description="The post's tags, as the blog's list names them")
    status: str = Field(description="draft, submitted, scheduled, published or deleted")
    published_at: str | None = Field(description="ISO 8601 in UTC")
    scheduled_at: str | None = Field(
        description="A scheduled post's time to be published (ISO 8601 in UTC); else null"
    )
    updated_at: str | None = Field(description="ISO 8601 in UTC")
    version: int = Field(description="Send it back in If-Match to edit")
    label: str = Field(description="The headline, or the first sentence")
    body_html: str
    url: str | None = Field(description="The post's permalink")


class PostChanged(PostRecord):
    purge: list[str] = Field(description="The public addresses this change altered")


class PostPage(BaseModel):
    posts: list[PostRecord]
    page: int
    per_page: int
    total: int
    pages: int


class Readers(BaseModel):
    readers: int = Field(
        description="Readers following the blog's event stream now, over every process and "
        "node; approximate, at most a few seconds old (polling readers are not counted)."
    )


class Problem(BaseModel):
    field: str = Field(description="Where, e.g. elements.0.markdown; empty for the whole body")
    message: str


class ApiError(BaseModel):
    """Every error: a ``detail`` a person can read (see docs/api.md#errors)."""

    detail: str


class StaleVersion(ApiError):
    current_version: int = Field(description="The post's version now; also in the ETag")
    changed: list[str] = Field(
        default_factory=list,
        description="The fields saved since the version in If-Match (empty when it is unknown)",
    )
    conflicting: list[str] = Field(
        default_factory=list, description="Those of them that the refused edit also sets"
    )


class InvalidInput(ApiError):
    errors: list[Problem] = Field(description="Every problem found; detail names the first")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for its OpenAPI description."""
    models: dict[int, type[ApiError]] = {412: StaleVersion, 422: InvalidInput}
    return {status: {"model": models.get(status, ApiError)} for status in statuses}


class WebhookRecord(BaseModel):
    id: int
    url: str
    blog: str | None = Field(description="The blog's slug; null for every blog")
    kinds: list[str] = Field(description="The event kinds it gets; empty for every kind")
    description: str
    owner: str | None = Field(description="The admin who registered it")
    active: bool = Field(description="False once disabled (by hand, or failing for too long)")
    disabled_reason: str | None
    disabled_at: str | None = Field(description="ISO 8601 in UTC")
    failing_since: str | None = Field(description="Since when every try has failed")
    created_at: str | None = Field(description="ISO 8601 in UTC")
    secret: str = Field(description="whsec_…: the receiver checks signatures with it")
    pending: int = Field(description="Deliveries waiting to be sent or retried")
    failed: int = Field(description="Deliveries given up on; a replay sends them again")


class WebhookList(BaseModel):
    webhooks: list[WebhookRecord]


class DeliveryRecord(BaseModel):
    id: int
    message_id: str = Field(description="The webhook-id header: the same on every try")
    blog: str | None
    seq: int = Field(description="The event's seq in the blog's log")
    kind: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: str | None = Field(description="When a pending one is tried next")
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: str | None
    delivered_at: str | None
    created_at: str | None


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryRecord] = Field(description="Newest first")
    page: int
    more: bool = Field(description="Whether an older page follows")


class Replayed(BaseModel):
    replayed: int = Field(description="How many deliveries were queued again")


class WebhookDeleted(BaseModel):
    deleted: int = Field(description="The id of the endpoint deleted")


class TagRecord(BaseModel):
    name: str = Field(description="As the blog's list spells it, e.g. Kharkiv")
    slug: str = Field(description="Its key: the name in lower case, hyphens for spaces")
    posts: int = Field(
        description=(
            "How many of the posts the caller may read carry it: drafts and deleted posts "
            "included for editors and owners, a contributor's own for a contributor"
        )
    )


class TagList(BaseModel):
    tags: list[TagRecord] = Field(description="By slug")


class TagChanged(TagRecord):
    purge: list[str] = Field(description="The public addresses this change altered")
