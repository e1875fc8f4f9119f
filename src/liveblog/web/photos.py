"""Photos chosen in a desk form travel back in the form until the post is saved.

A preview, an Add button or an error stores nothing (the photo is stored with its post, in
the post's transaction), yet the writer must not have to choose the file again. So the
cleaned photo goes back to the browser in a hidden field, signed with the site's secret
key: what comes back is taken as already cleaned only when the signature holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re

from liveblog.actions.media import Photo, small_copy

_VERSION = "p1"
_NAME = re.compile(r"^photo-[0-9a-f]{8}-[0-9a-f]{16}\.(?:jpg|png|webp)$")
_TYPES = {"image/jpeg", "image/png", "image/webp"}


def _signature(secret: str, payload: str) -> str:
    key = hashlib.sha256(b"liveblog: a photo carried in a form\0" + secret.encode()).digest()
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).hexdigest()


def seal(photo: Photo, secret: str) -> str:
    about = {
        "name": photo.filename,
        "type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
    }
    payload = ".".join(
        (
            _VERSION,
            base64.urlsafe_b64encode(json.dumps(about).encode()).decode("ascii"),
            base64.b64encode(photo.data).decode("ascii"),
        )
    )
    return f"{payload}.{_signature(secret, payload)}"


def unseal(value: str, secret: str) -> Photo | None:
    """The photo a sealed field holds; None if it was not sealed here, with this key."""
    payload, _, signature = value.strip().rpartition(".")
    if not payload.startswith(_VERSION + ".") or not payload.isascii():
        return None
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    try:
        _, about_text, data_text = payload.split(".")
        about = json.loads(base64.urlsafe_b64decode(about_text))
        data = base64.b64decode(data_text, validate=True)
    except (ValueError, binascii.Error):
        return None
    if not _NAME.match(str(about.get("name"))) or about.get("type") not in _TYPES:
        return None
    return Photo(about["name"], about["type"], int(about["width"]), int(about["height"]), data)


def thumbnail_url(photo: Photo) -> str:
    """A small copy as a data: address, for the desk to show a photo not stored yet."""
    content_type, data = small_copy(photo)
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
