"""Loading a blog from the exchange format (liveblog-exchange/1), all or nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from liveblog.actions import audit
from liveblog.actions.access import SYSTEM, Actor, require_site_role
from liveblog.actions.blogs import insert_blog
from liveblog.actions.posts import insert_post, new_public_id
from liveblog.actions.transaction import transaction
from liveblog.elements import KINDS
from liveblog.errors import Invalid, invalid_input
from liveblog.events import BlogCreated
from liveblog.present import blog_record
from liveblog.schema import BlogFields, ExchangeBlog
from liveblog.site import Site
from liveblog.states import PostStatus, SiteRole
from liveblog.storage import Post
from liveblog.storage.tables import utcnow

# Posts that come without times are spaced this far apart, ending just before now, and an
# edited one is shown updated a little after it was published.
SPACING = timedelta(minutes=10)
EDIT_DELAY = timedelta(minutes=4)


def parse_exchange(data: Any) -> ExchangeBlog:
    """Validates a decoded exchange file; the error names the place and the problem."""
    if not isinstance(data, dict):
        raise Invalid("the file must hold a JSON object", "(top)")
    try:
        return ExchangeBlog.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc, _place) from None


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    after_index = False
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            after_index = True
            continue
        # pydantic names the union member right after the index; the index already says where
        if not (after_index and part in KINDS):
            out += f".{part}" if out else str(part)
        after_index = False
    return out or "(top)"


def import_blog(
    site: Site,
    data: Any,
    *,
    slug: str | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
    source: str = "file",
) -> dict[str, Any]:
    exchange = parse_exchange(data)
    require_site_role(actor, (SiteRole.ADMIN, SiteRole.EDITOR), "Importing a blog")
    pinned = [i for i, p in enumerate(exchange.posts) if p.pinned]
    if len(pinned) > 1:
        raise Invalid(f"only one post may be pinned; posts {pinned} are", "posts")
    try:
        fields = BlogFields.model_validate(
            exchange.model_dump(include=set(BlogFields.model_fields))
            | {"slug": slug or exchange.slug}
        )
    except ValidationError:
        raise Invalid(
            "use lower-case letters, digits and hyphens, e.g. harbour-flooding", "slug"
        ) from None
    now = now or utcnow()
    count = len(exchange.posts)
    with transaction(site) as tx:
        blog = insert_blog(tx.session, actor, fields)
        wanted_ids = [p.id for p in exchange.posts if p.id]
        taken = set(
            tx.session.scalars(select(Post.public_id).where(Post.public_id.in_(wanted_ids)))
        )
        for index, item in enumerate(exchange.posts):
            published_at = item.published_at
            if published_at is None and item.status in (PostStatus.PUBLISHED, PostStatus.DELETED):
                published_at = now - SPACING * (count - index)
            updated_at = item.updated_at
            if updated_at is None and item.edited and published_at is not None:
                updated_at = published_at + EDIT_DELAY
            public_id = item.id if item.id and item.id not in taken else new_public_id()
            post = insert_post(
                tx,
                blog,
                item,
                _imported_status(item.status),
                actor,
                public_id=public_id,
                published_at=published_at,
                updated_at=updated_at,
                audit_new_tags=False,
            )
            if item.status == PostStatus.DELETED:
                post.status = PostStatus.DELETED
                post.status_before_delete = PostStatus.PUBLISHED
            if item.pinned:
                blog.pinned_post_id = post.id
        tx.emit(blog, BlogCreated.model_validate(blog_record(blog)))
        tx.audit(
            actor,
            "blog.imported",
            "blog",
            blog.slug,
            blog_id=blog.id,
            detail={"title": audit.label(blog.title), "posts": count, "source": source},
        )
        return blog_record(blog, site.settings.base_url)


def _imported_status(status: str) -> str:
    """A deleted post is imported published, then deleted; a scheduled one, which the file
    gives no time for, as a draft (actions/schedule.py)."""
    if status == PostStatus.DELETED:
        return PostStatus.PUBLISHED
    return PostStatus.DRAFT if status == PostStatus.SCHEDULED else status
