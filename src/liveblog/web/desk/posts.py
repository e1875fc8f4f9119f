"""A blog's desk (the composer, with its posts below) and one post's page: writing,
previewing, saving, publishing, pinning, flagging, deleting and restoring posts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liveblog.actions import Actor, library, together
from liveblog.actions import posts as post_actions
from liveblog.actions import tags as tag_actions
from liveblog.actions.access import blog_role
from liveblog.errors import Invalid, LiveblogError, NotFound, PreconditionFailed
from liveblog.paging import LAST_PAGE, page_count
from liveblog.schema import NewPost
from liveblog.site import Site
from liveblog.states import PostStatus
from liveblog.storage import Post
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from liveblog.web.desk.common import SignedIn, render, safe_next, see_other, site_of
from liveblog.web.desk.forms import Buttons, Sent, SentForm, text_field
from liveblog.web.desk.merging import clash_page
from liveblog.web.desk.postform import VERIFICATIONS, PostForm, blank, validated
from liveblog.web.desk.uploads import take_uploads
from liveblog.web.embeds import embed_codes

router = APIRouter()

POSTS_PER_PAGE = 30


# --- a blog's desk: the composer and its posts --------------------------------------------


def blog_page(
    request: Request,
    actor: Actor,
    slug: str,
    *,
    view: str = "all",
    page: int = 1,
    composer: PostForm | None = None,
    error: str = "",
    status: int = 200,
    note: str = "",
    **more: Any,
) -> HTMLResponse:
    """``more``: what else the page's parts show (the schedule form as sent, say)."""
    site = site_of(request)
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        posts, counts = post_actions.desk_posts(session, actor, blog, view, page, POSTS_PER_PAGE)
        form = composer or PostForm(authors=actor.name)
        form.offer(tag_actions.tag_names(session, actor, blog))
        return render(
            request,
            "editor/blog.html",
            actor,
            status,
            blog=blog,
            role=blog_role(session, actor, blog),
            readers=request.app.state.readers.total(blog.id),
            posts=posts,
            view=view,
            counts=counts,
            page=page,
            pages=page_count(counts[view], POSTS_PER_PAGE),
            form=form,
            error=error,
            verifications=VERIFICATIONS,
            embeds=embed_codes(site_of(request).settings.base_url, blog.slug, blog.title),
            site_frame_ancestors=site_of(request).settings.frame_ancestors,
            # Working together (web/desk/together.py): as it is now; together.js keeps it so.
            together=together.desk(session, site, actor, blog),
            beat_seconds=together.beat_seconds(site),
            note=note,
            note_limit=together.NOTE_LENGTH,
            **more,
        )


