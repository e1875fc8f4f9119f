"""The audit log: each action leaves its entry in the same transaction, a refused action
leaves none, no secret or post body is ever written, and old entries can be pruned."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from liveblog.actions import SYSTEM, Actor
from liveblog.actions import audit as audit_log
from liveblog.actions.blogs import create_blog, set_membership, update_blog
from liveblog.actions.exchange import import_blog
from liveblog.actions.posts import (
    create_post,
    delete_post,
    edit_post,
    restore_post,
    set_key_event,
    set_pinned,
)
from liveblog.actions.users import (
    change_own_password,
    check_password,
    create_own_token,
    create_reset_link,
    create_token,
    create_user,
    end_all_sessions,
    remove_person,
    reset_password,
    revoke_own_token,
    revoke_token,
    set_disabled,
    set_site_role,
    start_session,
)
from liveblog.errors import Forbidden, Unauthorized
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import ApiToken, AuditEntry
from liveblog.storage.tables import utcnow

PASSWORD = "first password for ada"
NEW_PASSWORD = "second password for ada"
RESET_PASSWORD = "third password for ed!"
WRONG = "a wrong password tried"
BODY = "Zanzibar body words that stay out of the log."


def _rows(site: Site) -> list[AuditEntry]:
    with site.db.reading() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        session.expunge_all()
    return rows


def _session_of_actions(site: Site) -> dict[str, Any]:
    """Every recorded kind of action, once; returns the secrets it handled and the ids."""
    ada_id = create_user(site, "ada@desk.example", PASSWORD, "admin", "Ada")
    ada = Actor(user_id=ada_id, role="admin", name="Ada", address="203.0.113.5")
    ed_id = create_user(site, "ed@desk.example", PASSWORD + "!", "editor", "Ed", actor=ada)
    set_site_role(site, ada, ed_id, "contributor")
    set_disabled(site, ada, ed_id, True)
    set_disabled(site, ada, ed_id, False)
    blog = create_blog(site, ada, BlogFields(title="Ferry strike"))
    slug = blog["slug"]
    set_membership(site, ada, slug, "ed@desk.example", "editor")
    set_membership(site, ada, slug, "ed@desk.example", None)
    post = create_post(
        site,
        ada,
        slug,
        NewPost.model_validate(
            {"title": "Ferries stop", "elements": [{"type": "text", "markdown": BODY}]}
        ),
    )
    post_id = post["id"]
    edited = edit_post(
        site,
        ada,
        slug,
        post_id,
        PostChanges.model_validate({"elements": [{"type": "text", "markdown": BODY + " More."}]}),
        post["version"],
    )
    assert edited["version"] == 2
    set_key_event(site, ada, slug, post_id, True)
    set_pinned(site, ada, slug, post_id, True)
    set_pinned(site, ada, slug, post_id, False)
    delete_post(site, ada, slug, post_id)
    restore_post(site, ada, slug, post_id)
    update_blog(site, ada, slug, BlogChanges(status="ended"))
    own = create_own_token(site, ada, "results feed")
    with site.db.reading() as session:
        own_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "results feed"))
    assert own_id is not None
    revoke_own_token(site, ada, own_id)
    cli_token = create_token(site, "ed@desk.example", "cli")
    revoke_token(site, cli_token)
    with pytest.raises(Unauthorized):
        check_password(site, "ada@desk.example", WRONG, "198.51.100.7")
    signed = check_password(site, "ada@desk.example", PASSWORD, "198.51.100.8")
    cookie = start_session(site, signed)
    change_own_password(
        site, signed, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_cookie=cookie, address="x"
    )
    end_all_sessions(site, ada)
    link = create_reset_link(site, ada, ed_id)
    reset_password(site, link, RESET_PASSWORD, RESET_PASSWORD, "192.0.2.9")
    imported = import_blog(
        site,
        {
            "format": "liveblog-exchange/1",
            "title": "Imported",
            "slug": "imported",
            "posts": [{"elements": [{"type": "text", "markdown": BODY}]}],
        },
        actor=ada,
    )
    remove_person(site, ada, ed_id)
    secrets = [PASSWORD, NEW_PASSWORD, RESET_PASSWORD, WRONG, own, cli_token, link, cookie]
    return {
        "ada": ada_id,
        "ed": ed_id,
        "slug": slug,
        "post": post_id,
        "own_token": own_id,
        "imported": imported["slug"],
        "secrets": secrets,
    }


# (action, subject kind, subject key in the ids or a literal, actor key or None, address)
EXPECTED = [
    ("person.created", "person", "ed", "ada", "203.0.113.5"),
    ("person.role", "person", "ed", "ada", "203.0.113.5"),
    ("person.disabled", "person", "ed", "ada", "203.0.113.5"),
    ("person.enabled", "person", "ed", "ada", "203.0.113.5"),
    ("blog.created", "blog", "slug", "ada", "203.0.113.5"),
    ("membership.added", "person", "ed", "ada", "203.0.113.5"),
    ("membership.removed", "person", "ed", "ada", "203.0.113.5"),
    ("post.published", "post", "post", "ada", "203.0.113.5"),
    ("post.edited", "post", "post", "ada", "203.0.113.5"),
    ("post.flags", "post", "post", "ada", "203.0.113.5"),
    ("post.pinned", "post", "post", "ada", "203.0.113.5"),
    ("post.unpinned", "post", "post", "ada", "203.0.113.5"),
    ("post.deleted", "post", "post", "ada", "203.0.113.5"),
    ("post.restored", "post", "post", "ada", "203.0.113.5"),
    ("blog.status", "blog", "slug", "ada", "203.0.113.5"),
    ("token.created", "token", "own_token", "ada", "203.0.113.5"),
    ("token.revoked", "token", "own_token", "ada", "203.0.113.5"),
    ("sign-in.failed", "person", "=ada@desk.example", None, "198.51.100.7"),
    ("sign-in", "person", "ada", "ada", "198.51.100.8"),
    ("password.changed", "person", "ada", "ada", "198.51.100.8"),
    ("sign-out.everywhere", "person", "ada", "ada", "203.0.113.5"),
    ("password.reset-link", "person", "ed", "ada", "203.0.113.5"),
    ("password.reset", "person", "ed", "ed", "192.0.2.9"),
    ("blog.imported", "blog", "imported", "ada", "203.0.113.5"),
    ("person.removed", "person", "ed", "ada", "203.0.113.5"),
]


def test_each_action_leaves_its_entry_with_who_and_where(site: Site) -> None:
    ids = _session_of_actions(site)
    rows = _rows(site)
    for action, kind, subject, actor, address in EXPECTED:
        wanted = subject[1:] if subject.startswith("=") else str(ids[subject])
        found = [
            r
            for r in rows
            if r.action == action and r.subject_kind == kind and r.subject_id == wanted
        ]
        assert found, f"no {action} entry about {kind} {wanted}"
        entry = found[0]
        assert entry.address == address, (action, entry.address)
        assert entry.actor_user_id == (ids[actor] if actor else None), action
        assert entry.at <= utcnow()
    failed = next(r for r in rows if r.action == "sign-in.failed")
    assert failed.detail["email"] == "ada@desk.example"
    post_rows = [r for r in rows if r.subject_kind == "post"]
    assert all(r.blog_id is not None and r.detail["label"] == "Ferries stop" for r in post_rows)
    # Made from the command line (no person, no address): "cli".
    cli_made = [r for r in rows if r.action == "token.created" and r.actor_user_id is None]
    assert [(r.address, r.actor_label) for r in cli_made] == [("cli", "liveblog")]
    assert next(r for r in rows if r.action == "blog.imported").detail["posts"] == 1


def test_no_secret_and_no_post_body_is_ever_written(site: Site) -> None:
    ids = _session_of_actions(site)
    dump = json.dumps([audit_log.as_dict(r) for r in _rows(site)], ensure_ascii=False)
    assert len(_rows(site)) >= len(EXPECTED)
    for secret in ids["secrets"]:
        assert secret not in dump
    assert "Zanzibar" not in dump
    assert "lb_" not in dump and "lbr_" not in dump


def test_a_refused_action_leaves_no_entry(site: Site) -> None:
    ed_id = create_user(site, "ed@desk.example", PASSWORD, "editor", "Ed")
    before = len(_rows(site))
    editor = Actor(user_id=ed_id, role="editor", name="Ed")
    with pytest.raises(Forbidden):
        set_site_role(site, editor, ed_id, "admin")
    with pytest.raises(Forbidden):
        create_user(site, "x@desk.example", PASSWORD, "admin", actor=editor)
    assert len(_rows(site)) == before


def test_a_disabled_persons_sign_in_is_recorded_as_failed(site: Site) -> None:
    ed_id = create_user(site, "ed@desk.example", PASSWORD, "editor", "Ed")
    set_disabled(site, SYSTEM, ed_id, True)
    with pytest.raises(Forbidden):
        check_password(site, "ed@desk.example", PASSWORD, "198.51.100.1")
    failed = [r for r in _rows(site) if r.action == "sign-in.failed"]
    assert [(r.address, r.detail["reason"]) for r in failed] == [
        ("198.51.100.1", "account disabled")
    ]


def test_reading_exporting_and_pruning_are_for_admins(site: Site) -> None:
    editor = Actor(user_id=1, role="editor")
    with pytest.raises(Forbidden):
        audit_log.page(site, editor, audit_log.Filters())
    with pytest.raises(Forbidden):
        audit_log.entries(site, editor, audit_log.Filters())
    with pytest.raises(Forbidden):
        audit_log.prune(site, editor, 30)


def test_prune_deletes_only_older_entries_and_says_so(site: Site) -> None:
    create_user(site, "old@desk.example", PASSWORD, "editor")
    create_user(site, "new@desk.example", PASSWORD, "editor")
    with site.db.writing() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.detail["email"].as_string() == "old@desk.example")
            .values(at=utcnow() - timedelta(days=40))
        )
    assert audit_log.prune(site, SYSTEM, 30) == 1
    left = [(r.action, r.detail.get("email")) for r in _rows(site)]
    assert ("person.created", "old@desk.example") not in left
    assert ("person.created", "new@desk.example") in left
    assert left[-1][0] == "audit.pruned"
    assert audit_log.prune(site, SYSTEM, 30) == 0
