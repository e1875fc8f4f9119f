"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from liveblog.storage import Base, Database
from liveblog.storage.migrate import alembic_config


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrating_twice_is_harmless(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    head = ScriptDirectory.from_config(alembic_config(db.write_engine)).get_current_head()
    with db.reading() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    db.dispose()


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/x.db")
    with db.reading() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()
