"""Typed settings, read from ``LIVEBLOG_*`` environment variables and an optional ``.env``."""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from liveblog.errors import LiveblogError
from liveblog.framing import NONE, parse_ancestors


class Secret:
    """A string that never shows itself in logs or reprs."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return self._value

    def reveal(self) -> str:
        return self._value


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its variable (``LIVEBLOG_<name>``), its default as the variable would
    say it, its help text, the ``Settings`` attribute it fills and how its text is read."""

    name: str
    default: str
    help: str
    attr: str
    parse: Callable[[str, str], Any] = field(default=lambda _name, value: value)

    def default_value(self) -> Any:
        return self.parse(self.name, self.default)


def _secret(_name: str, value: str) -> Secret:
    return Secret(value or secrets.token_urlsafe(32))


def _stripped(_name: str, value: str) -> str:
    return value.strip()


def _addresses(_name: str, value: str) -> tuple[str, ...]:
    return tuple(host.strip() for host in value.split(",") if host.strip())


# The address `liveblog serve` and `liveblog demo` listen on unless told otherwise; the
# default public address (BASE_URL) is this one.
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8000

# The push services of the browsers readers use: Chrome's, Firefox's, Edge's, Safari's.
PUSH_SERVICES = "fcm.googleapis.com,push.services.mozilla.com,notify.windows.com,push.apple.com"