@router.get("/blogs/{slug}", response_class=HTMLResponse)
def blog_desk(
    request: Request,
    slug: str,
    actor: SignedIn,
    view: Annotated[str, Query(pattern="^(all|published|scheduled|drafts|deleted)$")] = "all",
    page: Annotated[int, Query(ge=1, le=LAST_PAGE)] = 1,
    photo: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    composer = _with_library_photo(request, actor, slug, photo) if photo else None
    return blog_page(request, actor, slug, view=view, page=page, composer=composer)


def _with_library_photo(request: Request, actor: Actor, slug: str, name: str) -> PostForm:
    """A new post that starts with a photo of the blog's library, and its words."""
    site = site_of(request)
    photo = library.library_photo(site, actor, slug, name)
    element = {
        "type": "image",
        "file": photo["file"],
        "caption": photo["caption"],
        "credit": photo["credit"] or "",
        "alt": photo["alt"] or "",
        "thumb": photo["thumbnail"].removeprefix(site.settings.base_url),
    }
    return PostForm(authors=actor.name, elements=[element, blank("text")])


def _take_form(
    site: Site, actor: Actor, form: SentForm, post_form: PostForm, stored: Post | None = None
) -> bool:
    """Checks the form's token and stores its photos; True when the form only asked to be
    redrawn (its Add … buttons, Enter in a one-line field, and Preview)."""
    form.check()
    take_uploads(site, actor, form.data, post_form)
    action = form.action()
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
def create_post(request: Request, slug: str, actor: SignedIn, form: Sent) -> Response:
    site = site_of(request)
    post_form = PostForm.from_form(form.data)
    action = form.action()
    try:
        if _take_form(site, actor, form, post_form):
            return blog_page(request, actor, slug, composer=post_form)
        statuses = {
            "publish": PostStatus.PUBLISHED,
            "draft": PostStatus.DRAFT,
            "submit": PostStatus.SUBMITTED,
            "schedule": PostStatus.SCHEDULED,
        }
        status = _status_for(action, statuses) or PostStatus.PUBLISHED
        record = post_actions.create_post(
            site,
            actor,
            slug,
            post_form.new_post(status),
            pinned=post_form.pinned and status == PostStatus.PUBLISHED,
            photos=post_form.new_photos(),
            from_composer=True,
        )
    except LiveblogError as exc:
        post_form.keep_one()
        return blog_page(
            request, actor, slug, composer=post_form, error=exc.message, status=exc.status
        )
    return see_other(f"/editor/blogs/{slug}?done={status}#post-{record['id']}")


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
    with site_of(request).db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        post = post_actions.desk_post(session, actor, blog, public_id)
        current = PostForm.from_post(post, blog.pinned_post_id == post.id, blog.timezone)
        if form is None:
            form = current
        elif stale:
            # Keep what the person typed, but let the next save go against the new version.
            form.version = post.version
        form.offer(tag_actions.tag_names(session, actor, blog))
        return render(
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
            verifications=VERIFICATIONS,
            embeds=embed_codes(site_of(request).settings.base_url, blog.slug, blog.title),
            site_frame_ancestors=site_of(request).settings.frame_ancestors,
            # Who else is editing this post, as it is now; together.js keeps it so.
            editing=together.presence(session, site_of(request), actor, blog).editing(
                post.public_id
            ),
            beat_seconds=together.beat_seconds(site_of(request)),
        )


@router.get("/blogs/{slug}/posts/{public_id}", response_class=HTMLResponse)
def edit_page(request: Request, slug: str, public_id: str, actor: SignedIn) -> Response:
    return _edit_page(request, actor, slug, public_id)


def _stored(site: Site, slug: str, public_id: str) -> Post:
    with site.db.reading() as session:
        return post_actions.load_post(
            session, q.blog_by_slug(session, slug, include_drafts=True), public_id
        )


@router.post("/blogs/{slug}/posts/{public_id}", response_class=HTMLResponse)
def save_post(request: Request, slug: str, public_id: str, actor: SignedIn, form: Sent) -> Response:
    site = site_of(request)
    post_form = PostForm.from_form(form.data)
    action = form.action()
    try:
        stored = _stored(site, slug, public_id)
        if _take_form(site, actor, form, post_form, stored):
            return _edit_page(request, actor, slug, public_id, post_form)
        if post_form.version is None:
            raise Invalid("the form lost the post's version; reload the page", "version")
        statuses = {
            "save": None,
            "publish": PostStatus.PUBLISHED,
            "submit": PostStatus.SUBMITTED,
            "schedule": PostStatus.SCHEDULED,
            "unschedule": PostStatus.DRAFT,
        }
        status = _status_for(action, statuses)
        post_form.keep_names_of(stored)
        will_publish = PostStatus.PUBLISHED in (status, stored.status)
        post_actions.edit_post(
            site,
            actor,
            slug,
            public_id,
            post_form.changes(status),
            post_form.version,
            pinned=post_form.pinned if will_publish else None,
            photos=post_form.new_photos(),
            from_composer=True,
        )
    except PreconditionFailed:
        merge = clash_page(request, actor, slug, public_id, post_form, action)
        if merge is not None:
            return merge
        return _edit_page(request, actor, slug, public_id, post_form, STALE, 409, stale=True)
    except LiveblogError as exc:
        post_form.keep_one()
        return _edit_page(request, actor, slug, public_id, post_form, exc.message, exc.status)
    done = {
        "publish": "published",
        "submit": "submitted",
        "schedule": "scheduled",
        "unschedule": "unschedule",
    }.get(action, "saved")
    return see_other(f"/editor/blogs/{slug}?done={done}#post-{public_id}")


_POST_OPERATIONS: dict[str, Callable[[Site, Actor, str, str], object]] = {
    "pin": lambda site, actor, slug, pid: post_actions.set_pinned(site, actor, slug, pid, True),
    "unpin": lambda site, actor, slug, pid: post_actions.set_pinned(site, actor, slug, pid, False),
    "delete": post_actions.delete_post,
    "unschedule": post_actions.cancel_schedule,
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
    request: Request, slug: str, public_id: str, operation: str, actor: SignedIn, form: Buttons
) -> Response:
    run = _POST_OPERATIONS.get(operation)
    if run is None:
        raise NotFound(f"there is no operation {operation!r} on posts")
    run(site_of(request), actor, slug, public_id)
    back = text_field(form, "back")
    target = safe_next(back) if back else f"/editor/blogs/{slug}"
    return see_other(f"{target}{'&' if '?' in target else '?'}done={operation}#post-{public_id}")
