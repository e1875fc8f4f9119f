"""Your account: your password, two-factor login, and logging out everywhere."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor
from liveblog.actions.users import (
    change_own_password,
    confirm_totp,
    end_all_sessions,
    has_totp,
    needs_enrolment,
    reopen_totp,
    start_totp,
    stop_totp,
)
from liveblog.errors import LiveblogError, TryLater
from liveblog.web.auth import SESSION_COOKIE
from liveblog.web.desk.common import SignedIn, render, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent, password_field

router = APIRouter()


def _account_page(
    request: Request, actor: Actor, status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("totp_error", "")
    context.setdefault("enrolment", None)
    context.setdefault("two_factor", has_totp(site_of(request), actor.user_id or 0))
    context.setdefault("must_enrol", needs_enrolment(site_of(request), actor))
    context.setdefault("require_2fa", site_of(request).settings.require_2fa_for_admins)
    return render(
        request,
        "editor/account.html",
        actor,
        status,
        **context,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, actor: SignedIn) -> Response:
    return _account_page(request, actor)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, actor: SignedIn, form: Sent) -> Response:
    try:
        form.check()
        change_own_password(
            site_of(request),
            actor,
            password_field(form.data, "current"),
            password_field(form.data, "new"),
            password_field(form.data, "again"),
            keep_cookie=request.cookies.get(SESSION_COOKIE, ""),
            address=request.client.host if request.client else None,
        )
    except LiveblogError as exc:
        # Passwords never go back into a page: the person types them again.
        page = _account_page(request, actor, exc.status, error=exc.message)
        if isinstance(exc, TryLater):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return see_other("/editor/account?done=password")


@router.post("/account/2fa/start", response_class=HTMLResponse)
def start_two_factor(request: Request, actor: SignedIn, _form: Buttons) -> Response:
    return _account_page(request, actor, enrolment=start_totp(site_of(request), actor))


@router.post("/account/2fa/confirm", response_class=HTMLResponse)
def confirm_two_factor(request: Request, actor: SignedIn, form: Sent) -> Response:
    sealed = form.text("sealed")
    try:
        form.check()
        confirm_totp(site_of(request), actor, sealed, form.text("code"))
    except LiveblogError as exc:
        enrolment = reopen_totp(site_of(request), actor, sealed)
        return _account_page(
            request, actor, exc.status, enrolment=enrolment, totp_error=exc.message
        )
    return see_other("/editor/account?done=2fa-on")


@router.post("/account/2fa/stop", response_class=HTMLResponse)
def stop_two_factor(request: Request, actor: SignedIn, form: Sent) -> Response:
    try:
        form.check()
        stop_totp(site_of(request), actor, form.text("code"))
    except LiveblogError as exc:
        return _account_page(request, actor, exc.status, totp_error=exc.message)
    return see_other("/editor/account?done=2fa-off")


@router.post("/account/logout-everywhere")
def logout_everywhere(request: Request, actor: SignedIn, _form: Buttons) -> Response:
    end_all_sessions(site_of(request), actor)
    response = see_other("/editor/login?done=everywhere")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
