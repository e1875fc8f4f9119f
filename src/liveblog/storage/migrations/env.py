"""Alembic environment: migrates the engine handed over by liveblog.storage.migrate, or
else the database of ``sqlalchemy.url``, or else the configured LIVEBLOG_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine, text

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

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if engine.dialect.name == "postgresql":
            # Nodes started together on an empty database take turns: the first migrates,
            # the others wait here, then find nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
    connection.commit()
