"""Who is acting, and what their role lets them do on a blog."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveblog.errors import Forbidden
from liveblog.storage import Blog, Membership

SITE_ROLES = ("admin", "editor", "contributor")
BLOG_ROLES = ("contributor", "editor", "owner")
_RANK = {role: rank for rank, role in enumerate(BLOG_ROLES)}
# A site-wide role gives this role on every blog; a membership may raise it on one blog.
_SITE_TO_BLOG = {"admin": "owner", "editor": "editor", "contributor": "contributor"}


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
        return self.role == "admin"


SYSTEM = Actor(user_id=None, role="admin", name="liveblog")


def blog_role(session: Session, actor: Actor, blog: Blog) -> str:
    role = _SITE_TO_BLOG[actor.role]
    if actor.user_id is not None and role != "owner":
        member = session.scalar(
            select(Membership.role).where(
                Membership.blog_id == blog.id, Membership.user_id == actor.user_id
            )
        )
        if member and _RANK[member] > _RANK[role]:
            role = member
    return role


def require_blog_role(session: Session, actor: Actor, blog: Blog, needed: str, doing: str) -> str:
    role = blog_role(session, actor, blog)
    if _RANK[role] < _RANK[needed]:
        raise Forbidden(f"{doing} needs the {needed} role on this blog; you are a {role}")
    return role


def require_site_role(actor: Actor, allowed: tuple[str, ...], doing: str) -> None:
    if actor.role not in allowed:
        raise Forbidden(
            f"{doing} needs one of the roles {', '.join(allowed)}; you are a {actor.role}"
        )
