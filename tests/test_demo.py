"""The demo blog is our own writing, has the seed page's shape, and replays live."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from contextlib import suppress
from pathlib import Path

import httpx

from liveblog.actions.exchange import import_blog
from liveblog.demo.run import demo_blog, plan, replay
from liveblog.exchange import export_blog
from liveblog.schema import ExchangeBlog
from liveblog.site import Site
from tests.conftest import seed_file
from tests.servers import free_socket
from tests.waiting import wait_until


def test_demo_blog_has_the_shape_of_a_real_live_page() -> None:
    blog = ExchangeBlog.model_validate(demo_blog())
    posts = blog.posts
    assert 16 <= len(posts) <= 20
    assert sum(p.pinned for p in posts) == 1
    assert sum(p.key_event for p in posts) >= 5
    summary = [p for p in posts if p.summary]
    assert summary and any(
        "\n- " in e.model_dump().get("markdown", "") for e in summary[0].elements
    )
    kinds = [e.type for p in posts for e in p.elements]
    assert kinds.count("image") >= 4 and kinds.count("quote") >= 3
    assert all(e.credit for p in posts for e in p.elements if e.type == "image")
    assert sum(p.verification == "unverified" for p in posts) == 1
    assert any(p.sources for p in posts) and sum(p.edited for p in posts) == 2
    assert any(p.title for p in posts) and any(p.title is None for p in posts)


def _shingles(text: str, size: int = 7) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_demo_blog_copies_nothing_from_the_seed() -> None:
    seed = seed_file("seed-page.txt")
    ours = _shingles(str(demo_blog()))
    theirs = _shingles(seed.read_text(encoding="utf-8"))
    assert ours & theirs == set()


def test_demo_replays_later_posts_and_edits(site: Site) -> None:
    first, later, edits = plan(demo_blog(), site)
    assert later and len(edits) == 2
    assert all(e["file"] for p in first["posts"] for e in p["elements"] if e["type"] == "image")
    blog = import_blog(site, first)
    replay(site, blog["slug"], later, edits, 0.001, threading.Event())
    posts = export_blog(site, blog["slug"])["posts"]
    assert len(posts) == len(demo_blog()["posts"])
    assert sum(p["edited"] for p in posts) == 2
    assert sum(p["pinned"] for p in posts) == 1


def test_the_demo_prints_addresses_and_a_login_that_work(tmp_path: Path) -> None:
    """`liveblog demo` as a newcomer runs it: the printed editor URL opens with the login."""
    with free_socket() as probe:
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "liveblog",
            "demo",
            "--port",
            str(port),
            "--interval",
            "30",
            "--database",
            str(tmp_path / "demo.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env=os.environ | {"LIVEBLOG_MEDIA_DIR": str(tmp_path / "media")},
    )
    try:
        assert process.stdout is not None
        printed: dict[str, str] = {}
        while "Token" not in printed:
            line = process.stdout.readline()
            assert line, "the demo stopped before printing its addresses"
            name, _, value = line.strip().partition(":")
            if name in ("Reader", "Editor", "Login", "Token"):
                printed[name] = value.strip()
        base = f"http://127.0.0.1:{port}"
        assert printed["Reader"] == f"{base}/live/storm-maren"
        assert printed["Editor"] == f"{base}/editor/blogs/storm-maren"
        email, _, password = printed["Login"].partition(" / ")

        def answers() -> bool:
            with suppress(httpx.HTTPError):
                httpx.get(base + "/", timeout=1)
                return True
            return False

        wait_until(answers, timeout=20, interval=0.1, what="the demo server to start")
        with httpx.Client(base_url=base, timeout=5) as browser:
            assert "Storm Maren" in browser.get(printed["Reader"]).text
            login = browser.post(
                "/editor/login",
                data={"email": email, "password": password, "next": "/editor/blogs/storm-maren"},
            )
            assert login.status_code == 303
            desk = browser.get(login.headers["location"])
            assert desk.status_code == 200 and "New post" in desk.text
            assert "Import from text" in desk.text  # the demo login is an admin
    finally:
        process.terminate()
        process.communicate(timeout=10)
