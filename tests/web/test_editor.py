"""The editor's desk over HTTP: logging in, the form guards, writing through forms, photo
uploads, and importing a blog from pasted text. The browser tests click the same pages."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import set_membership
from liveblog.actions.users import create_user
from liveblog.site import Site
from liveblog.storage import Blog, Post, UserSession
from liveblog.storage.tables import utcnow
from tests.conftest import ROOT, Client, seed_file

PASSWORD = "correct horse battery"
FIXTURES = ROOT / "tests" / "fixtures" / "text"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, "the page has no form token"
    return found.group(1)


def login(client: Client, site: Site, role: str = "editor") -> str:
    email = f"{role}-{secrets.token_hex(3)}@desk.example"
    create_user(site, email, PASSWORD, role, name=role.title())
    response = client.post("/editor/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return email


def logout_cookies(client: Client) -> None:
    client._client.cookies.clear()


@pytest.fixture
def desk(client: Client, site: Site) -> Callable[..., str]:
    """desk(role) logs a new user of that role in and returns a form token for its pages."""

    def enter(role: str = "editor") -> str:
        login(client, site, role)
        return csrf_of(client.get("/editor"))

    return enter


@pytest.fixture
def blog(client: Client, desk: Callable[..., str]) -> tuple[str, str]:
    """An editor logged in at the desk, with a blog started: (form token, slug)."""
    token = desk()
    return token, start_blog(client, token)


def start_blog(client: Client, token: str, title: str = "Ferry strike", **fields: str) -> str:
    data = {"csrf": token, "title": title, "timezone": "Europe/London"} | fields
    response = client.post("/editor/blogs", data=data)
    assert response.status_code == 303, response.text
    slug = response.headers["location"].split("/")[3].split("?")[0]
    return slug


def post_form(token: str, words: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf": token,
        "elements": "1",
        "el-0-type": "text",
        "el-0-markdown": words,
        "action": "publish",
    } | fields


def stored_posts(site: Site) -> list[Post]:
    with site.db.reading() as session:
        return list(session.scalars(select(Post).order_by(Post.id)))


# --- logging in -------------------------------------------------------------------------


def test_pages_need_a_login_and_come_back_after_it(client: Client, site: Site) -> None:
    response = client.get("/editor/blogs/anything?view=drafts")
    assert response.status_code == 303
    assert (
        response.headers["location"] == "/editor/login?next=/editor/blogs/anything%3Fview%3Ddrafts"
    )
    create_user(site, "ed@desk.example", PASSWORD, "editor")
    wrong = client.post(
        "/editor/login",
        data={"email": "ed@desk.example", "password": "nope", "next": "/editor/import"},
    )
    assert wrong.status_code == 401
    assert "wrong email or password" in wrong.text
    assert 'value="ed@desk.example"' in wrong.text  # the email is kept
    right = client.post(
        "/editor/login",
        data={"email": "ed@desk.example", "password": PASSWORD, "next": "/editor?view=x"},
    )
    assert right.status_code == 303 and right.headers["location"] == "/editor?view=x"
    cookie = right.headers["set-cookie"]
    assert "lb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/editor")
    assert page.status_code == 200 and "Start a live blog" in page.text
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "editor"]
)
def test_login_never_sends_anyone_elsewhere(client: Client, site: Site, target: str) -> None:
    create_user(site, "ed@desk.example", PASSWORD, "editor")
    response = client.post(
        "/editor/login", data={"email": "ed@desk.example", "password": PASSWORD, "next": target}
    )
    assert response.headers["location"] == "/editor"


def test_log_out_ends_the_session_on_the_server(client: Client, site: Site) -> None:
    login(client, site)
    cookie = client._client.cookies["lb_session"]
    token = csrf_of(client.get("/editor"))
    assert client.post("/editor/logout", data={"csrf": token}).status_code == 303
    # Even a copy of the old cookie opens nothing now.
    client._client.cookies.set("lb_session", cookie)
    assert client.get("/editor").status_code == 303


def test_an_expired_session_asks_for_a_new_login(client: Client, site: Site) -> None:
    login(client, site)
    with site.db.writing() as session:
        session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/editor").status_code == 303


def test_a_session_in_use_is_renewed(client: Client, site: Site) -> None:
    login(client, site)
    soon = utcnow() + timedelta(days=1)
    with site.db.writing() as session:
        session.execute(update(UserSession).values(expires_at=soon))
    assert client.get("/editor").status_code == 200
    with site.db.reading() as session:
        renewed = session.scalar(select(UserSession.expires_at))
    assert renewed is not None and renewed > soon + timedelta(days=10)


def test_forms_need_their_token_and_this_site_as_origin(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    # An expired or missing token: refused, and the form comes back with what was typed.
    missing = client.post("/editor/blogs", data={"title": "Forged blog"})
    assert missing.status_code == 403 and "this form has expired" in missing.text
    assert 'value="Forged blog"' in missing.text
    stale = client.post(
        f"/editor/blogs/{slug}/posts", data=post_form("0" * 32, "Typed before the token lapsed")
    )
    assert stale.status_code == 403 and "Typed before the token lapsed" in stale.text
    assert f'name="csrf" value="{token}"' in stale.text  # a fresh token to send it again
    for url in (f"/editor/blogs/{slug}/status", "/editor/logout"):
        assert client.post(url, data={"status": "ended"}).status_code == 403
    # Sent from another site: refused outright.
    elsewhere = client.post(
        "/editor/blogs",
        data={"title": "Forged", "csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403 and "another site" in elsewhere.text
    for origin in ("https://evil.example", "null"):
        forged_login = client.post(
            "/editor/login",
            data={"email": "x@y.example", "password": "whatever"},
            headers={"Origin": origin},
        )
        assert forged_login.status_code == 403, origin
    with site.db.reading() as session:
        assert session.scalar(select(Post.id)) is None
        assert session.scalar(select(func.count()).select_from(Blog)) == 1
    # This site, and a sandboxed "null" origin where the token is checked too.
    for origin in ("http://testserver", "null"):
        response = client.post(
            "/editor/blogs",
            data={"title": f"Real {origin}", "csrf": token},
            headers={"Origin": origin},
        )
        assert response.status_code == 303, origin


# --- writing ----------------------------------------------------------------------------


def test_a_post_from_the_form_has_every_part(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    form = post_form(
        token,
        "Crossings are **cancelled** until noon.\n\n- Dover\n- Calais",
        title="Ferries halted",
        elements="4",
        **{
            "el-1-type": "quote",
            "el-1-text": "We will sail when it is safe",
            "el-1-attribution": "the harbour master",
            "el-2-type": "embed",
            "el-2-url": "https://example.org/notice",
            "el-3-type": "text",
            "el-3-markdown": "   ",  # a spare box left empty is dropped
        },
        key_event="1",
        pinned="1",
        sources="Port authority, Reuters",
        verification="confirmed",
        authors="Sam Reed, Ana Ruiz",
    )
    response = client.post(f"/editor/blogs/{slug}/posts", data=form)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/editor/blogs/{slug}?done=published#post-")
    [post] = stored_posts(site)
    assert post.title == "Ferries halted" and post.status == "published"
    assert [e["type"] for e in post.elements] == ["text", "quote", "embed"]
    assert post.elements[1] == {
        "type": "quote",
        "text": "We will sail when it is safe",
        "attribution": "the harbour master",
    }
    assert post.sources == ["Port authority", "Reuters"]
    assert post.authors == ["Sam Reed", "Ana Ruiz"]
    assert (post.key_event, post.verification) == (True, "confirmed")
    reader = client.get(f"/live/{slug}")
    assert "<li>Dover</li>" in reader.text and "post-pinned" in reader.text
    assert "Sources: Port authority, Reuters" in reader.text
    desk_page = client.get(f"/editor/blogs/{slug}?done=published")
    assert "readers with the page open see it now" in desk_page.text
    assert "Ferries halted" in desk_page.text


def test_an_invalid_form_comes_back_with_everything_typed(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    form = post_form(
        token,
        "The bridge is closed & traffic is <diverted>.",
        title="Bridge shut",
        elements="2",
        sources="Highways agency",
        **{"el-1-type": "embed", "el-1-url": "not a link"},
    )
    response = client.post(f"/editor/blogs/{slug}/posts", data=form)
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "Video or post (element 2)" in response.text
    text = unescape(response.text)
    for typed in ("Bridge shut", "The bridge is closed & traffic is <diverted>.", "not a link"):
        assert typed in text
    assert 'value="Highways agency"' in response.text
    assert stored_posts(site) == []


def test_an_empty_post_is_refused_and_the_form_stays_usable(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    response = client.post(
        f"/editor/blogs/{slug}/posts", data={"csrf": token, "elements": "0", "action": "publish"}
    )
    assert response.status_code == 422
    assert "needs a headline or at least one element" in response.text
    assert 'name="el-0-markdown"' in response.text
    assert stored_posts(site) == []


def test_add_buttons_redraw_the_form_without_saving(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    for action, field in (
        ("add-quote", "el-1-attribution"),
        ("add-image", "el-1-upload"),
        ("add-embed", "el-1-url"),
    ):
        page = client.post(
            f"/editor/blogs/{slug}/posts", data=post_form(token, "Half written", action=action)
        )
        assert page.status_code == 200
        assert f'name="{field}"' in page.text and "Half written" in page.text
    # Enter in the headline presses the hidden first button: a redraw, never a publish.
    redraw = client.post(
        f"/editor/blogs/{slug}/posts", data=post_form(token, "Draft words", action="refresh")
    )
    assert redraw.status_code == 200 and "Draft words" in redraw.text
    removed = client.post(
        f"/editor/blogs/{slug}/posts",
        data=post_form(token, "gone", **{"el-0-remove": "1"}, action="refresh"),
    )
    assert "gone" not in removed.text
    assert stored_posts(site) == []


def test_a_draft_is_hidden_until_published_from_its_page(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(
        f"/editor/blogs/{slug}/posts", data=post_form(token, "Embargoed words", action="draft")
    )
    [post] = stored_posts(site)
    assert post.status == "draft"
    assert "Embargoed words" not in client.get(f"/live/{slug}").text
    drafts = client.get(f"/editor/blogs/{slug}?view=drafts")
    assert "Embargoed words" in drafts.text
    edit = client.get(f"/editor/blogs/{slug}/posts/{post.public_id}")
    assert 'value="publish"' in edit.text
    client.post(
        f"/editor/blogs/{slug}/posts/{post.public_id}",
        data=post_form(token, "Embargoed words", version=str(post.version)),
    )
    assert "Embargoed words" in client.get(f"/live/{slug}").text


def test_a_stale_edit_keeps_the_editors_text_and_shows_what_changed(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "First words"))
    [post] = stored_posts(site)
    url = f"/editor/blogs/{slug}/posts/{post.public_id}"
    save = post_form(token, "Mine", action="save", version="1")
    assert client.post(url, data=save | {"el-0-markdown": "Theirs"}).status_code == 303
    stale = client.post(url, data=save)
    assert stale.status_code == 409
    assert "Someone else saved this post" in stale.text
    assert ">\nMine</textarea>" in stale.text  # the editor's own text
    assert "<p>Theirs</p>" in stale.text  # what is saved now
    assert 'name="version" value="2"' in stale.text
    again = client.post(url, data=save | {"version": "2"})
    assert again.status_code == 303
    [post] = stored_posts(site)
    assert post.elements[0]["markdown"] == "Mine" and post.version == 3


def test_corrections_and_notes_from_the_edit_form(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "Twelve boats sank."))
    [post] = stored_posts(site)
    client.post(
        f"/editor/blogs/{slug}/posts/{post.public_id}",
        data=post_form(
            token,
            "Two boats sank.",
            action="save",
            version="1",
            correction="An earlier version gave the wrong number of boats.",
            note="number fixed",
        ),
    )
    page = client.get(f"/live/{slug}").text
    assert "Correction:</strong> An earlier version gave the wrong number of boats." in page
    assert "Updated at" in page
    history = client.get(f"/editor/blogs/{slug}/posts/{post.public_id}").text
    assert re.search(
        r"<strong>Version 2</strong>, <time [^>]+>[^<]+</time>, by Editor: number fixed", history
    )
    assert re.search(
        r"<strong>Version 1</strong>, <time [^>]+>[^<]+</time>, by Editor: created", history
    )


def test_row_buttons_pin_flag_delete_and_restore(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "Sirens at the docks."))
    [post] = stored_posts(site)
    base = f"/editor/blogs/{slug}/posts/{post.public_id}"
    back = f"/editor/blogs/{slug}?view=published"
    for operation, check in (
        ("pin", lambda p, b: b.pinned_post_id == p.id),
        ("key-event", lambda p, b: p.key_event),
        ("not-key-event", lambda p, b: not p.key_event),
        ("unpin", lambda p, b: b.pinned_post_id is None),
        ("delete", lambda p, b: p.status == "deleted"),
        ("restore", lambda p, b: p.status == "published"),
    ):
        response = client.post(f"{base}/{operation}", data={"csrf": token, "back": back})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"{back}&done={operation}#post-{post.public_id}"
        with site.db.reading() as session:
            fresh = session.get(Post, post.id)
            blog = session.get(Blog, post.blog_id)
            assert fresh is not None and check(fresh, blog), operation
    assert client.post(f"{base}/explode", data={"csrf": token}).status_code == 404


def test_ending_and_reopening_a_blog(client: Client, site: Site, desk: Callable[..., str]) -> None:
    token = desk()
    slug = start_blog(client, token)
    client.post(f"/editor/blogs/{slug}/status", data={"csrf": token, "status": "ended"})
    assert "This live blog has ended." in client.get(f"/live/{slug}").text
    assert "Reopen the blog" in client.get(f"/editor/blogs/{slug}").text
    client.post(f"/editor/blogs/{slug}/status", data={"csrf": token, "status": "live"})
    assert "This live blog has ended." not in client.get(f"/live/{slug}").text
    bad = client.post(f"/editor/blogs/{slug}/status", data={"csrf": token, "status": "sunk"})
    assert bad.status_code == 422


def test_a_blog_form_error_keeps_the_fields(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk()
    response = client.post(
        "/editor/blogs",
        data={"csrf": token, "title": "Gale warning", "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 422
    assert "unknown time zone" in response.text
    assert 'value="Gale warning"' in response.text and 'value="Mars/Olympus"' in response.text


def test_contributors_write_for_review_only(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    editor_token = desk("editor")
    slug = start_blog(client, editor_token)
    logout_cookies(client)
    email = login(client, site, "contributor")
    token = csrf_of(client.get("/editor"))
    set_membership(site, SYSTEM, slug, email, "contributor")
    page = client.get(f"/editor/blogs/{slug}").text
    assert 'value="submit"' in page and 'value="publish"' not in page
    assert "Start a live blog" not in client.get("/editor").text
    refused = client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "Scoop!"))
    assert refused.status_code == 403 and "Scoop!" in refused.text
    sent = client.post(
        f"/editor/blogs/{slug}/posts", data=post_form(token, "Scoop!", action="submit")
    )
    assert sent.status_code == 303
    [post] = stored_posts(site)
    assert post.status == "submitted"
    pin = client.post(f"/editor/blogs/{slug}/posts/{post.public_id}/pin", data={"csrf": token})
    assert pin.status_code == 403


# --- photos -----------------------------------------------------------------------------

PHOTO_NAME = r"photo-[0-9a-f]{8}-[0-9a-f]{16}"


def _jpeg_with_location() -> bytes:
    image = Image.new("RGB", (3000, 1500), (30, 90, 160))
    exif = Image.Exif()
    exif[0x0110] = "Secret camera model"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_an_uploaded_photo_is_stored_clean_and_shown(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    form = post_form(
        token,
        "Waves over the sea wall.",
        elements="2",
        **{
            "el-1-type": "image",
            "el-1-caption": "The sea wall at noon",
            "el-1-credit": "Jo Blake",
            "el-1-alt": "",
        },
    )
    files = {"el-1-upload": ("wall.jpg", _jpeg_with_location(), "image/jpeg")}
    # Without alt text the photo is not published: the message names it, the form keeps it.
    refused = client.post(f"/editor/blogs/{slug}/posts", data=form, files=files)
    assert refused.status_code == 422 and stored_posts(site) == []
    assert (
        "Photo 1 (&#34;The sea wall at noon&#34;) needs alt text: describe it for people who "
        "cannot see it." in refused.text
    )
    carried = re.search(r'name="el-1-photo" value="([^"]+)"', refused.text)
    named = re.search(r'name="el-1-file" value="([^"]+)"', refused.text)
    assert carried and named
    form |= {"el-1-alt": "Waves over a sea wall", "el-1-file": named[1], "el-1-photo": carried[1]}
    response = client.post(f"/editor/blogs/{slug}/posts", data=form)
    assert response.status_code == 303, response.text
    [post] = stored_posts(site)
    image = post.elements[1]
    assert image["caption"] == "The sea wall at noon" and image["credit"] == "Jo Blake"
    assert image["alt"] == "Waves over a sea wall"
    assert re.fullmatch(PHOTO_NAME + r"\.jpg", image["file"])
    served = client.get(f"/media/{image['file']}")
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as stored:
        assert stored.width == 2400  # scaled down for phones
        assert not stored.getexif()  # no camera, no location
    page = client.get(f"/live/{slug}").text
    stem = image["file"].removesuffix(".jpg")
    assert f'src="/media/{image["file"]}" srcset="/media/{stem}-360w.jpg 360w' in page
    assert 'width="2400" height="1200" alt="Waves over a sea wall"' in page
    assert "Photograph: Jo Blake" in page
    # Editing the post keeps the photo without uploading it again.
    edit = client.get(f"/editor/blogs/{slug}/posts/{post.public_id}").text
    assert f'name="el-1-file" value="{image["file"]}"' in edit


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.jpg", b"%PDF-1.4 not a picture", "notes.jpg is not a picture that can be read"),
        ("empty.png", b"", "empty.png is empty"),
    ],
)
def test_a_bad_upload_is_refused_and_loses_nothing(
    client: Client,
    site: Site,
    desk: Callable[..., str],
    name: str,
    data: bytes,
    message: str,
) -> None:
    token = desk()
    slug = start_blog(client, token)
    form = post_form(
        token,
        "Words to keep",
        elements="2",
        **{"el-1-type": "image", "el-1-caption": "Caption to keep"},
    )
    files = {"el-1-upload": (name, data, "image/jpeg")}
    response = client.post(f"/editor/blogs/{slug}/posts", data=form, files=files)
    assert response.status_code == 422
    assert message in response.text
    assert "Words to keep" in response.text and 'value="Caption to keep"' in response.text
    assert stored_posts(site) == []


def test_no_file_chosen_keeps_a_photo_without_a_file(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    form = post_form(
        token,
        "x",
        elements="2",
        **{"el-1-type": "image", "el-1-caption": "Pier", "el-1-alt": "A pier"},
    )
    # What a browser sends for a file input left empty: a part with no file name.
    files = {"el-1-upload": ("", b"", "application/octet-stream")}
    response = client.post(f"/editor/blogs/{slug}/posts", data=form, files=files)
    assert response.status_code == 303
    [post] = stored_posts(site)
    assert post.elements[1] == {
        "type": "image",
        "caption": "Pier",
        "credit": None,
        "alt": "A pier",
        "file": None,
    }


def test_a_gif_is_refused_with_the_formats_named(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    form = post_form(token, "x", elements="2", **{"el-1-type": "image"})
    files = {"el-1-upload": ("anim.gif", out.getvalue(), "image/gif")}
    response = client.post(f"/editor/blogs/{slug}/posts", data=form, files=files)
    assert response.status_code == 422 and "not a JPEG, PNG or WebP photo" in response.text


# --- importing from text ----------------------------------------------------------------


def test_import_is_for_admins(client: Client, site: Site, desk: Callable[..., str]) -> None:
    token = desk("editor")
    assert client.get("/editor/import").status_code == 403
    assert client.post("/editor/import", data={"csrf": token, "text": "x"}).status_code == 403
    assert "Import from text" not in client.get("/editor").text


def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_preview_then_import_a_pasted_page(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    from liveblog.textimport import parse_text

    token = desk("admin")
    name = sorted(p.name for p in FIXTURES.glob("*.txt"))[0]
    text = _fixture_text(name).replace("\n", "\r\n")  # as a browser sends a textarea
    expected = parse_text(text)
    preview = client.post("/editor/import", data={"csrf": token, "text": text})
    assert preview.status_code == 200
    page = unescape(preview.text)
    assert expected.blog["title"] in page
    assert f"<dd>{len(expected.blog['posts'])}, oldest first</dd>" in page
    assert page.count('<article class="post') == len(expected.blog["posts"])
    for number, line, _reason in expected.discarded:
        assert f"<tr><td>{number}</td><td><code>{line}</code></td>" in page
    assert 'value="import"' in page
    with site.db.reading() as session:
        assert session.scalar(select(Post.id)) is None  # a preview stores nothing
    done = client.post(
        "/editor/import", data={"csrf": token, "text": text, "slug": "", "action": "import"}
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=imported")
    assert len(stored_posts(site)) == len(expected.blog["posts"])
    slug = done.headers["location"].split("/")[3].split("?")[0]
    assert expected.blog["title"] in unescape(client.get(f"/live/{slug}").text)


def test_import_errors_keep_the_pasted_text(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("admin")
    empty = client.post("/editor/import", data={"csrf": token, "text": "  \n "})
    assert empty.status_code == 422 and "Paste the text of a page first." in empty.text
    text = _fixture_text(sorted(p.name for p in FIXTURES.glob("*.txt"))[0])
    taken = client.post(
        "/editor/import",
        data={"csrf": token, "text": text, "slug": "Bad Slug!", "action": "import"},
    )
    assert taken.status_code == 422 and "slug" in taken.text
    assert unescape(taken.text).count(text.splitlines()[2]) >= 1
    latin1 = client.post(
        "/editor/import",
        data={"csrf": token, "text": ""},
        files={"file": ("page.txt", "caf\xe9".encode("latin-1"), "text/plain")},
    )
    assert latin1.status_code == 422 and "page.txt: not UTF-8 text" in latin1.text


def test_the_seed_page_uploads_as_a_file(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    path: Path = seed_file("seed-page.txt")
    token = desk("admin")
    preview = client.post(
        "/editor/import",
        data={"csrf": token, "text": ""},
        files={"file": ("seed-page.txt", path.read_bytes(), "text/plain")},
    )
    assert preview.status_code == 200
    assert "<dd>17, oldest first</dd>" in preview.text
    assert preview.text.count("<tr><td>") == 8
    assert "<dd>China</dd>" in preview.text


def test_a_form_sent_after_the_session_ended_returns_to_its_page_after_login(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    with site.db.writing() as session:
        session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    form = post_form(token, "Written while the session ran out")
    response = client.post(
        f"/editor/blogs/{slug}/posts",
        data=form,
        headers={"Referer": f"http://testserver/editor/blogs/{slug}?view=drafts"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/editor/login?next=/editor/blogs/{slug}%3Fview%3Ddrafts"
    )
    foreign = client.post(
        f"/editor/blogs/{slug}/posts",
        data=form,
        headers={"Referer": "https://elsewhere.example/editor/blogs/x"},
    )
    assert foreign.headers["location"] == "/editor/login?next=/editor"
    assert stored_posts(site) == []


def test_pasted_text_keeps_its_leading_blank_lines_through_previews(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    """A browser drops one newline right after <textarea>: the page must give it one to
    drop, or every preview would shift the line numbers by one."""
    token = desk("admin")
    text = "\n\n" + _fixture_text(sorted(p.name for p in FIXTURES.glob("*.txt"))[0])
    first = client.post("/editor/import", data={"csrf": token, "text": text})
    sent_back = re.search(r'<textarea id="i-text"[^>]*>\n(.*?)</textarea>', first.text, re.S)
    assert sent_back is not None and unescape(sent_back.group(1)) == text


# --- what a careless or hostile form cannot do -------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"elements": "²"}, "needs a headline or at least one element"),
        ({"elements": "9" * 5000}, "needs a headline or at least one element"),
        ({"action": "explode"}, "unknown action"),
    ],
)
def test_odd_form_values_are_4xx_with_the_text_kept(
    client: Client,
    site: Site,
    desk: Callable[..., str],
    fields: dict[str, str],
    message: str,
) -> None:
    token = desk()
    slug = start_blog(client, token)
    response = client.post(
        f"/editor/blogs/{slug}/posts", data=post_form(token, "Kept words", **fields)
    )
    assert response.status_code == 422 and message in response.text
    if fields.get("action"):
        assert "Kept words" in response.text
    assert stored_posts(site) == []


def test_an_odd_version_asks_for_a_reload(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk()
    slug = start_blog(client, token)
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "First"))
    [post] = stored_posts(site)
    response = client.post(
        f"/editor/blogs/{slug}/posts/{post.public_id}",
        data=post_form(token, "Second", action="save", version="²"),
    )
    assert response.status_code == 422 and "reload the page" in response.text
    assert "Second" in response.text


def test_saving_an_unchanged_post_changes_nothing(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    """Names with commas stay whole, and the browser's CRLF line breaks are not a change
    that would show readers "Updated at"."""
    from liveblog.actions import SYSTEM
    from liveblog.actions.posts import create_post
    from liveblog.schema import NewPost

    token, slug = blog
    create_post(
        site,
        SYSTEM,
        slug,
        NewPost(
            elements=[{"type": "text", "markdown": "Line one\nline two\n\n- a\n- b"}],
            sources=["Ministry of Defence, UK", "Reuters"],
            authors=["Smith, J."],
        ),
    )
    [post] = stored_posts(site)
    page = client.get(f"/editor/blogs/{slug}/posts/{post.public_id}").text
    assert 'value="Ministry of Defence, UK, Reuters"' in page
    form = post_form(
        token,
        "Line one\r\nline two\r\n\r\n- a\r\n- b",
        action="save",
        version="1",
        sources="Ministry of Defence, UK, Reuters",
        authors="Smith, J.",
    )
    assert client.post(f"/editor/blogs/{slug}/posts/{post.public_id}", data=form).status_code == 303
    [after] = stored_posts(site)
    assert after.version == 1 and after.updated_at is None
    assert after.sources == ["Ministry of Defence, UK", "Reuters"] and after.authors == [
        "Smith, J."
    ]
    # Typed afresh, commas separate names.
    form |= {"sources": "Ministry of Defence, Reuters, AFP"}
    client.post(f"/editor/blogs/{slug}/posts/{post.public_id}", data=form)
    [after] = stored_posts(site)
    assert after.sources == ["Ministry of Defence", "Reuters", "AFP"]


def test_editing_a_post_deleted_meanwhile_keeps_the_typed_text(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "Original"))
    [post] = stored_posts(site)
    client.post(f"/editor/blogs/{slug}/posts/{post.public_id}/delete", data={"csrf": token})
    response = client.post(
        f"/editor/blogs/{slug}/posts/{post.public_id}",
        data=post_form(token, "My careful rewrite", action="save", version="1"),
    )
    assert response.status_code == 422
    assert "restore it before editing" in response.text
    assert "My careful rewrite" in response.text
    assert 'value="save"' not in response.text  # nothing to save it to until restored


def test_one_bad_photo_does_not_cost_the_others(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    good = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(good, format="PNG")
    form = post_form(
        token,
        "Two photos",
        elements="3",
        **{"el-1-type": "image", "el-1-caption": "Broken", "el-2-type": "image"},
        **{"el-2-caption": "Fine", "el-2-alt": "A green square"},
    )
    files = [
        ("el-1-upload", ("broken.jpg", b"not a picture", "image/jpeg")),
        ("el-2-upload", ("fine.png", good.getvalue(), "image/png")),
    ]
    response = client.post(f"/editor/blogs/{slug}/posts", data=form, files=files)
    assert response.status_code == 422
    assert "broken.jpg is not a picture that can be read" in response.text
    # The good photo is named in the form and travels with it, stored nowhere yet.
    name = re.search(rf'name="el-2-file" value="({PHOTO_NAME}\.png)"', response.text)
    carried = re.search(r'name="el-2-photo" value="([^"]+)"', response.text)
    assert name is not None and carried is not None
    assert client.get(f"/media/{name.group(1)}").status_code == 404
    assert not (site.settings.media_dir / name.group(1)).exists()
    # Sending the form again, without the broken one, publishes the good photo with it.
    again = form | {"el-1-remove": "1", "el-2-file": name.group(1)}
    again["el-2-photo"] = carried.group(1)
    response = client.post(f"/editor/blogs/{slug}/posts", data=again)
    assert response.status_code == 303, response.text
    [post] = stored_posts(site)
    assert [el.get("file") for el in post.elements] == [None, name.group(1)]
    assert client.get(f"/media/{name.group(1)}").status_code == 200


def test_a_phone_photo_with_a_second_picture_and_a_colour_profile(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    from liveblog.actions import SYSTEM
    from liveblog.actions.media import clean_photo

    first = Image.new("RGB", (300, 200), (200, 30, 30))
    second = Image.new("RGB", (60, 40), (30, 30, 200))
    profile = srgb_profile()
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], icc_profile=profile)
    with Image.open(io.BytesIO(out.getvalue())) as check:
        assert check.format == "MPO"
    photo = clean_photo(SYSTEM, out.getvalue(), "phone.jpg")
    assert photo.filename.endswith(".jpg") and photo.content_type == "image/jpeg"
    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.format == "JPEG" and stored.info.get("icc_profile") == profile


def srgb_profile() -> bytes:
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def test_form_only_addresses_lead_back_to_their_pages(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    _token, slug = blog
    for url, target in (
        ("/editor/blogs", "/editor"),
        (f"/editor/blogs/{slug}/posts", f"/editor/blogs/{slug}"),
        (f"/editor/blogs/{slug}/status", f"/editor/blogs/{slug}"),
        (f"/editor/blogs/{slug}/posts/abc/pin", f"/editor/blogs/{slug}/posts/abc"),
    ):
        response = client.get(url)
        assert (response.status_code, response.headers["location"]) == (303, target), url


def test_key_events_from_the_desk_on_a_draft_blog(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "A flag to raise"))
    client.post(f"/editor/blogs/{slug}/status", data={"csrf": token, "status": "draft"})
    [post] = stored_posts(site)
    base = f"/editor/blogs/{slug}/posts/{post.public_id}"
    assert client.post(f"{base}/key-event", data={"csrf": token}).status_code == 303
    [post] = stored_posts(site)
    assert post.key_event and post.version == 2 and post.updated_at is None


def test_publish_and_pin_is_one_change(client: Client, site: Site, blog: tuple[str, str]) -> None:
    from liveblog.storage import Event

    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "Pinned at once", pinned="1"))
    with site.db.reading() as session:
        kinds = session.scalars(select(Event.kind).order_by(Event.seq)).all()
        blog = session.scalar(select(Blog))
        assert blog is not None and blog.pinned_post_id is not None
    assert kinds == ["blog.created", "post.published", "post.pinned"]
    # A draft cannot be pinned: the box is ignored rather than the draft refused.
    client.post(
        f"/editor/blogs/{slug}/posts",
        data=post_form(token, "Just a draft", pinned="1", action="draft"),
    )
    assert [p.status for p in stored_posts(site)] == ["published", "draft"]


def test_a_login_in_use_sends_its_cookie_again_when_renewed(client: Client, site: Site) -> None:
    login(client, site)
    with site.db.writing() as session:
        session.execute(update(UserSession).values(expires_at=utcnow() + timedelta(days=2)))
    page = client.get("/editor")
    assert "lb_session=" in page.headers.get("set-cookie", "")
    again = client.get("/editor")
    assert "set-cookie" not in again.headers


def test_the_import_preview_of_unimportable_text_is_a_4xx(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("admin")
    text = "Title of a page – live | News\n\nA post with a NUL \x00 in it.\n"
    response = client.post("/editor/import", data={"csrf": token, "text": text})
    assert response.status_code == 422
    assert "control character" in response.text


# --- people ---------------------------------------------------------------------------------


def test_an_admin_adds_a_person_who_can_then_log_in(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("admin")
    page = client.get("/editor/people")
    assert page.status_code == 200 and "Add a person" in page.text
    bad = client.post(
        "/editor/people",
        data={"csrf": token, "name": "Rui Alves", "email": "rui@desk.example", "role": "editor"}
        | {"password": "tiny7"},
    )
    assert bad.status_code == 422 and "at least 12 characters" in bad.text
    assert 'value="Rui Alves"' in bad.text and 'value="rui@desk.example"' in bad.text
    assert "tiny7" not in bad.text  # a password never goes into a page
    added = client.post(
        "/editor/people",
        data={"csrf": token, "name": "Rui Alves", "email": "rui@desk.example", "role": "editor"}
        | {"password": "a long first password"},
    )
    assert added.status_code == 303
    again = client.post(
        "/editor/people",
        data={"csrf": token, "name": "Rui", "email": "RUI@desk.example", "role": "editor"}
        | {"password": "a long first password"},
    )
    assert again.status_code == 409 and "exists already" in again.text
    client._client.cookies.clear()
    login = client.post(
        "/editor/login", data={"email": "rui@desk.example", "password": "a long first password"}
    )
    assert login.status_code == 303
    assert client.get("/editor").status_code == 200
    assert client.get("/editor/people").status_code == 403  # an editor does not manage people


def test_roles_change_and_the_last_admin_stays(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    from liveblog.storage import User

    token = desk("admin")
    other = create_user(site, "sam@desk.example", PASSWORD, "contributor", "Sam")
    response = client.post(f"/editor/people/{other}/role", data={"csrf": token, "role": "editor"})
    assert response.status_code == 303
    with site.db.reading() as session:
        me = session.scalar(select(User).where(User.role == "admin"))
        sam = session.get(User, other)
        assert me is not None and sam is not None and sam.role == "editor"
        my_id = me.id
    alone = client.post(f"/editor/people/{my_id}/role", data={"csrf": token, "role": "editor"})
    assert alone.status_code == 403 and "at least one admin" in alone.text
    bad = client.post(f"/editor/people/{other}/role", data={"csrf": token, "role": "owner"})
    assert bad.status_code == 422
    assert (
        client.post("/editor/people/99999/role", data={"csrf": token, "role": "editor"}).status_code
        == 404
    )
    # Once someone else is admin, the first may step down.
    client.post(f"/editor/people/{other}/role", data={"csrf": token, "role": "admin"})
    assert (
        client.post(
            f"/editor/people/{my_id}/role", data={"csrf": token, "role": "editor"}
        ).status_code
        == 303
    )
    assert client.get("/editor/people").status_code == 403  # applies from the next page


def test_an_owner_raises_a_contributor_to_editor_on_one_blog(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("editor")  # whoever starts a blog owns it
    slug = start_blog(client, token)
    other = start_blog(client, token, "Another story")
    create_user(site, "kai@desk.example", PASSWORD, "contributor", "Kai")
    team = client.get(f"/editor/blogs/{slug}/team")
    assert team.status_code == 200 and "Give someone a role here" in team.text
    unknown = client.post(
        f"/editor/blogs/{slug}/team",
        data={"csrf": token, "email": "nobody@desk.example", "role": "editor"},
    )
    assert unknown.status_code == 404 and 'value="nobody@desk.example"' in unknown.text
    added = client.post(
        f"/editor/blogs/{slug}/team",
        data={"csrf": token, "email": "kai@desk.example", "role": "editor"},
    )
    assert added.status_code == 303
    assert "kai@desk.example" in client.get(f"/editor/blogs/{slug}/team").text

    # Kai, a contributor on the site, may now publish on this blog, and only on this one.
    client._client.cookies.clear()
    client.post("/editor/login", data={"email": "kai@desk.example", "password": PASSWORD})
    kai_token = csrf_of(client.get("/editor"))
    here = client.post(f"/editor/blogs/{slug}/posts", data=post_form(kai_token, "Kai's scoop"))
    assert here.status_code == 303
    there = client.post(f"/editor/blogs/{other}/posts", data=post_form(kai_token, "Elsewhere"))
    assert there.status_code == 403
    assert client.get(f"/editor/blogs/{slug}/team").status_code == 403  # not an owner

    client._client.cookies.clear()
    client.post("/editor/login", data={"email": client_email(site, "editor"), "password": PASSWORD})
    token = csrf_of(client.get("/editor"))
    removed = client.post(
        f"/editor/blogs/{slug}/team",
        data={"csrf": token, "email": "kai@desk.example", "role": "remove"},
    )
    assert removed.status_code == 303
    assert "kai@desk.example" not in client.get(f"/editor/blogs/{slug}/team").text


def client_email(site: Site, role: str) -> str:
    from liveblog.storage import User

    with site.db.reading() as session:
        email = session.scalar(select(User.email).where(User.role == role))
    assert email is not None
    return email


def test_preview_shows_the_post_as_readers_will_and_saves_nothing(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    form = post_form(
        token,
        "Crews **reopened** the bridge.\n\n- north lane\n- south lane",
        title="Bridge open again",
        elements="2",
        **{"el-1-type": "quote", "el-1-text": "It held", "el-1-attribution": "the engineer"},
        sources="Highways agency",
        verification="confirmed",
        key_event="1",
        action="preview",
    )
    response = client.post(f"/editor/blogs/{slug}/posts", data=form)
    assert response.status_code == 200
    preview = response.text.split('<section class="post-preview"', 1)[1].split("</section>", 1)[0]
    assert '<h3 class="post-title" id="preview-h-preview">Bridge open again</h3>' in preview
    assert "<strong>reopened</strong>" in preview and "<li>south lane</li>" in preview
    assert "<cite>the engineer</cite>" in preview and "Sources: Highways agency" in preview
    assert "Confirmed" in preview and "Key event" in preview
    assert ">\nCrews **reopened** the bridge." in response.text  # the form keeps the text
    assert stored_posts(site) == []
    bad = client.post(
        f"/editor/blogs/{slug}/posts",
        data=post_form(token, "x", elements="2", **{"el-1-type": "embed", "el-1-url": "nope"})
        | {"action": "preview"},
    )
    assert bad.status_code == 422 and "post-preview" not in bad.text


def test_a_token_made_at_the_desk_opens_the_api_until_revoked(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("editor")
    assert "You have no tokens yet." in client.get("/editor/tokens").text
    empty = client.post("/editor/tokens", data={"csrf": token, "name": "   "})
    assert empty.status_code == 422 and "give the token a name" in empty.text
    made = client.post("/editor/tokens", data={"csrf": token, "name": "results feed"})
    assert made.status_code == 201
    found = re.search(r'id="new-token" class="token-value" readonly value="(lb_[\w-]+)"', made.text)
    assert found is not None
    api_token = found.group(1)
    listed = client.get("/editor/tokens").text
    assert "results feed" in listed and api_token not in listed  # shown once only
    headers = {"Authorization": f"Bearer {api_token}"}
    created = client.post("/api/v1/blogs", json={"title": "Feed test"}, headers=headers)
    assert created.status_code == 201
    token_id = re.search(r'id="token-(\d+)"', listed)
    assert token_id is not None
    revoked = client.post(f"/editor/tokens/{token_id.group(1)}/revoke", data={"csrf": token})
    assert revoked.status_code == 303
    assert "revoked" in client.get("/editor/tokens").text
    refused = client.post("/api/v1/blogs", json={"title": "Too late"}, headers=headers)
    assert refused.status_code == 401

    # Someone else's token cannot be revoked from another account.
    client._client.cookies.clear()
    other = desk("editor")
    theirs = client.post(f"/editor/tokens/{token_id.group(1)}/revoke", data={"csrf": other})
    assert theirs.status_code == 404


def test_odd_ids_and_long_names_are_4xx(
    client: Client, site: Site, desk: Callable[..., str]
) -> None:
    token = desk("admin")
    for url in ("/editor/people/9223372036854775808/role", "/editor/tokens/2147483648/revoke"):
        response = client.post(url, data={"csrf": token, "role": "editor"})
        assert response.status_code == 422, url
    long_name = client.post(
        "/editor/people",
        data={"csrf": token, "name": "N" * 300, "email": "n@desk.example", "role": "editor"}
        | {"password": "a long first password"},
    )
    assert long_name.status_code == 422 and "at most 200 characters" in long_name.text
    slug = start_blog(client, token)
    no_email = client.post(
        f"/editor/blogs/{slug}/team", data={"csrf": token, "email": "", "role": "editor"}
    )
    assert no_email.status_code == 422 and "give the email" in no_email.text
    create_user(site, "lee@desk.example", PASSWORD, "contributor", "Lee")
    not_there = client.post(
        f"/editor/blogs/{slug}/team",
        data={"csrf": token, "email": "lee@desk.example", "role": "remove"},
    )
    assert not_there.status_code == 422 and "has no role on this blog" in not_there.text


def test_the_preview_of_an_edit_shows_its_correction_and_its_own_time(
    client: Client, site: Site, blog: tuple[str, str]
) -> None:
    token, slug = blog
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "Twelve boats sank."))
    [post] = stored_posts(site)
    assert post.published_at is not None
    preview = client.post(
        f"/editor/blogs/{slug}/posts/{post.public_id}",
        data=post_form(
            token,
            "Two boats sank.",
            version="1",
            correction="An earlier version gave the wrong number.",
            action="preview",
        ),
    )
    assert preview.status_code == 200
    card = preview.text.split('<section class="post-preview"', 1)[1].split("</section>", 1)[0]
    assert '<h2 id="preview-h">' in card  # under the edit page's h1
    assert "Correction:</strong> An earlier version gave the wrong number." in card
    stamp = post.published_at.isoformat().replace("+00:00", "Z")
    assert f'datetime="{stamp}"' in card
    assert "post-pinned" not in card
    empty = client.post(
        f"/editor/blogs/{slug}/posts",
        data={"csrf": token, "elements": "1", "el-0-type": "text", "el-0-markdown": " "}
        | {"action": "preview"},
    )
    assert empty.status_code == 422 and "needs a headline or at least one element" in empty.text
