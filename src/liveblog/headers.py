"""The headers every response of ours carries, whoever writes it: the ASGI middleware
(web/security.py) or the hub, which answers some event-stream requests on its own."""

from __future__ import annotations

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("content-security-policy", CSP),
)


def reader_policy(frame_hosts: tuple[str, ...]) -> str:
    """The policy of a reader page: the site's, with frames from exactly ``frame_hosts``
    (the embed providers', see elements/providers.py), over https only."""
    return CSP + "; frame-src " + " ".join(f"https://{host}" for host in frame_hosts)
