"""People's lifecycle over HTTP: password rules, changing one's own password, logging out
everywhere, admins disabling and removing people and revoking their tokens, the absolute
session lifetime, and one-time password-reset links."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from html import unescape

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from sqlalchemy import func, select, update

from liveblog.actions.access import Actor
from liveblog.actions.users import (
    actor_for_session,
    create_token,
    create_user,
    remove_person,
    start_session,
)
from liveblog.app import create_app
from liveblog.errors import Forbidden
from liveblog.site import Site
from liveblog.storage import ApiToken, Membership, PasswordReset, Post, User, UserSession
from liveblog.storage.tables import utcnow
from tests.conftest import Client
from tests.web.test_editor import PASSWORD, csrf_of, post_form, start_blog

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def new_client(site: Site) -> Iterator[Callable[[], Client]]:
    """new_client() is another browser: its own cookies, the same site."""
    with start_blocking_portal() as portal:
        opened: list[httpx.AsyncClient] = []

        def make() -> Client:
            async_client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(site=site)),
                base_url="http://testserver",
            )
            opened.append(async_client)
            return Client(portal, async_client)

        yield make
        for async_client in opened:
            portal.call(async_client.aclose)


def person(site: Site, role: str = "editor", name: str = "") -> tuple[int, str]:
    email = f"{role}-{secrets.token_hex(3)}@desk.example"
    return create_user(site, email, PASSWORD, role, name=name or role.title()), email


def log_in(client: Client, email: str, password: str = PASSWORD) -> str:
    """Logs in and returns a form token."""
    response = client.post("/editor/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/editor"))


def admin_at_desk(client: Client, site: Site) -> tuple[int, str]:
    admin_id, email = person(site, "admin", "Ada")
    return admin_id, log_in(client, email)


# --- your account: your password, and logging out everywhere -------------------------------


def test_changing_your_password_keeps_this_login_and_ends_the_others(
    client: Client, site: Site, new_client: Callable[[], Client]
) -> None:
    _, email = person(site, "contributor")
    token = log_in(client, email)
    elsewhere = new_client()
    log_in(elsewhere, email)
    page = client.get("/editor/account")
    assert page.status_code == 200 and "Change your password" in page.text

    def change(current: str, new: str, again: str) -> httpx.Response:
        return client.post(
            "/editor/account/password",
            data={"csrf": token, "current": current, "new": new, "again": again},
        )

    wrong = change("not my password at all", NEW_PASSWORD, NEW_PASSWORD)
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    differ = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert differ.status_code == 422 and "differ" in differ.text
    weak = change(PASSWORD, "qwerty123456", "qwerty123456")
    assert weak.status_code == 422 and "common passwords" in weak.text
    assert PASSWORD not in weak.text  # passwords never go back into a page
    expired = client.post(
        "/editor/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert expired.status_code == 403 and "expired" in expired.text

    done = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/editor/account?done=password"
    assert client.get("/editor").status_code == 200  # this browser stays logged in
    assert elsewhere.get("/editor").status_code == 303  # the other is asked to log in
    fresh = new_client()
    assert (
        fresh.post("/editor/login", data={"email": email, "password": PASSWORD}).status_code == 401
    )
    log_in(fresh, email, NEW_PASSWORD)


def test_log_out_everywhere_ends_every_login_but_not_the_tokens(
    client: Client, site: Site, new_client: Callable[[], Client]
) -> None:
    _, email = person(site, "editor")
    api_token = create_token(site, email, "feed")
    token = log_in(client, email)
    elsewhere = new_client()
    log_in(elsewhere, email)
    response = client.post("/editor/account/logout-everywhere", data={"csrf": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/editor/login?done=everywhere"
    assert "logged out everywhere" in client.get(response.headers["location"]).text
    assert client.get("/editor").status_code == 303
    assert elsewhere.get("/editor").status_code == 303
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    api = client.get("/api/v1/blogs?status=draft", headers={"Authorization": f"Bearer {api_token}"})
    assert api.status_code == 200
    assert (
        client.post(
            "/api/v1/blogs",
            json={"title": "Still works", "timezone": "UTC"},
            headers={"Authorization": f"Bearer {api_token}"},
        ).status_code
        == 201
    )


# --- admins: disabling, enabling, removing, and anyone's tokens ----------------------------


def test_a_disabled_person_is_refused_at_once_and_can_be_enabled(
    client: Client, site: Site, new_client: Callable[[], Client]
) -> None:
    _, admin_token = admin_at_desk(client, site)
    sam_id, sam_email = person(site, "editor", "Sam")
    sam_api = create_token(site, sam_email, "feed")
    bearer = {"Authorization": f"Bearer {sam_api}"}
    sam = new_client()
    sam_form = log_in(sam, sam_email)
    slug = start_blog(sam, sam_form)
    assert sam.get("/editor").status_code == 200

    page = client.get(f"/editor/people/{sam_id}")
    assert page.status_code == 200 and "Disable Sam" in page.text
    disabled = client.post(f"/editor/people/{sam_id}/disable", data={"csrf": admin_token})
    assert disabled.status_code == 303
    assert "Disabled: their logins have ended" in client.get(disabled.headers["location"]).text
    assert "(disabled)" in client.get("/editor/people").text

    # Sam's open page: the next click is refused, and nothing is stored.
    refused = sam.post(f"/editor/blogs/{slug}/posts", data=post_form(sam_form, "After"))
    assert refused.status_code == 303 and refused.headers["location"].startswith("/editor/login")
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 0
    assert sam.get("/editor").status_code == 303
    refused_token = sam.post("/api/v1/blogs", json={"title": "x"}, headers=bearer)
    assert refused_token.status_code == 401 and "its owner is disabled" in refused_token.text
    login = new_client().post("/editor/login", data={"email": sam_email, "password": PASSWORD})
    assert login.status_code == 403 and "disabled" in login.text

    enabled = client.post(f"/editor/people/{sam_id}/enable", data={"csrf": admin_token})
    assert enabled.status_code == 303
    assert sam.get("/editor").status_code == 303  # the old login stays ended
    back = sam.post("/api/v1/blogs", json={"title": "Back", "timezone": "UTC"}, headers=bearer)
    assert back.status_code == 201
    log_in(sam, sam_email)


def test_a_token_of_a_person_disabled_meanwhile_is_refused_on_the_next_request(
    client: Client, site: Site
) -> None:
    admin_at_desk(client, site)
    sam_id, sam_email = person(site, "editor")
    bearer = {"Authorization": f"Bearer {create_token(site, sam_email, 'feed')}"}
    assert (
        client.post(
            "/api/v1/blogs", json={"title": "One", "timezone": "UTC"}, headers=bearer
        ).status_code
        == 201
    )
    with site.db.writing() as session:  # as if another node disabled Sam a moment ago
        session.execute(update(User).where(User.id == sam_id).values(disabled_at=utcnow()))
    two = client.post("/api/v1/blogs", json={"title": "Two", "timezone": "UTC"}, headers=bearer)
    assert two.status_code == 401


def test_the_last_admin_can_be_neither_disabled_nor_removed(client: Client, site: Site) -> None:
    admin_id, token = admin_at_desk(client, site)
    for operation in ("disable", "remove"):
        refused = client.post(
            f"/editor/people/{admin_id}/{operation}", data={"csrf": token, "confirm": "yes"}
        )
        assert refused.status_code == 403 and "at least one admin" in refused.text
    other_id, _ = person(site, "admin", "Bo")
    assert (
        client.post(f"/editor/people/{other_id}/disable", data={"csrf": token}).status_code == 303
    )
    # Bo is disabled: Ada is the only admin who can act, so she still cannot step down.
    assert (
        client.post(
            f"/editor/people/{admin_id}/role", data={"csrf": token, "role": "editor"}
        ).status_code
        == 403
    )
    with pytest.raises(Forbidden, match="at least one admin"):
        remove_person(site, Actor(user_id=other_id, role="admin"), admin_id)


def test_only_admins_manage_people(client: Client, site: Site) -> None:
    _, email = person(site, "editor")
    token = log_in(client, email)
    target, _ = person(site, "contributor")
    assert client.get(f"/editor/people/{target}").status_code == 403
    for operation in ("disable", "enable", "reset-link", "remove"):
        response = client.post(
            f"/editor/people/{target}/{operation}", data={"csrf": token, "confirm": "yes"}
        )
        assert response.status_code == 403, operation
    with site.db.reading() as session:
        user = session.get(User, target)
        assert user is not None and user.disabled_at is None and user.removed_at is None


def test_removing_a_person_keeps_their_posts_and_frees_their_email(
    client: Client, site: Site, new_client: Callable[[], Client]
) -> None:
    _, admin_token = admin_at_desk(client, site)
    sam_id, sam_email = person(site, "editor", "Sam Reyes")
    create_token(site, sam_email, "feed")
    sam = new_client()
    sam_form = log_in(sam, sam_email)
    slug = start_blog(sam, sam_form)
    assert sam.post(
        f"/editor/blogs/{slug}/posts", data=post_form(sam_form, "Sam's words", authors="Sam Reyes")
    )
    unconfirmed = client.post(f"/editor/people/{sam_id}/remove", data={"csrf": admin_token})
    assert unconfirmed.status_code == 422 and "tick the box" in unconfirmed.text
    removed = client.post(
        f"/editor/people/{sam_id}/remove", data={"csrf": admin_token, "confirm": "yes"}
    )
    assert removed.status_code == 303
    assert "Sam Reyes" not in client.get("/editor/people").text
    assert client.get(f"/editor/people/{sam_id}").status_code == 404
    assert sam.get("/editor").status_code == 303
    with site.db.reading() as session:
        for table in (UserSession, ApiToken, Membership):
            count = select(func.count()).select_from(table).where(table.user_id == sam_id)
            assert session.scalar(count) == 0, table
        post = session.scalars(select(Post)).one()
    # The post stays, on the page with its byline and in its history with Sam's name.
    reader_page = unescape(client.get(f"/live/{slug}").text)
    assert "Sam's words" in reader_page and "Sam Reyes" in reader_page
    assert "Sam Reyes" in client.get(f"/editor/blogs/{slug}/posts/{post.public_id}").text
    # The email can be given to someone new.
    again = client.post(
        "/editor/people",
        data={"csrf": admin_token, "name": "Sam", "email": sam_email, "role": "editor"}
        | {"password": NEW_PASSWORD},
    )
    assert again.status_code == 303
    log_in(new_client(), sam_email, NEW_PASSWORD)


def test_admins_list_and_revoke_anyones_tokens(client: Client, site: Site) -> None:
    _, admin_token = admin_at_desk(client, site)
    sam_id, sam_email = person(site, "editor", "Sam")
    api = create_token(site, sam_email, "results feed")
    other_id, _ = person(site, "editor", "Kim")
    page = client.get(f"/editor/people/{sam_id}")
    assert "results feed" in page.text and api not in page.text
    token_id = int(re.findall(r'id="token-(\d+)"', page.text)[0])
    # Not Kim's token: nothing happens.
    wrong = client.post(
        f"/editor/people/{other_id}/tokens/{token_id}/revoke", data={"csrf": admin_token}
    )
    assert wrong.status_code == 404
    bearer = {"Authorization": f"Bearer {api}"}
    one = client.post("/api/v1/blogs", json={"title": "One", "timezone": "UTC"}, headers=bearer)
    assert one.status_code == 201
    revoked = client.post(
        f"/editor/people/{sam_id}/tokens/{token_id}/revoke", data={"csrf": admin_token}
    )
    assert revoked.status_code == 303
    two = client.post("/api/v1/blogs", json={"title": "Two", "timezone": "UTC"}, headers=bearer)
    assert two.status_code == 401
    assert "revoked" in client.get(f"/editor/people/{sam_id}").text


# --- how long a login lasts --------------------------------------------------------------


def test_a_login_ends_after_the_absolute_lifetime_however_often_it_is_used(
    client: Client, site: Site
) -> None:
    assert site.settings.session_max_days == 30
    _, email = person(site)
    log_in(client, email)
    # Used every day: renewed, but never past 30 days from the login.
    started = utcnow() - timedelta(days=29, hours=20)
    with site.db.writing() as session:
        session.execute(
            update(UserSession).values(created_at=started, expires_at=utcnow() + timedelta(hours=1))
        )
    assert client.get("/editor").status_code == 200
    with site.db.reading() as session:
        expires = session.scalar(select(UserSession.expires_at))
    assert expires is not None and expires <= started + timedelta(days=30)
    with site.db.writing() as session:
        session.execute(update(UserSession).values(created_at=utcnow() - timedelta(days=30)))
    assert client.get("/editor").status_code == 303


def test_the_absolute_lifetime_is_a_setting(site: Site, new_client: Callable[[], Client]) -> None:
    from liveblog.settings import Settings

    assert Settings.from_env({"LIVEBLOG_SESSION_MAX_DAYS": "2"}, None).session_max_days == 2
    with pytest.raises(Exception, match="SESSION_MAX_DAYS"):
        Settings.from_env({"LIVEBLOG_SESSION_MAX_DAYS": "0"}, None)
    short = Site.from_settings(site.settings.with_changes(session_max_days=1))
    try:
        _, email = person(short)
        app = create_app(site=short)
        with start_blocking_portal() as portal:
            browser = Client(
                portal,
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t"),
            )
            log_in(browser, email)
            with short.db.reading() as session:
                expires = session.scalar(select(UserSession.expires_at))
            assert expires is not None and expires <= utcnow() + timedelta(days=1)
            with short.db.writing() as session:
                session.execute(
                    update(UserSession).values(
                        created_at=utcnow() - timedelta(days=1, seconds=1),
                        expires_at=utcnow() + timedelta(days=5),
                    )
                )
            assert browser.get("/editor").status_code == 303
            portal.call(browser._client.aclose)
    finally:
        short.db.dispose()


def test_the_idle_lifetime_is_a_setting(site: Site) -> None:
    from liveblog.settings import Settings

    assert site.settings.session_idle_days == 14
    with pytest.raises(Exception, match="SESSION_IDLE_DAYS"):
        Settings.from_env({"LIVEBLOG_SESSION_IDLE_DAYS": "0"}, None)
    short = Site.from_settings(site.settings.with_changes(session_idle_days=2))
    try:
        user_id, email = person(short)
        cookie = start_session(short, Actor(user_id=user_id, role="editor", name=email))
        with short.db.reading() as session:
            expires = session.scalar(select(UserSession.expires_at))
        assert expires is not None
        assert utcnow() + timedelta(days=2) - expires < timedelta(minutes=1)
        # Used in the second half of the two days: renewed for two days again.
        with short.db.writing() as session:
            session.execute(update(UserSession).values(expires_at=utcnow() + timedelta(hours=20)))
        found = actor_for_session(short, cookie)
        assert found is not None and found[1] is True
        with short.db.reading() as session:
            renewed = session.scalar(select(UserSession.expires_at))
        assert renewed is not None
        assert utcnow() + timedelta(days=2) - renewed < timedelta(minutes=1)
    finally:
        short.db.dispose()


# --- one-time password-reset links -------------------------------------------------------


def reset_link(client: Client, token: str, user_id: int) -> str:
    page = client.post(f"/editor/people/{user_id}/reset-link", data={"csrf": token})
    assert page.status_code == 201, page.text
    found = re.search(r'id="reset-link"[^>]*value="([^"]+)"', page.text)
    assert found, "no link on the page"
    link = unescape(found.group(1))
    assert link.startswith("http://testserver/editor/reset/")  # LIVEBLOG_BASE_URL's
    return link.removeprefix("http://testserver")


def test_a_reset_link_sets_a_new_password_once(
    client: Client, site: Site, new_client: Callable[[], Client]
) -> None:
    _, admin_token = admin_at_desk(client, site)
    sam_id, sam_email = person(site, "editor", "Sam")
    sam_elsewhere = new_client()
    log_in(sam_elsewhere, sam_email)
    link = reset_link(client, admin_token, sam_id)
    assert link.startswith("/editor/reset/lbr_")
    with site.db.reading() as session:
        stored = session.scalars(select(PasswordReset.token_hash)).all()
    assert len(stored) == 1 and stored[0] not in link  # only a hash is kept
    assert "Make a password-reset link" in client.get(f"/editor/people/{sam_id}").text
    assert link not in client.get(f"/editor/people/{sam_id}").text  # shown once

    sam = new_client()
    form = sam.get(link)
    assert form.status_code == 200 and sam_email in form.text
    weak = sam.post(link, data={"new": "short", "again": "short"})
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    differ = sam.post(link, data={"new": NEW_PASSWORD, "again": "something else entirely"})
    assert differ.status_code == 422 and "differ" in differ.text
    done = sam.post(link, data={"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/editor/login?done=reset"
    assert "Your new password is set" in sam.get(done.headers["location"]).text
    assert sam_elsewhere.get("/editor").status_code == 303  # other logins ended
    log_in(sam, sam_email, NEW_PASSWORD)
    # Used: never again.
    again = new_client().post(
        link, data={"new": "another new passphrase", "again": "another new passphrase"}
    )
    assert again.status_code == 404 and "used already" in again.text
    assert new_client().get(link).status_code == 404


def test_a_reset_link_is_signed_expires_and_is_replaced_by_a_newer_one(
    client: Client, site: Site, new_client: Callable[[], Client]
) -> None:
    _, admin_token = admin_at_desk(client, site)
    sam_id, _ = person(site, "editor", "Sam")
    first = reset_link(client, admin_token, sam_id)
    second = reset_link(client, admin_token, sam_id)
    browser = new_client()
    assert browser.get(first).status_code == 404  # replaced
    assert browser.get(second).status_code == 200
    forged = second[:-1] + ("0" if second[-1] != "0" else "1")
    assert browser.get(forged).status_code == 404
    assert "not one of this site" in browser.get(forged).text
    # Signed with the site's key: another key's site does not know it.
    other = Site.from_settings(
        site.settings.with_changes(secret_key=type(site.settings.secret_key)("other"))
    )
    try:
        from liveblog.actions.users import person_for_reset

        with pytest.raises(Exception, match="not one of this site"):
            person_for_reset(other, second.rsplit("/", 1)[1])
    finally:
        other.db.dispose()
    with site.db.writing() as session:
        session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert browser.get(second).status_code == 404
    assert "expired" in browser.get(second).text
