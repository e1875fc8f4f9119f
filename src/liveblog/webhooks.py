"""Webhooks on the wire: the Standard Webhooks signature, a delivery's body, the retry
schedule, and the sender that the worker runs (``JOB``; see docs/webhooks.md).

The rows are written and claimed by ``actions.deliveries``; this module only turns a
claimed delivery into an HTTP request and its answer into an outcome.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from liveblog.site import Site

log = logging.getLogger("liveblog.webhooks")

SECRET_PREFIX = "whsec_"
# Of an endpoint's answer, only this much is read: the status code is what counts.
MAX_ANSWER_BYTES = 64 * 1024
# Deliveries one round of the sender claims, and sends at once (to as many endpoints).
BATCH = 16
USER_AGENT = "liveblog-webhooks/1"


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and 32 random bytes
    in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    """The ``webhook-id`` of one delivery: the same on every retry and replay."""
    return "msg_" + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the secret's
    bytes (the base64 after ``whsec_``)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def body(kind: str, at: str | None, blog_slug: str, seq: int, payload: dict[str, Any]) -> str:
    """What a delivery sends: the event's kind, its time, and its payload as the log
    holds it, with the blog's slug and the event's seq."""
    data = {"blog": blog_slug, "seq": seq} | payload
    return json.dumps(
        {"type": kind, "timestamp": at, "data": data}, ensure_ascii=False, separators=(",", ":")
    )


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failed try: base, twice that, four
    times, ..., never more than cap."""
    return float(min(cap, base * 2 ** min(max(attempts, 1) - 1, 40)))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery a sender holds (its lease) while it sends it."""

    id: int
    attempts: int
    endpoint_id: int
    url: str
    secret: str
    message_id: str
    payload: str


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str | None


def send(client: httpx.Client, url: str, secret: str, message_id: str, payload: str) -> Outcome:
    """One try: 2xx is delivered; anything else (a redirect too: none is followed, a
    timeout, a refused connection) is a failure to retry."""
    data = payload.encode()
    # httpx's timeout bounds each step; this bounds the whole try, a slow answer too.
    deadline = time.monotonic() + (client.timeout.read or 10.0)
    try:
        with client.stream(
            "POST",
            url,
            content=data,
            headers=headers(secret, message_id, int(time.time()), payload),
        ) as answer:
            read = 0
            for chunk in answer.iter_bytes():
                read += len(chunk)
                if read >= MAX_ANSWER_BYTES:
                    break
                if time.monotonic() > deadline:
                    return Outcome(False, answer.status_code, "the answer took too long")
            ok = 200 <= answer.status_code < 300
            return Outcome(ok, answer.status_code, None if ok else f"HTTP {answer.status_code}")
    except httpx.HTTPError as exc:
        return Outcome(False, None, (type(exc).__name__ + ": " + str(exc))[:300])


def step(site: Site) -> float | None:
    """One round of the sender: claim the due deliveries (each the oldest pending one of
    its endpoint and blog), send them at once, record what came of each. Returns 0 when
    more may be due, else the seconds until the next retry is (None: nothing waits)."""
    from liveblog.actions import deliveries  # which imports this module

    claimed = deliveries.claim(site, BATCH)
    if claimed:
        outcomes = _send_all(site, claimed)
        deliveries.record(site, list(zip(claimed, outcomes, strict=True)))
        return 0
    return deliveries.seconds_to_next(site)


def _send_all(site: Site, claimed: Sequence[Claimed]) -> list[Outcome]:
    timeout = site.settings.webhook_timeout_seconds
    limits = httpx.Timeout(timeout)
    # trust_env: an egress proxy (HTTPS_PROXY, NO_PROXY) and CA bundle (SSL_CERT_FILE) apply.
    with httpx.Client(timeout=limits, follow_redirects=False, trust_env=True) as client:

        def one(claim: Claimed) -> Outcome:
            return send(client, claim.url, claim.secret, claim.message_id, claim.payload)

        if len(claimed) == 1:
            return [one(claimed[0])]
        with ThreadPoolExecutor(max_workers=min(len(claimed), 8)) as pool:
            return list(pool.map(one, claimed))
