"""`liveblog audit export` and `liveblog audit prune`, run as a person runs them."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from liveblog.actions.users import create_user
from liveblog.site import Site
from liveblog.storage import AuditEntry
from liveblog.storage.tables import utcnow
from tests.test_cli import assert_one_line_error, run

PASSWORD = "a long password"


def test_export_writes_csv_or_json_and_since_filters(
    site: Site, database_url: str, tmp_path: Path
) -> None:
    create_user(site, "old@news.example", PASSWORD, "editor")
    create_user(site, "new@news.example", PASSWORD, "editor")
    with site.db.writing() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.detail["email"].as_string() == "old@news.example")
            .values(at=utcnow() - timedelta(days=3))
        )
    as_json = run(database_url, tmp_path, "audit", "export", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert [(r["action"], r["detail"]["email"], r["address"]) for r in rows] == [
        ("person.created", "new@news.example", "cli"),
        ("person.created", "old@news.example", "cli"),
    ]
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    as_csv = run(database_url, tmp_path, "audit", "export", "--format", "csv", "--since", since)
    assert as_csv.returncode == 0, as_csv.stderr
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [json.loads(r["detail"])["email"] for r in table] == ["new@news.example"]
    assert_one_line_error(
        run(database_url, tmp_path, "audit", "export", "--since", "yesterday"), "--since"
    )
    assert_one_line_error(
        run(database_url, tmp_path, "audit", "export", "--format", "xml"), "--format"
    )


def test_prune_keeps_recent_entries_and_prints_one_line(
    site: Site, database_url: str, tmp_path: Path
) -> None:
    create_user(site, "old@news.example", PASSWORD, "editor")
    create_user(site, "new@news.example", PASSWORD, "editor")
    with site.db.writing() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.detail["email"].as_string() == "old@news.example")
            .values(at=utcnow() - timedelta(days=100))
        )
    pruned = run(database_url, tmp_path, "audit", "prune", "--older-than", "90")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.strip() == "deleted 1 audit-log entries older than 90 days"
    left = json.loads(run(database_url, tmp_path, "audit", "export", "--format", "json").stdout)
    assert [r["action"] for r in left] == ["audit.pruned", "person.created"]
    assert left[1]["detail"]["email"] == "new@news.example"
    assert_one_line_error(
        run(database_url, tmp_path, "audit", "prune", "--older-than", "0"), "--older-than"
    )
    assert_one_line_error(run(database_url, tmp_path, "audit", "prune"), "--older-than")
