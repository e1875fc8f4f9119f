"""Alembic environment: migrates the engine handed over by liveblog.storage.migrate, or
else the database of ``sqlalchemy.url``, or else the configured LIVEBLOG_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine, text

from liveblog.settings import Settings
from liveblog.storage.tables import Base

MIGRATION_LOCK = 0x11FEB106  # any constant of ours; PostgreSQL advisory locks are per database
config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    # Alembic's own command line, run with pyproject.toml's [tool.alembic], has no .ini
    # section: then the URL is the configured one.
    given = config.file_config.has_section(config.config_ini_section)
    url = (given and config.get_main_option("sqlalchemy.url")) or Settings.from_env().database_url
    engine = create_engine(url)


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite changes a table's constraints by rebuilding it (batch mode), and dropping the
    old table would cascade to every row that refers to it. So foreign keys are off while
    migrating, and checked before the commit. The pragma works only outside a transaction,
    hence on the driver's connection."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
    )
    try:
        with context.begin_transaction():
            if engine.dialect.name == "postgresql":
                # Nodes started together on an empty database take turns: the first
                # migrates, the others wait here, then find nothing left to do.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            context.run_migrations()
            if sqlite and connection.execute(text("PRAGMA foreign_key_check")).first():
                raise RuntimeError("the migration left rows that refer to missing rows")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            _sqlite_foreign_keys(connection, on=True)
