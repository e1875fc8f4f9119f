"""The editor's desk, /editor: log in, start a blog, write, edit, pin and flag posts, and
bring back a blog from flattened text. Plain HTML forms that work without JavaScript.

Every write goes through one action, as in the API. A form that comes back with an
error is shown again with everything the editor typed still in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.datastructures import FormData, UploadFile

from liveblog.actions import Actor
from liveblog.actions import blogs as blog_actions
from liveblog.actions import posts as post_actions
from liveblog.actions.access import blog_role
from liveblog.actions.exchange import import_blog, parse_exchange
from liveblog.actions.media import save_upload
from liveblog.actions.users import check_password, end_session, start_session
from liveblog.errors import Forbidden, Invalid, LiveblogError, NotFound, PreconditionFailed
from liveblog.schema import BlogChanges, BlogFields, PostChanges
from liveblog.site import Site
from liveblog.storage import Blog, Post, Revision, User
from liveblog.storage import queries as q
from liveblog.textimport import parse_text
from liveblog.web.auth import SESSION_COOKIE, check_form_origin, csrf_token, session_actor
from liveblog.web.postform import ELEMENT_FIELDS, VERIFICATIONS, PostForm, validated

router = APIRouter(prefix="/editor", include_in_schema=False)

POSTS_PER_PAGE = 30
# A pasted page can be long: an archive of a day's coverage runs to megabytes.
MAX_FORM_PART = 8 * 1024 * 1024
BLOG_FORM_FIELDS = ("title", "slug", "section", "standfirst", "timezone", "language")
STATUS_VIEWS = {
    "all": ("published", "draft", "submitted"),
    "published": ("published",),
    "drafts": ("draft", "submitted"),
    "deleted": ("deleted",),
}


class LoginNeeded(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


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
    return actor


async def form_data(request: Request) -> AsyncIterator[FormData]:
    form = await request.form(max_part_size=MAX_FORM_PART)
    try:
        token = form.get("csrf")
        check_form_origin(request, token if isinstance(token, str) else "")
        yield form
    finally:
        await form.close()  # uploaded files are spooled to disk; let them go


async def login_form_data(request: Request) -> AsyncIterator[FormData]:
    # No session yet, so no form token: the Origin check and the SameSite cookie guard it.
    form = await request.form()
    try:
        check_form_origin(request, None)
        yield form
    finally:
        await form.close()


Editor = Annotated[Actor, Depends(editor)]
Form = Annotated[FormData, Depends(form_data)]


def _render(
    request: Request, template: str, actor: Actor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    state = request.app.state
    html = state.templates.get_template(template).render(
        site_name=state.site.settings.site_name,
        actor=actor,
        csrf=csrf_token(request) if actor else "",
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _safe_next(target: str) -> str:
    """Only a path on this site: a login must never send anyone elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/editor"
    return target


# --- logging in and out -----------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/editor") -> Response:
    if session_actor(request) is not None:
        return _see_other(_safe_next(next))
    return _render(request, "editor/login.html", None, next=_safe_next(next), email="", error="")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: Annotated[FormData, Depends(login_form_data)]) -> Response:
    email, target = _text(form, "email"), _safe_next(_text(form, "next") or "/editor")
    password = form.get("password")
    try:
        actor = check_password(_site(request), email, password if isinstance(password, str) else "")
    except LiveblogError as exc:
        return _render(
            request, "editor/login.html", None, 401, next=target, email=email, error=exc.message
        )
    cookie = start_session(_site(request), actor)
    response = _see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=14 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_site(request).settings.base_url.startswith("https://"),
    )
    return response


