"""Who is acting, and what their role lets them do on a blog."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from liveblog.errors import Forbidden, NotFound
from liveblog.states import BlogRole, BlogStatus, PostStatus, SiteRole
from liveblog.storage import Blog, Membership, Post

SITE_ROLES: tuple[str, ...] = tuple(SiteRole)
BLOG_ROLES: tuple[str, ...] = tuple(BlogRole)  # lowest first
_RANK = {role: rank for rank, role in enumerate(BLOG_ROLES)}
# A site-wide role gives this role on every blog; a membership may raise it on one blog.
# A site contributor has no role on a blog until they are made a member of its team.
_SITE_TO_BLOG: dict[str, str | None] = {
    SiteRole.ADMIN: BlogRole.OWNER,
    SiteRole.EDITOR: BlogRole.EDITOR,
    SiteRole.CONTRIBUTOR: None,
}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str
    name: str = ""
    # Where the request came from, for the audit log: the web sets the client's address;
    # an actor made anywhere else (the CLI) is "cli".
    address: str = field(default="cli", compare=False)

    @property
    def is_admin(self) -> bool:
        return self.role == SiteRole.ADMIN


SYSTEM = Actor(user_id=None, role=SiteRole.ADMIN, name="liveblog")


def blog_role(session: Session, actor: Actor | None, blog: Blog) -> str | None:
    """The actor's role on this blog, or None when they are not on its team."""
    if actor is None:
        return None
    role = _SITE_TO_BLOG.get(actor.role)
    if actor.user_id is not None and role != BlogRole.OWNER:
        member = session.scalar(
            select(Membership.role).where(
                Membership.blog_id == blog.id, Membership.user_id == actor.user_id
            )
        )
        if member and (role is None or _RANK[member] > _RANK[role]):
            role = member
    return role


def require_blog_role(session: Session, actor: Actor, blog: Blog, needed: str, doing: str) -> str:
    role = blog_role(session, actor, blog)
    if role is None:
        if blog.status == BlogStatus.DRAFT:
            raise NotFound(f"no blog with the slug {blog.slug!r}")
        raise Forbidden(f"{doing} needs the {needed} role on this blog; you are not on its team")
    if _RANK[role] < _RANK[needed]:
        raise Forbidden(f"{doing} needs the {needed} role on this blog; you are a {role}")
    return role


def unpublished_visible(session: Session, actor: Actor | None, blog: Blog) -> ColumnElement[bool]:
    """Which of the blog's posts that are not published this actor may see: all of them
    for its editors and owners, their own for its contributors, none for anyone else."""
    role = blog_role(session, actor, blog)
    if role in (BlogRole.EDITOR, BlogRole.OWNER):
        return true()
    if role == BlogRole.CONTRIBUTOR and actor is not None and actor.user_id is not None:
        return Post.created_by == actor.user_id
    return false()


def visible_posts(session: Session, actor: Actor | None, blog: Blog) -> ColumnElement[bool]:
    """The posts of this blog the actor may read: published ones while the blog is not a
    draft (or the actor is on its team), and the unpublished ones unpublished_visible allows."""
    published = (
        true() if blog.status != BlogStatus.DRAFT or blog_role(session, actor, blog) else false()
    )
    return or_(
        and_(Post.status == PostStatus.PUBLISHED, published),
        and_(Post.status != PostStatus.PUBLISHED, unpublished_visible(session, actor, blog)),
    )


def require_readable_blog(session: Session, actor: Actor | None, blog: Blog) -> None:
    """A blog in draft exists only for its team."""
    if blog.status == BlogStatus.DRAFT and blog_role(session, actor, blog) is None:
        raise NotFound(f"no blog with the slug {blog.slug!r}")


def can_read_post(session: Session, actor: Actor | None, blog: Blog, post: Post) -> bool:
    role = blog_role(session, actor, blog)
    if post.status == PostStatus.PUBLISHED:
        return blog.status != BlogStatus.DRAFT or role is not None
    if role in (BlogRole.EDITOR, BlogRole.OWNER):
        return True
    return role == BlogRole.CONTRIBUTOR and actor is not None and post.created_by == actor.user_id


def require_site_role(actor: Actor, allowed: tuple[str, ...], doing: str) -> None:
    if actor.role not in allowed:
        raise Forbidden(
            f"{doing} needs one of the roles {', '.join(allowed)}; you are a {actor.role}"
        )
