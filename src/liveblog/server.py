"""Starting the server: the one place that builds uvicorn's configuration.

`liveblog serve`, `liveblog demo`, the tests and every benchmark start the app through
``config()`` (or ``run()``, which uses it), so what we measure and test is what operators run:
uvloop, and liveblog's own HTTP protocol, which hands event streams to the hub instead of
the ASGI app (see realtime/protocol.py).
"""

from __future__ import annotations

import gc
import os
import tempfile
from typing import Any

import uvicorn
from fastapi import FastAPI

from liveblog.app import create_app
from liveblog.errors import LiveblogError
from liveblog.settings import Settings

# Event streams bypass the ASGI app: see realtime/protocol.py.
LIVE_PROTOCOL = "liveblog.realtime.protocol:LiveHttpProtocol"
# uvicorn's own protocol: the event stream then goes through the ASGI route in web/live.py,
# as under any other ASGI server. Tests use it to keep that route working.
PLAIN_PROTOCOL = "httptools"
# On SIGTERM, readers are told to reconnect elsewhere at once; what is left (a request
# being answered) gets this long before the process exits.
GRACEFUL_SECONDS = 5


def config(
    app: FastAPI | str,
    *,
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "info",
    http: str = LIVE_PROTOCOL,
    forwarded_allow_ips: str | None = None,
) -> uvicorn.Config:
    """uvicorn's configuration for liveblog: ``app`` is an app, or an import string of a
    factory (needed for several workers)."""
    options: dict[str, Any] = {}
    if isinstance(app, str):
        options["factory"] = True
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=workers,
        http=http,
        loop="uvloop",
        ws="none",
        lifespan="on",
        log_level=log_level,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        **options,
    )


def tune_gc() -> None:
    """What the server process builds before serving lives as long as the process: keep the
    collector off it, and collect less often, so that full collections do not pause the
    fan-out to thousands of readers (see docs/real-time.md). Called by the server's entry
    points only, never by ``create_app``: tests build many apps in one process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def app_factory() -> FastAPI:
    """The entry point of each server process (one, or each of several workers)."""
    app = create_app()
    tune_gc()
    return app


def check_workers(settings: Settings, workers: int) -> None:
    """Several workers need a bus between them, or readers of one worker would wait for the
    next poll of the log to see what another worker published."""
    if workers <= 1 or settings.redis_url:
        return
    if settings.database_url.startswith("postgresql"):
        return  # PostgreSQL's LISTEN/NOTIFY is the bus
    raise LiveblogError(
        f"--workers {workers} needs a bus between processes: use PostgreSQL "
        "(LIVEBLOG_DATABASE_URL=postgresql+psycopg://...) or set LIVEBLOG_REDIS_URL"
    )


def run(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    check_workers(settings, workers)
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Each worker writes its metrics here; /metrics adds them up (prometheus-client's
        # multiprocess mode). The folder lasts as long as this run.
        metrics = tempfile.TemporaryDirectory(prefix="liveblog-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics.name
    if workers > 1 and not os.environ.get("LIVEBLOG_SECRET_KEY"):
        # The workers read their own settings: with no key set, they share this run's
        # random one, so that a form made by one worker is accepted by the others.
        os.environ["LIVEBLOG_SECRET_KEY"] = settings.secret_key.reveal()
    server = uvicorn.Server(
        config("liveblog.server:app_factory", host=host, port=port, workers=workers)
    )
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        sock = server.config.bind_socket()
        Multiprocess(server.config, sockets=[sock]).run()
        return
    server.run()
    if not server.started:
        raise LiveblogError(f"the server could not start on {host}:{port} (see above)")
