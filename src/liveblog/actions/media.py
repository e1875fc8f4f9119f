"""Media files: photos editors upload, and the neutral placeholder pictures of the demo."""

from __future__ import annotations

import io
import secrets

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from liveblog.actions.access import Actor, require_site_role
from liveblog.actions.transaction import transaction
from liveblog.errors import Invalid
from liveblog.site import Site
from liveblog.storage import Media


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
    return _store(site, image, f"placeholder-{secrets.token_hex(6)}.png", "PNG")


MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
# The widest a stored photo is kept: larger ones are scaled down, for readers on phones.
MAX_WIDTH = 2400
_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}


def save_upload(site: Site, actor: Actor, data: bytes, name: str = "") -> str:
    """Stores an uploaded photo and returns its media file name.

    The picture is decoded and written afresh, so what is served is always a plain image:
    no EXIF (camera serial numbers, GPS positions), no XMP or IPTC, no comments, no PNG
    text chunks; and a file that only pretends to be an image is refused.
    """
    require_site_role(actor, ("admin", "editor", "contributor"), "Uploading a photo")
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
    if profile:
        # The colour profile is kept (a wide-gamut phone photo looks wrong without it);
        # it says how to show colours, nothing about who took the photo or where.
        image.info["icc_profile"] = profile
    return _store(site, image, f"photo-{secrets.token_hex(8)}.{_FORMATS[kind][0]}", kind)


def _store(site: Site, image: Image.Image, filename: str, kind: str) -> str:
    site.settings.media_dir.mkdir(parents=True, exist_ok=True)
    options: dict[str, object] = {"quality": 85} if kind in ("JPEG", "WEBP") else {"optimize": True}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    image.save(site.settings.media_dir / filename, format=kind, **options)
    with transaction(site) as tx:
        tx.session.add(
            Media(
                filename=filename,
                content_type=_FORMATS[kind][1],
                width=image.width,
                height=image.height,
            )
        )
    return filename
