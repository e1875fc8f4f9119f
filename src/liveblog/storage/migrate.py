"""Runs the Alembic migrations that ship inside the package, and writes new ones.

The migrations folder is a complete Alembic script directory (env.py, script.py.mako,
versions/): ``alembic_config`` points Alembic at it and at the database, whether the
engine is handed over (``Database.migrate``) or only a URL is known (then env.py opens it).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    """Alembic's configuration for liveblog's migrations, on ``engine`` or ``url``. With
    neither, env.py uses the configured LIVEBLOG_DATABASE_URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)
        config.attributes["engine"] = engine
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def new_revision(message: str) -> Path:
    """Writes an empty migration after the latest one, numbered after it (0008 after 0007),
    and returns its path. The database is not opened."""
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    number = int(head) + 1 if head and head.isdigit() else 1
    with contextlib.redirect_stdout(io.StringIO()):  # Alembic's own "Generating ..." line
        script = command.revision(config, message=message.strip(), rev_id=f"{number:04d}")
    if script is None or isinstance(script, list):  # only with branches, which we do not use
        raise RuntimeError("alembic wrote no single revision")
    return Path(script.path)
