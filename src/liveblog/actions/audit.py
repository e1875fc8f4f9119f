"""The audit log: who did what, when, from where, and to what.

Actions write an entry with ``Transaction.audit`` in the same transaction as the change, so
an entry exists exactly when its change does. A failed sign-in changes nothing, so it is
written in its own small transaction (``failed_sign_in``). Entries never hold secrets
(passwords, token values, reset links) nor post bodies: short labels only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from liveblog.actions.access import Actor, require_site_role
from liveblog.errors import Invalid, NotFound
from liveblog.paging import LAST_PAGE, page_offset
from liveblog.site import Site
from liveblog.states import SiteRole
from liveblog.storage import AuditEntry, Blog, Post, User
from liveblog.storage.tables import utcnow
from liveblog.times import iso

CLI = "cli"
# The most rows one export holds.
EXPORT_LIMIT = 100_000
PAGE_SIZE = 50
LABEL_LENGTH = 80


def label(text: str | None) -> str:
    """A short label for a detail: the first words, never a whole body."""
    text = " ".join((text or "").split())
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


def write(
    session: Session,
    actor: Actor | None,
    action: str,
    subject_kind: str,
    subject_id: object,
    *,
    blog_id: int | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
    actor_label: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=utcnow(),
            actor_user_id=actor.user_id if actor else None,
            actor_label=(actor_label or (actor.name if actor else "") or "liveblog")[:254],
            address=(address or (actor.address if actor else None) or CLI)[:64],
            action=action,
            subject_kind=subject_kind,
            subject_id=str(subject_id if subject_id is not None else "")[:64],
            blog_id=blog_id,
            detail=detail or {},
        )
    )


def failed_sign_in(site: Site, email: str, address: str | None, reason: str) -> None:
    """Records a refused sign-in in its own transaction: the email tried, never the
    password."""
    from liveblog.actions.transaction import transaction

    tried = label(email.strip().lower())
    with transaction(site) as tx:
        write(
            tx.session,
            None,
            "sign-in.failed",
            "person",
            tried,
            detail={"email": tried, "reason": reason},
            address=address,
            actor_label=tried or "(no email)",
        )


@dataclass(frozen=True)
class Filters:
    person: int | None = None
    action: str = ""
    blog: int | None = None
    since: datetime | None = None


def _query(filters: Filters) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters.person is not None:
        query = query.where(AuditEntry.actor_user_id == filters.person)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.blog is not None:
        query = query.where(AuditEntry.blog_id == filters.blog)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    return query


def page(
    site: Site, actor: Actor, filters: Filters, number: int = 1
) -> tuple[list[AuditEntry], bool]:
    """One page of entries, newest first, and whether an older page follows. Admins only."""
    require_site_role(actor, (SiteRole.ADMIN,), "Reading the audit log")
    if number < 1 or number > LAST_PAGE:
        raise Invalid("the page is a number from 1", "page")
    query = _query(filters).order_by(AuditEntry.id.desc())
    with site.db.reading() as session:
        query = query.offset(page_offset(number, PAGE_SIZE)).limit(PAGE_SIZE + 1)
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def actions(site: Site) -> list[str]:
    with site.db.reading() as session:
        return sorted(session.scalars(select(AuditEntry.action).distinct()))


def links(site: Site, rows: list[AuditEntry]) -> tuple[dict[int, str], set[int]]:
    """For each entry whose subject still exists, the desk page that shows it; and which of
    the people named are still on the site."""
    blog_ids = {row.blog_id for row in rows if row.blog_id is not None}
    person_ids = {int(row.subject_id) for row in rows if row.subject_kind == "person"}
    person_ids |= {row.actor_user_id for row in rows if row.actor_user_id is not None}
    with site.db.reading() as session:
        slugs = {
            blog_id: slug
            for blog_id, slug in session.execute(
                select(Blog.id, Blog.slug).where(Blog.id.in_(blog_ids))
            )
        }
        people = set(
            session.scalars(
                select(User.id).where(User.id.in_(person_ids), User.removed_at.is_(None))
            )
        )
        posts = set(
            session.scalars(
                select(Post.public_id).where(
                    Post.public_id.in_([r.subject_id for r in rows if r.subject_kind == "post"])
                )
            )
        )
    found: dict[int, str] = {}
    for row in rows:
        slug = slugs.get(row.blog_id) if row.blog_id is not None else None
        if row.subject_kind == "post" and slug and row.subject_id in posts:
            found[row.id] = f"/editor/blogs/{slug}/posts/{row.subject_id}"
        elif row.subject_kind == "blog" and slug:
            found[row.id] = f"/editor/blogs/{slug}"
        elif (
            row.subject_kind == "person"
            and row.subject_id.isdigit()
            and int(row.subject_id) in people
        ):
            found[row.id] = f"/editor/people/{row.subject_id}"
    return found, people


def blog_id_of(site: Site, slug: str) -> int:
    with site.db.reading() as session:
        found = session.scalar(select(Blog.id).where(Blog.slug == slug))
    if found is None:
        raise NotFound(f"no blog with the address {slug!r}")
    return found


def entries(site: Site, actor: Actor, filters: Filters) -> Iterator[dict[str, Any]]:
    """Every matching entry, newest first, at most EXPORT_LIMIT, read in batches of 1,000
    as they are sent. Admins only (checked at once, before the first row)."""
    require_site_role(actor, (SiteRole.ADMIN,), "Exporting the audit log")
    return _entries(site, filters)


def _entries(site: Site, filters: Filters) -> Iterator[dict[str, Any]]:
    last: int | None = None
    sent = 0
    while sent < EXPORT_LIMIT:
        query = _query(filters).order_by(AuditEntry.id.desc())
        if last is not None:
            query = query.where(AuditEntry.id < last)
        with site.db.reading() as session:
            batch = [as_dict(row) for row in session.scalars(query.limit(1000))]
        if not batch:
            return
        yield from batch[: EXPORT_LIMIT - sent]
        sent += len(batch)
        last = batch[-1]["id"]


FIELDS = (
    "id",
    "at",
    "actor_user_id",
    "actor_label",
    "address",
    "action",
    "subject_kind",
    "subject_id",
    "blog_id",
    "detail",
)


def as_dict(row: AuditEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": iso(row.at),
        "actor_user_id": row.actor_user_id,
        "actor_label": row.actor_label,
        "address": row.address,
        "action": row.action,
        "subject_kind": row.subject_kind,
        "subject_id": row.subject_id,
        "blog_id": row.blog_id,
        "detail": row.detail,
    }


def prune(site: Site, actor: Actor, older_than_days: int) -> int:
    """Deletes entries older than this many days; returns how many. Admins only."""
    require_site_role(actor, (SiteRole.ADMIN,), "Pruning the audit log")
    if older_than_days < 1 or older_than_days > 100_000:
        raise Invalid("give the days to keep as a whole number from 1", "older-than")
    from liveblog.actions.transaction import transaction

    cutoff = utcnow() - timedelta(days=older_than_days)
    with transaction(site) as tx:
        gone = tx.session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
        count = int(getattr(gone, "rowcount", 0) or 0)
        write(
            tx.session,
            actor,
            "audit.pruned",
            "site",
            "audit_log",
            detail={"older_than_days": older_than_days, "deleted": count},
        )
        return count


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (a typed email can be
    anything)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([_cell(row[name]) if name != "id" else row[name] for name in FIELDS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array, one entry at a time."""
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"
