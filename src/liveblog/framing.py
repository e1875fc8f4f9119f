"""Which sites may show our embed pages in a frame: the ``frame-ancestors`` of their content
security policy, from the site's setting (LIVEBLOG_FRAME_ANCESTORS) or a blog's own list."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from liveblog.headers import CSP

ANY = "*"
NONE = "none"
MAX_LENGTH = 1000
"""Characters a normalized list may take (the blogs column's width)."""

_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_EXAMPLE = "such as https://news.example.com"


def parse_ancestors(text: str) -> str:
    """The list as it is stored: ``""`` (nothing given), ``*`` (any site), ``none`` (only
    this site), or origins separated by one space. Entries may be separated by spaces or
    commas. Raises ValueError with a message for the person who typed it."""
    entries = [entry for entry in re.split(r"[\s,]+", text.strip()) if entry]
    if not entries:
        return ""
    kept: list[str] = []
    for entry in entries:
        if entry == ANY:
            kept.append(ANY)
        elif entry.strip("'").lower() in (NONE, "self"):
            kept.append(NONE)
        else:
            kept.append(_origin(entry))
    kept = list(dict.fromkeys(kept))
    for word in (ANY, NONE):
        if word in kept and len(kept) > 1:
            raise ValueError(f"{word} stands alone: give it without other sites")
    value = " ".join(kept)
    if len(value) > MAX_LENGTH:
        raise ValueError(f"the list is too long: at most {MAX_LENGTH} characters")
    return value


def _origin(entry: str) -> str:
    """``scheme://host[:port]``, lowercased; anything more (a path, a query) is refused."""
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        raise ValueError(f"{entry!r} is not a site's address, {_EXAMPLE}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or not _HOST.match(host):
        raise ValueError(f"{entry!r} is not a site's address: give http(s) and a host, {_EXAMPLE}")
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{entry!r} is more than a site's address: give no path, {_EXAMPLE}")
    if parts.fragment or entry.endswith(("?", "#")):
        raise ValueError(f"{entry!r} is more than a site's address: give no path, {_EXAMPLE}")
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def frame_ancestors(blog_value: str | None, site_value: str) -> str:
    """The value of ``frame-ancestors`` for a blog's embed pages: the blog's list when it
    has one, else the site's; our own pages may always frame them (the desk shows them)."""
    value = blog_value or site_value
    if value == ANY:
        return ANY
    if not value or value == NONE:
        return "'self'"
    return f"'self' {value}"


def embed_policy(blog_value: str | None, site_value: str) -> str:
    """The site's content security policy with the embed's ``frame-ancestors``."""
    directive = f"frame-ancestors {frame_ancestors(blog_value, site_value)}"
    return CSP.replace("frame-ancestors 'self'", directive)
