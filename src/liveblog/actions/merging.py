"""Two editors saved one post at once: the clash, merged field by field (liveblog/merge.py)
against the version both started from, and the merged post saved.

The desk calls ``clash`` when a save is refused because the post moved on, shows the
merge, and sends the person's answers to ``save_merged``. That saves against the version
the merge was made with; if the post moved again meanwhile, ``MovedAgain`` carries the
merged post so that the desk merges again, from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from liveblog.actions.access import Actor
from liveblog.actions.media import Photo
from liveblog.actions.posts import desk_post, edit_post, snapshot
from liveblog.elements import KINDS
from liveblog.errors import Invalid, PreconditionFailed, invalid_input
from liveblog.merge import CONTENT_NAMES, Answer, Merge, merge_post
from liveblog.schema import PostChanges, PostContent
from liveblog.site import Site
from liveblog.states import PostStatus
from liveblog.storage import queries as q

# What a merge form may carry of "yours": the post's content and its pin.
YOURS_FIELDS = (*CONTENT_NAMES, "pinned")


@dataclass(frozen=True)
class Clash:
    public_id: str
    status: str  # the post's status now
    base_version: int  # the version the person started from
    theirs_version: int  # the version saved meanwhile, which the merge saves against
    theirs_pinned: bool
    theirs_by: str  # who saved it ("" when not known)
    merge: Merge


class MovedAgain(PreconditionFailed):
    """The post moved on while the person was merging: merge again, from what they chose."""

    def __init__(self, stale: PreconditionFailed, merged: dict[str, Any]) -> None:
        super().__init__(stale.message, stale.current_version, stale.changed, stale.conflicting)
        self.merged = merged


def checked_yours(yours: Mapping[str, Any]) -> dict[str, Any]:
    """What a merge form carried as the person's version, checked as a post's content."""
    unknown = set(yours) - set(YOURS_FIELDS)
    if unknown:
        raise Invalid(f"unknown fields {sorted(unknown)} in your version", "yours")
    content = {k: v for k, v in yours.items() if k != "pinned"}
    try:
        checked = PostContent.model_validate(content).model_dump(mode="json", include=set(content))
    except ValidationError as exc:
        raise invalid_input(exc) from None
    if "pinned" in yours:
        checked["pinned"] = bool(yours["pinned"])
    return checked


def clash(
    site: Site,
    actor: Actor,
    slug: str,
    public_id: str,
    base_version: int,
    yours: Mapping[str, Any],
    *,
    theirs_version: int | None = None,
    base_pinned: bool | None = None,
) -> Clash:
    """The merge of yours with the post saved now (or at theirs_version), from base_version.
    base_pinned is whether the post was pinned when the person opened it (unknown: as yours)."""
    yours = checked_yours(yours)
    with site.db.reading() as session:
        blog = q.blog_by_slug(session, slug, include_drafts=True)
        post = desk_post(session, actor, blog, public_id)
        theirs_version = theirs_version or post.version
        if not 0 < base_version < theirs_version <= post.version:
            raise Invalid(
                f"cannot merge version {base_version} with version {theirs_version}; "
                "open the post again",
                "version",
            )
        base = q.revision_snapshot(session, post, base_version)
        theirs = (
            snapshot(post)
            if theirs_version == post.version
            else q.revision_snapshot(session, post, theirs_version)
        )
        if base is None or theirs is None:
            raise Invalid("that version of the post is no longer kept; open it again", "version")
        pinned_now = blog.pinned_post_id == post.id
        names = {row[0]: row[3] for row in q.post_history(session, post, limit=1_000)}
        if "pinned" in yours:
            base = base | {"pinned": yours["pinned"] if base_pinned is None else base_pinned}
            theirs = theirs | {"pinned": pinned_now}
        return Clash(
            post.public_id,
            post.status,
            base_version,
            theirs_version,
            pinned_now,
            names.get(theirs_version) or "",
            merge_post(base, theirs, yours),
        )


def save_merged(
    site: Site,
    actor: Actor,
    slug: str,
    public_id: str,
    *,
    base_version: int,
    theirs_version: int,
    yours: Mapping[str, Any],
    answers: Mapping[str, tuple[Answer, str]],
    status: str | None,
    note: str | None,
    base_pinned: bool | None = None,
    photos: Sequence[Photo] = (),
) -> dict[str, Any]:
    """Saves the merge, as the person answered its conflicts, against theirs_version."""
    found = clash(
        site,
        actor,
        slug,
        public_id,
        base_version,
        yours,
        theirs_version=theirs_version,
        base_pinned=base_pinned,
    )
    try:
        merged = found.merge.resolve(answers)
    except ValueError as exc:
        raise Invalid(str(exc), "merge") from None
    pinned = merged.pop("pinned", None)
    data = merged | {"note": note or f"merged with version {theirs_version}"}
    if status is not None:
        data["status"] = status
    try:
        changes = PostChanges.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None
    will_publish = PostStatus.PUBLISHED in (status, found.status)
    shown = {
        name for el in changes.elements or [] for name in KINDS[el.type].media(el.model_dump())
    }
    try:
        return edit_post(
            site,
            actor,
            slug,
            public_id,
            changes,
            theirs_version,
            pinned=pinned if will_publish else None,
            photos=[photo for photo in photos if photo.filename in shown],
        )
    except PreconditionFailed as exc:
        raise MovedAgain(exc, merged | ({} if pinned is None else {"pinned": pinned})) from None
