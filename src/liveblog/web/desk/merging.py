"""The merge page: a save refused because a colleague saved the post first opens the merge
of both versions (actions/merging.py), field by field, with base, theirs and yours side by
side. Plain form: a radio per conflict and a text box for the merged text; no script needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor, merging
from liveblog.actions.media import Photo
from liveblog.errors import Invalid, LiveblogError
from liveblog.merge import ANSWERS, Answer, Conflict, show_text
from liveblog.states import PostStatus
from liveblog.storage import queries as q
from liveblog.web.desk.common import SignedIn, render, see_other, site_of
from liveblog.web.desk.forms import Sent, SentForm
from liveblog.web.desk.postform import PostForm, small_number
from liveblog.web.photos import unseal

router = APIRouter()

# The buttons of the post form that save, and what the merge's save then does.
STATUSES: dict[str, str | None] = {
    "save": None,
    "publish": PostStatus.PUBLISHED,
    "submit": PostStatus.SUBMITTED,
}
MAX_YOURS = 2_000_000  # characters of the carried version: 200 elements of 5,000 and more


def yours_of(post_form: PostForm) -> dict[str, Any]:
    """What the person sent, as the merge takes it (the pin only where the form has it)."""
    yours = post_form.content() | {"correction": post_form.correction.strip() or None}
    if post_form.was_pinned is not None:
        yours["pinned"] = post_form.pinned
    return yours


def clash_page(
    request: Request,
    actor: Actor,
    slug: str,
    public_id: str,
    post_form: PostForm,
    action: str,
) -> HTMLResponse | None:
    """The merge of a refused save, or None when it cannot be merged (the version it
    started from is not kept): the desk then shows the saved version above the form."""
    if post_form.version is None:
        return None
    sealed = [el["photo"] for el in post_form.elements if el.get("photo")]
    try:
        found = merging.clash(
            site_of(request),
            actor,
            slug,
            public_id,
            post_form.version,
            yours_of(post_form),
            base_pinned=post_form.was_pinned,
        )
    except LiveblogError:
        return None
    return _page(request, actor, slug, found, action, post_form.note.strip(), sealed)


def _page(
    request: Request,
    actor: Actor,
    slug: str,
    found: merging.Clash,
    action: str,
    note: str,
    sealed: list[str],
    *,
    answers: Mapping[str, tuple[str, str]] | None = None,
    error: str = "",
    moved_again: bool = False,
    status: int = 409,
) -> HTMLResponse:
    with site_of(request).db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
    return render(
        request,
        "editor/merge.html",
        actor,
        status,
        blog=blog,
        clash=found,
        merge=found.merge,
        action=action if action in STATUSES else "save",
        note=note,
        sealed=sealed,
        yours_json=json.dumps(found.merge.yours, ensure_ascii=False, separators=(",", ":")),
        answers=answers or {},
        show=show_text,
        units=_units,
        error=error,
        moved_again=moved_again,
    )


def _units(conflict: Conflict, side: str) -> list[tuple[str, str]]:
    """A side of a conflict as lines to show: (kind, words), kind "text" for a paragraph."""
    value = getattr(conflict, side)
    if conflict.field.kind != "elements":
        return [("text", show_text(conflict.field.kind, value))] if value not in (None, []) else []
    out: list[tuple[str, str]] = []
    for unit in value:
        if isinstance(unit, str):
            out.append(("text", unit))
        elif unit.get("type") == "image":
            parts = [unit.get("caption"), unit.get("credit") and f"Photograph: {unit['credit']}"]
            alt = unit.get("alt")
            out.append(
                ("Photo", " · ".join(p for p in parts if p) + (f" (alt: {alt})" if alt else ""))
            )
        elif unit.get("type") == "quote":
            who = unit.get("attribution")
            out.append(("Quote", f"“{unit.get('text')}”" + (f" — {who}" if who else "")))
        elif unit.get("type") == "embed":
            out.append(("Link", str(unit.get("url"))))
        else:
            out.append((str(unit.get("type")), json.dumps(unit, ensure_ascii=False)))
    return out


def _number(form: SentForm, name: str) -> int:
    value = small_number(form.text(name), digits=9)
    if value is None:
        raise Invalid(f"the merge lost its {name}; open the post again", name)
    return value


def _answers(form: SentForm, conflicts: list[Conflict]) -> dict[str, tuple[Answer, str]]:
    answers: dict[str, tuple[Answer, str]] = {}
    for conflict in conflicts:
        answer = form.text(f"c-{conflict.id}")
        text = form.data.get(f"c-{conflict.id}-text")
        if answer in ANSWERS:
            answers[conflict.id] = (answer, text if isinstance(text, str) else "")
    return answers


@router.post("/blogs/{slug}/posts/{public_id}/merge", response_class=HTMLResponse)
def save_merge(
    request: Request, slug: str, public_id: str, actor: SignedIn, form: Sent
) -> Response:
    site = site_of(request)
    action = form.action()
    note = form.text("note")
    sealed = [v for v in form.data.getlist("photo") if isinstance(v, str)][:20]
    raw = form.data.get("yours")
    if not isinstance(raw, str) or len(raw) > MAX_YOURS:
        raise Invalid("the merge lost your version; open the post again", "yours")
    try:
        yours = json.loads(raw)
    except ValueError:
        raise Invalid("the merge lost your version; open the post again", "yours") from None
    if not isinstance(yours, dict):
        raise Invalid("the merge lost your version; open the post again", "yours")
    was_pinned = {"1": True, "0": False}.get(form.text("was_pinned"))
    base, theirs = _number(form, "base"), _number(form, "version")
    found = merging.clash(
        site, actor, slug, public_id, base, yours, theirs_version=theirs, base_pinned=was_pinned
    )
    answers = _answers(form, found.merge.conflicts)
    secret = site.settings.secret_key.reveal()
    photos = [p for p in (unseal(v, secret) for v in sealed) if isinstance(p, Photo)]
    try:
        form.check()
        if action not in STATUSES:
            raise Invalid(f"unknown action {action!r}", "action")
        merging.save_merged(
            site,
            actor,
            slug,
            public_id,
            base_version=base,
            theirs_version=theirs,
            yours=yours,
            answers=answers,
            status=STATUSES[action],
            note=note or None,
            base_pinned=was_pinned,
            photos=photos,
        )
    except merging.MovedAgain as again:
        # Someone saved once more: merge what this person chose with that, from the
        # version they merged with.
        newer = merging.clash(
            site,
            actor,
            slug,
            public_id,
            theirs,
            again.merged,
            base_pinned=found.theirs_pinned if "pinned" in again.merged else None,
        )
        return _page(request, actor, slug, newer, action, note, sealed, moved_again=True)
    except LiveblogError as exc:
        return _page(
            request,
            actor,
            slug,
            found,
            action,
            note,
            sealed,
            answers=answers,
            error=exc.message,
            status=exc.status,
        )
    done = {"publish": "published", "submit": "submitted"}.get(action, "saved")
    return see_other(f"/editor/blogs/{slug}?done={done}#post-{public_id}")
