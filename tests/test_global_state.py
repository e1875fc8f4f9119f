"""No hidden global state: building and running apps leaves the process as it was (the
garbage collector's tuning is the server entry point's job), and each site has its own
templates."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.posts import create_post
from liveblog.app import create_app
from liveblog.render.cards import _card_templates
from liveblog.schema import BlogFields, NewPost
from liveblog.server import app_factory
from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import Client


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


def test_the_card_renderer_shares_nothing_an_app_changes(site: Site) -> None:
    """Cards depend on an event's fields alone, so they have their own environment: no
    app's globals (static file URLs) reach it."""
    create_app(site=site)
    assert "static" in site.templates.globals
    assert "static" not in _card_templates().globals
    assert _card_templates() is not site.templates


def test_tuning_reaches_the_hub_and_the_caches_through_settings(settings: Settings) -> None:
    tuned = settings.with_changes(
        heartbeat_seconds=1.5,
        poll_seconds=2.5,
        stream_buffer_bytes=4096,
        socket_buffer_bytes=8192,
        broadcast_slice=7,
        recent_events=9,
        replay_limit=2,
        head_ttl_seconds=0.5,
    )
    site = Site.from_settings(tuned)
    try:
        app = create_app(site=site)
        hub = app.state.hub
        assert (hub.heartbeat_seconds, hub.poll_seconds, hub.max_buffer) == (1.5, 2.5, 4096)
        assert (hub.socket_buffer, hub.broadcast_slice, hub.replay_limit) == (8192, 7, 2)
        assert hub.new_channel(1, 0).recent.maxlen == 9
        assert app.state.blog_heads.ttl == 0.5
        # The replay limit is the one updates.json goes by: three events behind is too far.
        create_blog(site, SYSTEM, BlogFields(title="Harbour", slug="harbour", status="live"))
        for text in ("One.", "Two.", "Three."):
            body = {"elements": [{"type": "text", "markdown": text}]}
            create_post(site, SYSTEM, "harbour", NewPost.model_validate(body))
        with start_blocking_portal() as portal:
            client = Client(portal, httpx.AsyncClient(transport=httpx.ASGITransport(app=app)))
            behind = client.get("http://testserver/live/harbour/updates.json?after=1").json()
            near = client.get("http://testserver/live/harbour/updates.json?after=2").json()
            portal.call(client._client.aclose)
        assert behind["resync"] == "too far behind to replay" and behind["events"] == []
        assert near["resync"] is None and len(near["events"]) == 2
    finally:
        site.db.dispose()
