"""Photos at the desk and for readers: a preview stores nothing; a photo is stored in the
same transaction as the post that shows it; readers see a photo only while a published
post shows it; `liveblog media prune` removes what no post shows."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text, update

from liveblog.actions import Actor
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.media import Photo, clean_photo, prune_media, store_for
from liveblog.actions.posts import create_post, delete_post, edit_post, load_post, restore_post
from liveblog.actions.users import create_user
from liveblog.errors import Forbidden
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import Media, PostMedia, User
from liveblog.storage import queries as q
from liveblog.storage.migrate import alembic_config
from liveblog.storage.tables import utcnow
from tests.actions.test_photo_metadata import SECRET, exif, jpeg, png
from tests.conftest import Client
from tests.test_cli import run
from tests.web.test_editor import PASSWORD, csrf_of, post_form, start_blog, stored_posts

# --- the desk: preview stores nothing; a photo is stored with its post ----------------------


def media_rows(site: Site) -> list[str]:
    with site.db.reading() as session:
        return list(session.scalars(select(Media.filename)))


def stored_files(site: Site) -> list[str]:
    """The photos in the store, without the narrower and WebP copies made of each."""
    return [n for n in store_for(site.settings).names() if not re.search(r"-[0-9]+w\.", n)]


@pytest.fixture
def desk(client: Client, site: Site) -> tuple[str, str]:
    """An editor logged in at the desk with a live blog: (form token, slug)."""
    create_user(site, "ed@media.example", PASSWORD, "editor", name="Ed")
    assert client.post(
        "/editor/login", data={"email": "ed@media.example", "password": PASSWORD}
    ).is_redirect
    token = csrf_of(client.get("/editor"))
    return token, start_blog(client, token, "Harbour storm")


def photo_form(token: str, action: str) -> dict[str, str]:
    return post_form(
        token,
        "The sea wall at noon.",
        elements="2",
        action=action,
        **{"el-1-type": "image", "el-1-caption": "Sea wall", "el-1-alt": "Waves"},
    )


def test_preview_with_a_photo_stores_nothing_then_publish_stores_it(
    client: Client, site: Site, desk: tuple[str, str]
) -> None:
    token, slug = desk
    files = {"el-1-upload": ("wall.jpg", jpeg(exif=exif()), "image/jpeg")}
    preview = client.post(
        f"/editor/blogs/{slug}/posts", data=photo_form(token, "preview"), files=files
    )
    assert preview.status_code == 200
    assert stored_files(site) == [] and media_rows(site) == [] and stored_posts(site) == []
    shown = preview.text.split('<section class="post-preview"', 1)[1].split("</section>", 1)[0]
    assert 'src="data:image/jpeg;base64,' in shown and "/media/" not in shown
    assert "img-src 'self' data:" in preview.headers["content-security-policy"]
    # The photo travels with the form: publishing it needs no second upload.
    name = re.search(r'name="el-1-file" value="([^"]+)"', preview.text)
    carried = re.search(r'name="el-1-photo" value="([^"]+)"', preview.text)
    assert name and carried
    form = photo_form(token, "publish") | {"el-1-file": name[1], "el-1-photo": carried[1]}
    published = client.post(f"/editor/blogs/{slug}/posts", data=form)
    assert published.status_code == 303, published.text
    assert stored_files(site) == [name[1]] and media_rows(site) == [name[1]]
    client._client.cookies.clear()  # a reader
    answer = client.get(f"/media/{name[1]}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert SECRET.encode() not in answer.content


def test_a_carried_photo_cannot_be_forged(
    client: Client, site: Site, desk: tuple[str, str]
) -> None:
    token, slug = desk
    files = {"el-1-upload": ("wall.png", png(text=True), "image/png")}
    sent = client.post(
        f"/editor/blogs/{slug}/posts", data=photo_form(token, "preview"), files=files
    )
    carried = re.search(r'name="el-1-photo" value="([^"]+)"', sent.text)
    name = re.search(r'name="el-1-file" value="([^"]+)"', sent.text)
    assert carried and name
    # Another picture put in place of the cleaned one: the signature no longer holds.
    head, data, signature = carried[1].rsplit(".", 2)
    forged = f"{head}.{data[:-8]}AAAAAAAA.{signature}"
    form = photo_form(token, "publish") | {"el-1-file": name[1], "el-1-photo": forged}
    refused = client.post(f"/editor/blogs/{slug}/posts", data=form)
    assert refused.status_code == 422
    assert "a photo chosen before could not be kept" in refused.text
    assert 'value="The sea wall at noon.' in refused.text or "The sea wall at noon." in refused.text
    assert stored_files(site) == [] and media_rows(site) == [] and stored_posts(site) == []


def test_a_photo_is_stored_only_if_its_post_is(site: Site) -> None:
    """The action stores the photo inside the post's transaction: a refused post leaves
    no file and no row; the same send twice stores it once."""
    create_user(site, "con@media.example", PASSWORD, "contributor")
    editor_id = create_user(site, "ed@media.example", PASSWORD, "editor")

    editor = Actor(user_id=editor_id, role="editor", name="Ed")
    slug = create_blog(site, editor, BlogFields(title="Ferry strike"))["slug"]
    photo = clean_photo(editor, jpeg(), "pier.jpg")
    post = NewPost.model_validate(
        {
            "elements": [
                {"type": "image", "caption": "Pier", "alt": "A pier", "file": photo.filename}
            ]
        }
    )
    contributor = Actor(user_id=editor_id + 100, role="contributor", name="Con")
    with pytest.raises(Forbidden):  # a contributor may not publish: refused in the transaction
        create_post(site, contributor, slug, post, photos=[photo])
    assert stored_files(site) == [] and media_rows(site) == []
    create_post(site, editor, slug, post, photos=[photo])
    create_post(site, editor, slug, post, photos=[photo])  # the form sent twice
    assert stored_files(site) == [photo.filename] and media_rows(site) == [photo.filename]


# --- readers see a photo while a published post shows it ---------------------------------


@pytest.fixture
def published_photo(site: Site) -> tuple[str, str, Photo]:
    """A live blog with a published post showing a stored photo: (slug, post id, photo)."""

    editor = Actor(user_id=create_user(site, "ed@media.example", PASSWORD, "admin"), role="admin")
    slug = create_blog(site, editor, BlogFields(title="Ferry strike"))["slug"]
    photo = clean_photo(editor, png(), "pier.png")
    new = NewPost.model_validate(
        {
            "elements": [
                {"type": "image", "caption": "Pier", "alt": "A pier", "file": photo.filename}
            ]
        }
    )
    record = create_post(site, editor, slug, new, photos=[photo])
    return slug, record["id"], photo


def _admin(site: Site) -> Actor:

    with site.db.reading() as session:
        user = session.scalar(select(User).where(User.email == "ed@media.example"))
        assert user is not None
        return Actor(user_id=user.id, role=user.role, name=user.name)


def _version(site: Site, slug: str, post_id: str) -> int:

    with site.db.reading() as session:
        return load_post(
            session, q.blog_by_slug(session, slug, include_drafts=True), post_id
        ).version


STEPS: dict[str, Callable[[Site, str, str], Any]] = {
    "delete the post": lambda site, slug, pid: delete_post(site, _admin(site), slug, pid),
    "restore it": lambda site, slug, pid: restore_post(site, _admin(site), slug, pid),
    "put the blog back in draft": lambda site, slug, pid: _blog_status(site, slug, "draft"),
    "end the blog": lambda site, slug, pid: _blog_status(site, slug, "ended"),
    "edit the photo out": lambda site, slug, pid: edit_post(
        site,
        _admin(site),
        slug,
        pid,
        PostChanges(elements=[{"type": "text", "markdown": "No photo now."}]),
        _version(site, slug, pid),
    ),
}


def _blog_status(site: Site, slug: str, status: str) -> None:

    update_blog(site, _admin(site), slug, BlogChanges.model_validate({"status": status}))


@pytest.mark.parametrize(
    "steps",
    [
        [("delete the post", 404), ("restore it", 200)],
        [("put the blog back in draft", 404), ("end the blog", 200)],
        [("edit the photo out", 404)],
    ],
    ids=["deleted then restored", "draft blog then ended", "edited out"],
)
def test_a_photo_is_public_while_a_published_post_shows_it(
    client: Client, site: Site, published_photo: tuple[str, str, Photo], steps: list[Any]
) -> None:
    slug, post_id, photo = published_photo
    address = f"/media/{photo.filename}"
    first = client.get(address)
    assert first.status_code == 200 and first.content == photo.data
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(address, headers={"if-none-match": first.headers["etag"]}).status_code == 304
    for step, status in steps:
        STEPS[step](site, slug, post_id)
        answer = client.get(address)
        assert answer.status_code == status, step
        if status == 404:
            assert photo.data not in answer.content
            assert client.request("HEAD", address).status_code == 404


def test_the_desk_sees_photos_readers_cannot(
    client: Client, site: Site, published_photo: tuple[str, str, Photo]
) -> None:
    slug, post_id, photo = published_photo
    delete_post(site, _admin(site), slug, post_id)
    assert client.get(f"/media/{photo.filename}").status_code == 404
    assert client.post(
        "/editor/login", data={"email": "ed@media.example", "password": PASSWORD}
    ).is_redirect
    answer = client.get(f"/media/{photo.filename}")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("name", ["../liveblog.db", ".hidden", "nothing-here.jpg", "a%2Fb.jpg"])
def test_odd_media_names_are_404(client: Client, name: str) -> None:
    assert client.get(f"/media/{name}").status_code == 404


def test_the_migration_links_photos_posts_already_show(site: Site) -> None:
    """Upgrading keeps existing photos public: 0004 fills post_media from the posts."""

    # (the fixture's database is at head; go back to 0003 and forward again)
    command.downgrade(alembic_config(site.db.write_engine), "0003")
    with site.db.writing() as session:
        blog = session.execute(
            text(
                "INSERT INTO blogs (slug, title, language, timezone, status, last_seq, "
                "created_at, updated_at) VALUES ('old', 'Old', 'en', 'UTC', 'live', 0, "
                ":now, :now) RETURNING id"
            ),
            {"now": utcnow()},
        ).scalar_one()
        session.execute(
            text(
                "INSERT INTO posts (public_id, blog_id, elements, key_event, summary, sources, "
                "status, authors, created_at, version, body_html, body_text, label) VALUES "
                "('oldpost1', :blog, :elements, false, false, '[]', 'published', '[]', :now, "
                "1, '', '', '')"
            ),
            {
                "blog": blog,
                "now": utcnow(),
                "elements": '[{"type": "image", "caption": "c", "file": "photo-old.jpg"}]',
            },
        )
    command.upgrade(alembic_config(site.db.write_engine), "head")
    with site.db.reading() as session:
        assert session.scalars(select(PostMedia.filename)).all() == ["photo-old.jpg"]


# --- liveblog media prune ------------------------------------------------------------------


def _aged(site: Site, hours: float) -> None:
    with site.db.writing() as session:
        session.execute(update(Media).values(created_at=utcnow() - timedelta(hours=hours)))


def test_prune_removes_what_no_post_shows(
    site: Site, published_photo: tuple[str, str, Photo]
) -> None:
    slug, _post_id, shown = published_photo
    store = store_for(site.settings)
    admin = _admin(site)
    # A photo on a post that was deleted (it may be restored): kept.
    kept = clean_photo(admin, png(), "kept.png")
    new = NewPost.model_validate(
        {"elements": [{"type": "image", "caption": "K", "alt": "k", "file": kept.filename}]}
    )
    deleted_id = create_post(site, admin, slug, new, photos=[kept])["id"]
    delete_post(site, admin, slug, deleted_id)
    # A photo edited out of its post: its row and file go.
    gone = clean_photo(admin, png(), "gone.png")
    new = NewPost.model_validate(
        {"elements": [{"type": "image", "caption": "G", "alt": "g", "file": gone.filename}]}
    )
    gone_id = create_post(site, admin, slug, new, photos=[gone])["id"]
    STEPS["edit the photo out"](site, slug, gone_id)
    # Files without rows: an old one of ours goes; one stored a moment ago stays (its
    # transaction may not have committed), and so does anything not named by us.
    store.put("photo-0123456789abcdef.jpg", b"old", "image/jpeg")  # the old naming
    just_now = f"photo-{int(time.time()):08x}-0123456789abcdef.jpg"
    store.put(just_now, b"new", "image/jpeg")
    store.put("notes.txt", b"not ours", "text/plain")
    _aged(site, 2)
    # The edited-out photo goes with its WebP copy (too narrow for others), and the old one.
    assert prune_media(site).__dict__ == {"rows": 1, "files": 3}
    assert sorted(stored_files(site)) == sorted(
        [shown.filename, kept.filename, just_now, "notes.txt"]
    )
    assert {n.split("-64w")[0] for n in store.names() if "-64w." in n} == {
        shown.filename.rsplit(".")[0],
        kept.filename.rsplit(".")[0],
    }
    assert sorted(media_rows(site)) == sorted([shown.filename, kept.filename])
    assert prune_media(site).__dict__ == {"rows": 0, "files": 0}


def test_prune_leaves_young_rows(site: Site, published_photo: tuple[str, str, Photo]) -> None:
    slug, post_id, _shown = published_photo
    STEPS["edit the photo out"](site, slug, post_id)
    assert prune_media(site).__dict__ == {"rows": 0, "files": 0}
    assert prune_media(site, timedelta(0)).__dict__ == {"rows": 1, "files": 2}  # and its copy


def test_media_prune_on_the_command_line(database_url: str, tmp_path: Path, site: Site) -> None:
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    (media / "photo-0123456789abcdef.jpg").write_bytes(b"orphan")
    done = run(database_url, tmp_path, "media", "prune")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "removed 0 media rows and 1 files\n"
    assert not (media / "photo-0123456789abcdef.jpg").exists()
    wrong = run(database_url, tmp_path, "media", "prune", "--older-than", "soon")
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1
    assert "'soon' is not a valid float" in wrong.stderr
