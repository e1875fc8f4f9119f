"""Webhooks (admins): the endpoints, registering one, and each one's page with its
secret, its settings, its delivery log and the replay, rotate, enable and delete buttons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor
from liveblog.actions import blogs as blog_actions
from liveblog.actions import webhooks as hooks
from liveblog.errors import LiveblogError
from liveblog.paging import LAST_PAGE
from liveblog.schema import WebhookChanges, WebhookFields
from liveblog.web.desk.common import RowId, SignedIn, render, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent, SentForm
from liveblog.web.desk.postform import validated

router = APIRouter()

FIELDS = ("url", "blog", "description")


def _sent(form: SentForm) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.text(name) for name in FIELDS}
    values["kinds"] = [k for k in form.data.getlist("kinds") if isinstance(k, str)]
    values["blog"] = values["blog"] or None
    return values


def _blogs(request: Request, actor: Actor) -> list[Any]:
    with site_of(request).db.reading() as session:
        return [row.blog for row in blog_actions.desk_blogs(session, actor)]


def _list_page(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    site = site_of(request)
    views = hooks.endpoints(site, actor)
    context.setdefault("new_hook", {"url": "", "blog": None, "kinds": [], "description": ""})
    return render(
        request,
        "editor/webhooks.html",
        actor,
        status,
        views=views,
        blogs=_blogs(request, actor),
        kinds=hooks.KINDS,
        webhook_notices=hooks.notices(site, actor),
        **context,
    )


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, actor: SignedIn) -> Response:
    return _list_page(request, actor)


@router.post("/webhooks", response_class=HTMLResponse)
def add_webhook(request: Request, actor: SignedIn, form: Sent) -> Response:
    values = _sent(form)
    try:
        form.check()
        endpoint_id = hooks.create_endpoint(
            site_of(request), actor, validated(WebhookFields, values)
        )
    except LiveblogError as exc:
        return _list_page(request, actor, exc.status, new_hook=values, error=exc.message)
    return see_other(f"/editor/webhooks/{endpoint_id}?done=webhook-created")


def _endpoint_page(
    request: Request,
    actor: Actor,
    endpoint_id: int,
    page: int = 1,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    site = site_of(request)
    view = hooks.endpoint(site, actor, endpoint_id)
    found = hooks.deliveries(site, actor, endpoint_id, page)
    e = view.endpoint
    context.setdefault(
        "hook",
        {
            "url": e.url,
            "blog": view.blog_slug,
            "kinds": list(e.kinds),
            "description": e.description,
        },
    )
    return render(
        request,
        "editor/webhook.html",
        actor,
        status,
        view=view,
        deliveries=found,
        blogs=_blogs(request, actor),
        kinds=hooks.KINDS,
        disable_hours=site.settings.webhook_disable_hours,
        **context,
    )


@router.get("/webhooks/{endpoint_id}", response_class=HTMLResponse)
def webhook_page(
    request: Request,
    endpoint_id: RowId,
    actor: SignedIn,
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> Response:
    return _endpoint_page(request, actor, endpoint_id, page)


@router.post("/webhooks/{endpoint_id}", response_class=HTMLResponse)
def change_webhook(request: Request, endpoint_id: RowId, actor: SignedIn, form: Sent) -> Response:
    values = _sent(form)
    try:
        form.check()
        hooks.update_endpoint(
            site_of(request), actor, endpoint_id, validated(WebhookChanges, values)
        )
    except LiveblogError as exc:
        return _endpoint_page(
            request, actor, endpoint_id, status=exc.status, hook=values, error=exc.message
        )
    return see_other(f"/editor/webhooks/{endpoint_id}?done=webhook-saved")


@router.post("/webhooks/{endpoint_id}/rotate-secret")
def rotate(request: Request, endpoint_id: RowId, actor: SignedIn, _form: Buttons) -> Response:
    hooks.rotate_secret(site_of(request), actor, endpoint_id)
    return see_other(f"/editor/webhooks/{endpoint_id}?done=secret-rotated#secret")


@router.post("/webhooks/{endpoint_id}/enable")
def enable(request: Request, endpoint_id: RowId, actor: SignedIn, _form: Buttons) -> Response:
    hooks.set_enabled(site_of(request), actor, endpoint_id, True)
    return see_other(f"/editor/webhooks/{endpoint_id}?done=webhook-enabled")


@router.post("/webhooks/{endpoint_id}/disable")
def disable(request: Request, endpoint_id: RowId, actor: SignedIn, _form: Buttons) -> Response:
    hooks.set_enabled(site_of(request), actor, endpoint_id, False)
    return see_other(f"/editor/webhooks/{endpoint_id}?done=webhook-disabled")


@router.post("/webhooks/{endpoint_id}/delete")
def delete(request: Request, endpoint_id: RowId, actor: SignedIn, _form: Buttons) -> Response:
    hooks.delete_endpoint(site_of(request), actor, endpoint_id)
    return see_other("/editor/webhooks?done=webhook-deleted")


@router.post("/webhooks/{endpoint_id}/replay")
def replay_failed(
    request: Request, endpoint_id: RowId, actor: SignedIn, _form: Buttons
) -> Response:
    hooks.replay(site_of(request), actor, endpoint_id)
    return see_other(f"/editor/webhooks/{endpoint_id}?done=replayed#deliveries")


@router.post("/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay")
def replay_one(
    request: Request, endpoint_id: RowId, delivery_id: RowId, actor: SignedIn, _form: Buttons
) -> Response:
    hooks.replay(site_of(request), actor, endpoint_id, delivery_id)
    return see_other(f"/editor/webhooks/{endpoint_id}?done=replayed#delivery-{delivery_id}")