@router.post("/logout")
def logout(request: Request, _form: Form) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(_site(request), cookie)
    response = _see_other("/editor/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- blogs ------------------------------------------------------------------------------


def _desk_blogs(site: Site) -> list[tuple[Blog, int, int]]:
    """Every blog, newest activity first, with its counts of published and waiting posts."""
    with site.db.reading() as session:
        counts = (
            select(
                Post.blog_id,
                func.count().filter(Post.status == "published").label("published"),
                func.count().filter(Post.status.in_(("draft", "submitted"))).label("waiting"),
            )
            .group_by(Post.blog_id)
            .subquery()
        )
        rows = session.execute(
            select(Blog, counts.c.published, counts.c.waiting)
            .outerjoin(counts, counts.c.blog_id == Blog.id)
            .order_by(Blog.updated_at.desc(), Blog.id.desc())
            .limit(500)
        ).all()
        return [(blog, published or 0, waiting or 0) for blog, published, waiting in rows]


@router.get("", response_class=HTMLResponse)
def desk(request: Request, actor: Editor) -> Response:
    return _render(
        request,
        "editor/desk.html",
        actor,
        blogs=_desk_blogs(_site(request)),
        new_blog=dict.fromkeys(BLOG_FORM_FIELDS, ""),
        error="",
    )


@router.post("/blogs", response_class=HTMLResponse)
def create_blog(request: Request, actor: Editor, form: Form) -> Response:
    values = {name: _text(form, name) for name in BLOG_FORM_FIELDS}
    try:
        fields = validated(BlogFields, {k: v for k, v in values.items() if v} | {"status": "live"})
        record = blog_actions.create_blog(_site(request), actor, fields)
    except LiveblogError as exc:
        return _render(
            request,
            "editor/desk.html",
            actor,
            exc.status,
            blogs=_desk_blogs(_site(request)),
            new_blog=values,
            error=exc.message,
        )
    return _see_other(f"/editor/blogs/{record['slug']}?done=created")


@router.post("/blogs/{slug}/status")
def set_blog_status(request: Request, slug: str, actor: Editor, form: Form) -> Response:
    status = _text(form, "status")
    changes = validated(BlogChanges, {"status": status})
    blog_actions.update_blog(_site(request), actor, slug, changes)
    return _see_other(f"/editor/blogs/{slug}?done={quote(status)}")


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
    site = _site(request)
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        role = blog_role(session, actor, blog)
        where = [Post.blog_id == blog.id, Post.status.in_(STATUS_VIEWS[view])]
        total = session.scalar(select(func.count()).select_from(Post).where(*where)) or 0
        posts = session.scalars(
            select(Post)
            .where(*where)
            .order_by(
                Post.published_at.desc().nulls_first(), Post.created_at.desc(), Post.id.desc()
            )
            .limit(POSTS_PER_PAGE)
            .offset((page - 1) * POSTS_PER_PAGE)
        ).all()
        counts = dict(
            session.execute(
                select(Post.status, func.count())
                .where(Post.blog_id == blog.id)
                .group_by(Post.status)
            ).all()
        )
        return _render(
            request,
            "editor/blog.html",
            actor,
            status,
            blog=blog,
            role=role,
            posts=posts,
            view=view,
            views=list(STATUS_VIEWS),
            counts=counts,
            page=page,
            pages=max(1, -(-total // POSTS_PER_PAGE)),
            form=composer or PostForm(authors=actor.name),
            error=error,
            done=request.query_params.get("done", ""),
            element_fields=ELEMENT_FIELDS,
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
    """Stores the photos chosen in image fieldsets, and names them in the form."""
    for number, element in zip(post_form.numbers, post_form.elements, strict=True):
        upload = form.get(f"el-{number}-upload")
        if element["type"] == "image" and isinstance(upload, UploadFile) and upload.filename:
            element["file"] = save_upload(site, actor, upload.file.read(), upload.filename)


def _form_action(form: FormData) -> str:
    return _text(form, "action") or "publish"


@router.post("/blogs/{slug}/posts", response_class=HTMLResponse)
def create_post(request: Request, slug: str, actor: Editor, form: Form) -> Response:
    site = _site(request)
    post_form = PostForm.from_form(form)
    action = _form_action(form)
    try:
        _take_uploads(site, actor, form, post_form)
        if action == "refresh" or action.startswith("add-"):
            post_form.add(action.removeprefix("add-"))
            return _blog_page(request, actor, slug, composer=post_form)
        status = {"publish": "published", "draft": "draft", "submit": "submitted"}.get(action)
        if status is None:
            raise Invalid(f"unknown action {action!r}", "action")
        record = post_actions.create_post(site, actor, slug, post_form.new_post(status))
        if post_form.pinned and status == "published":
            post_actions.set_pinned(site, actor, slug, record["id"], True)
    except LiveblogError as exc:
        if not post_form.elements:
            post_form.add("text")
        return _blog_page(
            request, actor, slug, composer=post_form, error=exc.message, status=exc.status
        )
    return _see_other(f"/editor/blogs/{slug}?done={status}#post-{record['id']}")


# --- one post ---------------------------------------------------------------------------


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
    site = _site(request)
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        post = post_actions.load_post(session, blog, public_id)
        current = PostForm.from_post(post, blog.pinned_post_id == post.id)
        history = session.execute(
            select(Revision.version, Revision.at, Revision.note, User.name)
            .outerjoin(User, User.id == Revision.editor_id)
            .where(Revision.post_id == post.id)
            .order_by(Revision.version.desc())
            .limit(50)
        ).all()
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
            history=history,
            error=error,
            done=request.query_params.get("done", ""),
            element_fields=ELEMENT_FIELDS,
            verifications=VERIFICATIONS,
        )


@router.get("/blogs/{slug}/posts/{public_id}", response_class=HTMLResponse)
def edit_page(request: Request, slug: str, public_id: str, actor: Editor) -> Response:
    return _edit_page(request, actor, slug, public_id)


@router.post("/blogs/{slug}/posts/{public_id}", response_class=HTMLResponse)
def save_post(request: Request, slug: str, public_id: str, actor: Editor, form: Form) -> Response:
    site = _site(request)
    post_form = PostForm.from_form(form)
    action = _form_action(form)
    try:
        _take_uploads(site, actor, form, post_form)
        if action == "refresh" or action.startswith("add-"):
            post_form.add(action.removeprefix("add-"))
            return _edit_page(request, actor, slug, public_id, post_form)
        if post_form.version is None:
            raise Invalid("the form lost the post's version; reload the page", "version")
        status = {"save": None, "publish": "published", "submit": "submitted"}.get(action, "?")
        if status == "?":
            raise Invalid(f"unknown action {action!r}", "action")
        record = post_actions.edit_post(
            site, actor, slug, public_id, post_form.changes(status), post_form.version
        )
        if post_form.pinned != record["pinned"] and record["status"] == "published":
            post_actions.set_pinned(site, actor, slug, public_id, post_form.pinned)
    except PreconditionFailed:
        message = (
            "Someone else saved this post while you were editing it. Your version is kept "
            "in the form below; the one now published is shown beside it. Check both, then "
            "save again."
        )
        return _edit_page(request, actor, slug, public_id, post_form, message, 409, stale=True)
    except LiveblogError as exc:
        if not post_form.elements:
            post_form.add("text")
        return _edit_page(request, actor, slug, public_id, post_form, exc.message, exc.status)
    done = {"publish": "published", "submit": "submitted"}.get(action, "saved")
    return _see_other(f"/editor/blogs/{slug}?done={done}#post-{public_id}")


def _flag(value: bool, name: str) -> Callable[[Site, Actor, str, str], object]:
    def run(site: Site, actor: Actor, slug: str, public_id: str) -> object:
        with site.db.reading() as session:
            post = post_actions.load_post(session, q.blog_by_slug(session, slug), public_id)
            version = post.version
        changes = validated(PostChanges, {name: value})
        return post_actions.edit_post(site, actor, slug, public_id, changes, version)

    return run


_POST_OPERATIONS: dict[str, Callable[[Site, Actor, str, str], object]] = {
    "pin": lambda site, actor, slug, pid: post_actions.set_pinned(site, actor, slug, pid, True),
    "unpin": lambda site, actor, slug, pid: post_actions.set_pinned(site, actor, slug, pid, False),
    "delete": post_actions.delete_post,
    "restore": post_actions.restore_post,
    "key-event": _flag(True, "key_event"),
    "not-key-event": _flag(False, "key_event"),
}


@router.post("/blogs/{slug}/posts/{public_id}/{operation}")
def post_operation(
    request: Request, slug: str, public_id: str, operation: str, actor: Editor, form: Form
) -> Response:
    run = _POST_OPERATIONS.get(operation)
    if run is None:
        raise NotFound(f"there is no operation {operation!r} on posts")
    run(_site(request), actor, slug, public_id)
    back = _text(form, "back")
    target = _safe_next(back) if back else f"/editor/blogs/{slug}"
    return _see_other(f"{target}{'&' if '?' in target else '?'}done={operation}#post-{public_id}")


# --- bringing back a blog from flattened text --------------------------------------------


def _import_page(
    request: Request, actor: Actor, text: str = "", status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("error", "")
    context.setdefault("result", None)
    context.setdefault("slug", "")
    return _render(request, "editor/import.html", actor, status, text=text, **context)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("importing a blog from text is for admins")


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, actor: Editor) -> Response:
    _require_admin(actor)
    return _import_page(request, actor)


@router.post("/import", response_class=HTMLResponse)
def import_text(request: Request, actor: Editor, form: Form) -> Response:
    _require_admin(actor)
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    upload = form.get("file")
    slug = _text(form, "slug")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            text = upload.file.read().decode("utf-8")
        except UnicodeDecodeError:
            return _import_page(
                request, actor, text, 422, slug=slug, error=f"{upload.filename}: not UTF-8 text"
            )
    # Browsers send textarea lines with CRLF; the parser counts lines either way.
    if not text.strip():
        return _import_page(
            request, actor, text, 422, slug=slug, error="Paste the text of a page first."
        )
    result = parse_text(text)
    try:
        parse_exchange(result.blog)
    except LiveblogError as exc:
        return _import_page(request, actor, text, 422, slug=slug, result=result, error=exc.message)
    if _form_action(form) != "import":
        return _import_page(
            request, actor, text, slug=slug, result=result, preview=_preview(result.blog)
        )
    try:
        record = import_blog(_site(request), result.blog, slug=slug or None, actor=actor)
    except LiveblogError as exc:
        return _import_page(
            request,
            actor,
            text,
            exc.status,
            slug=slug,
            result=result,
            preview=_preview(result.blog),
            error=exc.message,
        )
    return _see_other(f"/editor/blogs/{record['slug']}?done=imported")


def _preview(blog: dict[str, Any]) -> list[dict[str, Any]]:
    """The posts as readers would see them, newest first, without storing anything."""
    posts = []
    for number, item in enumerate(blog["posts"]):
        post = Post(
            public_id=f"preview-{number + 1}",
            **{k: item[k] for k in post_actions.CONTENT_FIELDS + post_actions.FLAG_FIELDS},
        )
        post_actions.render_post(post)
        posts.append(
            {
                "number": number + 1,
                "post": post,
                "pinned": item["pinned"],
                "when": item.get("published_at") or item.get("time_label") or "",
            }
        )
    return posts[::-1]


def add_login_redirect(app: FastAPI) -> None:
    @app.exception_handler(LoginNeeded)
    async def _to_login(_request: Request, exc: LoginNeeded) -> Response:
        return _see_other(f"/editor/login?next={quote(exc.target, safe='/')}")
