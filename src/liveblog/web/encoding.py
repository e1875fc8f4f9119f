"""Compressed bodies: each body is compressed once, and each request gets the coding it asks
for in ``Accept-Encoding``.

A cached page, a cached ``updates.json`` answer and every static file are held as an
:class:`Encoded`: the identity bytes with their brotli and gzip forms, computed when the body
is stored. A request then only picks one of them (:func:`negotiate`); nothing is compressed
while a request waits.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import brotli  # type: ignore[import-untyped]
from starlette.types import Scope, Send

IDENTITY = "identity"
CODINGS = ("br", "gzip")
"""The codings we make, best first: brotli is smaller, gzip is understood everywhere."""

VARY = "Accept-Encoding"


@dataclass(frozen=True, slots=True)
class Encoded:
    """One body and its compressed forms, made once (``forms`` may be empty for a small body:
    then every request gets the identity bytes)."""

    identity: bytes
    forms: Mapping[str, bytes]

    @property
    def codings(self) -> tuple[str, ...]:
        return tuple(coding for coding in CODINGS if coding in self.forms)

    def body(self, coding: str) -> bytes:
        return self.forms.get(coding, self.identity)

    @property
    def size(self) -> int:
        """Bytes held, all forms together."""
        return len(self.identity) + sum(len(form) for form in self.forms.values())


def encode(
    body: bytes,
    *,
    min_size: int = 0,
    brotli_quality: int = 6,
    gzip_level: int = 6,
) -> Encoded:
    """``body`` with its brotli and gzip forms, or alone if it is shorter than ``min_size``
    (a few hundred bytes gain nothing from compression). Quality 6 compresses a 76 KB page
    in about 2 ms, to within 12% of brotli's best, which costs 100 ms: pages are compressed
    on every change, so they take the fast setting; static files, compressed once per
    process, take the best."""
    if len(body) < min_size:
        return Encoded(body, {})
    return Encoded(
        body,
        {
            "br": brotli.compress(body, mode=brotli.MODE_TEXT, quality=brotli_quality),
            "gzip": gzip.compress(body, compresslevel=gzip_level, mtime=0),
        },
    )


def _qvalue(params: list[str]) -> float | None:
    """The ``q`` of one Accept-Encoding entry: 1 when absent, None when it is not a qvalue."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        value = value.strip()
        try:
            q = float(value)
        except ValueError:
            return None
        if not 0 <= q <= 1 or len(value) > 5:
            return None
        return q
    return 1.0


@lru_cache(maxsize=1024)  # browsers send a handful of distinct values
def negotiate(accept_encoding: str | None, available: tuple[str, ...] = CODINGS) -> str:
    """The coding to send: ``br``, ``gzip`` or ``identity`` (RFC 9110, section 12.5.3).

    The highest q wins, and on equal q the order of :data:`CODINGS` (br, then gzip). A
    coding listed with ``q=0`` is never sent; ``*`` stands for every coding not listed. No
    header, an empty one, or one whose acceptable codings we do not make, gets identity;
    identity is also the answer when the client refuses it too (``identity;q=0``), as the
    RFC recommends, rather than a 406 a reader would only see as an error. Entries we cannot
    parse are ignored.
    """
    if not accept_encoding:
        return IDENTITY
    listed: dict[str, float] = {}
    for entry in accept_encoding.split(","):
        name, *params = entry.split(";")
        name = name.strip().lower()
        if not name:
            continue
        q = _qvalue(params)
        if q is None:
            continue
        if name == "x-gzip":
            name = "gzip"
        listed[name] = max(q, listed.get(name, 0.0))
    star = listed.get("*", 0.0)
    best, best_q = IDENTITY, 0.0
    for coding in CODINGS:
        q = listed.get(coding, star)
        if coding in available and q > best_q:
            best, best_q = coding, q
    # Identity not named (nor by "*") is the fallback, below every coding asked for.
    identity_q = listed.get(IDENTITY, star if "*" in listed else 0.0)
    if best_q == 0.0 or identity_q > best_q:
        return IDENTITY
    return best


def tagged(etag: str, coding: str) -> str:
    """The entity tag of ``coding``'s bytes: ``W/"x"`` becomes ``W/"x-br"`` for brotli and
    stays as it is for identity, so that every coding has its own tag."""
    if coding == IDENTITY:
        return etag
    return f'{etag[:-1]}-{coding}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag``, by the weak comparison GET uses (RFC 9110,
    section 13.1.2): ``W/"x"`` and ``"x"`` match each other, ``*`` matches anything."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def coded_headers(coding: str, etag: str | None = None) -> dict[str, str]:
    """``Vary`` always (a cache must key on Accept-Encoding even for identity answers), and
    ``Content-Encoding`` unless identity."""
    headers = {"Vary": VARY}
    if coding != IDENTITY:
        headers["Content-Encoding"] = coding
    if etag is not None:
        headers["ETag"] = etag
    return headers


def conditions(scope: Scope) -> tuple[str | None, str | None]:
    """A raw ASGI request's Accept-Encoding and If-None-Match (each header may be sent on
    several lines, which mean the same as one line joined with commas)."""
    accept: list[str] = []
    none_match: list[str] = []
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            accept.append(value.decode("latin-1"))
        elif name == b"if-none-match":
            none_match.append(value.decode("latin-1"))
    return (", ".join(accept) or None), (", ".join(none_match) or None)


async def send_answer(
    scope: Scope, send: Send, status: int, headers: Mapping[str, str], body: bytes
) -> None:
    """Sends a whole answer from a raw ASGI endpoint: no body for HEAD or a 304, but the
    Content-Length of the body a GET would get (HEAD)."""
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    if status != 304:
        raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    empty = status == 304 or scope["method"] == "HEAD"
    await send({"type": "http.response.body", "body": b"" if empty else body})
