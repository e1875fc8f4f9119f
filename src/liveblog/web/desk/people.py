"""People: who can log in, their site roles, reset links, tokens and removal (admins)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor, users
from liveblog.actions.access import SITE_ROLES
from liveblog.actions.users import (
    create_reset_link,
    create_user,
    remove_person,
    revoke_person_token,
    set_disabled,
    set_site_role,
)
from liveblog.errors import Invalid, LiveblogError, NotFound
from liveblog.site import Site
from liveblog.states import SiteRole
from liveblog.web.desk.common import RowId, SignedIn, render, require_admin, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent, text_field

router = APIRouter()

PERSON_FORM_FIELDS = ("email", "name", "role")


def _people_page(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    people = users.people(site_of(request), actor)
    context.setdefault(
        "new_person", dict.fromkeys(PERSON_FORM_FIELDS, "") | {"role": SiteRole.EDITOR.value}
    )
    return render(
        request,
        "editor/people.html",
        actor,
        status,
        people=people,
        roles=SITE_ROLES,
        **context,
    )


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, actor: SignedIn) -> Response:
    return _people_page(request, actor)


@router.post("/people", response_class=HTMLResponse)
def add_person(request: Request, actor: SignedIn, form: Sent) -> Response:
    require_admin(actor, "managing people")
    values = {name: form.text(name) for name in PERSON_FORM_FIELDS}
    password = form.data.get("password")
    try:
        form.check()
        create_user(
            site_of(request),
            values["email"],
            password if isinstance(password, str) else "",
            values["role"],
            values["name"],
            actor=actor,
        )
    except LiveblogError as exc:
        # Everything comes back but the password, which never goes into a page.
        return _people_page(request, actor, exc.status, new_person=values, error=exc.message)
    return see_other("/editor/people?done=added")


@router.post("/people/{user_id}/role")
def change_role(request: Request, user_id: RowId, actor: SignedIn, form: Buttons) -> Response:
    set_site_role(site_of(request), actor, user_id, text_field(form, "role"))
    return see_other(f"/editor/people?done=role#person-{user_id}")


@router.get("/people/{user_id}", response_class=HTMLResponse)
def person_page(request: Request, user_id: RowId, actor: SignedIn) -> Response:
    return _person_page(request, actor, user_id)


def _person_page(
    request: Request, actor: Actor, user_id: int, status: int = 200, **context: Any
) -> HTMLResponse:
    person, tokens = users.person(site_of(request), actor, user_id)
    context.setdefault("reset_link", "")
    return render(
        request,
        "editor/person.html",
        actor,
        status,
        person=person,
        tokens=tokens,
        **context,
    )


_PERSON_OPERATIONS: dict[str, Callable[[Site, Actor, int], object]] = {
    "disable": lambda site, actor, uid: set_disabled(site, actor, uid, True),
    "enable": lambda site, actor, uid: set_disabled(site, actor, uid, False),
}


@router.post("/people/{user_id}/reset-link", response_class=HTMLResponse)
def make_reset_link(request: Request, user_id: RowId, actor: SignedIn, _form: Buttons) -> Response:
    token = create_reset_link(site_of(request), actor, user_id)
    link = f"{site_of(request).settings.base_url}/editor/reset/{token}"
    # Shown on this answer only: only its hash is kept, so no later page can show it again.
    return _person_page(request, actor, user_id, 201, reset_link=link)


@router.post("/people/{user_id}/remove")
def remove(request: Request, user_id: RowId, actor: SignedIn, form: Buttons) -> Response:
    if text_field(form, "confirm") != "yes":
        raise Invalid("tick the box to confirm that this person should be removed", "confirm")
    remove_person(site_of(request), actor, user_id)
    return see_other("/editor/people?done=person-removed")


@router.post("/people/{user_id}/tokens/{token_id}/revoke")
def revoke_persons_token(
    request: Request, user_id: RowId, token_id: RowId, actor: SignedIn, _form: Buttons
) -> Response:
    revoke_person_token(site_of(request), actor, user_id, token_id)
    return see_other(f"/editor/people/{user_id}?done=revoked#token-{token_id}")


# Last: the addresses above (role, reset-link, remove) would match it too.
@router.post("/people/{user_id}/{operation}")
def person_operation(
    request: Request, user_id: RowId, operation: str, actor: SignedIn, _form: Buttons
) -> Response:
    run = _PERSON_OPERATIONS.get(operation)
    if run is None:
        raise NotFound(f"there is no operation {operation!r} on people")
    run(site_of(request), actor, user_id)
    return see_other(f"/editor/people/{user_id}?done={operation}d")
