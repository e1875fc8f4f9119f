"""Media files: photos uploaded at the desk, and the neutral placeholder pictures of the demo.

A photo is cleaned in memory first (``clean_photo``): decoded and written afresh, with
every metadata block dropped and only its colour profile kept. It is stored only with the
post that shows it, in the same transaction (``stored_with`` around the transaction, and
``record_photos`` inside it), so a preview, or a form sent back with an error, stores
nothing. Which files each post shows is kept in ``post_media`` (``link_media``); whether a
file may be shown to readers is the database's decision (``queries.media_is_public``), and
``prune_media`` removes what no post shows.
"""

from __future__ import annotations

import functools
import io
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from liveblog.actions.access import Actor, require_site_role
from liveblog.actions.transaction import transaction
from liveblog.elements import KINDS
from liveblog.errors import Invalid
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.states import SiteRole
from liveblog.storage import Media, Post, PostMedia
from liveblog.storage.db import insert_unless_present
from liveblog.storage.mediastore import MediaStore, media_store
from liveblog.storage.tables import utcnow

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
# The widest a stored photo is kept: larger ones are scaled down, for readers on phones.
MAX_WIDTH = 2400
_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# The narrower copies made of each photo when it is stored, in its own format and in WebP;
# the stored width itself is always there too (see ``widths_for``).
WIDTHS = (360, 720, 1080, 1600)
WEBP_QUALITY = 80
# Names this code gives files: the kind, the time it was made (hex seconds), random hex;
# a narrower copy adds its width ("-720w"), and any width may also be a WebP copy.
_OURS = re.compile(
    r"^(?:photo|placeholder)-(?:([0-9a-f]{8})-)?[0-9a-f]{12,16}(?:-[0-9]{2,4}w)?"
    r"\.(?:jpg|png|webp)$"
)
_VARIANT = re.compile(
    r"^((?:photo|placeholder)-(?:[0-9a-f]{8}-)?[0-9a-f]{12,16})-([0-9]{2,4})w\.(jpg|png|webp)$"
)


@dataclass(frozen=True)
class Photo:
    """A cleaned photo, not stored yet: exactly the bytes that will be served."""

    filename: str
    content_type: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Variant:
    """One width of a stored photo, in its own format or in WebP."""

    filename: str
    content_type: str
    width: int
    data: bytes


def widths_for(width: int) -> list[int]:
    """The widths a photo this wide is stored in: the narrower ones, then its own."""
    return [w for w in WIDTHS if w < width] + [width]


def variant_name(filename: str, width: int, extension: str) -> str:
    """The name of a photo's copy at this width and in this format ("jpg", "webp")."""
    return f"{filename.rsplit('.', 1)[0]}-{width}w.{extension}"


def variant_of(name: str) -> tuple[list[str], int] | None:
    """For a copy's name, the names its photo may have and the copy's width; else None."""
    match = _VARIANT.match(name)
    if match is None:
        return None
    stem = match.group(1)
    return [f"{stem}.{extension}" for extension in ("jpg", "png", "webp")], int(match.group(2))


def make_variants(photo: Photo) -> list[Variant]:
    """The copies of a cleaned photo that make ``srcset`` work: each narrower width of
    ``WIDTHS`` in the photo's own format, and every width (its own too) in WebP. Made once,
    when the photo is stored; the names never change, so they are cached for good."""
    with Image.open(io.BytesIO(photo.data)) as opened:
        opened.load()
        kind = opened.format or "JPEG"
        profile = opened.info.get("icc_profile")
        image: Image.Image = opened.copy()
    extension, content_type = _FORMATS[kind]
    made: list[Variant] = []
    current = image
    for width in reversed(widths_for(photo.width)):
        if width != current.width:
            height = max(1, round(photo.height * width / photo.width))
            # Each copy from the next wider one: most of the work is done once.
            current = current.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            current.info = dict(image.info)
            made.append(
                Variant(
                    variant_name(photo.filename, width, extension),
                    content_type,
                    width,
                    _encode(current, kind, profile),
                )
            )
        if kind != "WEBP":
            webp = current
            if webp.mode not in ("RGB", "RGBA"):
                has_alpha = "transparency" in webp.info or webp.mode in ("LA", "PA", "RGBa")
                webp = webp.convert("RGBA" if has_alpha else "RGB")
            made.append(
                Variant(
                    variant_name(photo.filename, width, "webp"),
                    "image/webp",
                    width,
                    _encode(webp, "WEBP", profile),
                )
            )
    return made


@functools.lru_cache(maxsize=8)
def store_for(settings: Settings) -> MediaStore:
    """The site's media store, made once (an S3 client is costly to set up)."""
    return media_store(settings)


