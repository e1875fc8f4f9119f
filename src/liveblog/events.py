"""The events' contract: every kind the log holds, the typed payload of each and its schema
version, and how an event stored by older code is read as the current one (see
docs/real-time.md, "Events: the contract"). Actions emit these; realtime reads them back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from liveblog.elements import Element
from liveblog.render import render_body
from liveblog.render.cards import CARD_STAMP, CardPost, card_html
from liveblog.states import BlogStatus, PostStatus, Verification
from liveblog.storage import Blog, Post
from liveblog.times import clock

log = logging.getLogger("liveblog.events")


class EventKind(StrEnum):
    """Every kind of event in the log: the SSE ``event:`` names and ``kind`` in JSON."""

    POST_PUBLISHED = "post.published"
    POST_EDITED = "post.edited"
    POST_FLAGGED = "post.flagged"
    POST_RESTORED = "post.restored"
    POST_DELETED = "post.deleted"
    POST_PINNED = "post.pinned"
    POST_UNPINNED = "post.unpinned"
    BLOG_CREATED = "blog.created"
    BLOG_EDITED = "blog.edited"
    BLOG_ENDED = "blog.ended"
    BLOG_REOPENED = "blog.reopened"


RESYNC = "resync"
"""Not in the log: what a stream sends a reader it cannot bring up to date (reload)."""
STREAM_KINDS = (*(kind.value for kind in EventKind), RESYNC)
"""Every ``event:`` name a reader can get, in the order the reader script lists them."""

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Payload(BaseModel):
    """What one event says. Readers ignore fields they do not know (a newer writer may add
    some); ``check`` refuses them in what this code writes."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    KIND: ClassVar[EventKind]

    v: int = Field(description="the version of this kind's payload schema")

    @classmethod
    def schema_version(cls) -> int:
        default = cls.model_fields["v"].default
        assert isinstance(default, int)
        return default

    def stored(self) -> dict[str, Any]:
        """The payload as the log stores it, version included."""
        return self.model_dump(mode="json")


class PostRef(Payload):
    """Names a post and nothing more: it is gone, or no longer pinned."""

    v: Literal[1] = 1
    id: str = Field(description="the post's public id")


class PostDeleted(PostRef):
    """The post is gone; also what a deleted post's earlier events say (a tombstone)."""

    KIND = EventKind.POST_DELETED


class PostUnpinned(PostRef):
    KIND = EventKind.POST_UNPINNED


class PostFields(BaseModel):
    """A published post's public fields: what webhooks, feeds and pages build on."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(description="the post's public id, stable: permalinks use it")
    title: str | None
    label: str = Field(description="the headline, or the first sentence")
    elements: list[Element]
    key_event: bool
    summary: bool
    pinned: bool
    sources: list[str]
    verification: Verification | None
    authors: list[str]
    correction: str | None
    tags: list[str] = Field(description="its tags, as the blog's list names them")
    status: Literal["published"]
    published_at: Time
    updated_at: Time | None = Field(description="set when what the post says changed")
    version: int
    url: str | None = Field(description="the post's permalink")


class PostState(Payload, PostFields):
    """The post's whole public state, and its card: ``html`` (with ``clock``) is rendered
    from the fields above by the card template stamped in ``card``."""

    v: Literal[4] = 4
    html: str = Field(description="the post's card, as the reader page shows it")
    clock: str = Field(description="the publication time in the blog's time zone")
    card: str = Field(description="the card template's stamp: another stamp means re-render")


class PostPublished(PostState):
    KIND = EventKind.POST_PUBLISHED


class PostEdited(PostState):
    KIND = EventKind.POST_EDITED


class PostFlagged(PostState):
    KIND = EventKind.POST_FLAGGED


class PostRestored(PostState):
    KIND = EventKind.POST_RESTORED


class PostPinned(PostState):
    KIND = EventKind.POST_PINNED

    replaces: str | None = Field(default=None, description="the post it unpinned, if any")


class BlogState(Payload):
    """The blog's public record."""

    v: Literal[1] = 1
    slug: str
    title: str
    standfirst: str | None
    section: str | None
    language: str
    timezone: str
    status: BlogStatus
    last_seq: int
    created_at: Time
    updated_at: Time
    url: str


