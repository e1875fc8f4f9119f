"""Who may do what: the one table that tests/actions/test_authorization_table.py checks
against the actions and tests/web/test_authorization_http.py against the API and the desk.
docs/editing.md shows the same table.

Roles are a site role (admin, editor, contributor) plus, per blog, a membership (owner,
editor, contributor; the Team page). The people ("personas") asked to act on one live blog:

- admin: a site admin, not a member.
- owner: a site editor who is the blog's owner.
- editor: a site editor who is not a member (site editors edit every blog).
- member_own / member_other: a site contributor who is a contributor member of the blog,
  acting on their own draft / on a colleague's draft.
- outsider: a site contributor who is not a member.
- demoted: was a site editor and wrote a draft on the blog then, is now a site contributor,
  not a member; the post they act on is their own old draft.
- anonymous: nobody logged in.

Y: allowed. N: refused. see_draft_blog and see_readers act on the blog after it went back
to draft (on a live blog anyone may see both).
For "list drafts", all / own / N: which drafts the list shows.
Post actions act on a colleague's draft, on a published post, on the pinned post or on a
deleted post, as the row says; the member_own and demoted columns act on their own draft.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import create_blog, set_membership
from liveblog.actions.posts import create_post, delete_post, set_pinned
from liveblog.actions.together import add_note
from liveblog.actions.users import create_token, create_user, set_site_role
from liveblog.actions.webhooks import create_endpoint
from liveblog.schema import BlogFields, NewPost, WebhookFields
from liveblog.site import Site
from liveblog.storage import (
    ApiToken,
    Blog,
    Event,
    Membership,
    Note,
    Post,
    PostTag,
    Presence,
    Tag,
    User,
    WebhookEndpoint,
)

PERSONAS = (
    "admin",
    "owner",
    "editor",
    "member_own",
    "member_other",
    "outsider",
    "demoted",
    "anonymous",
)

# fmt: off
TABLE_TEXT = """
action                 admin owner editor member_own member_other outsider demoted anonymous
create_blog              Y     Y     Y        N          N          N        N        N
change_blog_status       Y     Y     Y        N          N          N        N        N
change_blog_framing      Y     Y     Y        N          N          N        N        N
list_drafts             all   all   all      own        own         N        N        N
see_draft_blog           Y     Y     Y        Y          Y          N        N        N
see_readers              Y     Y     Y        Y          Y          N        N        N
read_draft               Y     Y     Y        Y          N          N        N        N
create_draft             Y     Y     Y        Y          Y          N        N        N
publish_new              Y     Y     Y        N          N          N        N        N
edit_draft               Y     Y     Y        Y          N          N        N        N
submit_for_review        Y     Y     Y        Y          N          N        N        N
publish_draft            Y     Y     Y        N          N          N        N        N
schedule_draft           Y     Y     Y        N          N          N        N        N
edit_published           Y     Y     Y        N          N          N        N        N
delete_post              Y     Y     Y        N          N          N        N        N
restore_post             Y     Y     Y        N          N          N        N        N
pin_post                 Y     Y     Y        N          N          N        N        N
unpin_post               Y     Y     Y        N          N          N        N        N
flag_key_event           Y     Y     Y        N          N          N        N        N
flag_summary             Y     Y     Y        N          N          N        N        N
upload_photo             Y     Y     Y        Y          Y          Y        Y        N
see_team                 Y     Y     N        N          N          N        N        N
manage_team              Y     Y     N        N          N          N        N        N
see_people               Y     N     N        N          N          N        N        N
manage_people            Y     N     N        N          N          N        N        N
revoke_tokens            Y     N     N        N          N          N        N        N
see_webhooks             Y     N     N        N          N          N        N        N
manage_webhooks          Y     N     N        N          N          N        N        N
see_tags                 Y     Y     Y        Y          Y          N        N        N
add_tag                  Y     Y     Y        Y          Y          N        N        N
rename_tag               Y     Y     Y        N          N          N        N        N
delete_tag               Y     Y     Y        N          N          N        N        N
beat                     Y     Y     Y        Y          Y          N        N        N
see_notes                Y     Y     Y        Y          Y          N        N        N
post_note                Y     Y     Y        Y          Y          N        N        N
delete_own_note          Y     Y     Y        Y          Y          N        N        N
delete_others_note       Y     Y     N        N          N          N        N        N
"""
# fmt: on


def _parse() -> dict[str, dict[str, str]]:
    lines = [line.split() for line in TABLE_TEXT.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert tuple(header) == PERSONAS
    return {row[0]: dict(zip(header, row[1:], strict=True)) for row in rows}


TABLE = _parse()
ACTIONS = tuple(TABLE)
CASES = [(action, persona) for action in ACTIONS for persona in PERSONAS]
PASSWORD = "correct horse battery"


@dataclass
class People:
    """The people of the table, made once per module: actor and API token by persona."""

    actors: dict[str, Actor | None]
    tokens: dict[str, str]
    emails: dict[str, str]
    victim: int  # a person whose role and token only admins may change
    victim_token: int
    webhook: int  # a webhook endpoint, which only admins may see and manage


def make_people(site: Site) -> People:
    tag = secrets.token_hex(3)
    actors: dict[str, Actor | None] = {"anonymous": None}
    tokens: dict[str, str] = {}
    emails: dict[str, str] = {}
    roles = {
        "admin": "admin",
        "owner": "editor",
        "editor": "editor",
        "member": "contributor",
        "colleague": "contributor",
        "outsider": "contributor",
        "demoted": "editor",
        "victim": "contributor",
    }
    for name, role in roles.items():
        email = f"{name}-{tag}@authz.example"
        uid = create_user(site, email, PASSWORD, role, name=name.title())
        emails[name] = email
        tokens[name] = create_token(site, email, "authz")
        actors[name] = Actor(user_id=uid, role=role, name=name.title())
    for persona in ("member_own", "member_other"):
        actors[persona], tokens[persona], emails[persona] = (
            actors["member"],
            tokens["member"],
            emails["member"],
        )
    with site.db.reading() as session:
        victim_token = session.scalar(
            select(ApiToken.id).join(User).where(User.email == emails["victim"])
        )
    assert victim_token is not None
    victim = actors["victim"]
    assert victim is not None and victim.user_id is not None
    webhook = create_endpoint(site, SYSTEM, WebhookFields(url="https://partner.example/hook"))
    return People(actors, tokens, emails, victim.user_id, victim_token, webhook)


def demote(site: Site, people: People) -> None:
    """The demoted person becomes a site contributor (after writing their draft)."""
    demoted = people.actors["demoted"]
    assert demoted is not None and demoted.user_id is not None
    set_site_role(site, SYSTEM, demoted.user_id, "contributor")
    people.actors["demoted"] = Actor(demoted.user_id, "contributor", demoted.name)


@dataclass
class Scene:
    """One fresh live blog with its team and posts, for one case."""

    slug: str
    drafts: dict[str, str]  # whose draft -> post id: member, colleague, owner, demoted
    published: str
    pinned: str
    deleted: str
    note: int = 0  # a team note by the colleague, for the note rows

    def draft_for(self, persona: str) -> str:
        return {"member_own": self.drafts["member"], "demoted": self.drafts["demoted"]}.get(
            persona, self.drafts["colleague"]
        )


def _post(words: str, status: str = "published") -> NewPost:
    return NewPost.model_validate(
        {"elements": [{"type": "text", "markdown": words}], "status": status}
    )


def make_scene(site: Site, people: People, *, demoted_was_editor: bool = True) -> Scene:
    def actor(name: str) -> Actor:
        found = people.actors[name]
        assert found is not None
        return found

    slug = create_blog(
        site, SYSTEM, BlogFields(title=f"Authz {secrets.token_hex(4)}", status="live")
    )["slug"]
    set_membership(site, SYSTEM, slug, people.emails["owner"], "owner")
    set_membership(site, SYSTEM, slug, people.emails["member"], "contributor")
    set_membership(site, SYSTEM, slug, people.emails["colleague"], "contributor")
    drafts = {
        name: create_post(site, actor(name), slug, _post(f"{name} draft", "draft"))["id"]
        for name in ("member", "colleague", "owner")
    }
    # The demoted person's draft, written while they were a site editor.
    was = actor("demoted")
    drafts["demoted"] = create_post(
        site, Actor(was.user_id, "editor", was.name), slug, _post("demoted draft", "draft")
    )["id"]
    pinned = create_post(site, actor("owner"), slug, _post("Pinned."), pinned=True)["id"]
    # Its tag "Scene" is the one the tag rows rename and delete.
    published = create_post(
        site, actor("owner"), slug, _post("Published.").model_copy(update={"tags": ["Scene"]})
    )["id"]
    deleted = create_post(site, actor("owner"), slug, _post("Deleted."))["id"]
    delete_post(site, actor("owner"), slug, deleted)
    set_pinned(site, actor("owner"), slug, pinned, True)
    # The colleague's handover, the "others' note" the note rows delete.
    note = add_note(site, actor("colleague"), slug, "Colleague's handover")
    return Scene(slug, drafts, published, pinned, deleted, note)


def snapshot(site: Site) -> dict[str, Any]:
    """Everything a refused action must leave as it was."""
    with site.db.reading() as session:
        return {
            "blogs": session.execute(
                select(
                    Blog.id,
                    Blog.slug,
                    Blog.title,
                    Blog.status,
                    Blog.pinned_post_id,
                    Blog.frame_ancestors,
                ).order_by(Blog.id)
            ).all(),
            "posts": session.execute(
                select(
                    Post.id, Post.status, Post.version, Post.title, Post.key_event, Post.summary
                ).order_by(Post.id)
            ).all(),
            "events": session.scalar(select(Event.seq).order_by(Event.seq.desc()).limit(1)),
            "event_count": len(session.execute(select(Event.blog_id)).all()),
            "members": session.execute(
                select(Membership.blog_id, Membership.user_id, Membership.role).order_by(
                    Membership.blog_id, Membership.user_id
                )
            ).all(),
            "users": session.execute(
                select(User.id, User.role, User.disabled_at).order_by(User.id)
            ).all(),
            "tokens": session.execute(
                select(ApiToken.id, ApiToken.revoked_at).order_by(ApiToken.id)
            ).all(),
            "tags": session.execute(select(Tag.id, Tag.name).order_by(Tag.id)).all(),
            "post_tags": session.execute(
                select(PostTag.post_id, PostTag.tag_id).order_by(PostTag.post_id, PostTag.tag_id)
            ).all(),
            "notes": session.execute(select(Note.id, Note.body).order_by(Note.id)).all(),
            "presence": session.execute(
                select(Presence.blog_id, Presence.user_id, Presence.spot).order_by(
                    Presence.blog_id, Presence.user_id, Presence.spot
                )
            ).all(),
            "webhooks": session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.url).order_by(WebhookEndpoint.id)
            ).all(),
        }
