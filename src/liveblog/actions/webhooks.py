"""Webhook endpoints, managed by site admins: registered for one blog or all, with the
event kinds they want; their secret shown and rotated; their delivery log read; failed
deliveries replayed; a disabled endpoint enabled again. See docs/webhooks.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from liveblog import webhooks
from liveblog.actions.access import Actor, require_site_role
from liveblog.actions.audit import label
from liveblog.actions.transaction import Transaction, transaction
from liveblog.errors import Invalid, NotFound
from liveblog.events import EventKind
from liveblog.paging import LAST_PAGE, page_offset
from liveblog.schema import WebhookChanges, WebhookFields
from liveblog.site import Site
from liveblog.states import DeliveryStatus, SiteRole
from liveblog.storage import Blog, User, WebhookDelivery, WebhookEndpoint
from liveblog.storage.tables import utcnow
from liveblog.times import iso

KINDS: tuple[str, ...] = tuple(kind.value for kind in EventKind)
# The most endpoints a site keeps: each event costs one row and one request per endpoint.
MAX_ENDPOINTS = 200
DELIVERIES_PAGE = 50
DOING = "Managing webhooks"


def _admin(actor: Actor) -> None:
    require_site_role(actor, (SiteRole.ADMIN,), DOING)


def _url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("give an http:// or https:// address, e.g. https://example.org/hook", "url")
    if len(url) > 2000:
        raise Invalid("the address is longer than 2,000 characters", "url")
    if parts.username or parts.password:
        raise Invalid("the address cannot carry a user name or password", "url")
    return url


def _kinds(values: list[str]) -> list[str]:
    unknown = [value for value in values if value not in KINDS]
    if unknown:
        raise Invalid(
            f"unknown event kind {unknown[0]!r}; the kinds are {', '.join(KINDS)}", "kinds"
        )
    return [kind for kind in KINDS if kind in values]  # in the contract's order, once each


def _blog_id(session: Session, slug: str | None) -> int | None:
    if not slug:
        return None
    blog_id = session.scalar(select(Blog.id).where(Blog.slug == slug))
    if blog_id is None:
        raise Invalid(f"no blog with the slug {slug!r}", "blog")
    return blog_id


@dataclass(frozen=True)
class EndpointView:
    """An endpoint with what its page shows beside it."""

    endpoint: WebhookEndpoint
    blog_slug: str | None
    owner_name: str | None
    pending: int
    failed: int

    def record(self) -> dict[str, Any]:
        e = self.endpoint
        return {
            "id": e.id,
            "url": e.url,
            "blog": self.blog_slug,
            "kinds": list(e.kinds),
            "description": e.description,
            "owner": self.owner_name,
            "active": e.active,
            "disabled_reason": e.disabled_reason,
            "disabled_at": iso(e.disabled_at),
            "failing_since": iso(e.failing_since),
            "created_at": iso(e.created_at),
            "secret": e.secret,
            "pending": self.pending,
            "failed": self.failed,
        }


def _views(session: Session, endpoints: list[WebhookEndpoint]) -> list[EndpointView]:
    ids = [e.id for e in endpoints]
    counts: dict[tuple[int, str], int] = {
        (endpoint_id, status): count
        for endpoint_id, status, count in session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(
                WebhookDelivery.endpoint_id.in_(ids),
                WebhookDelivery.status != DeliveryStatus.DELIVERED,
            )
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
        )
    }
    blog_ids = {e.blog_id for e in endpoints if e.blog_id is not None}
    slugs = _pairs(session, select(Blog.id, Blog.slug).where(Blog.id.in_(blog_ids)))
    owners = {e.owner_id for e in endpoints if e.owner_id is not None}
    names = _pairs(session, select(User.id, User.name).where(User.id.in_(owners)))
    session.expunge_all()
    return [
        EndpointView(
            e,
            slugs.get(e.blog_id) if e.blog_id is not None else None,
            names.get(e.owner_id) if e.owner_id is not None else None,
            counts.get((e.id, DeliveryStatus.PENDING), 0),
            counts.get((e.id, DeliveryStatus.FAILED), 0),
        )
        for e in endpoints
    ]


def _pairs(session: Session, query: Select[int, str]) -> dict[int, str]:
    return {key: value for key, value in session.execute(query)}


def endpoints(site: Site, actor: Actor) -> list[EndpointView]:
    _admin(actor)
    with site.db.reading() as session:
        rows = list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
        return _views(session, rows)


def endpoint(site: Site, actor: Actor, endpoint_id: int) -> EndpointView:
    _admin(actor)
    with site.db.reading() as session:
        return _views(session, [_get(session, endpoint_id)])[0]


def _get(session: Session, endpoint_id: int) -> WebhookEndpoint:
    found = session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound(f"there is no webhook endpoint {endpoint_id}")
    return found


def notices(site: Site, actor: Actor) -> list[WebhookEndpoint]:
    """The endpoints this admin made that were disabled for failing (not by hand): the
    desk tells them until they enable or delete them."""
    if not actor.is_admin or actor.user_id is None:
        return []
    with site.db.reading() as session:
        rows = list(
            session.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.owner_id == actor.user_id,
                    WebhookEndpoint.active.is_(False),
                    WebhookEndpoint.disabled_reason.is_not(None),
                )
            )
        )
        session.expunge_all()
        return rows


def create_endpoint(site: Site, actor: Actor, fields: WebhookFields) -> int:
    """A new endpoint, active, with a new secret; it gets the events dispatched from now."""
    _admin(actor)
    url, kinds = _url(fields.url), _kinds(fields.kinds)
    with transaction(site) as tx:
        count = tx.session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0
        if count >= MAX_ENDPOINTS:
            raise Invalid(
                f"a site keeps at most {MAX_ENDPOINTS} webhook endpoints; delete one first"
            )
        row = WebhookEndpoint(
            url=url,
            secret=webhooks.new_secret(),
            blog_id=_blog_id(tx.session, fields.blog),
            kinds=kinds,
            description=fields.description.strip(),
            owner_id=actor.user_id,
            active=True,
            created_at=utcnow(),
        )
        tx.session.add(row)
        tx.session.flush()
        _audit(tx, actor, "webhook.created", row, {"blog": fields.blog, "kinds": kinds})
        return row.id


def _audit(
    tx: Transaction, actor: Actor, action: str, row: WebhookEndpoint, extra: dict[str, Any]
) -> None:
    detail = {"url": label(row.url)} | extra
    tx.audit(actor, action, "webhook", row.id, blog_id=row.blog_id, detail=detail)


def update_endpoint(site: Site, actor: Actor, endpoint_id: int, changes: WebhookChanges) -> None:
    _admin(actor)
    given = changes.model_fields_set
    with transaction(site) as tx:
        row = _get(tx.session, endpoint_id)
        if "url" in given and changes.url is not None:
            row.url = _url(changes.url)
        if "blog" in given:
            row.blog_id = _blog_id(tx.session, changes.blog)
        if "kinds" in given and changes.kinds is not None:
            row.kinds = _kinds(changes.kinds)
        if "description" in given and changes.description is not None:
            row.description = changes.description.strip()
        _audit(tx, actor, "webhook.changed", row, {"fields": sorted(given)})


def delete_endpoint(site: Site, actor: Actor, endpoint_id: int) -> None:
    """The endpoint goes, and its delivery log with it."""
    _admin(actor)
    with transaction(site) as tx:
        row = _get(tx.session, endpoint_id)
        _audit(tx, actor, "webhook.deleted", row, {})
        tx.session.delete(row)


def rotate_secret(site: Site, actor: Actor, endpoint_id: int) -> str:
    """A new secret: every delivery from now on is signed with it (the old one stops)."""
    _admin(actor)
    with transaction(site) as tx:
        row = _get(tx.session, endpoint_id)
        row.secret = webhooks.new_secret()
        _audit(tx, actor, "webhook.secret-rotated", row, {})
        return row.secret


def set_enabled(site: Site, actor: Actor, endpoint_id: int, enabled: bool) -> None:
    """Disables an endpoint by hand, or enables one again (it starts afresh: its failed
    deliveries wait for a replay)."""
    _admin(actor)
    with transaction(site) as tx:
        row = _get(tx.session, endpoint_id)
        if enabled == row.active:
            return
        row.active = enabled
        row.failing_since = None
        if enabled:
            row.disabled_at, row.disabled_reason = None, None
        else:
            # No reason: the reason is what tells the owner, and nobody need be told of this.
            row.disabled_at, row.disabled_reason = utcnow(), None
            tx.session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.endpoint_id == row.id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                )
                .values(status=DeliveryStatus.FAILED, lease_until=None)
            )
        _audit(tx, actor, "webhook.enabled" if enabled else "webhook.disabled", row, {})


def replay(site: Site, actor: Actor, endpoint_id: int, delivery_id: int | None = None) -> int:
    """Sends one delivery again (whatever its status), or every failed one of the
    endpoint: same body, same webhook-id, in the log's order. Returns how many."""
    _admin(actor)
    with transaction(site) as tx:
        row = _get(tx.session, endpoint_id)
        query = update(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id)
        if delivery_id is None:
            query = query.where(WebhookDelivery.status == DeliveryStatus.FAILED)
        else:
            if tx.session.get(WebhookDelivery, delivery_id) is None:
                raise NotFound(f"this endpoint has no delivery {delivery_id}")
            query = query.where(WebhookDelivery.id == delivery_id)
        done = tx.session.execute(
            query.values(
                status=DeliveryStatus.PENDING,
                next_attempt_at=utcnow(),
                lease_until=None,
                delivered_at=None,
            )
        )
        count = int(getattr(done, "rowcount", 0) or 0)
        if delivery_id is not None and count == 0:
            raise NotFound(f"this endpoint has no delivery {delivery_id}")
        _audit(tx, actor, "webhook.replayed", row, {"delivery": delivery_id, "count": count})
        return count


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[WebhookDelivery]
    slugs: dict[int, str]
    page: int
    more: bool


def deliveries(site: Site, actor: Actor, endpoint_id: int, page: int = 1) -> DeliveryPage:
    """One page of an endpoint's delivery log, newest first."""
    _admin(actor)
    if page < 1 or page > LAST_PAGE:
        raise Invalid("the page is a number from 1", "page")
    with site.db.reading() as session:
        _get(session, endpoint_id)
        rows = list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.id.desc())
                .offset(page_offset(page, DELIVERIES_PAGE))
                .limit(DELIVERIES_PAGE + 1)
            )
        )
        blog_ids = {row.blog_id for row in rows}
        slugs = _pairs(session, select(Blog.id, Blog.slug).where(Blog.id.in_(blog_ids)))
        session.expunge_all()
    return DeliveryPage(rows[:DELIVERIES_PAGE], slugs, page, len(rows) > DELIVERIES_PAGE)


def delivery_record(row: WebhookDelivery, slugs: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "message_id": row.message_id,
        "blog": slugs.get(row.blog_id),
        "seq": row.seq,
        "kind": row.kind,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "last_attempt_at": iso(row.last_attempt_at),
        "delivered_at": iso(row.delivered_at),
        "created_at": iso(row.created_at),
    }