class BlogCreated(BlogState):
    KIND = EventKind.BLOG_CREATED


class BlogEdited(BlogState):
    KIND = EventKind.BLOG_EDITED


class BlogEnded(BlogState):
    KIND = EventKind.BLOG_ENDED


class BlogReopened(BlogState):
    KIND = EventKind.BLOG_REOPENED


SCHEMAS: dict[EventKind, type[Payload]] = {
    model.KIND: model
    for model in (
        PostPublished,
        PostEdited,
        PostFlagged,
        PostRestored,
        PostDeleted,
        PostPinned,
        PostUnpinned,
        BlogCreated,
        BlogEdited,
        BlogEnded,
        BlogReopened,
    )
}
POST_STATE_KINDS = frozenset(k for k, model in SCHEMAS.items() if issubclass(model, PostState))
"""Kinds whose payload is the post's whole public state (its fields and card)."""
OWN_FIELDS = ("replaces",)
"""Fields that belong to one event, not to the post's state: kept when restating."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each kind's payload as JSON Schema: for consumers of the log (webhooks, feeds)."""
    return {kind.value: model.model_json_schema() for kind, model in SCHEMAS.items()}


CARD_CONTENT = frozenset({"elements", "sources", "verification", "authors", "correction", "tags"})
"""What a post says, which its card shows: stored for consumers of the log (webhooks,
feeds), left out of what readers' pages get, which would otherwise carry it twice."""


