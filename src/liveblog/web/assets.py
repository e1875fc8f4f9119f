"""The site's own static files (``/static/``), held in memory and compressed once.

The files are small (the reader's CSS and scripts are about 34 KB together), so the whole
directory is read and compressed (brotli at its best quality, gzip at 9) when the app is
built, and each request only picks the bytes it accepts.

Templates link to ``static('reader.css')``, which gives ``/static/reader.css?v=<hash>``: a
hash of the file's content, so the URL changes whenever the file does and a browser or CDN
may keep it for a year (``immutable``). A URL without the current hash (an old page still
cached somewhere during an upgrade, or a hand-typed address) gets the current file with
``no-cache``, so that nothing keeps the wrong bytes under a versioned URL.

Some files are also meant to be copied by hand into other sites' pages (``STABLE``: the
partners' embed script), at an address without a hash that must keep working: that
address gets a short max-age instead, so that a change reaches partners' readers within
minutes while their browsers and CDNs still cache it.

ETags are strong and are a hash of the bytes sent, so each coding has its own.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from liveblog.web.encoding import (
    Encoded,
    coded_headers,
    conditions,
    encode,
    etag_matches,
    negotiate,
    send_answer,
)

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
STABLE = frozenset({"embed.js"})
"""Files whose plain address (no ``?v=``) is published for others to copy (docs/embeds.md)."""
STABLE_CACHE = "public, max-age=300, stale-while-revalidate=3600"
MIN_COMPRESS = 512
"""Bytes below which a file is sent as it is (the favicon)."""

TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    media_type: str
    version: str
    encoded: Encoded
    etags: dict[str, str]

    @property
    def url(self) -> str:
        return f"/static/{self.name}?v={self.version}"


def _media_type(path: Path) -> str:
    media_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    media_type = media_type or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "image/svg+xml":
        media_type += "; charset=utf-8"
    return media_type


def _load(directory: Path) -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        body = path.read_bytes()
        encoded = encode(body, min_size=MIN_COMPRESS, brotli_quality=11, gzip_level=9)
        etags = {
            coding: '"' + hashlib.sha256(encoded.body(coding)).hexdigest()[:20] + '"'
            for coding in ("identity", *encoded.codings)
        }
        name = path.relative_to(directory).as_posix()
        version = hashlib.sha256(body).hexdigest()[:12]
        assets[name] = Asset(name, _media_type(path), version, encoded, etags)
    return assets


class StaticAssets:
    """An ASGI endpoint for ``/static/{name:path}``: GET and HEAD of the files loaded at
    start-up, in the negotiated coding, with ``Vary: Accept-Encoding``, ETag and 304."""

    def __init__(self, directory: Path = STATIC) -> None:
        self.directory = directory
        self.files = _load(directory)

    def url(self, name: str) -> str:
        """The versioned URL of a static file; an unknown name is a template error."""
        try:
            return self.files[name].url
        except KeyError:
            raise LookupError(f"no static file {name!r} in {self.directory}") from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asset = self.files.get(scope["path_params"].get("name", ""))
        if asset is None:
            raise HTTPException(404)
        accept, none_match = conditions(scope)
        coding = negotiate(accept, asset.encoded.codings)
        etag = asset.etags[coding]
        versioned = scope.get("query_string", b"") == f"v={asset.version}".encode()
        if versioned:
            cache_control = IMMUTABLE
        elif asset.name in STABLE and not scope.get("query_string", b""):
            cache_control = STABLE_CACHE
        else:
            cache_control = REVALIDATE
        headers = coded_headers(coding, etag) | {"Cache-Control": cache_control}
        if etag_matches(none_match, etag):
            headers.pop("Content-Encoding", None)
            await send_answer(scope, send, 304, headers, b"")
            return
        headers["Content-Type"] = asset.media_type
        await send_answer(scope, send, 200, headers, asset.encoded.body(coding))


@cache
def static_assets() -> StaticAssets:
    """The one set of this process: the files are the package's, the same for every app."""
    return StaticAssets()
