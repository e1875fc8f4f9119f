"""Working together over HTTP (web/desk/together.py): the presence beat, the blog page and
a post's page as they load (what a browser without JavaScript sees), the note thread's
forms, and that no reader-facing address ever carries a note."""

from __future__ import annotations

import json
import re
import secrets
from html import unescape

import httpx
import pytest

from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import set_membership
from liveblog.actions.users import start_session
from liveblog.exchange import export_blog
from liveblog.render.feeds import FEEDS
from liveblog.site import Site
from liveblog.storage import User
from liveblog.web.auth import SESSION_COOKIE
from tests.conftest import Client


class Person:
    """A person with a desk login of their own, in the shared test client: ``use()`` puts
    their session cookie in it."""

    def __init__(self, client: Client, site: Site, role: str, name: str) -> None:
        self.client = client
        self.name = name
        self.email = f"{name.split()[0].lower()}-{secrets.token_hex(3)}@desk.example"
        # Written directly and signed in through start_session, as the login form does once
        # the password matches: a password hash costs a second or more of CPU per person.
        with site.db.writing() as session:
            user = User(email=self.email, name=name, role=role, password_hash="not a hash")
            session.add(user)
            session.flush()
            actor = Actor(user_id=user.id, role=role, name=name)
        self.cookies = httpx.Cookies()
        self.cookies.set(SESSION_COOKIE, start_session(site, actor))
        self.csrf = ""

    def use(self) -> Client:
        self.client._client.cookies = httpx.Cookies(self.cookies)
        if not self.csrf:
            page = self.client.get("/editor")
            found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
            assert found
            self.csrf = found.group(1)
        return self.client

    def beat(self, slug: str, post: str = "", notes: str | None = None) -> httpx.Response:
        data = {"csrf": self.csrf or self._token(), "post": post}
        if notes is not None:
            data["notes"] = notes
        return self.use().post(
            f"/editor/blogs/{slug}/presence", data=data, headers={"Accept": "application/json"}
        )

    def _token(self) -> str:
        self.use()
        return self.csrf


