"""Shared fixtures: a real database per test (SQLite file or throwaway PostgreSQL), a site,
an in-process HTTP client, and users with tokens."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from liveblog.actions.users import create_token, create_user
from liveblog.app import create_app
from liveblog.events import check
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import Base, Database, Event

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_DATABASE = os.environ.get("LIVEBLOG_TEST_DATABASE", "sqlite")


# The slow tests, which `make test-fast` leaves out (`-m "not slow"`) and `make test` runs:
# a whole module (None), or some of its tests by name. They start servers or subprocesses,
# wait out throttles, walk whole authorization matrices or generate hundreds of examples.
# Every layer keeps quick tests of its own in the fast subset. See docs/development.md.
SLOW: dict[str, set[str] | None] = {
    "tests/actions/test_authorization_table.py": None,  # every action x every role
    "tests/actions/test_throttle.py": None,  # waits out real throttle windows
    "tests/actions/test_audit.py": {
        "test_no_secret_and_no_post_body_is_ever_written",
        "test_each_action_leaves_its_entry_with_who_and_where",
    },
    "tests/actions/test_people.py": {"test_two_admins_stepping_down_at_once_leave_one"},
    "tests/realtime/test_reader_state.py": None,  # a state machine against a real server
    "tests/realtime/test_removal_property.py": None,
    "tests/realtime/test_redis_bus.py": None,  # two server processes and a redis-server
    "tests/realtime/test_readers_processes.py": None,  # two `liveblog serve` processes
    "tests/realtime/test_sse.py": None,  # uvicorn, a thousand readers
    "tests/textimport/test_textimport_roundtrip.py": None,  # 150 generated blogs
    "tests/web/test_authorization_http.py": None,  # every route x every role
    "tests/web/test_editor.py": None,
    "tests/web/test_merge_desk.py": None,  # desk logins, each an argon2 hash
    "tests/web/test_drafts_http.py": None,  # desk logins, each an argon2 hash
    "tests/web/test_embeds.py": {  # desk logins, each an argon2 hash
        "test_the_desk_shows_the_code_to_copy_and_saves_who_may_frame",
        "test_a_contributor_sees_the_code_but_no_form",
    },  # the desk page by page (test_form_token stays quick)
    "tests/web/test_people_lifecycle.py": None,  # many logins, each an argon2 hash
    "tests/web/test_login_throttle.py": None,  # real servers, throttle windows
    "tests/web/test_two_factor.py": None,
    "tests/web/test_audit.py": None,  # pages through a long log
    "tests/web/test_body_limits.py": None,  # megabyte bodies, and a real server
    "tests/web/test_media.py": {"test_media_prune_on_the_command_line"},  # a subprocess
    "tests/web/test_photos_browser.py": None,  # `liveblog serve`, Chromium, a 24 MP photo
    "tests/test_serve.py": None,  # `liveblog serve` as a subprocess
    "tests/actions/test_push.py": {"test_workers_sending_at_once_send_each_message_once"},
    "tests/test_push_serve.py": None,  # `liveblog serve` and `liveblog worker`, a push service
    "tests/test_demo.py": {"test_the_demo_prints_addresses_and_a_login_that_work"},
    "tests/test_audit_cli.py": None,  # subprocesses
    "tests/test_archive.py": {  # `liveblog archive` and a static server, as subprocesses
        "test_the_archive_serves_from_a_static_host_with_every_link_working",
        "test_bad_input_is_one_line",
    },
    "tests/test_webhooks_served.py": None,  # `liveblog serve` (three of them), a receiver down
    "tests/test_scheduling_served.py": None,  # `liveblog serve` restarted, and three nodes
    "tests/web/test_scheduling_web.py": None,  # desk logins, each an argon2 hash
    "tests/test_cli_fresh.py": {  # every command as a subprocess on a new database
        "test_every_command_works_on_a_fresh_database",
        "test_db_revision_writes_a_migration_that_init_applies",
    },
    "tests/test_cli.py": {  # one subprocess each; test_help_lists_the_commands stays quick
        "test_user_token_import_export",
        "test_errors_are_one_line",
        "test_seed_fixture_imports_from_the_command_line",
        "test_missing_files_are_one_line",
        "test_import_text_dry_run_then_import",
        "test_import_text_of_the_seed_page",
        "test_import_text_refuses_binary",
        "test_prune_events",
    },
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks the tests listed in SLOW; a name there that no longer exists is an error."""
    for path, names in SLOW.items():
        source = ROOT / path
        defined = source.read_text(encoding="utf-8") if source.is_file() else ""
        for name in [None] if names is None else sorted(names):
            if not defined or (name and f"\ndef {name}(" not in defined):
                raise pytest.UsageError(f"tests/conftest.py: SLOW names {path} {name or ''}")
    for item in items:
        names = SLOW.get(item.path.relative_to(ROOT).as_posix(), set())
        if names is None or getattr(item, "originalname", item.name) in names:
            item.add_marker(pytest.mark.slow)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skips when a service is down; in CI its absence is a failure, not a skip."""
    if not reachable(host, port):
        message = f"{name} is not reachable on {host}:{port}"
        if IN_CI:
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)


def seed_file(name: str) -> Path:
    """A file of ../shared/fixtures. Skips when it is absent; in CI its absence is a
    failure, not a skip, as for the services above."""
    path = SHARED / name
    if not path.is_file():
        message = f"{path} is absent (it lives outside the project)"
        if IN_CI:
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the session: a template SQLite file, or a fresh PostgreSQL DB."""
    if TEST_DATABASE == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        db = Database(f"sqlite:///{path}")
        db.migrate()
        db.dispose()
        yield str(path)
        return
    url = make_url(TEST_DATABASE)
    need_service("PostgreSQL", url.host or "127.0.0.1", url.port or 5432)
    name = f"liveblog_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    test_url = url.set(database=name).render_as_string(hide_password=False)
    db = Database(test_url)
    db.migrate()
    db.dispose()
    try:
        yield test_url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if TEST_DATABASE == "sqlite":
        path = tmp_path / "liveblog.db"
        shutil.copyfile(database_template, path)
        return f"sqlite:///{path}"
    engine = create_engine(database_template)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return database_template


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, media_dir=tmp_path / "media", base_url="http://testserver"
    )


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    site = Site.from_settings(settings)
    yield site
    site.db.dispose()


