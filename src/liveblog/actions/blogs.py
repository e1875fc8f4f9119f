"""Creating a blog and changing its title, standfirst, section or status."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveblog.actions import audit, drafts
from liveblog.actions import schedule as scheduling
from liveblog.actions.access import (
    BLOG_ROLES,
    Actor,
    require_blog_role,
    require_readable_blog,
    require_site_role,
)
from liveblog.actions.purge import purge_urls
from liveblog.actions.transaction import Transaction, transaction
from liveblog.errors import Conflict, Invalid, NotFound
from liveblog.events import BlogCreated, BlogEdited, BlogEnded, BlogReopened, BlogState
from liveblog.present import blog_record
from liveblog.schema import BlogChanges, BlogFields
from liveblog.site import Site
from liveblog.states import BlogRole, BlogStatus, SiteRole
from liveblog.storage import Blog, Membership, User
from liveblog.storage.queries import DeskBlog, blog_by_slug, blog_team
from liveblog.storage.queries import desk_blogs as _desk_blogs
from liveblog.storage.tables import utcnow
from liveblog.times import iso

SLUG_LENGTH = 80
UNSEEN_FIELDS = frozenset({"frame_ancestors", "starts_at", "ends_at"})
"""Blog fields readers do not see on the page: changing only these emits no event."""


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > SLUG_LENGTH:
        # Cut at a word break, so an address never ends in half a word.
        cut = slug[: SLUG_LENGTH + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[SLUG_LENGTH // 2 :] else slug[:SLUG_LENGTH]
    return slug.rstrip("-") or "blog"


def desk_blogs(session: Session, actor: Actor) -> list[DeskBlog]:
    """The blogs listed on this person's desk: every blog for admins and site editors;
    for a site contributor, the blogs on whose team they are."""
    if actor.role in (SiteRole.ADMIN, SiteRole.EDITOR):
        return _desk_blogs(session)
    if actor.user_id is None:
        return []
    return _desk_blogs(session, member_of=actor.user_id)


def load_blog(session: Session, slug: str) -> Blog:
    """Any blog, drafts included: the newsroom works on drafts too."""
    return blog_by_slug(session, slug, include_drafts=True)


def _free_slug(session: Session, wanted: str) -> str:
    taken = set(session.scalars(select(Blog.slug).where(Blog.slug.like(f"{wanted}%"))))
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def insert_blog(session: Session, actor: Actor, fields: BlogFields) -> Blog:
    if fields.slug is not None:
        if session.scalar(select(Blog.id).where(Blog.slug == fields.slug)) is not None:
            raise Conflict(f"a blog with the slug {fields.slug!r} exists already")
        slug = fields.slug
    else:
        slug = _free_slug(session, slugify(fields.title))
    now = utcnow()
    blog = Blog(
        slug=slug,
        title=fields.title,
        standfirst=fields.standfirst,
        section=fields.section,
        language=fields.language,
        timezone=fields.timezone,
        status=fields.status,
        last_seq=0,
        created_at=now,
        updated_at=now,
    )
    session.add(blog)
    session.flush()
    if actor.user_id is not None:
        session.add(Membership(blog_id=blog.id, user_id=actor.user_id, role=BlogRole.OWNER))
    return blog


def create_blog(site: Site, actor: Actor, fields: BlogFields) -> dict[str, Any]:
    require_site_role(actor, (SiteRole.ADMIN, SiteRole.EDITOR), "Creating a blog")
    with transaction(site) as tx:
        blog = insert_blog(tx.session, actor, fields)
        tx.emit(blog, BlogCreated.model_validate(blog_record(blog)))
        tx.audit(
            actor,
            "blog.created",
            "blog",
            blog.slug,
            blog_id=blog.id,
            detail={"title": audit.label(blog.title)},
        )
        return blog_record(blog, site.settings.base_url)


def update_blog(site: Site, actor: Actor, slug: str, changes: BlogChanges) -> dict[str, Any]:
    with transaction(site) as tx:
        return update_in(tx, site, actor, slug, changes)


def update_in(
    tx: Transaction, site: Site, actor: Actor, slug: str, changes: BlogChanges
) -> dict[str, Any]:
    """``update_blog`` inside a transaction already open: the scheduler's runner starts
    and ends blogs through it, in the transaction that claimed the blog."""
    blog = load_blog(tx.session, slug)
    require_blog_role(tx.session, actor, blog, BlogRole.EDITOR, "Changing a blog")
    given = changes.model_dump(exclude_unset=True)
    if "frame_ancestors" in given:
        given["frame_ancestors"] = given["frame_ancestors"] or None  # the site's setting
    before_status = blog.status
    _schedule(blog, given)
    changed = {k: v for k, v in given.items() if getattr(blog, k) != v}
    for key, value in changed.items():
        setattr(blog, key, value)
    rescheduled: dict[str, Any] = {
        k: iso(changed[k]) for k in ("starts_at", "ends_at") if k in changed
    }
    if rescheduled:
        tx.after_commit.append(lambda: scheduling.nudge(site, blog))
    # Who may frame the embeds is no change a reader sees on the page: no event.
    shown = set(changed) - UNSEEN_FIELDS
    if shown:
        blog.updated_at = utcnow()
        kind: type[BlogState] = BlogEdited
        if "status" in changed:
            kind = (
                BlogEnded
                if blog.status == BlogStatus.ENDED
                else (BlogReopened if before_status == BlogStatus.ENDED else BlogEdited)
            )
        tx.emit(blog, kind.model_validate(blog_record(blog)))
    if "status" in changed:
        tx.audit(
            actor,
            "blog.status",
            "blog",
            blog.slug,
            blog_id=blog.id,
            detail={"from": before_status, "to": blog.status},
        )
    elif set(changed) - set(rescheduled):
        tx.audit(
            actor,
            "blog.edited",
            "blog",
            blog.slug,
            blog_id=blog.id,
            detail={"fields": sorted(set(changed) - set(rescheduled))},
        )
    if rescheduled and "status" not in changed:
        tx.audit(actor, "blog.scheduled", "blog", blog.slug, blog_id=blog.id, detail=rescheduled)
    # What caches in front should forget: every page of it (a blog back in draft is
    # 404 everywhere, at once).
    seen = changed.keys() - rescheduled.keys()
    urls = purge_urls(tx.session, site.settings.base_url, blog) if seen else []
    return blog_settings(blog, site.settings.base_url) | {"purge": urls}


def _schedule(blog: Blog, given: dict[str, Any]) -> None:
    """Checks a change to the blog's schedule, in place: a start or end given is in the
    future (read in the blog's time zone when it has no offset) and at most a year ahead,
    a start only for a blog that is not live, an end after the start. Going live by hand
    drops the scheduled start, ending by hand the scheduled end."""
    zone = given.get("timezone") or blog.timezone
    names = {"starts_at": "The time to go live", "ends_at": "The time to end"}
    for name, what in names.items():
        if given.get(name) is not None:
            given[name] = scheduling.due_time(given[name], zone, name, what)
    status = given.get("status", blog.status)
    if "status" in given and given["status"] != blog.status:
        if status == BlogStatus.LIVE:
            given.setdefault("starts_at", None)
        elif status == BlogStatus.ENDED:
            given.setdefault("ends_at", None)
    starts, ends = given.get("starts_at", blog.starts_at), given.get("ends_at", blog.ends_at)
    if given.get("starts_at") is not None and status == BlogStatus.LIVE:
        raise Invalid("the blog is live already: schedule its end instead", "starts_at")
    if given.get("ends_at") is not None:
        if status == BlogStatus.ENDED and starts is None:
            raise Invalid("the blog has ended already: schedule its start first", "ends_at")
        if status == BlogStatus.DRAFT and starts is None:
            raise Invalid("a blog in draft needs a time to go live before its end", "ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise Invalid("the end must come after the start", "ends_at")


def blog_settings(blog: Blog, base_url: str) -> dict[str, Any]:
    """The blog's record and what only the newsroom sets: who may frame its embeds ("" for
    the site's setting), and when it is scheduled to go live and to end."""
    return blog_record(blog, base_url) | {
        "frame_ancestors": blog.frame_ancestors or "",
        "starts_at": iso(blog.starts_at),
        "ends_at": iso(blog.ends_at),
    }


def team(site: Site, actor: Actor, slug: str) -> tuple[Blog, list[Any]]:
    """The blog and its team (name, email, user id, blog role), for those who may change
    it: the blog's owners, and admins."""
    with site.db.reading() as session:
        blog = blog_by_slug(session, slug, include_drafts=True)
        require_blog_role(session, actor, blog, BlogRole.OWNER, "Changing a blog's team")
        return blog, blog_team(session, blog)


def readers_of(site: Site, actor: Actor | None, slug: str) -> int:
    """The id of the blog whose "N reading now" the actor asks for: any blog they may read
    (a blog in draft only for its team). The count itself is in the process's memory
    (``realtime/readers.py``); nothing is read or written for it but this check."""
    with site.db.reading() as session:
        blog = blog_by_slug(session, slug, include_drafts=True)
        require_readable_blog(session, actor, blog)
        return blog.id


def set_membership(site: Site, actor: Actor, slug: str, email: str, role: str | None) -> None:
    """Gives a person a role on one blog (raising their site role there), or with None
    takes it away. Only the blog's owners (and admins) may."""
    if role is not None and role not in BLOG_ROLES:
        raise Invalid(f"role must be one of {', '.join(BLOG_ROLES)}", "role")
    if not email.strip():
        raise Invalid("give the email of the person", "email")
    try:
        _set_membership(site, actor, slug, email, role)
    except IntegrityError:
        raise Conflict("someone changed this team at the same moment; send it again") from None


def _set_membership(site: Site, actor: Actor, slug: str, email: str, role: str | None) -> None:
    with transaction(site) as tx:
        blog = load_blog(tx.session, slug)
        require_blog_role(tx.session, actor, blog, BlogRole.OWNER, "Changing a blog's team")
        user = tx.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(f"no person with the email {email.strip()}; an admin adds people first")
        member = tx.session.get(Membership, (blog.id, user.id))
        if role is None:
            if member is None:
                raise Invalid(f"{user.email} has no role on this blog", "email")
            tx.session.delete(member)
            _team(tx, actor, blog, user, "membership.removed", {"role": member.role})
            drafts.forget_person(tx.session, user.id, blog)
        elif member is None:
            tx.session.add(Membership(blog_id=blog.id, user_id=user.id, role=role))
            _team(tx, actor, blog, user, "membership.added", {"role": role})
        elif member.role != role:
            _team(tx, actor, blog, user, "membership.role", {"from": member.role, "to": role})
            member.role = role


def _team(
    tx: Transaction, actor: Actor, blog: Blog, user: User, action: str, detail: dict[str, Any]
) -> None:
    tx.audit(
        actor, action, "person", user.id, blog_id=blog.id, detail={"email": user.email} | detail
    )