def text_of(page: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


@pytest.fixture
def newsroom(client: Client, site: Site) -> tuple[Person, Person, Person, str, str]:
    """Sam owns a blog with one published post; Ana is a site editor; Oz is a contributor
    who is not on the team. Returns them, the blog's slug and the post's id."""
    sam = Person(client, site, "editor", "Sam Reid")
    ana = Person(client, site, "editor", "Ana Lopes")
    oz = Person(client, site, "contributor", "Oz Else")
    sam.use()
    made = client.post(
        "/editor/blogs",
        data={"csrf": sam.csrf, "title": "Ferry strike", "timezone": "Europe/London"},
    )
    assert made.status_code == 303, made.text
    slug = made.headers["location"].split("/")[3].split("?")[0]
    set_membership(site, SYSTEM, slug, sam.email, "owner")
    posted = client.post(
        f"/editor/blogs/{slug}/posts",
        data={
            "csrf": sam.csrf,
            "title": "Talks resume",
            "elements": "1",
            "el-0-type": "text",
            "el-0-markdown": "Unions and operator meet at noon.",
            "action": "publish",
        },
    )
    assert posted.status_code == 303, posted.text
    public_id = posted.headers["location"].rsplit("#post-", 1)[1]
    return sam, ana, oz, slug, public_id


def test_pages_show_who_is_here_as_they_load(
    newsroom: tuple[Person, Person, Person, str, str],
) -> None:
    sam, ana, _oz, slug, public_id = newsroom
    assert ana.beat(slug, public_id).status_code == 200
    page = sam.use().get(f"/editor/blogs/{slug}")
    words = text_of(page)
    found = re.search(r"Here now: Ana Lopes \(editing “Talks resume” since (\d\d:\d\d)\)", words)
    assert found, words[:600]
    # The post list marks the post Ana has open.
    assert re.search(rf'data-editing-post="{public_id}">Ana Lopes is editing</span>', page.text), (
        page.text
    )
    # Sam opening the post is warned before typing anything.
    post_page = sam.use().get(f"/editor/blogs/{slug}/posts/{public_id}")
    assert f"Ana Lopes is editing this post (since {found.group(1)})" in text_of(post_page)
    assert "data-editing-warning hidden" not in post_page.text
    # Ana herself is not warned about herself, nor listed on her own page.
    own = ana.use().get(f"/editor/blogs/{slug}/posts/{public_id}")
    assert "is editing this post" not in text_of(own)
    assert "Nobody else has this blog open." in text_of(ana.use().get(f"/editor/blogs/{slug}"))


def test_the_beat_answers_who_is_here_in_json(
    newsroom: tuple[Person, Person, Person, str, str],
) -> None:
    sam, ana, _oz, slug, public_id = newsroom
    ana.beat(slug, public_id)
    answer = sam.beat(slug, notes="")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert [p["name"] for p in body["people"]] == ["Ana Lopes"]
    (editing,) = body["people"][0]["editing"]
    assert editing["post"] == public_id and editing["label"] == "Talks resume"
    assert re.fullmatch(r"\d\d:\d\d", editing["clock"])
    assert body["notes_mark"] == "0" and body["notes_count"] == 0
    assert "No notes yet." in body["notes_html"]
    again = sam.beat(slug, notes=body["notes_mark"]).json()
    assert "notes_html" not in again
    # A post's page sends no mark, and gets no notes.
    assert "notes_html" not in sam.beat(slug, public_id).json()


def test_the_beat_refuses_what_it_must(
    newsroom: tuple[Person, Person, Person, str, str],
) -> None:
    sam, _ana, oz, slug, public_id = newsroom
    json_accept = {"Accept": "application/json"}
    # Not on the team: refused, with a message, and not seen by the team.
    refused = oz.beat(slug)
    assert refused.status_code == 403
    assert "not on its team" in refused.json()["detail"]
    assert sam.beat(slug).json()["people"] == []
    # A bad form token, an unknown post, an id far too long, an unknown blog.
    client = sam.use()
    bad = client.post(
        f"/editor/blogs/{slug}/presence", data={"csrf": "0" * 32}, headers=json_accept
    )
    assert bad.status_code == 403
    assert sam.beat(slug, "nosuchpost").status_code == 404
    assert sam.beat(slug, "x" * 65).status_code == 422
    assert sam.beat("no-such-blog").status_code == 404
    # The goodbye takes a form token too.
    assert client.post(f"/editor/blogs/{slug}/presence/leave", data={}).status_code == 403
    # Signed out: to the login page.
    client._client.cookies.clear()
    out = client.post(f"/editor/blogs/{slug}/presence", data={"post": public_id})
    assert out.status_code == 303 and "/editor/login" in out.headers["location"]


def test_leaving_is_at_once(newsroom: tuple[Person, Person, Person, str, str]) -> None:
    sam, ana, _oz, slug, public_id = newsroom
    ana.beat(slug, public_id)
    ana.beat(slug)
    assert len(sam.beat(slug).json()["people"][0]["editing"]) == 1
    client = ana.use()
    gone = client.post(
        f"/editor/blogs/{slug}/presence/leave", data={"csrf": ana.csrf, "post": public_id}
    )
    assert gone.status_code == 204
    people = sam.beat(slug).json()["people"]
    assert [(p["name"], p["editing"]) for p in people] == [("Ana Lopes", [])]
    ana.use().post(f"/editor/blogs/{slug}/presence/leave", data={"csrf": ana.csrf})
    assert sam.beat(slug).json()["people"] == []


def test_notes_are_posted_shown_and_deleted_through_forms(
    newsroom: tuple[Person, Person, Person, str, str],
) -> None:
    sam, ana, oz, slug, _public_id = newsroom
    client = ana.use()
    sent = client.post(
        f"/editor/blogs/{slug}/notes",
        data={"csrf": ana.csrf, "note": "Took over from Sam at 22:00 <b>bold</b>"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/editor/blogs/{slug}?done=note#notes"
    page = sam.use().get(f"/editor/blogs/{slug}")
    assert "Took over from Sam at 22:00 &lt;b&gt;bold&lt;/b&gt;" in page.text
    assert re.search(r"Ana Lopes</strong> <time[^>]*>\d\d:\d\d", page.text)
    # Sam owns the blog, so he may delete Ana's note; Ana may too; a JSON client posts.
    second = client_json = ana.use().post(
        f"/editor/blogs/{slug}/notes",
        data={"csrf": ana.csrf, "note": "Second note"},
        headers={"Accept": "application/json"},
    )
    assert client_json.status_code == 201
    second_id = second.json()["id"]
    page = sam.use().get(f"/editor/blogs/{slug}")
    ids = re.findall(r'id="note-(\d+)"', page.text)
    assert ids[0] == str(second_id) and len(ids) == 2  # newest first
    assert f"/notes/{second_id}/delete" in page.text
    # Too long: refused, with the text kept in the form.
    long = "x" * 1001
    refused = ana.use().post(f"/editor/blogs/{slug}/notes", data={"csrf": ana.csrf, "note": long})
    assert refused.status_code == 422
    assert "at most 1,000 characters" in refused.text and long in refused.text
    # Not on the team: neither posts nor deletes.
    assert (
        oz.use().post(f"/editor/blogs/{slug}/notes", data={"csrf": oz.csrf, "note": "hi"})
    ).status_code == 403
    assert (
        oz.use().post(f"/editor/blogs/{slug}/notes/{second_id}/delete", data={"csrf": oz.csrf})
    ).status_code == 403
    assert "Took over from Sam" not in oz.use().get(f"/editor/blogs/{slug}").text
    deleted = sam.use().post(
        f"/editor/blogs/{slug}/notes/{second_id}/delete", data={"csrf": sam.csrf}
    )
    assert deleted.status_code == 303
    assert f'id="note-{second_id}"' not in sam.use().get(f"/editor/blogs/{slug}").text
    assert (
        sam.use()
        .post(f"/editor/blogs/{slug}/notes/{second_id}/delete", data={"csrf": sam.csrf})
        .status_code
        == 404
    )


def test_no_reader_address_carries_a_note(
    newsroom: tuple[Person, Person, Person, str, str], site: Site
) -> None:
    sam, _ana, _oz, slug, public_id = newsroom
    secret = "INTERNAL-" + secrets.token_hex(4)
    client = sam.use()
    assert (
        client.post(f"/editor/blogs/{slug}/notes", data={"csrf": sam.csrf, "note": secret})
    ).status_code == 303
    sam.beat(slug, public_id)
    client._client.cookies.clear()  # a reader
    addresses = [
        f"/live/{slug}",
        f"/live/{slug}/posts/{public_id}",
        f"/live/{slug}/updates.json?after=0",
        f"/live/{slug}/embed",
        f"/api/v1/blogs/{slug}",
        f"/api/v1/blogs/{slug}/posts",
        *(f"/live/{slug}/{name}" for name in FEEDS),
    ]
    for address in addresses:
        answer = client.get(address, follow_redirects=True)
        assert answer.status_code == 200, (address, answer.status_code)
        assert secret not in answer.text, address
        assert "Sam Reid is editing" not in answer.text, address
    assert secret not in json.dumps(export_blog(site, slug))
