"""Running the app under uvicorn, with one or several worker processes on one port."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from liveblog.app import create_app

# Event streams bypass the ASGI app: see realtime/protocol.py.
LIVE_PROTOCOL = "liveblog.realtime.protocol:LiveHttpProtocol"


def app_factory() -> FastAPI:
    return create_app()


def run(host: str, port: int, workers: int = 1) -> None:
    uvicorn.run(
        "liveblog.server:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        access_log=False,
    )
