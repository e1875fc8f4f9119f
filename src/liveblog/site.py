"""The running site's shared parts: settings, database, bus and templates, built once and
handed around."""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment

from liveblog.realtime.bus import InProcessBus, make_bus
from liveblog.render.templating import build_environment
from liveblog.settings import Settings
from liveblog.storage import Database


@dataclass
class Site:
    settings: Settings
    db: Database
    bus: InProcessBus
    # The site's own Jinja environment: the app's pages and the cards that actions render
    # for live events use it (templates compile once per site, then stay).
    templates: Environment = field(default_factory=build_environment)

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        return cls(settings=settings, db=db, bus=make_bus(settings.redis_url, db.write_engine))
