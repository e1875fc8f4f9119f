"""What every page of the desk shares: who is signed in, and how a page is answered."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveblog.actions import Actor
from liveblog.actions.users import needs_enrolment, session_lifetime
from liveblog.errors import Forbidden
from liveblog.site import Site
from liveblog.web.auth import SESSION_COOKIE, csrf_token, session_actor
from liveblog.web.pages import render_page
from liveblog.web.security import CSP

# The desk's address, which people and the docs know by the name "editor".
PREFIX = "/editor"
# A photo chosen but not stored yet is shown from the form itself, as a data: address.
DESK_CSP = CSP.replace("img-src 'self'", "img-src 'self' data:")


class LoginNeeded(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class EnrolFirst(Exception):
    """An admin without two-factor login, where the site requires it."""


# What an admin who must set up two-factor login first may still open.
_BEFORE_ENROLMENT = ("/editor/account", "/editor/logout")


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def signed_in(request: Request) -> Actor:
    """The person using the desk; anyone else is sent to log in first."""
    actor = session_actor(request)
    if actor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            # Back to the page the form was on, where the desk script keeps unsent text.
            referer = urlsplit(request.headers.get("referer", ""))
            same_site = referer.netloc == request.headers.get("host")
            target = referer.path + (f"?{referer.query}" if referer.query else "")
            target = target if same_site else "/editor"
        raise LoginNeeded(target)
    if not request.url.path.startswith(_BEFORE_ENROLMENT) and needs_enrolment(
        site_of(request), actor
    ):
        raise EnrolFirst()
    return actor


SignedIn = Annotated[Actor, Depends(signed_in)]
# A row id in an address: what both databases can store (PostgreSQL's integer).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# A tag in an address: its slug, or its name (actions/tags.py finds it either way).
TagKey = Annotated[str, Path(max_length=200, description="The tag's slug (or its name)")]


def require_admin(actor: Actor, doing: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"{doing} is for admins")


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(session_lifetime(site_of(request)).total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=site_of(request).settings.base_url.startswith("https://"),
    )


def render(
    request: Request, template: str, actor: Actor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    csrf = csrf_token(request) if actor else ""
    # Every desk page may say what was just done (?done=…) and show an error: both default
    # to nothing, so a page passes only what it has.
    context = {"done": request.query_params.get("done", ""), "error": ""} | context
    response = render_page(request, template, status, actor=actor, csrf=csrf, **context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = DESK_CSP
    renewed = getattr(request.state, "renewed_session", None)
    if renewed:
        set_session_cookie(request, response, renewed)  # a login in use does not lapse
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site: a login must never send anyone elsewhere."""
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return "/editor"
    return target.split("#", 1)[0]


def add_login_redirect(app: FastAPI) -> None:
    @app.exception_handler(LoginNeeded)
    async def _to_login(_request: Request, exc: LoginNeeded) -> Response:
        return see_other(f"/editor/login?next={quote(exc.target, safe='/')}")

    @app.exception_handler(EnrolFirst)
    async def _to_enrolment(_request: Request, _exc: EnrolFirst) -> Response:
        return see_other("/editor/account?done=enrol-first")
