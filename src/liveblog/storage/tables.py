"""The tables, as SQLAlchemy 2 typed mappings. All times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from liveblog.states import (
    BlogRole,
    BlogStatus,
    DeliveryStatus,
    PostStatus,
    SiteRole,
    Verification,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite has no time zones, so without this a value read back would be naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def one_of(column: str, values: type[StrEnum]) -> str:
    """The SQL condition that a column holds one of an enum's values (or is null)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def only(table: str, column: str, values: type[StrEnum]) -> CheckConstraint:
    """A CHECK constraint named ck_<table>_<column>: the migrations create the same ones."""
    return CheckConstraint(one_of(column, values), name=f"ck_{table}_{column}")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class User(Base):
    __tablename__ = "users"
    __table_args__ = (only("users", "role", SiteRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Site-wide role (SiteRole). Memberships can raise it per blog.
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A disabled person's logins and tokens open nothing until an admin enables them again.
    disabled_at: Mapped[datetime | None] = mapped_column()
    # A removed person keeps their row so that their posts' history still names them; their
    # sessions, tokens and memberships are gone and their email is free again.
    removed_at: Mapped[datetime | None] = mapped_column()
    # Two-factor login (TOTP): the shared secret once confirmed, and the time step of the
    # last code accepted, so that no code opens two logins.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class Blog(Base):
    __tablename__ = "blogs"
    __table_args__ = (only("blogs", "status", BlogStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    standfirst: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(20), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    status: Mapped[str] = mapped_column(String(10), default=BlogStatus.LIVE.value)
    pinned_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, name="fk_blogs_pinned_post", ondelete="SET NULL")
    )
    # The last event's seq: bumped inside every writing transaction (see actions/events.py).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who may frame the blog's embed pages (framing.py): null means the site's setting.
    frame_ancestors: Mapped[str | None] = mapped_column(String(1000))
    # Scheduling (actions/scheduler.py): when the worker's runner makes the blog live, and
    # when it ends it; null for no schedule.
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    # Bumped by every change to the blog's team notes (actions/together.py): never repeats.
    notes_mark: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (only("memberships", "role", BlogRole),)

    blog_id: Mapped[int] = mapped_column(
        ForeignKey("blogs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20))  # BlogRole


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_blog_stream", "blog_id", "status", "published_at", "id"),
        Index("ix_posts_blog_key", "blog_id", "key_event"),
        Index("ix_posts_scheduled", "status", "scheduled_at"),
        only("posts", "status", PostStatus),
        only("posts", "status_before_delete", PostStatus),
        only("posts", "verification", Verification),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(300))
    elements: Mapped[list[Any]] = mapped_column(default=list)
    key_event: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    verification: Mapped[str | None] = mapped_column(String(12))  # Verification
    status: Mapped[str] = mapped_column(String(12), default=PostStatus.PUBLISHED.value)
    # The status a deleted post had, so that a restore puts it back.
    status_before_delete: Mapped[str | None] = mapped_column(String(12))
    authors: Mapped[list[Any]] = mapped_column(default=list)
    correction: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Rendered once when the post is written: the safe body HTML and the plain label
    # (headline, or the first sentence) that the key-events list shows, and the plain text.
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str] = mapped_column(String(300), default="")
    # The post's tags, by name as the blog's list spells them, in the order given: what
    # pages, events and exports show. post_tags holds the same as rows, for SQL to filter.
    # (The server default fills rows written without it: older code during a rolling deploy.)
    tags: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # When a scheduled post is to be published (status "scheduled"); null otherwise.
    scheduled_at: Mapped[datetime | None] = mapped_column()


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("post_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column()


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("blog_id", "seq", name="uq_events_blog_seq"),
        # A post's earlier events are restated when it changes (see actions/transaction.py).
        Index("ix_events_blog_post", "blog_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DispatchCursor(Base):
    """How far the work that follows a blog's log outside requests (webhooks, push; see
    actions/dispatch.py) has taken it: every event up to ``seq`` has been handed over."""

    __tablename__ = "dispatch_cursors"

    blog_id: Mapped[int] = mapped_column(
        ForeignKey("blogs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEndpoint(Base):
    """A partner's address that gets signed deliveries of the log's events (webhooks.py):
    for one blog or, with no blog, for all. Managed by admins (actions/webhooks.py)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # whsec_<base64>: shown to admins, who configure the receiver with it.
    secret: Mapped[str] = mapped_column(String(100))
    blog_id: Mapped[int | None] = mapped_column(
        ForeignKey("blogs.id", ondelete="CASCADE"), index=True
    )
    # The event kinds it wants (EventKind values); empty means every kind.
    kinds: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(String(300), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why it was disabled (failing for too long), until an admin enables it again.
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    disabled_at: Mapped[datetime | None] = mapped_column()
    # Since when every attempt has failed; null once one succeeds.
    failing_since: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event to deliver to one endpoint (written by the dispatch handler in the same
    transaction as the cursor moves; sent and retried by the sender, webhooks.py)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "blog_id", "seq", name="uq_webhook_deliveries_event"),
        # What the sender looks for: the pending ones that are due.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # The delivery log of one endpoint, newest first.
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        only("webhook_deliveries", "status", DeliveryStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    # The webhook-id header: the same on every retry and replay, so receivers deduplicate.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The request body, exactly as it is sent (and signed) on every attempt.
    payload: Mapped[str] = mapped_column(Text)
    # pending (to send, or to retry), delivered, failed (gave up, or the endpoint is off).
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While a sender holds it: another sender leaves it alone until then.
    lease_until: Mapped[datetime | None] = mapped_column()
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class PasswordReset(Base):
    """A one-time password-reset link an admin made for a person (actions/users.py): only
    its hash is kept, and the row goes when the link is used."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256, hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class Media(Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int | None] = mapped_column(ForeignKey("blogs.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The media library (migration 0016): the widths made at upload ("360,720,1080"; empty
    # for a file stored before), the words it was first shown with, and who stored it.
    variants: Mapped[str] = mapped_column(String(200), default="", server_default="")
    caption: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    credit: Mapped[str | None] = mapped_column(String(300))
    alt: Mapped[str | None] = mapped_column(String(2000))
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_media_uploaded_by_users", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_media_blog_id_created_at", "blog_id", "created_at"),
        Index("ix_media_uploaded_by_created_at", "uploaded_by", "created_at"),
    )


class LoginFailure(Base):
    """Recent failed logins, per account and per client address (see actions/throttle.py).
    Kept in the database so that every worker and node sees the same count."""

    __tablename__ = "login_failures"

    # sha256 of "account:<email>" or "address:<ip>": no typed email is stored as typed.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None] = mapped_column()


class PostMedia(Base):
    """Which media files each post shows, kept with the post's elements (actions/media.py).
    A file is public while a published post of a public blog shows it."""

    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class Tag(Base):
    """One of a blog's tags (a place, a team, a topic): ``slug`` is its name folded to
    lower case with spaces and punctuation as hyphens, unique in the blog, so that names
    that differ only in case or spacing are the same tag (see liveblog/tags.py)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("blog_id", "slug", name="uq_tags_blog_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    slug: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostTag(Base):
    """Which tags each post carries, kept with ``posts.tags`` by the actions: a filter by
    tag is a join on this table."""

    __tablename__ = "post_tags"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AuditEntry(Base):
    """Who did what, when and from where (actions/audit.py): written by the actions in the
    same transaction as the change. No secrets and no post bodies, only short labels."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign keys: the log outlives the people and blogs it names.
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))  # the client's, or "cli"
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # person|blog|post|token|site|webhook
    subject_id: Mapped[str] = mapped_column(String(64))
    blog_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PushSubscription(Base):
    """A reader's browser that asked to be told of a blog's key events while its page is
    closed (actions/push.py): the push service's URL for it, and the keys that encrypt
    what is sent there (RFC 8291)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("blog_id", "endpoint", name="uq_push_subscriptions_blog_endpoint"),
        Index("ix_push_subscriptions_blog_id", "blog_id", "id"),
        Index("ix_push_subscriptions_address", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(2048))
    p256dh: Mapped[str] = mapped_column(String(100))  # base64url, the browser's public key
    auth: Mapped[str] = mapped_column(String(40))  # base64url, the 16-byte auth secret
    # sha256 of the client's address (its /64 for IPv6), to limit subscriptions per address.
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sends that failed in a row (not counting "gone", which removes the row at once).
    failures: Mapped[int] = mapped_column(Integer, default=0)


class PushNotice(Base):
    """A notification to send to a blog's subscribers (actions/push.py writes it when a
    key event or the blog's end is dispatched; actions/pushing.py sends it). One per post
    and one for the end, ever: a post flagged twice is announced once."""

    __tablename__ = "push_notices"
    __table_args__ = (
        UniqueConstraint("blog_id", "subject", name="uq_push_notices_blog_subject"),
        Index("ix_push_notices_done_at", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(40))  # post:<id> | ended
    # Subscriptions are sent to in id order, from after ``sent_through`` up to ``upto``
    # (the newest when the notice was made: who subscribes later is not told the past).
    upto: Mapped[int] = mapped_column(Integer)
    sent_through: Mapped[int] = mapped_column(Integer, default=0)
    # A worker sending it holds it until then; past it, another worker takes over from
    # ``sent_through``.
    leased_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(20))  # sent | dropped


class SiteKey(Base):
    """Keys the site makes for itself once and every node shares: the VAPID key that signs
    Web Push notifications when LIVEBLOG_VAPID_PRIVATE_KEY is not set."""

    __tablename__ = "site_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Presence(Base):
    """Who has a blog's desk open, and which post they are editing (actions/together.py):
    one row per person, blog and spot, renewed by the desk's script every few seconds and
    ignored once ``seen_at`` is older than LIVEBLOG_PRESENCE_SECONDS. Every process and node
    reads the same rows, so nothing about it lives in one process's memory."""

    __tablename__ = "presence"
    __table_args__ = (Index("ix_presence_user_id", "user_id", "seen_at"),)

    blog_id: Mapped[int] = mapped_column(
        ForeignKey("blogs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # 0: the blog's desk; otherwise the id of the post whose edit page is open. Not a
    # foreign key, so that 0 can stand for "no post"; a post's rows expire with the beats.
    spot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(default=utcnow)  # when this stay began
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)  # the latest beat


class Note(Base):
    """The team's internal notes on a blog, for handovers (actions/together.py). Never
    shown to readers: no event, feed, export, embed or webhook carries them."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_blog_id", "blog_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComposerDraft(Base):
    """What a person has typed into a composer and not yet saved as a post (actions/drafts.py):
    kept per person, blog and post (an empty ``post_key`` for a new post) so that another
    browser of theirs can offer it back. Never a post: nobody else sees it, and it goes when
    the post is saved, when the person leaves the team, or after LIVEBLOG_DRAFT_DAYS."""

    __tablename__ = "composer_drafts"
    __table_args__ = (
        UniqueConstraint("user_id", "blog_id", "post_key", name="uq_composer_drafts_owner"),
        Index("ix_composer_drafts_saved_at", "saved_at"),
        Index("ix_composer_drafts_blog_id", "blog_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    blog_id: Mapped[int] = mapped_column(ForeignKey("blogs.id", ondelete="CASCADE"))
    post_key: Mapped[str] = mapped_column(String(16), default="")  # a post's public id, or ""
    values: Mapped[dict[str, Any]] = mapped_column()  # the form's fields by name
    # A random name the browser gives itself, so that another one can say "another device".
    device: Mapped[str] = mapped_column(String(40))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
