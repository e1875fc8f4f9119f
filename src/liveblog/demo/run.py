"""``liveblog demo``: a fresh SQLite site that publishes a blog's later posts live."""

from __future__ import annotations

import copy
import json
import secrets
import threading
from importlib.resources import files
from pathlib import Path
from typing import Any

import click
import uvicorn

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import load_blog
from liveblog.actions.exchange import import_blog
from liveblog.actions.media import create_placeholder
from liveblog.actions.posts import create_post, edit_post, load_post, set_pinned
from liveblog.actions.users import create_token, create_user
from liveblog.app import create_app
from liveblog.schema import ExchangeBlog, NewPost, PostChanges
from liveblog.server import config, tune_gc
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.states import SiteRole

DEMO_EMAIL = "editor@demo.example"
# The first posts are there when the page opens; the rest arrive one by one.
INITIAL_SHARE = 0.45


def demo_blog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("liveblog.demo").joinpath("demo-blog.json").read_text("utf-8")
    )
    return data


def fresh_site(database: Path, port: int) -> Site:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    media = database.parent / "demo-media"
    if media.is_dir():
        for old in media.glob("placeholder-*.png"):
            old.unlink()
    settings = Settings.from_env().with_changes(
        database_url=f"sqlite:///{database}",
        media_dir=media,
        base_url=f"http://127.0.0.1:{port}",
        redis_url="",
    )
    site = Site.from_settings(settings)
    site.db.migrate()
    return site


def plan(
    data: dict[str, Any], site: Site
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Splits a blog into what is imported now, what is published later, and the edits after.

    A post marked edited first appears without its last element, which the edit adds later:
    the way a post fills in as news comes.
    """
    blog = copy.deepcopy(data)
    posts: list[dict[str, Any]] = blog.pop("posts")
    for post in posts:
        for element in post.get("elements", []):
            if element.get("type") == "image" and not element.get("file"):
                element["file"] = create_placeholder(site)
    edits: list[dict[str, Any]] = []
    for post in posts:
        if post.get("edited") and len(post.get("elements", [])) > 1:
            post["id"] = post.get("id") or secrets.token_hex(4)
            edits.append({"id": post["id"], "elements": post["elements"]})
            post["elements"] = post["elements"][:-1]
            post["edited"] = False
    first = max(1, round(len(posts) * INITIAL_SHARE))
    blog["posts"] = posts[:first]
    return blog, posts[first:], edits[:2]


def replay(
    site: Site,
    slug: str,
    later: list[dict[str, Any]],
    edits: list[dict[str, Any]],
    interval: float,
    stop: threading.Event,
) -> None:
    for item in later:
        if stop.wait(interval):
            return
        fields = {k: v for k, v in item.items() if k in NewPost.model_fields and k != "status"}
        post = create_post(site, SYSTEM, slug, NewPost.model_validate(fields))
        if item.get("pinned"):
            set_pinned(site, SYSTEM, slug, post["id"], True)
        click.echo(f"  published: {post['label'][:70]}")
        if item.get("id"):
            for edit in edits:
                if edit["id"] == item["id"]:
                    edit["id"] = post["id"]
    for edit in edits:
        if stop.wait(interval):
            return
        edit_post(
            site,
            SYSTEM,
            slug,
            edit["id"],
            PostChanges.model_validate({"elements": edit["elements"], "note": "demo edit"}),
            _version(site, slug, edit["id"]),
        )
        click.echo(f"  edited: {edit['id']}")
    click.echo("  the demo has published everything; the server keeps running (Ctrl+C stops it)")


def _version(site: Site, slug: str, public_id: str) -> int:
    with site.db.reading() as session:
        return load_post(session, load_blog(session, slug), public_id).version


def run_demo(
    data: dict[str, Any] | None, *, interval: float, host: str, port: int, database: Path
) -> None:
    data = data if data is not None else demo_blog()
    ExchangeBlog.model_validate(data)  # a broken file fails here, before anything is served
    site = fresh_site(database, port)
    password = secrets.token_urlsafe(12)
    create_user(site, DEMO_EMAIL, password, SiteRole.ADMIN, "Demo Editor")
    api_token = create_token(site, DEMO_EMAIL, "demo")
    first, later, edits = plan(data, site)
    blog = import_blog(site, first)
    base = site.settings.base_url
    click.echo(
        f"\nliveblog demo: {blog['title']}\n"
        f"  Reader:  {base}/live/{blog['slug']}\n"
        f"  Editor:  {base}/editor/blogs/{blog['slug']}\n"
        f"  Login:   {DEMO_EMAIL} / {password}\n"
        f"  API:     {base}/api/v1/blogs/{blog['slug']}/posts  (docs: {base}/api/docs)\n"
        f"  Token:   {api_token}\n"
        f"  {len(first['posts'])} posts now, {len(later)} more every {interval:g} s, "
        f"then {len(edits)} edits.\n"
    )
    stop = threading.Event()
    worker = threading.Thread(
        target=replay, args=(site, blog["slug"], later, edits, interval, stop), daemon=True
    )
    worker.start()
    server = uvicorn.Server(
        config(create_app(site=site), host=host, port=port, log_level="warning")
    )
    tune_gc()
    try:
        server.run()
    finally:
        stop.set()
