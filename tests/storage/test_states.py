"""The database refuses a status, role or verification that liveblog.states does not name,
whether the schema was migrated or created fresh from the tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from liveblog.states import BlogRole, BlogStatus, PostStatus, SiteRole, Verification
from liveblog.storage import Base, Database
from liveblog.storage.migrate import upgrade
from tests.conftest import TEST_DATABASE

CONSTRAINED: list[tuple[str, str, type[StrEnum]]] = [
    ("users", "role", SiteRole),
    ("blogs", "status", BlogStatus),
    ("memberships", "role", BlogRole),
    ("posts", "status", PostStatus),
    ("posts", "status_before_delete", PostStatus),
    ("posts", "verification", Verification),
]


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Engine]:
    """The app's writing engine (on SQLite, with its foreign keys on) on a database with no
    tables yet."""
    if TEST_DATABASE == "sqlite":
        db = Database(f"sqlite:///{tmp_path}/empty.db")
        yield db.write_engine
        db.dispose()
        return
    url = make_url(TEST_DATABASE)
    name = f"liveblog_states_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield db.write_engine
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _checks(engine: Engine) -> dict[str, dict[str | None, str]]:
    inspector = inspect(engine)
    return {
        table: {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
        for table in sorted({table for table, _, _ in CONSTRAINED})
    }


def _add_rows(conn: Connection) -> None:
    """One of everything a status or role sits on, and the rows that refer to them."""
    now = "2026-11-30 12:00:00+00:00"
    conn.execute(
        text(
            "INSERT INTO users (id, email, name, password_hash, role, created_at) "
            "VALUES (1, 'a@x.example', 'A', 'h', 'editor', :now)"
        ),
        {"now": now},
    )
    conn.execute(
        text(
            "INSERT INTO blogs (id, slug, title, language, timezone, status, last_seq, "
            "created_at, updated_at) VALUES (1, 'b', 'B', 'en', 'UTC', 'live', 0, :now, :now)"
        ),
        {"now": now},
    )
    conn.execute(text("INSERT INTO memberships VALUES (1, 1, 'owner')"))
    conn.execute(
        text(
            "INSERT INTO posts (id, public_id, blog_id, elements, key_event, summary, sources,"
            " verification, status, authors, created_by, created_at, version, body_html,"
            " body_text, label) VALUES (1, 'p123', 1, '[]', false, false, '[]', 'confirmed',"
            " 'published', '[]', 1, :now, 1, '', '', '')"
        ),
        {"now": now},
    )
    conn.execute(text("UPDATE blogs SET pinned_post_id = 1"))
    conn.execute(
        text(
            "INSERT INTO revisions (post_id, version, editor_id, at, snapshot) "
            "VALUES (1, 1, 1, :now, '{}')"
        ),
        {"now": now},
    )
    conn.execute(
        text("INSERT INTO sessions VALUES ('s', 1, :now, :now)"),
        {"now": now},
    )


def _counts(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("users", "blogs", "memberships", "posts", "revisions", "sessions")
        } | {"pinned": conn.execute(text("SELECT pinned_post_id FROM blogs")).scalar()}


def test_migrated_and_fresh_schemas_have_the_same_checks(
    database_url: str, empty_database: Engine
) -> None:
    Base.metadata.create_all(empty_database)
    migrated = create_engine(database_url)
    try:
        fresh, after_migrations = _checks(empty_database), _checks(migrated)
    finally:
        migrated.dispose()
    assert after_migrations == fresh
    for table, column, _values in CONSTRAINED:
        assert f"ck_{table}_{column}" in fresh[table]


@pytest.mark.parametrize("schema", ["migrated", "fresh"])
@pytest.mark.parametrize(("table", "column", "values"), CONSTRAINED)
def test_the_database_refuses_an_unknown_value(
    database_url: str,
    empty_database: Engine,
    schema: str,
    table: str,
    column: str,
    values: type[StrEnum],
) -> None:
    if schema == "fresh":
        engine = empty_database
        Base.metadata.create_all(engine)
    else:
        engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            _add_rows(conn)
        with engine.begin() as conn:
            for value in values:  # every value the enum names is stored
                conn.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": str(value)})
        for bad in ("postponed", "", str(next(iter(values))).upper()):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": bad})
    finally:
        if engine is not empty_database:
            engine.dispose()


def test_adding_the_checks_keeps_every_row(empty_database: Engine) -> None:
    """On SQLite the migration rebuilds the tables: rows that refer to them must survive."""
    upgrade(empty_database, "0007")
    with empty_database.begin() as conn:
        _add_rows(conn)
    before = _counts(empty_database)
    upgrade(empty_database)
    assert (
        _counts(empty_database)
        == before
        == {
            "users": 1,
            "blogs": 1,
            "memberships": 1,
            "posts": 1,
            "revisions": 1,
            "sessions": 1,
            "pinned": 1,
        }
    )
    if empty_database.dialect.name == "sqlite":
        with empty_database.connect() as conn:  # foreign keys are on again for the app
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_row_with_an_unknown_value_stops_the_migration(empty_database: Engine) -> None:
    upgrade(empty_database, "0007")
    with empty_database.begin() as conn:
        _add_rows(conn)
        conn.execute(text("UPDATE posts SET status = 'postponed'"))
    with pytest.raises(IntegrityError):
        upgrade(empty_database)
    assert _counts(empty_database)["posts"] == 1