def for_readers(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the reader script gets it: everything but the card's content."""
    if "html" not in payload:
        return payload
    return {name: value for name, value in payload.items() if name not in CARD_CONTENT}


def check(kind: str, payload: dict[str, Any]) -> Payload:
    """Validates a stored event as this code writes it: a known kind, its current version,
    no field the model does not name. Raises ValueError (pydantic's ValidationError)."""
    model = SCHEMAS[EventKind(kind)]
    if "v" not in payload:
        raise ValueError(f"{kind} does not say its schema version (v)")
    unknown = set(payload) - set(model.model_fields)
    if unknown:
        raise ValueError(f"{kind} carries fields its schema does not name: {sorted(unknown)}")
    return model.model_validate(payload)


S = TypeVar("S", bound=PostState)


def tombstone(public_id: str) -> dict[str, Any]:
    return PostDeleted(id=public_id).stored()


def post_state(
    model: type[S],
    fields: dict[str, Any],
    blog_slug: str,
    timezone: str,
    body_html: str | None = None,
    **own: Any,
) -> S:
    """A post-state event from the post's public fields, with its card rendered from them.
    ``body_html``: the body already rendered from these same elements (the writing action
    has it), so it is not rendered twice."""
    public = PostFields.model_validate(fields)
    card = _card(public, blog_slug, timezone, body_html)
    return model.model_validate(public.model_dump() | own | card)


def _card(
    post: PostFields, blog_slug: str, timezone: str, body_html: str | None = None
) -> dict[str, str]:
    """The card and clock, derived from the post's fields alone (never from its row)."""
    published = _time(post.published_at)
    view = CardPost(
        public_id=post.id,
        title=post.title,
        label=post.label,
        key_event=post.key_event,
        summary=post.summary,
        version=post.version,
        published_at=published,
        updated_at=_time(post.updated_at),
        authors=post.authors,
        verification=post.verification,
        sources=post.sources,
        correction=post.correction,
        tags=tuple(post.tags),
        body_html=(
            render_body([e.model_dump(mode="json") for e in post.elements])
            if body_html is None
            else body_html
        ),
    )
    return {
        "html": card_html(view, f"/live/{blog_slug}/posts/{post.id}", timezone, post.pinned),
        "clock": clock(published, timezone),
        "card": CARD_STAMP,
    }


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Context(Protocol):
    """What reading an old event may need to look up: the blog, and the post's row."""

    def blog(self) -> Blog: ...
    def post(self, post_id: int | None) -> Post | None: ...


def _public_row(context: Context, post_id: int | None) -> Post | None:
    """The post's row while it is public; None once it is not (its events read as a
    tombstone: the log never outlives a removal)."""
    post = context.post(post_id)
    return post if post is not None and post.status == PostStatus.PUBLISHED else None


def _post_v1_to_v2(
    kind: str, payload: dict[str, Any], post_id: int | None, context: Context
) -> tuple[str, dict[str, Any]]:
    """Version 1 carried the card but not the post's content. Restating keeps a
    post-state event equal to the post's public state, so its row has the fields; a post
    that is no longer public (which restating rules out) reads as a tombstone."""
    post = _public_row(context, post_id)
    if post is None:
        return EventKind.POST_DELETED, tombstone(str(payload.get("id")))
    content = {
        "elements": post.elements,
        "sources": post.sources,
        "verification": post.verification,
        "authors": post.authors,
        "correction": post.correction,
    }
    return kind, payload | content | {"v": 2, "card": ""}  # no stamp: re-rendered below


def _post_v2_to_v3(
    kind: str, payload: dict[str, Any], post_id: int | None, context: Context
) -> tuple[str, dict[str, Any]]:
    """Version 3 added the post's ``tags``: taken from its row, which restating keeps equal
    to the event's state (a post no longer public reads as a tombstone, as above)."""
    post = _public_row(context, post_id)
    if post is None:
        return EventKind.POST_DELETED, tombstone(str(payload.get("id")))
    return kind, payload | {"tags": list(post.tags or []), "v": 3, "card": ""}


def _post_v3_to_v4(
    kind: str, payload: dict[str, Any], _post_id: int | None, _context: Context
) -> tuple[str, dict[str, Any]]:
    """Version 4 let an ``embed`` element carry a ``title``: an older embed has none."""
    elements = [
        element | {"title": element.get("title")}
        if isinstance(element, dict) and element.get("type") == "embed"
        else element
        for element in payload.get("elements", [])
    ]
    return kind, payload | {"elements": elements, "v": 4}


def _unversioned(
    kind: str, payload: dict[str, Any], _post_id: int | None, _context: Context
) -> tuple[str, dict[str, Any]]:
    """Before versions were stored, tombstones and blog records had version 1's shape."""
    return kind, payload | {"v": 1}


Upcaster = Callable[[str, dict[str, Any], int | None, Context], tuple[str, dict[str, Any]]]
# (kind, version found) -> the step to the next version. A payload without "v" was written
# before versions were stored: version 0 for tombstones and blog records, 1 for post states.
UPCASTERS: dict[tuple[EventKind, int], Upcaster] = {
    **{(kind, 1): _post_v1_to_v2 for kind in POST_STATE_KINDS},
    **{(kind, 2): _post_v2_to_v3 for kind in POST_STATE_KINDS},
    **{(kind, 3): _post_v3_to_v4 for kind in POST_STATE_KINDS},
    **{(kind, 0): _unversioned for kind in set(EventKind) - POST_STATE_KINDS},
}


def current(
    kind: str, payload: dict[str, Any], post_id: int | None, context: Context
) -> tuple[str, dict[str, Any]]:
    """The event as this code writes it: upcast step by step to the current version, and
    its card re-rendered when another template rendered it. Fields this code does not know
    (a newer writer's) are kept, and a kind it does not know passes through untouched.

    Cheap when there is nothing to do (the usual case): two dictionary look-ups."""
    if kind not in SCHEMAS:
        return kind, payload
    while True:
        known = EventKind(kind)
        found = payload.get("v", 1 if known in POST_STATE_KINDS else 0)
        step = UPCASTERS.get((known, found))
        if step is None:
            break
        kind, payload = step(kind, payload, post_id, context)
    if kind in POST_STATE_KINDS and payload.get("card") != CARD_STAMP:
        blog = context.blog()
        try:
            fields = PostFields.model_validate(payload)
        except ValidationError as error:
            # One odd row must not stop a blog's replay: it is sent with the card it has.
            log.warning("event %s of blog %s not re-rendered: %s", kind, blog.slug, error)
            return kind, payload
        payload = payload | _card(fields, blog.slug, blog.timezone)
    return kind, payload
