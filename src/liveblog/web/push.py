"""Readers' notifications with the page closed: the service worker (``/sw.js``), the key
browsers subscribe with, and subscribing to a live blog or leaving it (anonymous)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from liveblog.actions.push import signing_key, subscribe, unsubscribe
from liveblog.web.assets import static_assets
from liveblog.webpush import MAX_ENDPOINT

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(min_length=1, max_length=100)
    auth: str = Field(min_length=1, max_length=40)


class PushSubscriptionIn(BaseModel):
    """What the browser's ``PushSubscription.toJSON()`` gives."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=1, max_length=MAX_ENDPOINT)
    keys: PushKeys


class PushEndpointIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=1, max_length=MAX_ENDPOINT)


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the site's root so that its scope may cover /live/. It is
    looked at again on every visit (no-cache), so a new version takes over soon."""
    asset = static_assets().files["sw.js"]
    return Response(
        asset.encoded.body("identity"),
        media_type=asset.media_type,
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/push/key")
def push_key(request: Request) -> JSONResponse:
    """The public half of the site's VAPID key: the browser's ``applicationServerKey``."""
    key = signing_key(request.app.state.site)
    return JSONResponse({"public_key": key.public_key}, headers=NO_STORE)


@router.post("/live/{slug}/push/subscribe")
def push_subscribe(request: Request, slug: str, body: PushSubscriptionIn) -> JSONResponse:
    new = subscribe(
        request.app.state.site,
        None,
        slug,
        body.endpoint,
        body.keys.p256dh,
        body.keys.auth,
        address=request.client.host if request.client else "unknown",
    )
    return JSONResponse({"subscribed": True}, status_code=201 if new else 200, headers=NO_STORE)


@router.post("/live/{slug}/push/unsubscribe")
def push_unsubscribe(request: Request, slug: str, body: PushEndpointIn) -> JSONResponse:
    unsubscribe(request.app.state.site, None, slug, body.endpoint)
    return JSONResponse({"subscribed": False}, headers=NO_STORE)
