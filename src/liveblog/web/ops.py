"""What operators and their load balancers ask: is the process alive, can it serve, and
its metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from liveblog import metrics
from liveblog.errors import Forbidden
from liveblog.site import Site
from liveblog.storage import queries as q

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> Response:
    """The process is alive and its event loop answers (no database read: a slow database
    must not make a load balancer kill every node at once)."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


def _database_answers(site: Site) -> bool:
    try:
        with site.db.reading() as session:
            q.ping(session)
        return True
    except Exception:
        return False


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready to take readers: the database answers and the bus is connected. A node that
    is not ready answers 503, and the proxy sends its readers to the others."""
    site: Site = request.app.state.site
    database = await asyncio.to_thread(_database_answers, site)
    bus = site.bus.healthy()
    checks = {"database": "ok" if database else "down", "bus": "ok" if bus else "down"}
    ready = database and bus
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=NO_STORE,
    )


@router.get("/metrics")
async def prometheus(request: Request) -> Response:
    """Prometheus' text format, for the addresses in ``LIVEBLOG_METRICS_ALLOW`` only."""
    site: Site = request.app.state.site
    client = request.client.host if request.client else ""
    if client not in site.settings.metrics_allow:
        raise Forbidden("metrics are not shown to this address (see LIVEBLOG_METRICS_ALLOW)")
    body, content_type = await asyncio.to_thread(metrics.exposition)
    return Response(body, media_type=content_type, headers=NO_STORE)