class Client:
    """A synchronous face on httpx.AsyncClient over ASGITransport: the app runs in-process."""

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self._portal = portal
        self._client = client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self._portal.call(
            lambda: self._client.request(method, url, **kwargs)
        )
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


@pytest.fixture
def client(site: Site) -> Iterator[Client]:
    app = create_app(site=site)
    with start_blocking_portal() as portal:
        async_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        yield Client(portal, async_client)
        portal.call(async_client.aclose)


@pytest.fixture
def make_user(site: Site) -> Callable[[str], dict[str, str]]:
    """make_user(role) -> {"email", "token", "auth"}: a real user and a real API token."""

    def make(role: str) -> dict[str, str]:
        email = f"{role}-{secrets.token_hex(3)}@newsroom.example"
        create_user(site, email, "correct horse battery", role)
        token = create_token(site, email, "tests")
        return {"email": email, "token": token, "auth": f"Bearer {token}"}

    return make


@pytest.fixture
def editor(make_user: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return {"Authorization": make_user("editor")["auth"]}


@pytest.fixture
def new_blog(client: Client, editor: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def make(**fields: Any) -> dict[str, Any]:
        body = {
            "title": "Harbour flooding",
            "section": "Weather",
            "timezone": "Europe/London",
        } | fields
        response = client.post("/api/v1/blogs", json=body, headers=editor)
        assert response.status_code == 201, response.text
        blog: dict[str, Any] = response.json()
        return blog

    return make


def text_post(words: str, **fields: Any) -> dict[str, Any]:
    return {"elements": [{"type": "text", "markdown": words}]} | fields


@pytest.fixture(autouse=True)
def _close_sse_clients() -> Iterator[None]:
    from tests.sse import SSEClient

    yield
    while SSEClient.opened:
        SSEClient.opened.pop().close()


@pytest.fixture(autouse=True)
def _events_keep_their_contract() -> Iterator[list[str]]:
    """Every event row an action writes, and every earlier row it restates, in every test,
    is checked against its kind's schema (``liveblog.events.check``) before it is flushed:
    an action that emits a malformed event fails the test that made it emit.

    Yields the list of failures, so that a test which stores an old event on purpose (as
    older code did) writes it with a Core statement, which this check does not see."""
    failures: list[str] = []

    def before_flush(session: Session, _context: object, _instances: object) -> None:
        for row in (*session.new, *session.dirty):
            if isinstance(row, Event):
                try:
                    check(row.kind, row.payload)
                except ValueError as error:
                    failures.append(f"event {row.seq} {row.kind}: {error}")
                    raise

    event.listen(Session, "before_flush", before_flush)
    try:
        yield failures
    finally:
        event.remove(Session, "before_flush", before_flush)
    assert not failures, "events broke their contract:\n" + "\n".join(failures)