# Every setting, its default and its help text, in one place: ``Settings``' defaults come
# from here, docs/deployment.md lists the same names and defaults, and a test checks that
# they agree.
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "DATABASE_URL",
        "sqlite:///var/liveblog.db",
        "SQLAlchemy URL; postgresql+psycopg://user@host/db for PostgreSQL.",
        "database_url",
    ),
    SettingSpec(
        "REDIS_URL",
        "",
        "Redis URL for the cross-process bus; empty means in-process.",
        "redis_url",
    ),
    SettingSpec(
        "SECRET_KEY",
        "",
        "Key signing form tokens and password-reset links; random per run when empty.",
        "secret_key",
        _secret,
    ),
    SettingSpec(
        "MEDIA_DIR",
        "var/media",
        "Folder for uploaded and generated images.",
        "media_dir",
        lambda _name, value: Path(value),
    ),
    SettingSpec(
        "BASE_URL",
        f"http://{SERVE_HOST}:{SERVE_PORT}",
        "Public address, used in links and feeds.",
        "base_url",
        lambda _name, value: value.rstrip("/"),
    ),
    SettingSpec(
        "SITE_NAME", "liveblog", "Name shown in page titles and Open Graph tags.", "site_name"
    ),
    SettingSpec(
        "STREAMS_PER_ADDRESS",
        "200",
        "Open event streams allowed per client address (429 beyond); 0 for no limit.",
        "streams_per_address",
        lambda name, value: _count(name, value),
    ),
    SettingSpec(
        "MAX_BODY_MB",
        "1",
        "Largest JSON or plain form request, in MB (413 beyond, counted as it arrives).",
        "max_body_bytes",
        lambda name, value: _megabytes(name, value),
    ),
    SettingSpec(
        "MAX_UPLOAD_MB",
        "50",
        "Largest send with files (photos, a page to import) from a logged-in person, in MB.",
        "max_upload_bytes",
        lambda name, value: _megabytes(name, value),
    ),
    SettingSpec(
        "PASSWORD_CHECKS",
        "0",
        "Passwords one process checks at once (64 MB each); 0 means one per CPU, at most 4.",
        "password_checks",
        lambda name, value: _count(name, value),
    ),
    SettingSpec(
        "PASSWORD_WAIT_SECONDS",
        "3",
        "Seconds a login waits for a free password check before it is told to retry (503).",
        "password_wait_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "SESSION_IDLE_DAYS",
        "14",
        "Days a desk login lasts unused; a use in the second half of them renews it.",
        "session_idle_days",
        lambda name, value: _days(name, value),
    ),
    SettingSpec(
        "SESSION_MAX_DAYS",
        "30",
        "Days a desk login lasts at most, however often it is used; then it asks again.",
        "session_max_days",
        lambda name, value: _days(name, value),
    ),
    SettingSpec(
        "DRAFT_DAYS",
        "30",
        "Days a composer's draft kept on the server lasts untouched; the worker then removes it.",
        "draft_days",
        lambda name, value: _days(name, value),
    ),
    SettingSpec(
        "REQUIRE_2FA_FOR_ADMINS",
        "0",
        "1 makes every admin set up two-factor login before anything else at the desk.",
        "require_2fa_for_admins",
        lambda name, value: _flag(name, value),
    ),
    SettingSpec(
        "S3_BUCKET",
        "",
        "Keep media in this S3-compatible bucket (shared by every node) instead of MEDIA_DIR.",
        "s3_bucket",
        _stripped,
    ),
    SettingSpec(
        "S3_ENDPOINT_URL",
        "",
        "The S3-compatible service's URL; empty means AWS.",
        "s3_endpoint_url",
        _stripped,
    ),
    SettingSpec(
        "S3_REGION", "", "The bucket's region, where the service needs one.", "s3_region", _stripped
    ),
    SettingSpec(
        "S3_PREFIX", "media/", "Prefix of media keys in the bucket.", "s3_prefix", _stripped
    ),
    SettingSpec(
        "EDGE_STREAMS",
        "",
        "Set to nchan when nginx + nchan holds the event streams, fed by `liveblog relay`.",
        "edge_streams",
        lambda name, value: _edge(name, value),
    ),
    SettingSpec(
        "WORKER",
        "inline",
        "inline: each server process also delivers webhooks and notifications; off: "
        "`liveblog worker` does.",
        "worker",
        lambda name, value: _worker(name, value),
    ),
    SettingSpec(
        "FRAME_ANCESTORS",
        "*",
        "Sites whose pages may frame the embeds: origins, * for any, none for only this one.",
        "frame_ancestors",
        lambda name, value: _ancestors(name, value),
    ),
    SettingSpec(
        "MASTODON_SERVERS",
        "",
        "Mastodon servers whose posts reader pages may load in a frame, comma-separated; "
        "empty: any server with a public name (never this site's own host).",
        "mastodon_servers",
        lambda name, value: tuple(host.lower() for host in _addresses(name, value)),
    ),
    SettingSpec(
        "VAPID_PRIVATE_KEY",
        "",
        "The key that signs Web Push notifications (PEM, or base64url); empty: one made once "
        "and kept in the database.",
        "vapid_private_key",
        lambda name, value: _vapid_key(name, value),
    ),
    SettingSpec(
        "VAPID_SUBJECT",
        "",
        "Who push services may contact about our notifications (mailto: or https:); empty: "
        "BASE_URL when it is https, else mailto:liveblog@ its host.",
        "vapid_subject",
        lambda name, value: _subject(name, value),
    ),
    SettingSpec(
        "PUSH_SERVICES",
        PUSH_SERVICES,
        "Hosts (and their subdomains) readers' browsers may name as push service; empty for "
        "any https host.",
        "push_services",
        _addresses,
    ),
    SettingSpec(
        "PUSH_PER_BLOG",
        "100000",
        "Notification subscriptions one blog may hold (503 beyond); 0 turns notifications off.",
        "push_per_blog",
        lambda name, value: _count(name, value),
    ),
    SettingSpec(
        "PUSH_PER_ADDRESS",
        "20",
        "Notification subscriptions one client address may make in an hour (429 beyond).",
        "push_per_address",
        lambda name, value: _at_least(1, name, value),
    ),
    SettingSpec(
        "UPLOADS_PER_HOUR",
        "300",
        "Photos one person may upload through the API in an hour (429 beyond).",
        "uploads_per_hour",
        lambda name, value: _at_least(1, name, value),
    ),
    SettingSpec(
        "METRICS_ALLOW",
        "127.0.0.1,::1",
        "Client addresses that may read /metrics (comma-separated); empty for nobody.",
        "metrics_allow",
        _addresses,
    ),
    SettingSpec(
        "ARCHIVE_DIR",
        "",
        "Folder where the worker keeps each ended blog's static archive (DIR/<slug>); empty: none.",
        "archive_dir",
        _stripped,
    ),
    SettingSpec(
        "WEBHOOK_TIMEOUT_SECONDS",
        "10",
        "Seconds a webhook delivery may take (connecting, sending, answering) before it "
        "counts as failed.",
        "webhook_timeout_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "WEBHOOK_RETRY_BASE_SECONDS",
        "10",
        "Seconds before a failed webhook delivery's first retry; each further retry waits "
        "twice as long.",
        "webhook_retry_base_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "WEBHOOK_RETRY_CAP_SECONDS",
        "3600",
        "Longest wait between two retries of a webhook delivery, in seconds.",
        "webhook_retry_cap_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "WEBHOOK_DISABLE_HOURS",
        "24",
        "Hours a webhook endpoint may fail without a success before it is disabled "
        "(fractions allowed, e.g. 0.5).",
        "webhook_disable_hours",
        lambda name, value: _seconds(name, value),
    ),
    # Tuning: the figures in docs/performance.md were measured with these defaults.
    SettingSpec(
        "HEARTBEAT_SECONDS",
        "15",
        "Seconds between heartbeats on an idle event stream; a stream stuck across two is dropped.",
        "heartbeat_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "POLL_SECONDS",
        "5",
        "Seconds between the hub's looks at the log for followed blogs, wake-up or not.",
        "poll_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "READERS_SECONDS",
        "5",
        'Seconds between each process\'s report of its readers per blog ("N reading now").',
        "readers_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "PRESENCE_SECONDS",
        "30",
        "Seconds a desk's presence (who has a blog open, who edits which post) lasts without "
        "a beat from its page; the page beats six times as often.",
        "presence_seconds",
        lambda name, value: _seconds(name, value),
    ),
    SettingSpec(
        "STREAM_BUFFER_KB",
        "128",
        "KB an event stream may have waiting to be sent; a reader further behind is dropped.",
        "stream_buffer_bytes",
        lambda name, value: _at_least(1, name, value) << 10,
    ),
    SettingSpec(
        "SOCKET_BUFFER_KB",
        "64",
        "Kernel send buffer of each event stream's socket, in KB.",
        "socket_buffer_bytes",
        lambda name, value: _at_least(1, name, value) << 10,
    ),
    SettingSpec(
        "BROADCAST_SLICE",
        "2000",
        "Streams written between two turns of the event loop while an event goes out.",
        "broadcast_slice",
        lambda name, value: _at_least(1, name, value),
    ),
    SettingSpec(
        "RECENT_EVENTS",
        "256",
        "Latest events the hub keeps per followed blog, to serve returning readers from memory.",
        "recent_events",
        lambda name, value: _count(name, value),
    ),
    SettingSpec(
        "REPLAY_LIMIT",
        "500",
        "Most events replayed to a reader; one further behind reloads the page.",
        "replay_limit",
        lambda name, value: _at_least(1, name, value),
    ),
    SettingSpec(
        "HEAD_TTL_SECONDS",
        "1",
        "Seconds a process trusts a blog's remembered last seq without a wake-up from the bus.",
        "head_ttl_seconds",
        lambda name, value: _seconds(name, value, allow_zero=True),
    ),
    SettingSpec(
        "DB_POOL_SIZE",
        "10",
        "PostgreSQL connections each process keeps open.",
        "db_pool_size",
        lambda name, value: _at_least(1, name, value),
    ),
    SettingSpec(
        "DB_MAX_OVERFLOW",
        "20",
        "PostgreSQL connections a process may open beyond the pool at busy moments.",
        "db_max_overflow",
        lambda name, value: _count(name, value),
    ),
)
_SPECS = {spec.attr: spec for spec in SETTINGS}


