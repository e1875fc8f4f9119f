"""Media files: for now, the neutral placeholder pictures that the demo shows."""

from __future__ import annotations

import secrets

from PIL import Image, ImageDraw

from liveblog.actions.transaction import transaction
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
    filename = f"placeholder-{secrets.token_hex(6)}.png"
    site.settings.media_dir.mkdir(parents=True, exist_ok=True)
    image.save(site.settings.media_dir / filename, format="PNG", optimize=True)
    with transaction(site) as tx:
        tx.session.add(
            Media(filename=filename, content_type="image/png", width=width, height=height)
        )
    return filename
