"""Bringing back a blog from flattened text: pasted or chosen, previewed, then imported
(admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from liveblog.actions import Actor
from liveblog.actions import posts as post_actions
from liveblog.actions.exchange import import_blog, parse_exchange
from liveblog.errors import Invalid, LiveblogError
from liveblog.textimport import parse_text
from liveblog.web.desk.common import SignedIn, render, require_admin, see_other, site_of
from liveblog.web.desk.forms import MAX_FORM_PART, Sent, SentForm

router = APIRouter()

_IMPORTING = "importing a blog from text"


def _import_page(
    request: Request, actor: Actor, text: str = "", status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("result", None)
    context.setdefault("preview", [])
    context.setdefault("slug", "")
    return render(request, "editor/import.html", actor, status, text=text, **context)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, actor: SignedIn) -> Response:
    require_admin(actor, _IMPORTING)
    return _import_page(request, actor)


def _pasted_text(form: SentForm) -> str:
    """The page's text: the chosen file, or else the box."""
    upload = form.data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return upload.file.read(MAX_FORM_PART + 1)[:MAX_FORM_PART].decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"{upload.filename}: not UTF-8 text") from None
    text = form.data.get("text")
    # The box's text is kept as sent: its line numbers are the ones the report gives.
    return text if isinstance(text, str) else ""


@router.post("/import", response_class=HTMLResponse)
def import_text(request: Request, actor: SignedIn, form: Sent) -> Response:
    require_admin(actor, _IMPORTING)
    text = form.data.get("text")
    text = text if isinstance(text, str) else ""
    slug = form.text("slug")
    page: dict[str, Any] = {"slug": slug}
    try:
        form.check()
        text = _pasted_text(form)
        if not text.strip():
            raise Invalid("Paste the text of a page first.")
        result = page["result"] = parse_text(text)
        parse_exchange(result.blog)
        page["preview"] = _preview(result.blog)
        if form.action() != "import":
            return _import_page(request, actor, text, **page)
        record = import_blog(
            site_of(request), result.blog, slug=slug or None, actor=actor, source="text"
        )
    except LiveblogError as exc:
        return _import_page(request, actor, text, exc.status, error=exc.message, **page)
    return see_other(f"/editor/blogs/{record['slug']}?done=imported")


def _preview(blog: dict[str, Any]) -> list[dict[str, Any]]:
    """The posts as readers would see them, newest first, without storing anything."""
    posts = []
    for number, item in enumerate(blog["posts"]):
        posts.append(
            {
                "number": number + 1,
                "post": post_actions.unsaved_post(item, f"preview-{number + 1}"),
                "pinned": item["pinned"],
                "when": item.get("published_at") or item.get("time_label") or "",
            }
        )
    return posts[::-1]
