"""The running site's shared parts: settings, database and bus, built once and handed around."""

from __future__ import annotations

from dataclasses import dataclass

from liveblog.realtime.bus import InProcessBus, make_bus
from liveblog.settings import Settings
from liveblog.storage import Database


@dataclass
class Site:
    settings: Settings
    db: Database
    bus: InProcessBus

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        return cls(settings=settings, db=db, bus=make_bus(settings.redis_url, db.write_engine))
