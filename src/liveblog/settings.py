"""Typed settings, read from ``LIVEBLOG_*`` environment variables and an optional ``.env``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from liveblog.errors import LiveblogError


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
    name: str
    default: str
    help: str


# Every setting, its default and its help text, in one place; docs/deployment.md lists the
# same names and a test checks that they agree.
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "DATABASE_URL",
        "sqlite:///var/liveblog.db",
        "SQLAlchemy URL; postgresql+psycopg://user@host/db for PostgreSQL.",
    ),
    SettingSpec("REDIS_URL", "", "Redis URL for the cross-process bus; empty means in-process."),
    SettingSpec(
        "SECRET_KEY",
        "",
        "Key signing form tokens and password-reset links; random per run when empty.",
    ),
    SettingSpec("MEDIA_DIR", "var/media", "Folder for uploaded and generated images."),
    SettingSpec("BASE_URL", "http://127.0.0.1:8000", "Public address, used in links and feeds."),
    SettingSpec("SITE_NAME", "liveblog", "Name shown in page titles and Open Graph tags."),
    SettingSpec(
        "STREAMS_PER_ADDRESS",
        "200",
        "Open event streams allowed per client address (429 beyond); 0 for no limit.",
    ),
    SettingSpec(
        "MAX_BODY_MB",
        "1",
        "Largest JSON or plain form request, in MB (413 beyond, counted as it arrives).",
    ),
    SettingSpec(
        "MAX_UPLOAD_MB",
        "50",
        "Largest send with files (photos, a page to import) from a logged-in person, in MB.",
    ),
    SettingSpec(
        "PASSWORD_CHECKS",
        "0",
        "Passwords one process checks at once (64 MB each); 0 means one per CPU, at most 4.",
    ),
    SettingSpec(
        "SESSION_MAX_DAYS",
        "30",
        "Days a desk login lasts at most, however often it is used; then it asks again.",
    ),
    SettingSpec(
        "REQUIRE_2FA_FOR_ADMINS",
        "0",
        "1 makes every admin set up two-factor login before anything else at the desk.",
    ),
    SettingSpec(
        "S3_BUCKET",
        "",
        "Keep media in this S3-compatible bucket (shared by every node) instead of MEDIA_DIR.",
    ),
    SettingSpec("S3_ENDPOINT_URL", "", "The S3-compatible service's URL; empty means AWS."),
    SettingSpec("S3_REGION", "", "The bucket's region, where the service needs one."),
    SettingSpec("S3_PREFIX", "media/", "Prefix of media keys in the bucket."),
    SettingSpec(
        "EDGE_STREAMS",
        "",
        "Set to nchan when nginx + nchan holds the event streams, fed by `liveblog relay`.",
    ),
    SettingSpec(
        "METRICS_ALLOW",
        "127.0.0.1,::1",
        "Client addresses that may read /metrics (comma-separated); empty for nobody.",
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/liveblog.db"
    redis_url: str = ""
    secret_key: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(32)))
    media_dir: Path = Path("var/media")
    base_url: str = "http://127.0.0.1:8000"
    site_name: str = "liveblog"
    streams_per_address: int = 200
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    edge_streams: str = ""
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_prefix: str = "media/"
    max_body_bytes: int = 1 << 20
    max_upload_bytes: int = 50 << 20
    password_checks: int = 0
    session_max_days: int = 30
    require_2fa_for_admins: bool = False

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            values.update(_read_dotenv(dotenv))
        values.update(os.environ if env is None else env)
        got = {s.name: values.get(f"LIVEBLOG_{s.name}", s.default) for s in SETTINGS}
        return cls(
            database_url=got["DATABASE_URL"],
            redis_url=got["REDIS_URL"],
            secret_key=Secret(got["SECRET_KEY"] or secrets.token_urlsafe(32)),
            media_dir=Path(got["MEDIA_DIR"]),
            base_url=got["BASE_URL"].rstrip("/"),
            site_name=got["SITE_NAME"],
            streams_per_address=_count("STREAMS_PER_ADDRESS", got["STREAMS_PER_ADDRESS"]),
            edge_streams=_edge(got["EDGE_STREAMS"]),
            s3_bucket=got["S3_BUCKET"].strip(),
            s3_endpoint_url=got["S3_ENDPOINT_URL"].strip(),
            s3_region=got["S3_REGION"].strip(),
            s3_prefix=got["S3_PREFIX"].strip(),
            metrics_allow=tuple(
                host.strip() for host in got["METRICS_ALLOW"].split(",") if host.strip()
            ),
            max_body_bytes=_megabytes("MAX_BODY_MB", got["MAX_BODY_MB"]),
            max_upload_bytes=_megabytes("MAX_UPLOAD_MB", got["MAX_UPLOAD_MB"]),
            password_checks=_count("PASSWORD_CHECKS", got["PASSWORD_CHECKS"]),
            session_max_days=_days("SESSION_MAX_DAYS", got["SESSION_MAX_DAYS"]),
            require_2fa_for_admins=_flag("REQUIRE_2FA_FOR_ADMINS", got["REQUIRE_2FA_FOR_ADMINS"]),
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _edge(value: str) -> str:
    if value.strip() not in ("", "nchan"):
        raise LiveblogError(f"LIVEBLOG_EDGE_STREAMS must be empty or nchan, not {value!r}")
    return value.strip()


def _count(name: str, value: str) -> int:
    """A whole number of 0 or more, or a one-line error naming the setting."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise LiveblogError(f"LIVEBLOG_{name} must be a whole number of 0 or more, not {value!r}")
    return int(text)


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
