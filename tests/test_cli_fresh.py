"""Every command of the command line works on a brand-new, empty database: those that use
the database migrate it first (through one helper), and none ends in a traceback. And
`liveblog db revision` writes a new migration that the next command applies."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from liveblog.cli import cli
from liveblog.storage.migrate import MIGRATIONS, alembic_config
from tests.conftest import ROOT

FIXTURE_TEXT = ROOT / "tests" / "fixtures" / "text" / "posted_at.txt"
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    stdin: str = ""
    # Runs until stopped: started, then sent SIGTERM once it prints this.
    ready: str = ""
    # The database it migrates, when not LIVEBLOG_DATABASE_URL's (relative to its folder).
    database: str = "fresh.db"


# Every command, as someone would first try it on an empty database. A new command must be
# added here: test_every_command_is_listed fails until it is.
CASES: dict[str, Case] = {
    "serve": Case(("serve", "--port", "0"), ready="Application startup complete"),
    "relay": Case(("relay", "--to", "http://127.0.0.1:9/pub", "--poll", "0.2"), ready="relaying"),
    "demo": Case(
        ("demo", "--port", "0", "--interval", "3600", "--database", "demo.db"),
        ready="liveblog demo:",
        database="demo.db",
    ),
    "worker": Case(("worker",), ready="worker: following"),
    "init": Case(("init",)),
    "user create": Case(
        ("user", "create", "--email", "ed@news.example", "--role", "admin"),
        stdin="a long password\n",
    ),
    "token create": Case(("token", "create", "--user", "ed@news.example")),
    "token revoke": Case(("token", "revoke", "lb_nothing")),
    "prune-events": Case(("prune-events",)),
    "media prune": Case(("media", "prune")),
    "import": Case(("import", "blog.json")),
    "import-text": Case(("import-text", str(FIXTURE_TEXT), "--slug", "from-text")),
    "export": Case(("export", "nothing")),
    "archive": Case(("archive", "nothing", "archived")),
    "audit export": Case(("audit", "export")),
    "audit prune": Case(("audit", "prune", "--older-than", "30")),
    "webhooks prune": Case(("webhooks", "prune", "--older-than", "30")),
}
# Commands that never open the database, each with the test that runs it.
NO_DATABASE = {"db revision": "test_db_revision_writes_a_migration_that_init_applies"}


def command_paths(group: click.Group, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            paths |= command_paths(command, path + " ")
        else:
            paths.add(path)
    return paths


def test_every_command_is_listed() -> None:
    assert command_paths(cli) == set(CASES) | set(NO_DATABASE)


def _env(folder: Path) -> dict[str, str]:
    return os.environ | {
        "LIVEBLOG_DATABASE_URL": f"sqlite:///{folder / 'fresh.db'}",
        "LIVEBLOG_MEDIA_DIR": str(folder / "media"),
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }


def _run(name: str, case: Case, folder: Path) -> str:
    """Runs the command in its own folder, on its own brand-new database; returns what it
    printed (stdout then stderr)."""
    folder.mkdir()
    (folder / "blog.json").write_text(
        json.dumps({"format": "liveblog-exchange/1", "slug": "vote", "title": "Count night"}),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "liveblog", *case.args]
    if not case.ready:
        done = subprocess.run(
            command,
            input=case.stdin,
            capture_output=True,
            text=True,
            env=_env(folder),
            cwd=folder,
            timeout=120,
            check=False,
        )
        output = done.stdout + done.stderr
        if done.returncode:  # refused, as a person is: in one line
            assert len(done.stderr.strip().splitlines()) == 1, f"{name}: {output}"
        return output
    out = folder / "output.txt"
    with out.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=_env(folder), cwd=folder
        )
        try:
            deadline = time.monotonic() + 60
            while case.ready not in out.read_text(encoding="utf-8"):
                assert process.poll() is None, f"{name} stopped: {out.read_text('utf-8')}"
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return out.read_text(encoding="utf-8")


def _migrated_to(database: Path) -> str | None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        if not inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


def test_every_command_works_on_a_fresh_database(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = dict(
            zip(
                CASES,
                pool.map(
                    lambda name: _run(name, CASES[name], tmp_path / name.replace(" ", "-")), CASES
                ),
                strict=True,
            )
        )
    for name, case in CASES.items():
        assert "Traceback" not in outputs[name], f"{name}:\n{outputs[name]}"
        database = tmp_path / name.replace(" ", "-") / case.database
        assert _migrated_to(database) == HEAD, f"{name} did not migrate first:\n{outputs[name]}"


def test_db_revision_writes_a_migration_that_init_applies(tmp_path: Path) -> None:
    """In a copy of the package, so that the checkout gets no new file."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src", copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
    env = os.environ | {
        "PYTHONPATH": str(copy),
        "LIVEBLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
    }

    def liveblog(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "liveblog", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    made = liveblog("db", "revision", "-m", "Add a byline to posts")
    assert made.returncode == 0, made.stderr
    number = f"{int(HEAD or 0) + 1:04d}"
    written = (
        copy
        / "liveblog"
        / "storage"
        / "migrations"
        / "versions"
        / (f"{number}_add_a_byline_to_posts.py")
    )
    assert made.stdout.strip() == f"wrote {written}"
    source = written.read_text(encoding="utf-8")
    assert f'revision: str = "{number}"' in source
    assert f'down_revision: str | None = "{HEAD}"' in source
    assert not (tmp_path / "fresh.db").exists(), "writing a revision opens no database"
    assert liveblog("init").returncode == 0
    assert _migrated_to(tmp_path / "fresh.db") == number
    assert sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py")) == before


def test_alembic_s_own_command_line_finds_the_migrations(tmp_path: Path) -> None:
    """From the checkout, `alembic` reads pyproject.toml's [tool.alembic], and env.py
    migrates the configured database."""
    env = os.environ | {"LIVEBLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _migrated_to(tmp_path / "fresh.db") == HEAD