def _new_name(kind: str, extension: str) -> str:
    # The time in the name lets `media prune` leave alone a file stored a moment ago by a
    # transaction that has not committed yet, in any store.
    return f"{kind}-{int(time.time()):08x}-{secrets.token_hex(8)}.{extension}"


def clean_photo(actor: Actor, data: bytes, name: str = "") -> Photo:
    """Checks an uploaded photo and writes it afresh, in memory.

    What is served is always a plain image: no EXIF (camera serial numbers, GPS
    positions), no XMP or IPTC, no comments, no PNG text chunks; only the colour profile
    stays, since it says how to show the colours, nothing about who took the photo or
    where. A file that only pretends to be an image is refused.
    """
    require_site_role(actor, tuple(SiteRole), "Uploading a photo")
    label = name or "the upload"
    if not data:
        raise Invalid(f"{label} is empty", "file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(f"{label} is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB", "file")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            # Phones write JPEGs that hold a second, smaller picture: Pillow calls them MPO.
            kind = "JPEG" if probe.format == "MPO" else probe.format or ""
            if kind not in _FORMATS:
                raise Invalid(f"{label} is not a JPEG, PNG or WebP photo", "file")
            limit = MAX_PIXELS if kind == "JPEG" else MAX_PIXELS // 2
            if probe.width * probe.height > limit:
                raise Invalid(f"{label} has more than {limit // 1_000_000} million pixels", "file")
            if kind == "JPEG":
                # Decode at the smallest scale that is still wide enough: a fraction of
                # the memory for a large phone photo.
                probe.draft("RGB", (MAX_WIDTH, MAX_WIDTH * probe.height // probe.width))
            probe.load()
            profile = probe.info.get("icc_profile")
            transparency = probe.info.get("transparency")
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Invalid(f"{label} is not a picture that can be read", "file") from None
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # Pillow carries what it read (comment, XMP, EXIF, text chunks) into what it writes:
    # start from nothing, and keep only what says how to draw the pixels.
    image.info = {}
    if transparency is not None and kind != "JPEG" and image.mode in ("P", "L", "RGB"):
        image.info["transparency"] = transparency
    extension, content_type = _FORMATS[kind]
    return Photo(
        filename=_new_name("photo", extension),
        content_type=content_type,
        width=image.width,
        height=image.height,
        data=_encode(image, kind, profile),
    )


def _encode(image: Image.Image, kind: str, profile: bytes | None = None) -> bytes:
    options: dict[str, object] = (
        {"quality": 85}
        if kind == "JPEG"
        else {"quality": WEBP_QUALITY}
        if kind == "WEBP"
        else {"optimize": True}
    )
    if profile:
        options["icc_profile"] = profile
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()


def small_copy(photo: Photo, width: int = 480) -> tuple[str, bytes]:
    """A small JPEG or PNG of a photo not stored yet, for the desk to show it: its content
    type and bytes."""
    with Image.open(io.BytesIO(photo.data)) as opened:
        image: Image.Image = opened
        image.thumbnail((width, width * 4))
        kind = "JPEG" if image.mode in ("RGB", "L") else "PNG"
        if kind == "PNG" and image.mode not in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
        image.info = {}
        return _FORMATS[kind][1], _encode(image, kind)


@contextmanager
def stored_with(site: Site, photos: Sequence[Photo]) -> Iterator[None]:
    """Puts the photos, and their narrower and WebP copies, in the media store for the
    transaction inside this block, and takes them out again if it does not commit. Around
    ``transaction()``, with ``record_photos`` inside it: a photo is kept exactly when the
    post that shows it is."""
    store = store_for(site.settings)
    with site.db.reading() as session:
        present = set(
            session.scalars(
                select(Media.filename).where(Media.filename.in_([p.filename for p in photos]))
            )
        )
    put: dict[str, list[str]] = {}
    try:
        for photo in photos:
            if photo.filename in present:
                continue  # the same form sent twice: stored by the first
            names = put.setdefault(photo.filename, [])
            for variant in make_variants(photo):
                store.put(variant.filename, variant.data, variant.content_type)
                names.append(variant.filename)
            # The photo itself last: a stored photo always has its copies.
            store.put(photo.filename, photo.data, photo.content_type)
            names.append(photo.filename)
        yield
    except BaseException:
        with site.db.reading() as session:
            # A twin of this send that did commit keeps its files.
            kept = set(session.scalars(select(Media.filename).where(Media.filename.in_(list(put)))))
        for photo_name, names in put.items():
            if photo_name not in kept:
                for name in names:
                    store.delete(name)
        raise


def record_photos(
    session: Session,
    blog_id: int | None,
    photos: Sequence[Photo],
    *,
    uploaded_by: int | None = None,
    described: dict[str, str | None] | None = None,
) -> None:
    """The media rows of photos stored with ``stored_with``, in the post's transaction (or
    the upload's: ``described`` gives its caption, credit and alt)."""
    about = described or {}
    for photo in photos:
        insert_unless_present(
            session,
            Media,
            {
                "blog_id": blog_id,
                "filename": photo.filename,
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
                "created_at": utcnow(),
                "variants": ",".join(str(w) for w in widths_for(photo.width)),
                "caption": about.get("caption") or "",
                "credit": about.get("credit"),
                "alt": about.get("alt"),
                "uploaded_by": uploaded_by,
            },
            ["filename"],
        )


def link_media(session: Session, post: Post) -> None:
    """Records which files the post's elements show; called wherever elements are saved."""
    wanted = {name for element in post.elements for name in KINDS[element["type"]].media(element)}
    have = set(session.scalars(select(PostMedia.filename).where(PostMedia.post_id == post.id)))
    if have - wanted:
        session.execute(
            delete(PostMedia).where(
                PostMedia.post_id == post.id, PostMedia.filename.in_(have - wanted)
            )
        )
    session.add_all(PostMedia(post_id=post.id, filename=name) for name in sorted(wanted - have))
    _describe(session, post)


def _describe(session: Session, post: Post) -> None:
    """A library photo without words takes the first caption, credit and alt text a post
    gives it, so that the next post reusing it starts from them."""
    words = {
        element["file"]: element
        for element in reversed(post.elements)
        if element["type"] == "image" and element.get("file")
    }
    if not words:
        return
    for media in session.scalars(
        select(Media).where(Media.filename.in_(list(words)), Media.caption == "")
    ):
        element = words[media.filename]
        if element.get("caption") or element.get("alt"):
            media.caption = element.get("caption") or ""
            media.credit = media.credit or element.get("credit")
            media.alt = media.alt or element.get("alt")


def create_placeholder(site: Site, width: int = 1200, height: int = 675) -> str:
    """Writes a calm grey picture with a simple landscape mark, and records it as media."""
    image = Image.new("RGB", (width, height), (222, 226, 230))
    draw = ImageDraw.Draw(image)
    cx, cy, unit = width // 2, height // 2, min(width, height) // 10
    draw.rectangle(
        (cx - 2 * unit, cy - unit * 3 // 2, cx + 2 * unit, cy + unit * 3 // 2),
        outline=(160, 168, 176),
        width=max(2, unit // 12),
    )
    draw.polygon(
        [
            (cx - 2 * unit, cy + unit * 3 // 2),
            (cx - unit // 2, cy),
            (cx + unit // 2, cy + unit),
            (cx + unit, cy + unit // 2),
            (cx + 2 * unit, cy + unit * 3 // 2),
        ],
        fill=(176, 184, 192),
    )
    draw.ellipse(
        (cx + unit // 2, cy - unit, cx + unit + unit // 3, cy - unit // 6), fill=(176, 184, 192)
    )
    photo = Photo(
        _new_name("placeholder", "png"), "image/png", width, height, _encode(image, "PNG")
    )
    with stored_with(site, [photo]), transaction(site) as tx:
        record_photos(tx.session, None, [photo])
    return photo.filename


# --- removing what no post shows --------------------------------------------------------


@dataclass(frozen=True)
class Pruned:
    rows: int
    files: int


def prune_media(site: Site, older_than: timedelta = timedelta(hours=1)) -> Pruned:
    """Removes media rows and files that no post shows (a deleted post still shows its
    photos: it can be restored). Anything younger than ``older_than`` is left alone, so
    that a photo being stored with its post right now is not taken from under it."""
    cutoff = utcnow() - older_than
    store = store_for(site.settings)
    shown = select(PostMedia.filename)
    with transaction(site) as tx:
        orphans = list(
            tx.session.scalars(
                select(Media.filename).where(
                    Media.filename.not_in(shown), Media.created_at < cutoff
                )
            )
        )
        if orphans:
            tx.session.execute(delete(Media).where(Media.filename.in_(orphans)))
    with site.db.reading() as session:
        known = set(session.scalars(select(Media.filename))) | set(session.scalars(shown))
    files = 0
    for name in store.names():
        match = _OURS.match(name)
        copy = variant_of(name)
        if not match or name in known or (copy and known.intersection(copy[0])):
            continue  # not ours to remove, or still wanted (a copy of a wanted photo)
        made = match.group(1)
        removed = name in orphans or bool(copy and set(orphans).intersection(copy[0]))
        if not removed and made and int(made, 16) > cutoff.timestamp():
            continue  # just stored: its transaction may not have committed yet
        store.delete(name)
        files += 1
    return Pruned(rows=len(orphans), files=files)
