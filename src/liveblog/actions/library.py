"""A blog's photo library: photos uploaded through the API, and every photo its posts
stored, listed with their words (caption, credit, alt text), who stored them and when, so
that a post can show one again.

A photo uploaded through the API goes through the same pipeline as one chosen at the desk
(``clean_photo``, then ``stored_with`` with its narrower and WebP copies) and is stored at
once, since the post that will show it comes in a later request. One that no post shows
is removed by ``liveblog media prune`` once it is older than the prune's ``--older-than``
(an hour by default): an upload is for a post being written now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveblog.actions import audit
from liveblog.actions.access import Actor, require_blog_role
from liveblog.actions.blogs import load_blog
from liveblog.actions.media import (
    clean_photo,
    record_photos,
    stored_with,
    variant_name,
)
from liveblog.actions.transaction import transaction
from liveblog.errors import Invalid, NotFound, TooManyRequests
from liveblog.paging import page_count
from liveblog.site import Site
from liveblog.states import BlogRole
from liveblog.storage import Blog, Media
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from liveblog.strings import no_control
from liveblog.times import iso

PER_PAGE = 40
# The longest words a photo keeps: as the post form's fields (elements/image.py).
LIMITS = {"caption": 2000, "credit": 300, "alt": 2000}


def photo_record(
    media: Media, base_url: str, uploader: str | None = None, shown_in: int | None = None
) -> dict[str, Any]:
    """A stored photo as the API and the desk show it: its file (what a post's image
    element names), size, words, and the addresses of every width made of it."""
    widths = [int(w) for w in media.variants.split(",") if w]
    extension = media.filename.rsplit(".", 1)[-1]
    url = f"{base_url}/media/{media.filename}"

    def copies(kind: str) -> dict[str, str]:
        return {
            str(w): url
            if w == media.width and kind == extension
            else f"{base_url}/media/{variant_name(media.filename, w, kind)}"
            for w in widths
        }

    narrow = [w for w in widths if w >= 300] or widths
    return {
        "file": media.filename,
        "content_type": media.content_type,
        "width": media.width,
        "height": media.height,
        "caption": media.caption,
        "credit": media.credit,
        "alt": media.alt,
        "uploaded_by": uploader,
        "uploaded_at": iso(media.created_at),
        "shown_in": shown_in,
        "url": url,
        "thumbnail": copies(extension)[str(narrow[0])] if narrow else url,
        "widths": {extension: copies(extension)} | ({"webp": copies("webp")} if widths else {}),
    }


def _words(caption: str, credit: str | None, alt: str | None) -> dict[str, str | None]:
    given = {"caption": caption.strip(), "credit": credit, "alt": alt}
    out: dict[str, str | None] = {}
    for name, value in given.items():
        value = (value or "").strip()
        if len(value) > LIMITS[name]:
            raise Invalid(f"at most {LIMITS[name]} characters", name)
        try:
            no_control(value)
        except ValueError as exc:
            raise Invalid(str(exc), name) from None
        out[name] = value if (value or name == "caption") else None
    return out


def _may_upload(session: Session, site: Site, actor: Actor, slug: str) -> Blog:
    """The blog, when this person may add photos to it now: its team (a contributor
    writes drafts with photos too), within the hourly count of uploads."""
    blog = load_blog(session, slug)
    require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Uploading a photo")
    if actor.user_id is not None:
        limit = site.settings.uploads_per_hour
        if q.uploads_since(session, actor.user_id, utcnow() - timedelta(hours=1)) >= limit:
            raise TooManyRequests(
                f"you uploaded {limit} photos in the last hour, the most this site takes; "
                "try again later",
                retry_after=600,
            )
    return blog


def upload_photo(
    site: Site,
    actor: Actor,
    slug: str,
    data: bytes,
    name: str = "",
    *,
    caption: str = "",
    credit: str | None = None,
    alt: str | None = None,
) -> dict[str, Any]:
    """Cleans a photo (metadata stripped, size and pixel limits), makes its widths and
    stores it in the blog's library, for a post to show by its ``file``."""
    words = _words(caption, credit, alt)
    # Who may, before any work on the pixels.
    with site.db.reading() as session:
        _may_upload(session, site, actor, slug)
    photo = clean_photo(actor, data, name)
    with stored_with(site, [photo]), transaction(site) as tx:
        blog = _may_upload(tx.session, site, actor, slug)
        record_photos(tx.session, blog.id, [photo], uploaded_by=actor.user_id, described=words)
        tx.audit(
            actor,
            "media.uploaded",
            "media",
            photo.filename,
            blog_id=blog.id,
            detail={"label": audit.label(words["caption"] or name), "bytes": len(data)},
        )
        media = tx.session.scalar(select(Media).where(Media.filename == photo.filename))
        assert media is not None
        return photo_record(media, site.settings.base_url, actor.name, 0)


def library(site: Site, actor: Actor, slug: str, page: int = 1) -> dict[str, Any]:
    """A page of the blog's photos, newest first: for its team."""
    with site.db.reading() as session:
        blog = load_blog(session, slug)
        require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Opening a blog's photos")
        photos, total = q.blog_media(session, blog.id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        base_url = site.settings.base_url
        return {
            "blog": {"slug": blog.slug, "title": blog.title},
            "photos": [photo_record(p.media, base_url, p.uploader, p.shown_in) for p in photos],
            "page": page,
            "pages": page_count(total, PER_PAGE),
            "total": total,
        }


def library_photo(site: Site, actor: Actor, slug: str, filename: str) -> dict[str, Any]:
    """One photo of the blog's library, to show again in a post."""
    with site.db.reading() as session:
        blog = load_blog(session, slug)
        require_blog_role(session, actor, blog, BlogRole.CONTRIBUTOR, "Opening a blog's photos")
        media = q.media_photo(session, [filename])
        if media is None or media.blog_id != blog.id:
            raise NotFound(f"no photo {filename!r} in the blog's library")
        return photo_record(media, site.settings.base_url)
