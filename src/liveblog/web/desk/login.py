"""Logging in (with a second step for two-factor login), logging out, and a one-time
password-reset link made by an admin."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions.users import (
    check_login_code,
    check_password,
    end_session,
    person_for_reset,
    reset_password,
    second_step,
    start_session,
)
from liveblog.errors import Invalid, LiveblogError, TryLater
from liveblog.web.auth import SESSION_COOKIE, session_actor
from liveblog.web.desk.common import render, safe_next, see_other, set_session_cookie, site_of
from liveblog.web.desk.forms import Buttons, LoginForm, password_field, text_field

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/editor", done: str = "") -> Response:
    if session_actor(request) is not None:
        return see_other(safe_next(next))
    return render(
        request, "editor/login.html", None, next=safe_next(next), email="", error="", done=done
    )


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: LoginForm) -> Response:
    email, target = text_field(form, "email"), safe_next(text_field(form, "next") or "/editor")
    password = form.get("password")
    # The client's address as uvicorn gives it: X-Forwarded-For counts only from the
    # proxies it trusts (see docs/deployment.md).
    address = request.client.host if request.client else None
    try:
        actor = check_password(
            site_of(request), email, password if isinstance(password, str) else "", address
        )
    except LiveblogError as exc:
        page = render(
            request,
            "editor/login.html",
            None,
            exc.status,
            next=target,
            email=email,
            error=exc.message,
            done="",
        )
        if isinstance(exc, TryLater):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    ticket = second_step(site_of(request), actor)
    if ticket is not None:
        return render(request, "editor/login_code.html", None, ticket=ticket, next=target, error="")
    response = see_other(target)
    set_session_cookie(request, response, start_session(site_of(request), actor))
    return response


@router.post("/login/code", response_class=HTMLResponse)
def login_code(request: Request, form: LoginForm) -> Response:
    ticket, target = text_field(form, "ticket"), safe_next(text_field(form, "next") or "/editor")
    address = request.client.host if request.client else None
    try:
        actor = check_login_code(site_of(request), ticket, text_field(form, "code"), address)
    except LiveblogError as exc:
        if "expired" in exc.message:
            return render(
                request,
                "editor/login.html",
                None,
                exc.status,
                next=target,
                email="",
                error=exc.message,
                done="",
            )
        page = render(
            request,
            "editor/login_code.html",
            None,
            exc.status,
            ticket=ticket,
            next=target,
            error=exc.message,
        )
        if isinstance(exc, TryLater):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = see_other(target)
    set_session_cookie(request, response, start_session(site_of(request), actor))
    return response


@router.post("/logout")
def logout(request: Request, _form: Buttons) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(site_of(request), cookie)
    response = see_other("/editor/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- a one-time password-reset link, made by an admin ---------------------------------------


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, token: str) -> Response:
    _, email = person_for_reset(site_of(request), token)
    return _reset_form(request, token, email)


def _reset_form(
    request: Request, token: str, email: str, status: int = 200, error: str = ""
) -> HTMLResponse:
    page = render(request, "editor/reset.html", None, status, token=token, email=email, error=error)
    page.headers["Referrer-Policy"] = "no-referrer"  # the address is the key
    return page


@router.post("/reset/{token}", response_class=HTMLResponse)
def reset(request: Request, token: str, form: LoginForm) -> Response:
    # No session: the one-time token in the address is what another site cannot know.
    site = site_of(request)
    _, email = person_for_reset(site, token)
    try:
        reset_password(
            site,
            token,
            password_field(form, "new"),
            password_field(form, "again"),
            request.client.host if request.client else None,
        )
    except Invalid as exc:
        return _reset_form(request, token, email, exc.status, exc.message)
    response = see_other("/editor/login?done=reset")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
