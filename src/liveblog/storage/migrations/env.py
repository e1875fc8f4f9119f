"""Alembic environment: migrates the engine handed over by liveblog.storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from liveblog.storage.tables import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/liveblog.db")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
