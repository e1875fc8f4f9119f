"""The states a blog and a post can be in, the roles people have, and the verification
labels: each defined once. The database stores, and the API sends, the members' values;
the tables refuse any other value (a CHECK constraint built from these enums)."""

from __future__ import annotations

from enum import StrEnum


class BlogStatus(StrEnum):
    DRAFT = "draft"  # only its team sees it
    LIVE = "live"
    ENDED = "ended"


class PostStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # a contributor's post, waiting for an editor
    SCHEDULED = "scheduled"  # to be published at posts.scheduled_at by the worker's runner
    PUBLISHED = "published"
    DELETED = "deleted"  # soft-deleted: restorable, public nowhere


# What an editor can set a post to; deletion is its own action.
EDITABLE_POST_STATUSES = (
    PostStatus.DRAFT,
    PostStatus.SUBMITTED,
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHED,
)


class SiteRole(StrEnum):
    """A person's site-wide role (users.role)."""

    ADMIN = "admin"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"


class BlogRole(StrEnum):
    """A role on one blog's team (memberships.role), lowest first: the order is the rank."""

    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    OWNER = "owner"


class Verification(StrEnum):
    UNVERIFIED = "unverified"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class DeliveryStatus(StrEnum):
    """Where a webhook delivery is (webhook_deliveries.status)."""

    PENDING = "pending"  # to send, or to try again at next_attempt_at
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # given up: its endpoint was disabled; a replay sends it again