def _default(attr: str) -> Callable[[], Any]:
    """The field's default, read from its ``SettingSpec`` for each new ``Settings``."""
    return _SPECS[attr].default_value


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default("database_url"))
    redis_url: str = field(default_factory=_default("redis_url"))
    secret_key: Secret = field(default_factory=_default("secret_key"))
    media_dir: Path = field(default_factory=_default("media_dir"))
    base_url: str = field(default_factory=_default("base_url"))
    site_name: str = field(default_factory=_default("site_name"))
    streams_per_address: int = field(default_factory=_default("streams_per_address"))
    metrics_allow: tuple[str, ...] = field(default_factory=_default("metrics_allow"))
    archive_dir: str = field(default_factory=_default("archive_dir"))
    # A key: kept out of the settings' repr, as SECRET_KEY is by its Secret type.
    vapid_private_key: str = field(default_factory=_default("vapid_private_key"), repr=False)
    vapid_subject: str = field(default_factory=_default("vapid_subject"))
    push_services: tuple[str, ...] = field(default_factory=_default("push_services"))
    push_per_blog: int = field(default_factory=_default("push_per_blog"))
    push_per_address: int = field(default_factory=_default("push_per_address"))
    uploads_per_hour: int = field(default_factory=_default("uploads_per_hour"))
    edge_streams: str = field(default_factory=_default("edge_streams"))
    worker: str = field(default_factory=_default("worker"))
    frame_ancestors: str = field(default_factory=_default("frame_ancestors"))
    mastodon_servers: tuple[str, ...] = field(default_factory=_default("mastodon_servers"))
    s3_bucket: str = field(default_factory=_default("s3_bucket"))
    s3_endpoint_url: str = field(default_factory=_default("s3_endpoint_url"))
    s3_region: str = field(default_factory=_default("s3_region"))
    s3_prefix: str = field(default_factory=_default("s3_prefix"))
    max_body_bytes: int = field(default_factory=_default("max_body_bytes"))
    max_upload_bytes: int = field(default_factory=_default("max_upload_bytes"))
    password_checks: int = field(default_factory=_default("password_checks"))
    password_wait_seconds: float = field(default_factory=_default("password_wait_seconds"))
    session_idle_days: int = field(default_factory=_default("session_idle_days"))
    session_max_days: int = field(default_factory=_default("session_max_days"))
    draft_days: int = field(default_factory=_default("draft_days"))
    require_2fa_for_admins: bool = field(default_factory=_default("require_2fa_for_admins"))
    webhook_timeout_seconds: float = field(default_factory=_default("webhook_timeout_seconds"))
    webhook_retry_base_seconds: float = field(
        default_factory=_default("webhook_retry_base_seconds")
    )
    webhook_retry_cap_seconds: float = field(default_factory=_default("webhook_retry_cap_seconds"))
    webhook_disable_hours: float = field(default_factory=_default("webhook_disable_hours"))
    heartbeat_seconds: float = field(default_factory=_default("heartbeat_seconds"))
    poll_seconds: float = field(default_factory=_default("poll_seconds"))
    readers_seconds: float = field(default_factory=_default("readers_seconds"))
    presence_seconds: float = field(default_factory=_default("presence_seconds"))
    stream_buffer_bytes: int = field(default_factory=_default("stream_buffer_bytes"))
    socket_buffer_bytes: int = field(default_factory=_default("socket_buffer_bytes"))
    broadcast_slice: int = field(default_factory=_default("broadcast_slice"))
    recent_events: int = field(default_factory=_default("recent_events"))
    replay_limit: int = field(default_factory=_default("replay_limit"))
    head_ttl_seconds: float = field(default_factory=_default("head_ttl_seconds"))
    db_pool_size: int = field(default_factory=_default("db_pool_size"))
    db_max_overflow: int = field(default_factory=_default("db_max_overflow"))

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """The environment's ``LIVEBLOG_*`` variables, over those of ``dotenv`` (by default
        ``.env`` in the working folder, if there is one), over the defaults."""
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            values.update(_read_dotenv(dotenv))
        values.update(os.environ if env is None else env)
        given: dict[str, Any] = {
            spec.attr: spec.parse(spec.name, values.get(f"LIVEBLOG_{spec.name}", spec.default))
            for spec in SETTINGS
        }
        return cls(**given)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _edge(name: str, value: str) -> str:
    if value.strip() not in ("", "nchan"):
        raise LiveblogError(f"LIVEBLOG_{name} must be empty or nchan, not {value!r}")
    return value.strip()


