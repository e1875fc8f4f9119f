"""The editor's desk, /editor: log in, start a blog, write, edit, pin and flag posts, and
bring back a blog from flattened text. Plain HTML forms that work without JavaScript.

Every write goes through one action, as in the API. A form that comes back with an
error is shown again with everything the editor typed still in it: a validation error,
a clash with a colleague, a bad photo and an expired form token alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from liveblog.actions import Actor, audit
from liveblog.actions import blogs as blog_actions
from liveblog.actions import posts as post_actions
from liveblog.actions.access import (
    BLOG_ROLES,
    SITE_ROLES,
    blog_role,
    require_blog_role,
)
from liveblog.actions.exchange import import_blog, parse_exchange
from liveblog.actions.media import MAX_UPLOAD_BYTES, Photo, clean_photo
from liveblog.actions.users import (
    SESSION_LIFETIME,
    change_own_password,
    check_login_code,
    check_password,
    confirm_totp,
    create_own_token,
    create_reset_link,
    create_user,
    end_all_sessions,
    end_session,
    has_totp,
    needs_enrolment,
    person_for_reset,
    remove_person,
    reopen_totp,
    reset_password,
    revoke_own_token,
    revoke_person_token,
    second_step,
    set_disabled,
    set_site_role,
    start_session,
    start_totp,
    stop_totp,
)
from liveblog.errors import (
    Forbidden,
    Invalid,
    LiveblogError,
    NotFound,
    PreconditionFailed,
    TryLater,
)
from liveblog.schema import BlogChanges, BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import Post, User
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from liveblog.textimport import parse_text
from liveblog.web.auth import (
    EXPIRED_FORM,
    SESSION_COOKIE,
    check_origin,
    csrf_token,
    session_actor,
    token_matches,
)
from liveblog.web.pages import render_page
from liveblog.web.photos import seal, thumbnail_url, unseal
from liveblog.web.desk.postform import VERIFICATIONS, PostForm, validated
from liveblog.web.security import CSP

router = APIRouter(prefix="/editor", include_in_schema=False)

POSTS_PER_PAGE = 30
# A photo chosen but not stored yet is shown from the form itself, as a data: address.
DESK_CSP = CSP.replace("img-src 'self'", "img-src 'self' data:")
# A pasted page can be long: an archive of a day's coverage runs to megabytes.
MAX_FORM_PART = 8 * 1024 * 1024
MAX_FORM_FIELDS = 3_000
MAX_UPLOADS = 10
BLOG_FORM_FIELDS = ("title", "slug", "section", "standfirst", "timezone", "language")


class LoginNeeded(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class EnrolFirst(Exception):
    """An admin without two-factor login, where the site requires it."""


# What an admin who must set up two-factor login first may still open.
_BEFORE_ENROLMENT = ("/editor/account", "/editor/logout")


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def editor(request: Request) -> Actor:
    actor = session_actor(request)
    if actor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            # Back to the page the form was on, where the desk script keeps unsent text.
            referer = urlsplit(request.headers.get("referer", ""))
            same_site = referer.netloc == request.headers.get("host")
            target = referer.path + (f"?{referer.query}" if referer.query else "")
            target = target if same_site else "/editor"
        raise LoginNeeded(target)
    if not request.url.path.startswith(_BEFORE_ENROLMENT) and needs_enrolment(
        _site(request), actor
    ):
        raise EnrolFirst()
    return actor


@dataclass(frozen=True)
class SentForm:
    """A form as sent. Its token is checked by the route, inside the code that shows the
    form again on an error, so that an expired token costs the editor nothing."""

    data: FormData
    token_ok: bool

    def check(self) -> None:
        if not self.token_ok:
            raise Forbidden(EXPIRED_FORM)

    def text(self, name: str) -> str:
        return _text(self.data, name)


@asynccontextmanager
async def _opened_form(request: Request, *, token_checked: bool) -> AsyncIterator[FormData]:
    form = await request.form(max_part_size=MAX_FORM_PART, max_fields=MAX_FORM_FIELDS)
    try:
        check_origin(request, token_checked=token_checked)
        yield form
    finally:
        await form.close()  # uploaded files are spooled to disk; let them go


async def sent_form(request: Request) -> AsyncIterator[SentForm]:
    async with _opened_form(request, token_checked=True) as form:
        yield SentForm(form, token_matches(request, form.get("csrf")))


async def checked_form(request: Request) -> AsyncIterator[FormData]:
    """For forms with nothing typed into them (buttons): a bad token is simply refused."""
    async with _opened_form(request, token_checked=True) as form:
        SentForm(form, token_matches(request, form.get("csrf"))).check()
        yield form


async def login_form(request: Request) -> AsyncIterator[FormData]:
    # No session yet, so no form token: the Origin check and the SameSite cookie guard it.
    async with _opened_form(request, token_checked=False) as form:
        yield form


Editor = Annotated[Actor, Depends(editor)]
# A row id in an address: what both databases can store (PostgreSQL's integer).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Sent = Annotated[SentForm, Depends(sent_form)]
Buttons = Annotated[FormData, Depends(checked_form)]


def _set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_site(request).settings.base_url.startswith("https://"),
    )


def _render(
    request: Request, template: str, actor: Actor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    csrf = csrf_token(request) if actor else ""
    response = render_page(request, template, status, actor=actor, csrf=csrf, **context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = DESK_CSP
    renewed = getattr(request.state, "renewed_session", None)
    if renewed:
        _set_session_cookie(request, response, renewed)  # a login in use does not lapse
    return response


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _safe_next(target: str) -> str:
    """Only a path on this site: a login must never send anyone elsewhere."""
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return "/editor"
    return target.split("#", 1)[0]


# --- logging in and out -----------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/editor", done: str = "") -> Response:
    if session_actor(request) is not None:
        return _see_other(_safe_next(next))
    return _render(
        request, "editor/login.html", None, next=_safe_next(next), email="", error="", done=done
    )


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: Annotated[FormData, Depends(login_form)]) -> Response:
    email, target = _text(form, "email"), _safe_next(_text(form, "next") or "/editor")
    password = form.get("password")
    # The client's address as uvicorn gives it: X-Forwarded-For counts only from the
    # proxies it trusts (see docs/deployment.md).
    address = request.client.host if request.client else None
    try:
        actor = check_password(
            _site(request), email, password if isinstance(password, str) else "", address
        )
    except LiveblogError as exc:
        page = _render(
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
    ticket = second_step(_site(request), actor)
    if ticket is not None:
        return _render(
            request, "editor/login_code.html", None, ticket=ticket, next=target, error=""
        )
    response = _see_other(target)
    _set_session_cookie(request, response, start_session(_site(request), actor))
    return response


@router.post("/login/code", response_class=HTMLResponse)
def login_code(request: Request, form: Annotated[FormData, Depends(login_form)]) -> Response:
    ticket, target = _text(form, "ticket"), _safe_next(_text(form, "next") or "/editor")
    address = request.client.host if request.client else None
    try:
        actor = check_login_code(_site(request), ticket, _text(form, "code"), address)
    except LiveblogError as exc:
        if "expired" in exc.message:
            return _render(
                request,
                "editor/login.html",
                None,
                exc.status,
                next=target,
                email="",
                error=exc.message,
                done="",
            )
        page = _render(
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
    response = _see_other(target)
    _set_session_cookie(request, response, start_session(_site(request), actor))
    return response


@router.post("/logout")
def logout(request: Request, _form: Buttons) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(_site(request), cookie)
    response = _see_other("/editor/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- blogs ------------------------------------------------------------------------------


def _desk(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    with _site(request).db.reading() as session:
        blogs = blog_actions.desk_blogs(session, actor)
    context.setdefault("new_blog", dict.fromkeys(BLOG_FORM_FIELDS, ""))
    context.setdefault("error", "")
    return _render(request, "editor/desk.html", actor, status, blogs=blogs, **context)


@router.get("", response_class=HTMLResponse)
def desk(request: Request, actor: Editor) -> Response:
    return _desk(request, actor)


@router.post("/blogs", response_class=HTMLResponse)
def create_blog(request: Request, actor: Editor, form: Sent) -> Response:
    values = {name: form.text(name) for name in BLOG_FORM_FIELDS}
    try:
        form.check()
        fields = validated(BlogFields, {k: v for k, v in values.items() if v} | {"status": "live"})
        record = blog_actions.create_blog(_site(request), actor, fields)
    except LiveblogError as exc:
        return _desk(request, actor, exc.status, new_blog=values, error=exc.message)
    return _see_other(f"/editor/blogs/{record['slug']}?done=created")


@router.post("/blogs/{slug}/status")
def set_blog_status(request: Request, slug: str, actor: Editor, form: Buttons) -> Response:
    status = _text(form, "status")
    changes = validated(BlogChanges, {"status": status})
    blog_actions.update_blog(_site(request), actor, slug, changes)
    return _see_other(f"/editor/blogs/{slug}?done={quote(status)}")


# Addresses that only take forms: a browser that asks for one (after a login, from its
# history) is sent to the page the form is on.
@router.get("/blogs")
def blogs_form_address(_actor: Editor) -> Response:
    return _see_other("/editor")


@router.get("/blogs/{slug}/posts")
@router.get("/blogs/{slug}/status")
def blog_form_address(slug: str, _actor: Editor) -> Response:
    return _see_other(f"/editor/blogs/{quote(slug)}")


@router.get("/blogs/{slug}/posts/{public_id}/{operation}")
def post_form_address(slug: str, public_id: str, operation: str, _actor: Editor) -> Response:
    return _see_other(f"/editor/blogs/{quote(slug)}/posts/{quote(public_id)}")


# --- a blog's desk: the composer and its posts --------------------------------------------


def _blog_page(
    request: Request,
    actor: Actor,
    slug: str,
    *,
    view: str = "all",
    page: int = 1,
    composer: PostForm | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    with _site(request).db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        posts, counts = post_actions.desk_posts(session, actor, blog, view, page, POSTS_PER_PAGE)
        return _render(
            request,
            "editor/blog.html",
            actor,
            status,
            blog=blog,
            role=blog_role(session, actor, blog),
            posts=posts,
            view=view,
            counts=counts,
            page=page,
            pages=max(1, -(-counts[view] // POSTS_PER_PAGE)),
            form=composer or PostForm(authors=actor.name),
            error=error,
            done=request.query_params.get("done", ""),
            verifications=VERIFICATIONS,
        )


@router.get("/blogs/{slug}", response_class=HTMLResponse)
def blog_desk(
    request: Request,
    slug: str,
    actor: Editor,
    view: Annotated[str, Query(pattern="^(all|published|drafts|deleted)$")] = "all",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _blog_page(request, actor, slug, view=view, page=page)


def _take_uploads(site: Site, actor: Actor, form: FormData, post_form: PostForm) -> None:
    """Cleans the photos chosen in the form's photo fieldsets, takes back the ones an
    earlier send carried, and names them in the form. Nothing is stored here: a photo is
    stored with the post that shows it.

    Every photo is tried, so that one bad file does not cost the others; the problems
    are reported together.
    """
    problems: list[str] = []
    secret = site.settings.secret_key.reveal()
    chosen: list[tuple[dict[str, str], UploadFile]] = []
    for number, element in zip(post_form.numbers, post_form.elements, strict=True):
        if element["type"] != "image":
            continue
        upload = form.get(f"el-{number}-upload")
        carried = form.get(f"el-{number}-photo")
        if isinstance(upload, UploadFile) and upload.filename:
            chosen.append((element, upload))
        elif isinstance(carried, str) and carried:
            photo = unseal(carried, secret)
            if photo is None:
                element["file"] = ""
                problems.append(
                    "a photo chosen before could not be kept (the server was restarted); "
                    "choose it again"
                )
            else:
                _carry(secret, post_form, element, photo)
    if len(chosen) > MAX_UPLOADS:
        raise Invalid(f"send at most {MAX_UPLOADS} photos at a time", "Photo")
    for element, upload in chosen:
        try:
            data = upload.file.read(MAX_UPLOAD_BYTES + 1)
            _carry(secret, post_form, element, clean_photo(actor, data, upload.filename or ""))
        except Invalid as exc:
            problems.append(exc.detail)
    if problems:
        raise Invalid("; ".join(problems), "Photo")


def _carry(secret: str, post_form: PostForm, element: dict[str, str], photo: Photo) -> None:
    """Names a photo not stored yet in its element, and keeps it in the form."""
    element["file"] = photo.filename
    element["photo"] = seal(photo, secret)
    element["thumb"] = thumbnail_url(photo)
    post_form.photos[photo.filename] = photo


def _form_action(form: SentForm) -> str:
    return form.text("action") or "publish"


def _take_form(
    site: Site, actor: Actor, form: SentForm, post_form: PostForm, stored: Post | None = None
) -> bool:
    """Checks the form's token and stores its photos; True when the form only asked to be
    redrawn (its Add … buttons, Enter in a one-line field, and Preview)."""
    form.check()
    _take_uploads(site, actor, form.data, post_form)
    action = _form_action(form)
    if action == "refresh" or action.startswith("add-"):
        post_form.add(action.removeprefix("add-"))
        return True
    if action == "preview":
        post_form.preview = preview = _preview_post(post_form, stored)
        for element in post_form.elements:
            if element.get("thumb"):  # not stored yet: shown from the form itself
                preview.body_html = preview.body_html.replace(
                    f'src="/media/{element["file"]}"', f'src="{element["thumb"]}"'
                )
        return True
    return False


def _preview_post(post_form: PostForm, stored: Post | None) -> Post:
    """The post as readers will see it, rendered as on publishing, and stored nowhere:
    for a post being edited, with its correction and its own time."""
    if stored is not None:
        post_form.keep_names_of(stored)
    content = validated(
        NewPost, post_form.content() | {"correction": post_form.correction.strip() or None}
    )
    if not content.title and not content.elements:
        raise Invalid("a post needs a headline or at least one element", "elements")
    return post_actions.unsaved_post(
        content.model_dump(mode="json"),
        "preview",
        version=post_form.version or 1,
        published_at=(stored.published_at if stored else None) or utcnow(),
    )


def _status_for(action: str, statuses: Mapping[str, str | None]) -> str | None:
    if action not in statuses:
        raise Invalid(f"unknown action {action!r}", "action")
    return statuses[action]


@router.post("/blogs/{slug}/posts", response_class=HTMLResponse)
def create_post(request: Request, slug: str, actor: Editor, form: Sent) -> Response:
    site = _site(request)
    post_form = PostForm.from_form(form.data)
    action = _form_action(form)
    try:
        if _take_form(site, actor, form, post_form):
            return _blog_page(request, actor, slug, composer=post_form)
        statuses = {"publish": "published", "draft": "draft", "submit": "submitted"}
        status = _status_for(action, statuses) or "published"
        record = post_actions.create_post(
            site,
            actor,
            slug,
            post_form.new_post(status),
            pinned=post_form.pinned and status == "published",
            photos=post_form.new_photos(),
        )
    except LiveblogError as exc:
        post_form.keep_one()
        return _blog_page(
            request, actor, slug, composer=post_form, error=exc.message, status=exc.status
        )
    return _see_other(f"/editor/blogs/{slug}?done={status}#post-{record['id']}")


# --- one post ---------------------------------------------------------------------------

STALE = (
    "Someone else saved this post while you were editing it. Your version is kept in the "
    "form below; the one saved now is shown above it. Check both, then save again."
)


def _edit_page(
    request: Request,
    actor: Actor,
    slug: str,
    public_id: str,
    form: PostForm | None = None,
    error: str = "",
    status: int = 200,
    stale: bool = False,
) -> HTMLResponse:
    with _site(request).db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        post = post_actions.desk_post(session, actor, blog, public_id)
        current = PostForm.from_post(post, blog.pinned_post_id == post.id)
        if form is None:
            form = current
        elif stale:
            # Keep what the editor typed, but let the next save go against the new version.
            form.version = post.version
        return _render(
            request,
            "editor/post.html",
            actor,
            status,
            blog=blog,
            post=post,
            role=blog_role(session, actor, blog),
            form=form,
            current=current if stale else None,
            history=q.post_history(session, post),
            error=error,
            done=request.query_params.get("done", ""),
            verifications=VERIFICATIONS,
        )


@router.get("/blogs/{slug}/posts/{public_id}", response_class=HTMLResponse)
def edit_page(request: Request, slug: str, public_id: str, actor: Editor) -> Response:
    return _edit_page(request, actor, slug, public_id)


def _stored(site: Site, slug: str, public_id: str) -> Post:
    with site.db.reading() as session:
        return post_actions.load_post(
            session, q.blog_by_slug(session, slug, include_drafts=True), public_id
        )


@router.post("/blogs/{slug}/posts/{public_id}", response_class=HTMLResponse)
def save_post(request: Request, slug: str, public_id: str, actor: Editor, form: Sent) -> Response:
    site = _site(request)
    post_form = PostForm.from_form(form.data)
    action = _form_action(form)
    try:
        stored = _stored(site, slug, public_id)
        if _take_form(site, actor, form, post_form, stored):
            return _edit_page(request, actor, slug, public_id, post_form)
        if post_form.version is None:
            raise Invalid("the form lost the post's version; reload the page", "version")
        statuses = {"save": None, "publish": "published", "submit": "submitted"}
        status = _status_for(action, statuses)
        post_form.keep_names_of(stored)
        will_publish = status == "published" or stored.status == "published"
        post_actions.edit_post(
            site,
            actor,
            slug,
            public_id,
            post_form.changes(status),
            post_form.version,
            pinned=post_form.pinned if will_publish else None,
            photos=post_form.new_photos(),
        )
    except PreconditionFailed:
        return _edit_page(request, actor, slug, public_id, post_form, STALE, 409, stale=True)
    except LiveblogError as exc:
        post_form.keep_one()
        return _edit_page(request, actor, slug, public_id, post_form, exc.message, exc.status)
    done = {"publish": "published", "submit": "submitted"}.get(action, "saved")
    return _see_other(f"/editor/blogs/{slug}?done={done}#post-{public_id}")


_POST_OPERATIONS: dict[str, Callable[[Site, Actor, str, str], object]] = {
    "pin": lambda site, actor, slug, pid: post_actions.set_pinned(site, actor, slug, pid, True),
    "unpin": lambda site, actor, slug, pid: post_actions.set_pinned(site, actor, slug, pid, False),
    "delete": post_actions.delete_post,
    "restore": post_actions.restore_post,
    "key-event": lambda site, actor, slug, pid: post_actions.set_key_event(
        site, actor, slug, pid, True
    ),
    "not-key-event": lambda site, actor, slug, pid: post_actions.set_key_event(
        site, actor, slug, pid, False
    ),
}


@router.post("/blogs/{slug}/posts/{public_id}/{operation}")
def post_operation(
    request: Request, slug: str, public_id: str, operation: str, actor: Editor, form: Buttons
) -> Response:
    run = _POST_OPERATIONS.get(operation)
    if run is None:
        raise NotFound(f"there is no operation {operation!r} on posts")
    run(_site(request), actor, slug, public_id)
    back = _text(form, "back")
    target = _safe_next(back) if back else f"/editor/blogs/{slug}"
    return _see_other(f"{target}{'&' if '?' in target else '?'}done={operation}#post-{public_id}")


# --- a blog's team: who has a role on this blog (its owners) ------------------------------


def _team_page(
    request: Request, actor: Actor, slug: str, status: int = 200, **context: Any
) -> HTMLResponse:
    with _site(request).db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        require_blog_role(session, actor, blog, "owner", "Changing a blog's team")
        context.setdefault("member", {"email": "", "role": "editor"})
        context.setdefault("error", "")
        return _render(
            request,
            "editor/team.html",
            actor,
            status,
            blog=blog,
            team=q.blog_team(session, blog),
            roles=BLOG_ROLES,
            done=request.query_params.get("done", ""),
            **context,
        )


@router.get("/blogs/{slug}/team", response_class=HTMLResponse)
def team_page(request: Request, slug: str, actor: Editor) -> Response:
    return _team_page(request, actor, slug)


@router.post("/blogs/{slug}/team", response_class=HTMLResponse)
def change_team(request: Request, slug: str, actor: Editor, form: Sent) -> Response:
    member = {"email": form.text("email"), "role": form.text("role")}
    try:
        form.check()
        role = None if member["role"] == "remove" else member["role"]
        blog_actions.set_membership(_site(request), actor, slug, member["email"], role)
    except LiveblogError as exc:
        return _team_page(request, actor, slug, exc.status, member=member, error=exc.message)
    done = "removed" if member["role"] == "remove" else "member"
    return _see_other(f"/editor/blogs/{quote(slug)}/team?done={done}")


# --- people: who can log in, and their roles (admins) ----------------------------------

PERSON_FORM_FIELDS = ("email", "name", "role")


def _people_page(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    with _site(request).db.reading() as session:
        people = q.people(session)
    context.setdefault("new_person", dict.fromkeys(PERSON_FORM_FIELDS, "") | {"role": "editor"})
    context.setdefault("error", "")
    return _render(
        request,
        "editor/people.html",
        actor,
        status,
        people=people,
        roles=SITE_ROLES,
        done=request.query_params.get("done", ""),
        **context,
    )


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, actor: Editor) -> Response:
    _require_admin(actor, "managing people")
    return _people_page(request, actor)


@router.post("/people", response_class=HTMLResponse)
def add_person(request: Request, actor: Editor, form: Sent) -> Response:
    _require_admin(actor, "managing people")
    values = {name: form.text(name) for name in PERSON_FORM_FIELDS}
    password = form.data.get("password")
    try:
        form.check()
        create_user(
            _site(request),
            values["email"],
            password if isinstance(password, str) else "",
            values["role"],
            values["name"],
            actor=actor,
        )
    except LiveblogError as exc:
        # Everything comes back but the password, which never goes into a page.
        return _people_page(request, actor, exc.status, new_person=values, error=exc.message)
    return _see_other("/editor/people?done=added")


@router.post("/people/{user_id}/role")
def change_role(request: Request, user_id: RowId, actor: Editor, form: Buttons) -> Response:
    set_site_role(_site(request), actor, user_id, _text(form, "role"))
    return _see_other(f"/editor/people?done=role#person-{user_id}")


@router.get("/people/{user_id}", response_class=HTMLResponse)
def person_page(request: Request, user_id: RowId, actor: Editor) -> Response:
    _require_admin(actor, "managing people")
    return _person_page(request, actor, user_id)


def _person_page(
    request: Request, actor: Actor, user_id: int, status: int = 200, **context: Any
) -> HTMLResponse:
    with _site(request).db.reading() as session:
        person = session.get(User, user_id)
        if person is None or person.removed_at is not None:
            raise NotFound(f"no person with the id {user_id}")
        tokens = q.tokens_of(session, user_id)
    context.setdefault("reset_link", "")
    context.setdefault("error", "")
    return _render(
        request,
        "editor/person.html",
        actor,
        status,
        person=person,
        tokens=tokens,
        done=request.query_params.get("done", ""),
        **context,
    )


_PERSON_OPERATIONS: dict[str, Callable[[Site, Actor, int], object]] = {
    "disable": lambda site, actor, uid: set_disabled(site, actor, uid, True),
    "enable": lambda site, actor, uid: set_disabled(site, actor, uid, False),
}


@router.post("/people/{user_id}/reset-link", response_class=HTMLResponse)
def make_reset_link(request: Request, user_id: RowId, actor: Editor, _form: Buttons) -> Response:
    token = create_reset_link(_site(request), actor, user_id)
    link = f"{_site(request).settings.base_url}/editor/reset/{token}"
    # Shown on this answer only: only its hash is kept, so no later page can show it again.
    return _person_page(request, actor, user_id, 201, reset_link=link)


@router.post("/people/{user_id}/remove")
def remove(request: Request, user_id: RowId, actor: Editor, form: Buttons) -> Response:
    if _text(form, "confirm") != "yes":
        raise Invalid("tick the box to confirm that this person should be removed", "confirm")
    remove_person(_site(request), actor, user_id)
    return _see_other("/editor/people?done=person-removed")


@router.post("/people/{user_id}/tokens/{token_id}/revoke")
def revoke_persons_token(
    request: Request, user_id: RowId, token_id: RowId, actor: Editor, _form: Buttons
) -> Response:
    revoke_person_token(_site(request), actor, user_id, token_id)
    return _see_other(f"/editor/people/{user_id}?done=revoked#token-{token_id}")


@router.post("/people/{user_id}/{operation}")
def person_operation(
    request: Request, user_id: RowId, operation: str, actor: Editor, _form: Buttons
) -> Response:
    run = _PERSON_OPERATIONS.get(operation)
    if run is None:
        raise NotFound(f"there is no operation {operation!r} on people")
    run(_site(request), actor, user_id)
    return _see_other(f"/editor/people/{user_id}?done={operation}d")


# --- your account: your password, and your logins -------------------------------------------


def _account_page(
    request: Request, actor: Actor, status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("error", "")
    context.setdefault("totp_error", "")
    context.setdefault("enrolment", None)
    context.setdefault("two_factor", has_totp(_site(request), actor.user_id or 0))
    context.setdefault("must_enrol", needs_enrolment(_site(request), actor))
    context.setdefault("require_2fa", _site(request).settings.require_2fa_for_admins)
    return _render(
        request,
        "editor/account.html",
        actor,
        status,
        done=request.query_params.get("done", ""),
        **context,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, actor: Editor) -> Response:
    return _account_page(request, actor)


def _password_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, actor: Editor, form: Sent) -> Response:
    try:
        form.check()
        change_own_password(
            _site(request),
            actor,
            _password_field(form.data, "current"),
            _password_field(form.data, "new"),
            _password_field(form.data, "again"),
            keep_cookie=request.cookies.get(SESSION_COOKIE, ""),
            address=request.client.host if request.client else None,
        )
    except LiveblogError as exc:
        # Passwords never go back into a page: the person types them again.
        page = _account_page(request, actor, exc.status, error=exc.message)
        if isinstance(exc, TryLater):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return _see_other("/editor/account?done=password")


@router.post("/account/2fa/start", response_class=HTMLResponse)
def start_two_factor(request: Request, actor: Editor, _form: Buttons) -> Response:
    return _account_page(request, actor, enrolment=start_totp(_site(request), actor))


@router.post("/account/2fa/confirm", response_class=HTMLResponse)
def confirm_two_factor(request: Request, actor: Editor, form: Sent) -> Response:
    sealed = form.text("sealed")
    try:
        form.check()
        confirm_totp(_site(request), actor, sealed, form.text("code"))
    except LiveblogError as exc:
        enrolment = reopen_totp(_site(request), actor, sealed)
        return _account_page(
            request, actor, exc.status, enrolment=enrolment, totp_error=exc.message
        )
    return _see_other("/editor/account?done=2fa-on")


@router.post("/account/2fa/stop", response_class=HTMLResponse)
def stop_two_factor(request: Request, actor: Editor, form: Sent) -> Response:
    try:
        form.check()
        stop_totp(_site(request), actor, form.text("code"))
    except LiveblogError as exc:
        return _account_page(request, actor, exc.status, totp_error=exc.message)
    return _see_other("/editor/account?done=2fa-off")


@router.post("/account/logout-everywhere")
def logout_everywhere(request: Request, actor: Editor, _form: Buttons) -> Response:
    end_all_sessions(_site(request), actor)
    response = _see_other("/editor/login?done=everywhere")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- a one-time password-reset link, made by an admin ---------------------------------------


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, token: str) -> Response:
    _, email = person_for_reset(_site(request), token)
    return _reset_form(request, token, email)


def _reset_form(
    request: Request, token: str, email: str, status: int = 200, error: str = ""
) -> HTMLResponse:
    page = _render(
        request, "editor/reset.html", None, status, token=token, email=email, error=error
    )
    page.headers["Referrer-Policy"] = "no-referrer"  # the address is the key
    return page


@router.post("/reset/{token}", response_class=HTMLResponse)
def reset(request: Request, token: str, form: Annotated[FormData, Depends(login_form)]) -> Response:
    # No session: the one-time token in the address is what another site cannot know.
    site = _site(request)
    _, email = person_for_reset(site, token)
    try:
        reset_password(
            site,
            token,
            _password_field(form, "new"),
            _password_field(form, "again"),
            request.client.host if request.client else None,
        )
    except Invalid as exc:
        return _reset_form(request, token, email, exc.status, exc.message)
    response = _see_other("/editor/login?done=reset")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- your API tokens, for integrations -----------------------------------------------------


def _tokens_page(request: Request, actor: Actor, status: int = 200, **context: Any) -> HTMLResponse:
    with _site(request).db.reading() as session:
        tokens = q.tokens_of(session, actor.user_id or 0)
    context.setdefault("new_token", "")
    context.setdefault("name", "")
    context.setdefault("error", "")
    return _render(
        request,
        "editor/tokens.html",
        actor,
        status,
        tokens=tokens,
        done=request.query_params.get("done", ""),
        base_url=_site(request).settings.base_url,
        **context,
    )


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, actor: Editor) -> Response:
    return _tokens_page(request, actor)


@router.post("/tokens", response_class=HTMLResponse)
def new_token(request: Request, actor: Editor, form: Sent) -> Response:
    name = form.text("name")
    try:
        form.check()
        token = create_own_token(_site(request), actor, name)
    except LiveblogError as exc:
        return _tokens_page(request, actor, exc.status, name=name, error=exc.message)
    # Shown on this answer only: it is not stored, so no later page can show it again.
    return _tokens_page(request, actor, 201, new_token=token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: RowId, actor: Editor, _form: Buttons) -> Response:
    revoke_own_token(_site(request), actor, token_id)
    return _see_other("/editor/tokens?done=revoked")


# --- bringing back a blog from flattened text --------------------------------------------


def _import_page(
    request: Request, actor: Actor, text: str = "", status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("error", "")
    context.setdefault("result", None)
    context.setdefault("preview", [])
    context.setdefault("slug", "")
    return _render(request, "editor/import.html", actor, status, text=text, **context)


def _require_admin(actor: Actor, doing: str = "importing a blog from text") -> None:
    if not actor.is_admin:
        raise Forbidden(f"{doing} is for admins")


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, actor: Editor) -> Response:
    _require_admin(actor)
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
def import_text(request: Request, actor: Editor, form: Sent) -> Response:
    _require_admin(actor)
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
        if _form_action(form) != "import":
            return _import_page(request, actor, text, **page)
        record = import_blog(
            _site(request), result.blog, slug=slug or None, actor=actor, source="text"
        )
    except LiveblogError as exc:
        return _import_page(request, actor, text, exc.status, error=exc.message, **page)
    return _see_other(f"/editor/blogs/{record['slug']}?done=imported")


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


def add_login_redirect(app: FastAPI) -> None:
    @app.exception_handler(LoginNeeded)
    async def _to_login(_request: Request, exc: LoginNeeded) -> Response:
        return _see_other(f"/editor/login?next={quote(exc.target, safe='/')}")

    @app.exception_handler(EnrolFirst)
    async def _to_enrolment(_request: Request, _exc: EnrolFirst) -> Response:
        return _see_other("/editor/account?done=enrol-first")


# --- the audit log (admins) ----------------------------------------------------------------

AuditPerson = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
AuditAction = Annotated[str, Query(max_length=40, pattern=r"^[a-z.\-]*$")]
AuditBlog = Annotated[str, Query(max_length=120)]


def _audit_filters(request: Request, person: int | None, action: str, blog: str) -> audit.Filters:
    blog_id = audit.blog_id_of(_site(request), blog) if blog else None
    return audit.Filters(person=person, action=action, blog=blog_id)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    actor: Editor,
    person: AuditPerson = None,
    action: AuditAction = "",
    blog: AuditBlog = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    _require_admin(actor, "reading the audit log")
    site = _site(request)
    filters = _audit_filters(request, person, action, blog)
    rows, more = audit.page(site, actor, filters, page)
    subjects, present = audit.links(site, rows)
    with site.db.reading() as session:
        people = q.people(session)
        blogs = q.desk_blogs(session)
    query = {"person": person or "", "action": action, "blog": blog}
    shown = {key: value for key, value in query.items() if value}
    return _render(
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
    actor: Editor,
    fmt: Literal["csv", "json"],
    person: AuditPerson = None,
    action: AuditAction = "",
    blog: AuditBlog = "",
) -> Response:
    _require_admin(actor, "exporting the audit log")
    rows = audit.entries(_site(request), actor, _audit_filters(request, person, action, blog))
    chunks, media_type = AUDIT_EXPORTS[fmt]
    return StreamingResponse(
        chunks(rows),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="audit-log.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
