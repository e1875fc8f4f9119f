"""The app factory: ``create_app(settings)`` builds the whole ASGI app."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from starlette.types import ASGIApp

from liveblog import __version__
from liveblog.errors import Invalid, LiveblogError, PreconditionFailed, TryLater, problem, problems
from liveblog.realtime.hub import Hub
from liveblog.realtime.readers import ReadersNow
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.web import api, api_media, desk, embeds, feeds, live, media, ops, pages, push, sitemap
from liveblog.web.assets import static_assets
from liveblog.web.limits import BodyLimit
from liveblog.web.pagecache import BlogHeads, PageCache
from liveblog.web.pages import CachedPageRoute
from liveblog.web.security import CSP, SecurityHeaders
from liveblog.worker import Worker


def create_app(settings: Settings | None = None, site: Site | None = None) -> FastAPI:
    site = site or Site.from_settings(settings or Settings.from_env())
    hub = Hub(site.db, site.settings)
    worker = Worker(site) if site.settings.worker == "inline" else None
    readers = ReadersNow(hub, site.bus, site.settings.readers_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hub.start()
        unsubscribe = site.bus.subscribe(hub.wake)
        readers.start()
        await site.bus.start()
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            unsubscribe()
            await readers.stop()
            await site.bus.stop()
            await hub.stop()

    app = _App(
        lifespan=lifespan,
        title="liveblog API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.site = site
    app.state.hub = hub
    app.state.worker = worker
    app.state.readers = readers
    app.state.templates = site.templates
    app.state.page_cache = PageCache()
    app.state.blog_heads = BlogHeads(site.settings.head_ttl_seconds)
    site.bus.subscribe(app.state.blog_heads.wake)
    app.state.updates_cache = PageCache(
        size=1024, max_bytes=16 << 20, min_size=live.UPDATES_MIN_COMPRESS
    )
    # Embeds have a cache of their own: a partner's page may ask for any of a hundred
    # variants of a blog's embed (?posts=1..50, whole or key events), which must not push
    # reader pages out of theirs.
    app.state.embed_cache = PageCache(size=128, max_bytes=16 << 20)
    app.state.sitemap_cache = sitemap.SitemapCache()
    assets = static_assets()
    app.state.templates.globals["static"] = assets.url
    app.state.templates.globals["push_enabled"] = site.settings.push_per_blog > 0
    # First what is answered from memory, without matching every other route: static
    # files, and reader pages already rendered (which step aside when they are not).
    app.router.routes.append(
        Route("/static/{name:path}", assets, methods=["GET", "HEAD"], name="static")
    )
    app.router.routes.append(CachedPageRoute(app.state.blog_heads, app.state.page_cache))
    app.include_router(api.router)
    app.include_router(api_media.router)
    app.include_router(pages.router)
    app.include_router(embeds.router)
    app.include_router(live.router)
    app.include_router(feeds.router)
    app.include_router(sitemap.router)
    app.include_router(push.router)
    app.include_router(desk.router)
    app.include_router(ops.router)
    app.include_router(media.router)
    _add_docs(app)
    _add_error_handlers(app)
    desk.add_login_redirect(app)
    app.add_middleware(BodyLimit, site=site, render=_error)
    return app


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outermost: Starlette's error middleware sends a 500 itself, outside everything
        # add_middleware adds, and that answer must carry the headers too.
        return SecurityHeaders(super().build_middleware_stack())


def _wants_html(request: Request) -> bool:
    # A page's script asking for JSON (notifications) gets its errors as JSON too.
    accept = request.headers.get("accept", "")
    asks_json = accept.startswith("application/json")
    return not request.url.path.startswith(("/api/", "/oembed")) and not asks_json


def _error(
    request: Request,
    status: int,
    message: str,
    extra: dict[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        heading = {
            404: "Not found",
            413: "That is too large",
            422: "That address is not right",
            429: "Please wait",
            503: "Busy",
        }.get(status, "Something is wrong")
        html = request.app.state.templates.get_template("error.html").render(
            site_name=request.app.state.site.settings.site_name,
            status=status,
            heading=heading,
            message=message,
        )
        return HTMLResponse(html, status_code=status, headers=headers)
    return JSONResponse({"detail": message, **(extra or {})}, status_code=status, headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Exception)
    async def _crash(request: Request, _exc: Exception) -> Response:
        # Logged by the server; the person asking gets a page, or JSON, like any error.
        return _error(request, 500, "Something went wrong on our side. Please try again.")

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> Response:
        # The browser dropped the request before sending all of it (a page left while a
        # form or a check-in was on its way): nothing was done, and no one is there to tell.
        return _error(request, 400, "The request was cut off before it arrived whole.")

    @app.exception_handler(LiveblogError)
    async def _liveblog_error(request: Request, exc: LiveblogError) -> Response:
        extra: dict[str, object] = {}
        headers: dict[str, str] = {}
        if isinstance(exc, PreconditionFailed):
            extra["current_version"] = exc.current_version
            headers["ETag"] = f'"{exc.current_version}"'
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TryLater):
            headers["Retry-After"] = str(exc.retry_after)
        field = getattr(exc, "field", "")
        if field:
            extra["errors"] = [problem(field, getattr(exc, "detail", exc.message))]
        return _error(request, exc.status, exc.message, extra, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = problems(exc.errors())
        first = Invalid(errors[0]["message"], errors[0]["field"]) if errors else None
        message = first.message if first else "invalid request"
        return _error(request, 422, message, {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        return _error(request, exc.status_code, message, headers=exc.headers)


# Swagger UI's files, as the fastapi-offline package ships them (a current Swagger UI, which
# reads OpenAPI 3.1): the docs page loads nothing from another origin.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}


def _add_docs(app: FastAPI) -> None:
    page = get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="liveblog API",
        swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/api/docs/assets/swagger-ui.css",
        swagger_favicon_url="/api/docs/assets/favicon.png",
    )
    body = bytes(page.body).decode()
    # Swagger UI starts from one inline script: allow exactly that script by its hash.
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", body, flags=re.S)
    )
    policy = CSP.replace("script-src 'self'", f"script-src 'self' {hashes}").replace(
        "img-src 'self'", "img-src 'self' data:"
    )

    @app.get("/api/docs", include_in_schema=False)
    async def _docs() -> HTMLResponse:
        return HTMLResponse(body, headers={"Content-Security-Policy": policy})

    @app.get("/api/docs/assets/{name}", include_in_schema=False)
    async def _docs_asset(name: str) -> Response:
        if name not in DOCS_FILES:
            raise StarletteHTTPException(404)
        return FileResponse(
            DOCS_ASSETS / name,
            media_type=DOCS_FILES[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )
