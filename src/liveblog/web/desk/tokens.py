"""Your API tokens, for integrations: listed, made (shown once) and revoked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor
from liveblog.actions.users import create_own_token, revoke_own_token
from liveblog.errors import LiveblogError
from liveblog.storage import queries as q
from liveblog.web.desk.common import RowId, SignedIn, render, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent

router = APIRouter()


def _tokens_page(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    with site_of(request).db.reading() as session:
        tokens = q.tokens_of(session, actor.user_id or 0)
    context.setdefault("new_token", "")
    context.setdefault("name", "")
    return render(
        request,
        "editor/tokens.html",
        actor,
        status,
        tokens=tokens,
        base_url=site_of(request).settings.base_url,
        **context,
    )


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, actor: SignedIn) -> Response:
    return _tokens_page(request, actor)


@router.post("/tokens", response_class=HTMLResponse)
def new_token(request: Request, actor: SignedIn, form: Sent) -> Response:
    name = form.text("name")
    try:
        form.check()
        token = create_own_token(site_of(request), actor, name)
    except LiveblogError as exc:
        return _tokens_page(request, actor, exc.status, name=name, error=exc.message)
    # Shown on this answer only: it is not stored, so no later page can show it again.
    return _tokens_page(request, actor, 201, new_token=token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: RowId, actor: SignedIn, _form: Buttons) -> Response:
    revoke_own_token(site_of(request), actor, token_id)
    return see_other("/editor/tokens?done=revoked")
