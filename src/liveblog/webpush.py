"""Web Push's wire format, without I/O: a browser's subscription checked, a notification
encrypted for it (RFC 8291, ``aes128gcm``, with http-ece) and the request signed for its
push service (VAPID, RFC 8292, with py-vapid). ``actions/pushing.py`` sends what this builds."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from liveblog.errors import Invalid

MAX_ENDPOINT = 2048
# The browser's key is a P-256 point, uncompressed (65 bytes); its auth secret is 16 bytes.
P256_POINT = 65
AUTH_SECRET = 16
# A token is good for 12 hours (RFC 8292 allows at most 24).
TOKEN_SECONDS = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Decodes base64url with or without its padding; ValueError if it is not base64url."""
    if not text.isascii() or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


@dataclass(frozen=True, slots=True)
class Subscription:
    """What a browser's ``PushSubscription.toJSON()`` says, once checked."""

    endpoint: str
    p256dh: str
    auth: str

    @property
    def origin(self) -> str:
        """The push service's origin: the ``aud`` of the VAPID token."""
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"


def checked(endpoint: str, p256dh: str, auth: str, services: tuple[str, ...]) -> Subscription:
    """The subscription, if it can be sent to: an https URL on one of ``services`` (a
    host or its subdomains; any host when empty), http only for a loopback host listed
    there; keys that decode to a point of P-256 and a 16-byte secret. Raises Invalid."""
    if len(endpoint) > MAX_ENDPOINT:
        raise Invalid(f"is longer than {MAX_ENDPOINT} characters", "endpoint")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        _ = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        raise Invalid("is not a URL", "endpoint") from None
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise Invalid("must be an https URL", "endpoint")
    if services and not any(host == s or host.endswith("." + s) for s in services):
        raise Invalid("is not a push service this site sends to", "endpoint")
    if parts.scheme == "http" and not _loopback(host):
        raise Invalid("must be an https URL", "endpoint")
    try:
        point = unb64url(p256dh)
        if len(point) != P256_POINT or point[0] != 4:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise Invalid("must be a P-256 public key, base64url", "keys.p256dh") from None
    try:
        secret = unb64url(auth)
    except ValueError:
        secret = b""
    if len(secret) != AUTH_SECRET:
        raise Invalid("must be 16 bytes, base64url", "keys.auth")
    return Subscription(endpoint, p256dh, auth)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SigningKey:
    """The site's VAPID key: it signs the token each request carries, and its public half
    is the ``applicationServerKey`` browsers subscribe with."""

    def __init__(self, private: ec.EllipticCurvePrivateKey, subject: str) -> None:
        self._vapid = Vapid02(private, conf={"no-strict": True})
        self.subject = subject
        point = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key = b64url(point)

    @classmethod
    def from_text(cls, text: str, subject: str) -> SigningKey:
        """A key as an operator gives it: PEM, or base64url of the raw 32 bytes or of DER.
        Raises ValueError when it is none of these, or not a P-256 key."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = unb64url("".join(text.split()))
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("not a P-256 (prime256v1) private key")
        return cls(key, subject)

    @staticmethod
    def new_text() -> str:
        """A new key, as base64url of its raw 32 bytes."""
        key = ec.generate_private_key(ec.SECP256R1())
        return b64url(key.private_numbers().private_value.to_bytes(32, "big"))

    def authorization(self, audience: str, now: float | None = None) -> str:
        """The ``Authorization: vapid t=<JWT>, k=<public key>`` header for a push service."""
        claims = {
            "aud": audience,
            "exp": int((time.time() if now is None else now) + TOKEN_SECONDS),
            "sub": self.subject,
        }
        header: str = self._vapid.sign(claims)["Authorization"]
        return header.replace(",k=", ", k=")


def subject_for(setting: str, base_url: str) -> str:
    """LIVEBLOG_VAPID_SUBJECT, or one made from BASE_URL: itself when it is https, else a
    mailto: address at its host."""
    if setting:
        return setting
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return f"https://{parts.hostname}"
    return f"mailto:liveblog@{parts.hostname or 'localhost'}"


@dataclass(frozen=True, slots=True)
class PushRequest:
    headers: dict[str, str]
    body: bytes


def encrypted(subscription: Subscription, message: dict[str, Any]) -> bytes:
    """The message as JSON, encrypted for this browser alone (RFC 8291): a new key pair of
    ours for every message, agreed with the browser's key and mixed with its secret."""
    ours = ec.generate_private_key(ec.SECP256R1())
    body: bytes = http_ece.encrypt(
        json.dumps(message, separators=(",", ":")).encode(),
        private_key=ours,
        dh=unb64url(subscription.p256dh),
        auth_secret=unb64url(subscription.auth),
        version="aes128gcm",
    )
    return body


def push_request(
    subscription: Subscription,
    message: dict[str, Any],
    authorization: str,
    ttl: int,
    urgency: str = "high",
) -> PushRequest:
    """The POST to the subscription's endpoint that delivers ``message``."""
    return PushRequest(
        headers={
            "TTL": str(ttl),
            "Urgency": urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": authorization,
        },
        body=encrypted(subscription, message),
    )
