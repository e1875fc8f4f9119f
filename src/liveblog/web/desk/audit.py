"""The audit log (admins): a page at a time, filtered, or exported whole as CSV or JSON."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from liveblog.actions import audit
from liveblog.paging import LAST_PAGE
from liveblog.storage import queries as q
from liveblog.web.desk.common import SignedIn, render, require_admin, site_of

router = APIRouter()

AuditPerson = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
AuditAction = Annotated[str, Query(max_length=40, pattern=r"^[a-z.\-]*$")]
AuditBlog = Annotated[str, Query(max_length=120)]


def _audit_filters(request: Request, person: int | None, action: str, blog: str) -> audit.Filters:
    blog_id = audit.blog_id_of(site_of(request), blog) if blog else None
    return audit.Filters(person=person, action=action, blog=blog_id)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    actor: SignedIn,
    person: AuditPerson = None,
    action: AuditAction = "",
    blog: AuditBlog = "",
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
) -> Response:
    require_admin(actor, "reading the audit log")
    site = site_of(request)
    filters = _audit_filters(request, person, action, blog)
    rows, more = audit.page(site, actor, filters, page)
    subjects, present = audit.links(site, rows)
    with site.db.reading() as session:
        people = q.people(session)
        blogs = q.desk_blogs(session)
    query = {"person": person or "", "action": action, "blog": blog}
    shown = {key: value for key, value in query.items() if value}
    return render(
        request,
        "editor/audit.html",
        actor,
        rows=rows,
        subjects=subjects,
        present=present,
        people=people,
        blogs=blogs,
        actions=audit.actions(site),
        chosen=query,
        page=page,
        more=more,
        query=urlencode(shown),
    )


# The two ways out of the audit log: how rows become text, and what the text is.
AUDIT_EXPORTS = {
    "csv": (audit.csv_lines, "text/csv; charset=utf-8"),
    "json": (audit.json_chunks, "application/json"),
}


@router.get("/audit.{fmt}")
def audit_export(
    request: Request,
    actor: SignedIn,
    fmt: Literal["csv", "json"],
    person: AuditPerson = None,
    action: AuditAction = "",
    blog: AuditBlog = "",
) -> Response:
    require_admin(actor, "exporting the audit log")
    rows = audit.entries(site_of(request), actor, _audit_filters(request, person, action, blog))
    chunks, media_type = AUDIT_EXPORTS[fmt]
    return StreamingResponse(
        chunks(rows),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="audit-log.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