def _worker(name: str, value: str) -> str:
    if value.strip() not in ("inline", "off"):
        raise LiveblogError(f"LIVEBLOG_{name} must be inline or off, not {value!r}")
    return value.strip()


def _ancestors(name: str, value: str) -> str:
    """A list for ``frame-ancestors`` (see framing.py); empty means only this site."""
    try:
        return parse_ancestors(value) or NONE
    except ValueError as exc:
        raise LiveblogError(f"LIVEBLOG_{name}: {exc}") from None


def _vapid_key(name: str, value: str) -> str:
    text = value.strip()
    if text:
        from liveblog.webpush import SigningKey  # cryptography: only when a key is given

        try:
            SigningKey.from_text(text, "mailto:liveblog@localhost")
        except (ValueError, TypeError) as exc:
            raise LiveblogError(
                f"LIVEBLOG_{name} must be a P-256 private key in PEM or base64url ({exc})"
            ) from None
    return text


def _subject(name: str, value: str) -> str:
    text = value.strip()
    if text and not ((text.startswith("mailto:") and "@" in text) or text.startswith("https://")):
        raise LiveblogError(
            f"LIVEBLOG_{name} must be a mailto: address or an https: URL, not {value!r}"
        )
    return text


def _count(name: str, value: str) -> int:
    """A whole number of 0 or more, or a one-line error naming the setting."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise LiveblogError(f"LIVEBLOG_{name} must be a whole number of 0 or more, not {value!r}")
    return int(text)


def _at_least(least: int, name: str, value: str) -> int:
    number = _count(name, value)
    if number < least:
        raise LiveblogError(f"LIVEBLOG_{name} must be at least {least}, not {value!r}")
    return number


def _seconds(name: str, value: str, *, allow_zero: bool = False) -> float:
    """A number of seconds above 0 (or 0 itself with ``allow_zero``), such as 15 or 0.5."""
    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        least = "0 or more" if allow_zero else "above 0"
        raise LiveblogError(f"LIVEBLOG_{name} must be a number of seconds {least}, not {value!r}")
    return seconds


def _megabytes(name: str, value: str) -> int:
    """A size of at least 1 MB, in bytes."""
    megabytes = _count(name, value)
    if megabytes < 1:
        raise LiveblogError(f"LIVEBLOG_{name} must be at least 1 (megabyte), not {value!r}")
    return megabytes << 20


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise LiveblogError(f"LIVEBLOG_{name} must be 1 or 0, not {value!r}")


def _days(name: str, value: str) -> int:
    """A number of days, at least 1."""
    days = _count(name, value)
    if days < 1:
        raise LiveblogError(f"LIVEBLOG_{name} must be at least 1 (day), not {value!r}")
    return days


def _read_dotenv(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out
