"""Photos at the desk: a preview stores nothing, and a photo is stored in the same
transaction as the post that shows it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from liveblog.actions import Actor
from liveblog.actions.blogs import create_blog
from liveblog.actions.media import clean_photo, store_for
from liveblog.actions.posts import create_post
from liveblog.actions.users import create_user
from liveblog.errors import Forbidden
from liveblog.schema import BlogFields, NewPost
from liveblog.site import Site
from liveblog.storage import Media
from tests.actions.test_photo_metadata import SECRET, exif, jpeg, png
from tests.conftest import Client
from tests.web.test_editor import PASSWORD, csrf_of, post_form, start_blog, stored_posts

# --- the desk: preview stores nothing; a photo is stored with its post ----------------------


def media_rows(site: Site) -> list[str]:
    with site.db.reading() as session:
        return list(session.scalars(select(Media.filename)))


def stored_files(site: Site) -> list[str]:
    return store_for(site.settings).names()


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
        {"elements": [{"type": "image", "caption": "Pier", "file": photo.filename}]}
    )
    contributor = Actor(user_id=editor_id + 100, role="contributor", name="Con")
    with pytest.raises(Forbidden):  # a contributor may not publish: refused in the transaction
        create_post(site, contributor, slug, post, photos=[photo])
    assert stored_files(site) == [] and media_rows(site) == []
    create_post(site, editor, slug, post, photos=[photo])
    create_post(site, editor, slug, post, photos=[photo])  # the form sent twice
    assert stored_files(site) == [photo.filename] and media_rows(site) == [photo.filename]
