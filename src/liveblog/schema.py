"""The shapes of what editors and importers send: validated once, shared by API, CLI and import."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from liveblog.elements import Element
from liveblog.framing import MAX_LENGTH as MAX_ANCESTORS_LENGTH
from liveblog.framing import parse_ancestors
from liveblog.states import EDITABLE_POST_STATUSES, BlogStatus, PostStatus, Verification
from liveblog.strings import no_control
from liveblog.tags import TagList, TagName

Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(no_control),
]
ShortName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    AfterValidator(no_control),
]
LongText = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(no_control)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")]
MAX_ELEMENTS = 200  # elements in one post


def _editable(status: PostStatus) -> PostStatus:
    if status not in EDITABLE_POST_STATUSES:
        raise PydanticCustomError("enum", "Input should be {expected}", {"expected": _EXPECTED})
    return status


_EXPECTED = " or ".join(
    [", ".join(f"'{s}'" for s in EDITABLE_POST_STATUSES[:-1]), f"'{EDITABLE_POST_STATUSES[-1]}'"]
)
# The statuses an editor may give a post (deletion is its own action).
EditablePostStatus = Annotated[
    PostStatus,
    AfterValidator(_editable),
    WithJsonSchema({"type": "string", "enum": [str(s) for s in EDITABLE_POST_STATUSES]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Changes(_Strict):
    """A partial change: a field left out stays as it is; only some may be set to null."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _nulls_only_where_allowed(self) -> Self:
        for name in sorted(self.model_fields_set - self.nullable):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PostContent(_Strict):
    """What a post says: the fields an editor writes, on create and on edit."""

    title: Line | None = None
    elements: list[Element] = Field(default_factory=list, max_length=MAX_ELEMENTS)
    key_event: bool = False
    summary: bool = False
    sources: list[ShortName] = Field(default_factory=list, max_length=30)
    verification: Verification | None = None
    authors: list[ShortName] = Field(default_factory=list, max_length=20)
    correction: (
        Annotated[str, StringConstraints(max_length=2_000), AfterValidator(no_control)] | None
    ) = None
    tags: TagList = Field(default_factory=list)


SCHEDULED_AT = (
    "With the status scheduled: when the post is to be published, ISO 8601; a time without "
    "an offset is in the blog's time zone. In the future, at most a year ahead"
)


class NewPost(PostContent):
    status: EditablePostStatus = PostStatus.PUBLISHED
    scheduled_at: datetime | None = Field(default=None, description=SCHEDULED_AT)


class PostChanges(_Changes):
    """A partial edit: only the fields given change."""

    nullable = frozenset({"title", "verification", "correction", "note"})

    title: Line | None = None
    elements: list[Element] | None = Field(default=None, max_length=MAX_ELEMENTS)
    key_event: bool | None = None
    summary: bool | None = None
    sources: list[ShortName] | None = Field(default=None, max_length=30)
    verification: Verification | None = None
    authors: list[ShortName] | None = Field(default=None, max_length=20)
    correction: (
        Annotated[str, StringConstraints(max_length=2_000), AfterValidator(no_control)] | None
    ) = None
    tags: TagList | None = None
    status: EditablePostStatus | None = None
    scheduled_at: datetime | None = Field(default=None, description=SCHEDULED_AT)
    note: Annotated[str, StringConstraints(max_length=500), AfterValidator(no_control)] | None = (
        None
    )


class TagFields(_Strict):
    """A tag for a blog's list: new, or a new name for one."""

    name: TagName


def _valid_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_valid_zone)]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


Standfirst = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(no_control)]


class BlogFields(_Strict):
    """A new blog, from an editor or from an exchange file."""

    title: Line
    slug: Slug | None = None
    standfirst: Standfirst | None = None
    section: ShortName | None = None
    language: Language = "en"
    timezone: TimeZone = "UTC"
    status: BlogStatus = BlogStatus.LIVE


def _ancestors(text: str) -> str:
    try:
        return parse_ancestors(text)
    except ValueError as exc:
        raise PydanticCustomError("frame_ancestors", str(exc)) from None


# Who may frame the blog's embeds (framing.py); "" or null means the site's setting.
FrameAncestors = Annotated[
    str, StringConstraints(max_length=MAX_ANCESTORS_LENGTH), AfterValidator(_ancestors)
]


class BlogChanges(_Changes):
    nullable = frozenset({"standfirst", "section", "frame_ancestors", "starts_at", "ends_at"})

    title: Line | None = None
    standfirst: Standfirst | None = None
    section: ShortName | None = None
    language: Language | None = None
    timezone: TimeZone | None = None
    status: BlogStatus | None = None
    frame_ancestors: FrameAncestors | None = Field(
        default=None,
        description="Sites that may frame the embeds: origins such as https://news.example.com"
        ", * for any, none for only this site; empty or null for the site's setting",
    )
    starts_at: datetime | None = Field(
        default=None,
        description="When the blog goes live by itself (ISO 8601; without an offset, in the "
        "blog's time zone): in the future, at most a year ahead; null cancels",
    )
    ends_at: datetime | None = Field(
        default=None,
        description="When the blog ends by itself, after starts_at when both are set; null cancels",
    )


class ExchangePost(PostContent):
    """A post in the exchange format: its content plus the record of its life."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{4,16}$")] | None = None
    pinned: bool = False
    edited: bool = False
    status: PostStatus = PostStatus.PUBLISHED
    published_at: datetime | None = None
    updated_at: datetime | None = None
    # The time as a source page printed it ("12.05 BST", "2h ago"): kept by import-text
    # for the person checking an import; not stored.
    time_label: Annotated[str, StringConstraints(max_length=60)] | None = None

    @field_validator("published_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. 2024-05-16T09:30:00+00:00")
        return value


EXCHANGE_FORMAT = "liveblog-exchange/1"


class ExchangeBlog(BlogFields):
    format: Literal["liveblog-exchange/1"]
    note: str | None = None
    posts: list[ExchangePost] = Field(default_factory=list, max_length=100_000)


WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
WebhookNote = Annotated[str, StringConstraints(max_length=300), AfterValidator(no_control)]


class WebhookFields(_Strict):
    """A new webhook endpoint: where to send, for which blog (none: all) and which event
    kinds (none: all). Checked further by actions/webhooks.py (http(s) only, known kinds)."""

    url: WebhookUrl
    blog: str | None = None
    kinds: list[str] = Field(default_factory=list, max_length=20)
    description: WebhookNote = ""


class WebhookChanges(_Changes):
    nullable = frozenset({"blog"})

    url: WebhookUrl | None = None
    blog: str | None = None
    kinds: list[str] | None = Field(default=None, max_length=20)
    description: WebhookNote | None = None
