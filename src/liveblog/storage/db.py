"""The database handle: engines, sessions for reading and writing, and migrating."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """One per app. ``reading()`` for queries, ``writing()`` for one action's transaction.

    On SQLite the writer starts with ``BEGIN IMMEDIATE`` so that two writers queue on the
    file lock at the start instead of failing half-way; readers use WAL snapshots and never
    wait for writers. On PostgreSQL both share one engine and the blog row lock orders writers.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int | None = None,
        max_overflow: int | None = None,
    ) -> None:
        """``pool_size`` and ``max_overflow``: PostgreSQL's connection pool (the site passes
        LIVEBLOG_DB_POOL_SIZE and LIVEBLOG_DB_MAX_OVERFLOW; None is SQLAlchemy's own)."""
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = self.url.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.read_engine = _sqlite_engine(url, "BEGIN", echo)
            self.write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE", echo)
        else:
            pool: dict[str, int] = {}
            if pool_size is not None:
                pool["pool_size"] = pool_size
            if max_overflow is not None:
                pool["max_overflow"] = max_overflow
            self.read_engine = self.write_engine = create_engine(
                url, echo=echo, pool_pre_ping=True, **pool
            )
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._write() as session, session.begin():
            yield session

    def migrate(self) -> None:
        from liveblog.storage.migrate import upgrade

        upgrade(self.write_engine)

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


def _sqlite_engine(url: str, begin: str, echo: bool) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so that BEGIN is ours to send.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def insert_unless_present(
    session: Session, table: type[Any], values: dict[str, Any], key: list[str]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING, the same on SQLite and PostgreSQL: for a row two
    writers may add at the same moment."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=key)
    )
