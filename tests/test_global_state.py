"""No hidden global state: building and running apps leaves the process as it was (the
garbage collector's tuning is the server entry point's job), and each site has its own
templates."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
from jinja2 import DictLoader, Environment
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.app import create_app
from liveblog.schema import BlogFields, NewPost
from liveblog.server import app_factory
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import Event


@pytest.fixture
def gc_state() -> Iterator[None]:
    """Starts with nothing frozen (an earlier test in this process may have started a
    server), and puts the thresholds back as they were, whatever the test did to them."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_app_and_its_lifespan_leave_the_collector_alone(site: Site, gc_state: None) -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert frozen == 0
    app = create_app(site=site)

    async def run_lifespan() -> None:
        async with app.router.lifespan_context(app):
            assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)

    asyncio.run(run_lifespan())
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)


def test_the_server_entry_point_tunes_the_collector(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, gc_state: None
) -> None:
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("LIVEBLOG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LIVEBLOG_MEDIA_DIR", str(settings.media_dir))
    app = app_factory()
    assert gc.get_threshold() == (50_000, 50, 100)
    assert gc.get_freeze_count() > 0
    app.state.site.db.dispose()


def test_each_site_has_its_own_templates(site: Site, settings: Settings) -> None:
    other = Site.from_settings(settings)
    try:
        assert other.templates is not site.templates
        app = create_app(site=site)
        assert app.state.templates is site.templates
        assert "static" in site.templates.globals
        assert "static" not in other.templates.globals, "one app's assets stay in its site"
    finally:
        other.db.dispose()


def test_live_cards_are_rendered_with_the_sites_templates(site: Site) -> None:
    card = (
        "{% macro post_article(post, blog, pinned, permalink) %}card {{ permalink }}{% endmacro %}"
    )
    own = Site(
        site.settings, site.db, site.bus, Environment(loader=DictLoader({"_post.html": card}))
    )
    create_blog(own, SYSTEM, BlogFields(title="Harbour", slug="harbour", status="live"))
    post = create_post(
        own,
        SYSTEM,
        "harbour",
        NewPost.model_validate({"elements": [{"type": "text", "markdown": "Up."}]}),
    )
    with site.db.reading() as session:
        payload = session.scalars(select(Event.payload).where(Event.kind == "post.published")).one()
    assert payload["html"] == f"card /live/harbour/posts/{post['id']}"
