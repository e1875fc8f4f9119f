"""Web Push's wire format (liveblog/webpush.py): what a subscription must be, the keys an
operator may give, and a message only the subscribed browser can read."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from liveblog.errors import LiveblogError
from liveblog.settings import PUSH_SERVICES, Settings
from liveblog.webpush import SigningKey, checked, push_request, subject_for
from tests.pushing import BrowserKeys, b64url, vapid_claims

SERVICES = tuple(PUSH_SERVICES.split(","))
FCM = "https://fcm.googleapis.com/fcm/send/dXk3:APA91b"


def keys() -> tuple[str, str]:
    found = BrowserKeys().subscription("")["keys"]
    return found["p256dh"], found["auth"]


def test_a_browsers_subscription_is_taken() -> None:
    p256dh, auth = keys()
    assert checked(FCM, p256dh, auth, SERVICES).origin == "https://fcm.googleapis.com"
    mozilla = "https://updates.push.services.mozilla.com/wpush/v2/gAAAA"
    assert checked(mozilla, p256dh, auth, SERVICES).endpoint == mozilla
    assert checked("http://127.0.0.1:4000/p", p256dh, auth, ("127.0.0.1",))


@pytest.mark.parametrize(
    ("endpoint", "services", "field"),
    [
        ("http://fcm.googleapis.com/fcm/send/x", SERVICES, "endpoint"),  # not https
        ("https://evil.example/fcm.googleapis.com", SERVICES, "endpoint"),
        ("https://fcm.googleapis.com.evil.example/x", SERVICES, "endpoint"),
        ("https://user:pw@fcm.googleapis.com/x", SERVICES, "endpoint"),
        ("ftp://fcm.googleapis.com/x", SERVICES, "endpoint"),
        ("https://fcm.googleapis.com:notaport/x", SERVICES, "endpoint"),
        ("https://fcm.googleapis.com/" + "x" * 2048, SERVICES, "endpoint"),
        ("http://192.0.2.1/x", ("192.0.2.1",), "endpoint"),  # http only for loopback
        ("http://127.0.0.1:4000/x", SERVICES, "endpoint"),  # loopback only when listed
        ("javascript:alert(1)", (), "endpoint"),
    ],
)
def test_an_endpoint_we_would_not_send_to_is_refused(
    endpoint: str, services: tuple[str, ...], field: str
) -> None:
    p256dh, auth = keys()
    with pytest.raises(LiveblogError) as refused:
        checked(endpoint, p256dh, auth, services)
    assert refused.value.status == 422 and refused.value.message.startswith(field)


def test_any_https_host_when_no_service_is_listed() -> None:
    p256dh, auth = keys()
    assert checked("https://push.example.org/x", p256dh, auth, ())


@pytest.mark.parametrize(
    ("p256dh", "auth", "field"),
    [
        ("", None, "keys.p256dh"),
        ("not base64!", None, "keys.p256dh"),
        (b64url(b"\x04" + b"\x01" * 64), None, "keys.p256dh"),  # not on the curve
        (b64url(os.urandom(33)), None, "keys.p256dh"),  # compressed-sized
        (None, b64url(os.urandom(15)), "keys.auth"),
        (None, b64url(os.urandom(17)), "keys.auth"),
        (None, "++//", "keys.auth"),
    ],
)
def test_keys_that_are_not_a_p256_point_and_a_16_byte_secret_are_refused(
    p256dh: str | None, auth: str | None, field: str
) -> None:
    good_key, good_auth = keys()
    with pytest.raises(LiveblogError) as refused:
        checked(FCM, p256dh if p256dh is not None else good_key, auth or good_auth, SERVICES)
    assert refused.value.message.startswith(field)


def test_the_key_may_be_given_as_pem_raw_or_der() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    raw = b64url(private.private_numbers().private_value.to_bytes(32, "big"))
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    der = b64url(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = {
        SigningKey.from_text(text, "mailto:a@b.example").public_key for text in (raw, pem, der)
    }
    assert len(public) == 1
    with pytest.raises(ValueError, match="P-256"):
        SigningKey.from_text(
            ec.generate_private_key(ec.SECP384R1())
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode(),
            "mailto:a@b.example",
        )


@pytest.mark.parametrize("given", ["nonsense", "QUJD", "-----BEGIN PRIVATE KEY-----\nQUJD\n"])
def test_a_key_that_is_not_one_is_a_one_line_error(given: str) -> None:
    with pytest.raises(LiveblogError, match="LIVEBLOG_VAPID_PRIVATE_KEY must be a P-256"):
        Settings.from_env({"LIVEBLOG_VAPID_PRIVATE_KEY": given}, None)


def test_the_subject_comes_from_the_setting_or_the_base_url() -> None:
    assert subject_for("mailto:desk@paper.example", "https://x.example") == (
        "mailto:desk@paper.example"
    )
    assert subject_for("", "https://live.paper.example") == "https://live.paper.example"
    assert subject_for("", "http://127.0.0.1:8000") == "mailto:liveblog@127.0.0.1"
    with pytest.raises(LiveblogError, match="LIVEBLOG_VAPID_SUBJECT must be"):
        Settings.from_env({"LIVEBLOG_VAPID_SUBJECT": "desk@paper.example"}, None)


def test_a_message_is_readable_by_its_browser_alone() -> None:
    browser, other = BrowserKeys(), BrowserKeys()
    sub = checked(FCM, browser.p256dh, b64url(browser.auth), SERVICES)
    key = SigningKey.from_text(SigningKey.new_text(), "mailto:desk@paper.example")
    request = push_request(sub, {"title": "Storm"}, key.authorization(sub.origin), ttl=60)
    assert browser.decrypt(request.body) == {"title": "Storm"}
    with pytest.raises(Exception):  # noqa: B017 - http_ece raises InvalidTag
        other.decrypt(request.body)
    # Each message has its own key pair: the same words never look the same twice.
    again = push_request(sub, {"title": "Storm"}, key.authorization(sub.origin), ttl=60)
    assert again.body[:16] != request.body[:16]  # the salt
    assert request.headers["TTL"] == "60"
    assert request.headers["Content-Encoding"] == "aes128gcm"
    claims = vapid_claims(request.headers["Authorization"], "https://fcm.googleapis.com")
    assert claims["k"] == key.public_key
    assert base64.urlsafe_b64decode(key.public_key + "=")[0] == 4
