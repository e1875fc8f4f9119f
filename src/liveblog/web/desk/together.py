"""Working together on a blog's desk: the presence beat of an open desk page (and its
goodbye), and the team's note thread (post a note, delete one). Private to the team: none of
this is in the event log. See actions/together.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from liveblog.actions import together
from liveblog.errors import LiveblogError
from liveblog.web.desk.common import RowId, SignedIn, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent
from liveblog.web.desk.posts import blog_page

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}


def _wants_json(request: Request) -> bool:
    return request.headers.get("accept", "").startswith("application/json")


def _notes_html(request: Request, now: together.Together, slug: str, csrf: str) -> str:
    """The thread's items, as the page shows them (the same macro)."""
    macros: Any = request.app.state.templates.get_template("editor/_together.html").module
    blog = {"slug": slug, "timezone": now.timezone}
    return str(macros.notes_list(now.notes or [], blog, csrf))


@router.post("/blogs/{slug}/presence")
def presence_beat(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    """An open desk page says it is still there (every few seconds, from together.js) and
    is told who else is, and the notes when they changed."""
    form.check()
    known = form.data.get("notes")  # the page's notes mark; none on a post's page
    now = together.beat(
        site_of(request),
        actor,
        slug,
        form.text("post") or None,
        known[:40] if isinstance(known, str) else None,
    )
    body: dict[str, Any] = {
        "people": [person.json() for person in now.people],
        "notes_mark": now.notes_mark,
    }
    if now.notes is not None:
        body["notes_count"] = len(now.notes)
        body["notes_html"] = _notes_html(request, now, slug, form.text("csrf"))
    return JSONResponse(body, headers=NO_STORE)


@router.post("/blogs/{slug}/presence/leave")
def presence_leave(slug: str, request: Request, actor: SignedIn, form: Buttons) -> Response:
    """The page closed (sent as it goes, with navigator.sendBeacon)."""
    post = form.get("post")
    together.leave(site_of(request), actor, slug, post if isinstance(post, str) else None)
    return Response(status_code=204, headers=NO_STORE)


@router.post("/blogs/{slug}/notes")
def post_note(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    text = form.data.get("note")
    text = text if isinstance(text, str) else ""
    try:
        form.check()
        note_id = together.add_note(site_of(request), actor, slug, text)
    except LiveblogError as exc:
        if _wants_json(request):
            raise
        return blog_page(request, actor, slug, error=exc.message, status=exc.status, note=text)
    if _wants_json(request):
        return JSONResponse({"id": note_id}, status_code=201, headers=NO_STORE)
    return see_other(f"/editor/blogs/{quote(slug)}?done=note#notes")


@router.post("/blogs/{slug}/notes/{note_id}/delete")
def delete_note(
    request: Request, slug: str, note_id: RowId, actor: SignedIn, _form: Buttons
) -> Response:
    together.delete_note(site_of(request), actor, slug, note_id)
    return see_other(f"/editor/blogs/{quote(slug)}?done=note-deleted#notes")


# Addresses that only take forms: a browser that asks for one is sent to the blog's desk.
@router.get("/blogs/{slug}/notes")
@router.get("/blogs/{slug}/presence")
def together_form_address(slug: str, _actor: SignedIn) -> Response:
    return see_other(f"/editor/blogs/{quote(slug)}")
