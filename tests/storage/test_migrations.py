"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.render import post_text
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import Base, Database
from liveblog.storage.migrate import alembic_config, upgrade
from tests.conftest import TEST_DATABASE
from tests.servers import LIVEBLOG


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


@pytest.mark.postgres
@pytest.mark.skipif(TEST_DATABASE == "sqlite", reason="several nodes share PostgreSQL")
def test_nodes_migrating_an_empty_database_at_once_take_turns(tmp_path: Path) -> None:
    url = make_url(TEST_DATABASE)
    name = f"liveblog_race_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
        env["LIVEBLOG_DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
        runs = [
            subprocess.Popen(
                [str(LIVEBLOG), "init"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        errors = [run.communicate(timeout=120)[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], errors
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


OLD_EMBED = (
    '<p class="post-embed"><a href="https://www.youtube.com/watch?v=aqz-KE-bpKQ" '
    'rel="noopener noreferrer nofollow"><span class="post-embed-host">youtube.com</span> '
    '<span class="post-embed-url">https://www.youtube.com/watch?v=aqz-KE-bpKQ</span></a></p>'
)


def test_0019_renders_old_embed_posts_again(site: Site) -> None:
    slug = create_blog(site, SYSTEM, BlogFields(title="Harbour"))["slug"]
    embed = {"type": "embed", "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ"}
    text_only = {"elements": [{"type": "text", "markdown": "Calm."}]}
    made = create_post(site, SYSTEM, slug, NewPost.model_validate({"elements": [embed]}))
    calm = create_post(site, SYSTEM, slug, NewPost.model_validate(text_only))
    with site.db.write_engine.begin() as conn:
        # As code before the cards stored it; and a text post that must stay as it is.
        conn.execute(
            text("UPDATE posts SET body_html = :html, body_text = 'stale' WHERE public_id = :id"),
            {"html": OLD_EMBED, "id": made["id"]},
        )
        conn.execute(
            text("UPDATE posts SET body_html = 'kept' WHERE public_id = :id"), {"id": calm["id"]}
        )
        conn.execute(text("UPDATE alembic_version SET version_num = '0018'"))
    head = ScriptDirectory.from_config(alembic_config(site.db.write_engine)).get_current_head()
    try:
        upgrade(site.db.write_engine, "0019")  # this migration alone: the schema is already new
    finally:
        # On PostgreSQL the session shares one database: leave it marked as it is, at head.
        with site.db.write_engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    with site.db.write_engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT public_id, body_html FROM posts")).all())
        body_text = conn.execute(
            text("SELECT body_text FROM posts WHERE public_id = :id"), {"id": made["id"]}
        ).scalar()
    assert 'class="post-embed embed-card embed-youtube"' in rows[made["id"]]
    assert "data-embed-frame=" in rows[made["id"]] and "post-embed-host" not in rows[made["id"]]
    assert body_text == post_text([embed | {"title": None}])  # the render function's own
    assert rows[calm["id"]] == "kept"
