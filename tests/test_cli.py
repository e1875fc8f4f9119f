"""The command line, run as a person runs it: a real process, real output, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import seed_file

LIVEBLOG = [sys.executable, "-m", "liveblog"]


def run(
    database_url: str, tmp_path: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "LIVEBLOG_DATABASE_URL": database_url,
        "LIVEBLOG_MEDIA_DIR": str(tmp_path / "media"),
        "LIVEBLOG_BASE_URL": "http://news.example",
    }
    return subprocess.run(
        [*LIVEBLOG, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_user_token_import_export(database_url: str, tmp_path: Path) -> None:
    made = run(
        database_url,
        tmp_path,
        "user",
        "create",
        "--email",
        "Ed@News.example",
        "--role",
        "editor",
        stdin="a long password\n",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "created editor ed@news.example"
    token = run(database_url, tmp_path, "token", "create", "--user", "ed@news.example")
    assert token.returncode == 0 and token.stdout.startswith("lb_")
    long_name = run(
        database_url, tmp_path, "token", "create", "--user", "ed@news.example", "--name", "n" * 200
    )
    assert_one_line_error(long_name, "name: give the token a name of 1 to 120 characters")

    source = tmp_path / "blog.json"
    source.write_text(
        json.dumps(
            {
                "format": "liveblog-exchange/1",
                "slug": "vote",
                "title": "Count night",
                "posts": [
                    {"title": "Polls close", "elements": [{"type": "text", "markdown": "Done."}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    imported = run(database_url, tmp_path, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "http://news.example/live/vote"

    out = tmp_path / "out.json"
    exported = run(database_url, tmp_path, "export", "vote", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["posts"][0]["title"] == "Polls close" and data["posts"][0]["id"]
    assert json.loads(run(database_url, tmp_path, "export", "vote").stdout) == data


def test_errors_are_one_line(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "liveblog-exchange/1", "title": ', encoding="utf-8")
    assert_one_line_error(
        run(database_url, tmp_path, "import", str(broken)), "broken.json", "line 1"
    )
    wrong = tmp_path / "wrong.json"
    wrong.write_text(
        json.dumps(
            {
                "format": "liveblog-exchange/1",
                "title": "T",
                "posts": [{"elements": [{"type": "quote"}]}],
            }
        ),
        encoding="utf-8",
    )
    assert_one_line_error(
        run(database_url, tmp_path, "import", str(wrong)), "posts[0].elements[0].text"
    )
    assert_one_line_error(run(database_url, tmp_path, "export", "nothing"), "no blog")
    assert_one_line_error(
        run(database_url, tmp_path, "token", "create", "--user", "x@y.z"), "no user"
    )
    assert_one_line_error(
        run(
            database_url,
            tmp_path,
            "user",
            "create",
            "--email",
            "a@b.c",
            "--role",
            "editor",
            stdin="short\n",
        ),
        "12 characters",
    )
    assert_one_line_error(
        run("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path, "init"), "database error"
    )


def test_seed_fixture_imports_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    seed = seed_file("seed-liveblog.json")
    result = run(database_url, tmp_path, "import", str(seed))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("http://news.example/live/")


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = subprocess.run([*LIVEBLOG, "--help"], capture_output=True, text=True, check=True)
    for command in ("serve", "init", "user", "token", "import", "export", "archive", "demo"):
        assert command in result.stdout


@pytest.mark.parametrize("args", [["demo", "--from", "missing.json"], ["import", "missing.json"]])
def test_missing_files_are_one_line(database_url: str, tmp_path: Path, args: list[str]) -> None:
    result = run(database_url, tmp_path, *args)
    assert result.returncode == 2
    assert_one_line_error(result, "does not exist", "see --help")


def test_import_text_dry_run_then_import(database_url: str, tmp_path: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "text" / "posted_at.txt"
    out = tmp_path / "parsed.json"
    dry = run(database_url, tmp_path, "import-text", str(fixture), "--dry-run", "--json", str(out))
    assert dry.returncode == 0, dry.stderr
    assert "Posts found:" in dry.stdout and "dry run: nothing imported" in dry.stdout
    parsed = json.loads(out.read_text(encoding="utf-8"))
    assert parsed["format"] == "liveblog-import-text/1"
    assert parsed["blog"]["format"] == "liveblog-exchange/1" and parsed["blog"]["posts"]
    assert "/live/" not in dry.stdout
    real = run(database_url, tmp_path, "import-text", str(fixture), "--slug", "from-text")
    assert real.returncode == 0, real.stderr
    assert real.stdout.strip().endswith("http://news.example/live/from-text")
    again = run(database_url, tmp_path, "import", str(out), "--slug", "from-json")
    assert again.returncode == 0, again.stderr
    bad_slug = run(database_url, tmp_path, "import-text", str(fixture), "--slug", "Bad Slug!")
    assert_one_line_error(bad_slug, "slug: use lower-case letters, digits and hyphens")


def test_import_text_json_to_stdout_and_report_only(database_url: str, tmp_path: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "text" / "posted_at.txt"
    lines = fixture.read_text(encoding="utf-8").split("\n")
    dry = run(database_url, tmp_path, "import-text", str(fixture), "--json", "-", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    document = json.loads(dry.stdout)  # standard output is the JSON alone
    assert dry.stderr.strip() == "dry run: nothing imported"
    blog, report = document["blog"], document["report"]
    assert len(report["posts"]) == len(blog["posts"]) > 1
    for post, where in zip(blog["posts"], report["posts"], strict=True):
        first, last = where["lines"]
        assert first <= last and [e["type"] for e in where["elements"]] == [
            e["type"] for e in post["elements"]
        ]
    for entry in report["discarded"]:
        assert lines[entry["line"] - 1].strip() == entry["text"] and entry["reason"]
    assert report["notes"]
    only = run(database_url, tmp_path, "import-text", str(fixture), "--report-only")
    assert only.returncode == 0, only.stderr
    assert only.stdout.startswith("Title: ") and "Discarded lines:" in only.stdout
    assert "/live/" not in only.stdout and "dry run" not in only.stdout
    slug = "mountain-rescue-search-for-missing-walkers-resumes-at-dawn"
    listed = run(database_url, tmp_path, "export", slug)
    assert listed.returncode != 0  # nothing was imported
    both = run(database_url, tmp_path, "import-text", str(fixture), "--report-only", "--json", "-")
    assert_one_line_error(both, "--report-only")


def test_import_text_of_the_seed_page(database_url: str, tmp_path: Path) -> None:
    seed = seed_file("seed-page.txt")
    result = run(database_url, tmp_path, "import-text", str(seed), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Posts found: 17" in result.stdout and "Gavriil Grigorov/AP" in result.stdout
    assert "credit: RUSSIAN PRESIDENTIAL PRESS OFFICE/AFP/Getty Images —" in result.stdout
    assert "credit: RUSSIAN PRESIDENTIAL PRESS OFFICE/AFP/Getty Images —" in result.stdout


def test_import_text_refuses_binary(database_url: str, tmp_path: Path) -> None:
    binary = tmp_path / "page.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert_one_line_error(run(database_url, tmp_path, "import-text", str(binary)), "not UTF-8")


def test_prune_events(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "blog.json"
    source.write_text(json.dumps({"format": "liveblog-exchange/1", "slug": "p", "title": "P"}))
    assert run(database_url, tmp_path, "import", str(source)).returncode == 0
    result = run(database_url, tmp_path, "prune-events", "--keep", "1")
    assert result.returncode == 0 and result.stdout.strip() == "removed 0 events"
    assert_one_line_error(run(database_url, tmp_path, "prune-events", "--keep", "0"), "--keep", "0")
    assert_one_line_error(
        run(database_url, tmp_path, "user", "create", "--email", "a@b.c"), "--role"
    )
