"""The audit log at the desk: sign-ins over HTTP, the admins-only page, its filters and
pages, and the CSV and JSON exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.users import create_user
from liveblog.site import Site
from liveblog.storage import AuditEntry
from tests.conftest import Client
from tests.web.test_editor import PASSWORD, csrf_of, desk, logout_cookies, start_blog

__all__ = ["desk"]  # the fixture, shared with the editor's tests

PAGES = ["/editor/audit", "/editor/audit.csv", "/editor/audit.json"]


def _entries(site: Site, action: str) -> list[AuditEntry]:
    with site.db.reading() as session:
        rows = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )
        session.expunge_all()
    return rows


def test_sign_ins_and_failed_sign_ins_over_http_are_recorded(client: Client, site: Site) -> None:
    create_user(site, "ed@desk.example", PASSWORD, "editor", "Ed")
    wrong = client.post(
        "/editor/login", data={"email": "ed@desk.example", "password": "not the password"}
    )
    assert wrong.status_code == 401
    nobody = client.post("/editor/login", data={"email": "who@desk.example", "password": "x"})
    assert nobody.status_code == 401
    right = client.post("/editor/login", data={"email": "ed@desk.example", "password": PASSWORD})
    assert right.status_code == 303
    failed = _entries(site, "sign-in.failed")
    assert [r.detail["email"] for r in failed] == ["ed@desk.example", "who@desk.example"]
    assert all(r.actor_user_id is None and r.address not in ("", "cli") for r in failed)
    (signed,) = _entries(site, "sign-in")
    assert signed.actor_label == "Ed" and signed.address == failed[0].address
    # From the desk, an action records the browser's address, not "cli".
    token = csrf_of(client.get("/editor"))
    slug = start_blog(client, token)
    (made,) = _entries(site, "blog.created")
    assert (made.subject_id, made.address) == (slug, signed.address)
    everything = json.dumps([r.detail for r in _entries(site, "sign-in.failed")])
    assert "not the password" not in everything


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_the_audit_log_is_for_admins_only(
    client: Client, desk: Callable[..., str], url: str, role: str
) -> None:
    desk(role)
    response = client.get(url)
    assert response.status_code == 403
    assert "audit log is for admins" in response.text


@pytest.mark.parametrize("url", PAGES)
def test_the_audit_log_asks_a_stranger_to_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/editor/login?next=/editor/audit")


def test_admins_see_the_log_newest_first_with_links_and_filters(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("admin")
    slug = start_blog(client, token, title="Ferry strike")
    ed = create_user(site, "ed@desk.example", PASSWORD, "editor", "Ed", actor=SYSTEM)
    page = client.get("/editor/audit")
    assert page.status_code == 200
    assert '<a href="/editor/audit">Audit log</a>' in page.text
    text = page.text.split("<tbody>")[1]  # the rows, after the filters' lists
    assert text.index("person.created") < text.index("blog.created") < text.index("sign-in<")
    assert f'href="/editor/blogs/{slug}">blog {slug}</a>' in text
    assert f'href="/editor/people/{ed}">person {ed}</a>' in text
    only = client.get("/editor/audit", params={"action": "blog.created"}).text
    assert "blog.created" in only and "person.created</td>" not in only
    by_blog = client.get("/editor/audit", params={"blog": slug}).text
    assert "blog.created</td>" in by_blog and "sign-in</td>" not in by_blog
    by_person = client.get("/editor/audit", params={"person": str(ed)}).text
    assert "Nothing recorded that matches" in by_person  # Ed has done nothing yet
    assert client.get("/editor/audit", params={"blog": "no-such-blog"}).status_code == 404
    assert client.get("/editor/audit", params={"person": "nobody"}).status_code == 422
    assert client.get("/editor/audit", params={"action": "<script>"}).status_code == 422
    assert client.get("/editor/audit", params={"page": "0"}).status_code == 422


def test_the_log_is_paged_by_fifty(client: Client, site: Site, desk: Callable[..., str]) -> None:
    desk("admin")
    for n in range(55):
        create_user(site, f"p{n}@desk.example", PASSWORD, "contributor")
    first = client.get("/editor/audit", params={"action": "person.created"}).text
    assert first.count('class="audit-row"') == 50
    assert 'rel="next" href="/editor/audit?action=person.created&amp;page=2"' in first
    second = client.get("/editor/audit", params={"action": "person.created", "page": "2"}).text
    assert second.count('class="audit-row"') == 6  # the admin of the desk fixture too
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_csv_and_json_exports_hold_the_filtered_entries(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("admin")
    slug = start_blog(client, token)
    create_user(site, "=cmd@desk.example", PASSWORD, "editor", actor=SYSTEM)
    got = client.get("/editor/audit.json", params={"blog": slug})
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    assert "attachment" in got.headers["content-disposition"]
    rows = got.json()
    assert [r["action"] for r in rows] == ["blog.created"]
    assert rows[0]["subject_id"] == slug and rows[0]["at"].endswith("Z")
    assert set(rows[0]) == {
        "id", "at", "actor_user_id", "actor_label", "address", "action",
        "subject_kind", "subject_id", "blog_id", "detail",
    }  # fmt: skip
    every = client.get("/editor/audit.csv")
    assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(every.text)))
    assert [r["action"] for r in table] == [
        "person.created",
        "blog.created",
        "sign-in",
        "person.created",
    ]
    created = table[0]
    assert json.loads(created["detail"])["email"] == "=cmd@desk.example"
    # A typed value that a spreadsheet would run as a formula is quoted.
    assert all(not cell.startswith("=") for row in table for cell in row.values())
    assert client.get("/editor/audit.json", params={"action": "nothing"}).json() == []


def test_the_desk_nav_shows_the_audit_log_only_to_admins(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    desk("editor")
    assert "/editor/audit" not in client.get("/editor").text
    logout_cookies(client)
    desk("admin")
    assert "/editor/audit" in client.get("/editor").text


def test_an_api_write_records_the_token_holder_and_their_address(
    client: Client, site: Site, make_user: Callable[[str], dict[str, str]]
) -> None:
    editor = make_user("editor")
    headers = {"Authorization": editor["auth"]}
    blog = client.post("/api/v1/blogs", json={"title": "Count night"}, headers=headers)
    assert blog.status_code == 201, blog.text
    post = client.post(
        f"/api/v1/blogs/{blog.json()['slug']}/posts",
        json={"title": "Polls close", "elements": [{"type": "text", "markdown": "Secret."}]},
        headers=headers,
    )
    assert post.status_code == 201, post.text
    (published,) = _entries(site, "post.published")
    assert published.subject_id == post.json()["id"]
    assert published.actor_user_id is not None and published.address not in ("", "cli")
    assert published.detail == {"label": "Polls close"}
    (token_made,) = _entries(site, "token.created")
    assert token_made.address == "cli"  # the fixture made it as the command line does
    assert editor["token"] not in json.dumps(token_made.detail)
