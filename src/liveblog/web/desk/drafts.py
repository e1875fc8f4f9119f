"""The composer's drafts on the server, for the desk's script (static/composer.js): it
saves what is typed every few seconds and asks for it when a composer opens in another
browser. JSON in and out; the form token travels in the X-CSRF-Token header. Without
JavaScript nothing here is used, and the forms work as before."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from liveblog.actions import drafts
from liveblog.errors import Forbidden, Invalid
from liveblog.web.auth import EXPIRED_FORM, check_origin, token_matches
from liveblog.web.desk.common import SignedIn, site_of

router = APIRouter()

# The body around the values: the post's id, the browser's name, the JSON's own marks.
MAX_BODY = drafts.MAX_DRAFT_BYTES + 2048
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class DraftSent:
    body: Mapping[str, Any]

    def text(self, name: str) -> str:
        value = self.body.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text", name)
        return value


async def draft_body(request: Request) -> DraftSent:
    """A JSON object of at most MAX_BODY bytes, sent with the desk's form token."""
    check_origin(request, token_checked=True)
    if not token_matches(request, request.headers.get(CSRF_HEADER)):
        raise Forbidden(EXPIRED_FORM)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise drafts.DraftTooLarge(f"a draft is at most {drafts.MAX_DRAFT_BYTES // 1024} KB")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise drafts.DraftTooLarge(f"a draft is at most {drafts.MAX_DRAFT_BYTES // 1024} KB")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise Invalid("send the draft as a JSON object", "body") from None
    if not isinstance(body, dict):
        raise Invalid("send the draft as a JSON object", "body")
    return DraftSent(body)


Draft = Annotated[DraftSent, Depends(draft_body)]
PostKey = Annotated[str, Query(alias="post", max_length=16)]


def _answer(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status, headers={"Cache-Control": "no-store"})


@router.get("/blogs/{slug}/draft")
def get_draft(request: Request, slug: str, actor: SignedIn, post: PostKey = "") -> Response:
    """This person's draft for the blog's composer (or the post ?post=<id>), or null."""
    return _answer({"draft": drafts.load_draft(site_of(request), actor, slug, post)})


@router.post("/blogs/{slug}/draft")
def save_draft(request: Request, slug: str, actor: SignedIn, sent: Draft) -> Response:
    """Keeps {"values": {field: text or true/false}, "device": <browser's name>,
    "post": <id> or ""}; answers when it was saved."""
    saved = drafts.save_draft(
        site_of(request),
        actor,
        slug,
        sent.text("post"),
        sent.body.get("values"),
        sent.text("device"),
    )
    saved.pop("values")
    return _answer({"draft": saved})


@router.post("/blogs/{slug}/draft/discard")
def discard_draft(request: Request, slug: str, actor: SignedIn, sent: Draft) -> Response:
    """Forgets the draft ({"post": <id> or ""}); with "device", only when that browser
    wrote it last."""
    device = sent.text("device") or None
    gone = drafts.discard_draft(site_of(request), actor, slug, sent.text("post"), device)
    return _answer({"discarded": gone})
