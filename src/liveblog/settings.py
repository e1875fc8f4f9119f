"""Typed settings, read from ``LIVEBLOG_*`` environment variables and an optional ``.env``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path


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
    SettingSpec("SECRET_KEY", "", "Key for signing sessions; random per process when empty."),
    SettingSpec("MEDIA_DIR", "var/media", "Folder for uploaded and generated images."),
    SettingSpec("BASE_URL", "http://127.0.0.1:8000", "Public address, used in links and feeds."),
    SettingSpec("SITE_NAME", "liveblog", "Name shown in page titles and Open Graph tags."),
)


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/liveblog.db"
    redis_url: str = ""
    secret_key: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(32)))
    media_dir: Path = Path("var/media")
    base_url: str = "http://127.0.0.1:8000"
    site_name: str = "liveblog"

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
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _read_dotenv(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out
