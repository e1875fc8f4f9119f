"""Photos done properly: the widths made once at upload, the API's upload and library, the
reader page's srcset, and the rule that a published photo has alt text."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from PIL import Image
from sqlalchemy import update

from liveblog.actions import Actor
from liveblog.actions.media import WIDTHS, clean_photo, make_variants, prune_media, store_for
from liveblog.actions.posts import require_alt
from liveblog.actions.users import create_token, create_user
from liveblog.app import create_app
from liveblog.errors import Invalid
from liveblog.render import render_body
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import Media
from liveblog.storage.tables import utcnow
from tests.actions.test_photo_metadata import SECRET, exif
from tests.conftest import Client

Json = dict[str, Any]
ADMIN = Actor(user_id=None, role="admin", name="Admin")


def photo_bytes(width: int, height: int, kind: str = "JPEG", **options: Any) -> bytes:
    """A picture with a gradient and some noise, as a photo has."""
    noise = Image.effect_noise((width, height), 30)
    gradient = Image.linear_gradient("L").resize((width, height))
    if kind == "PNG":
        picture = Image.merge("RGBA", (noise, gradient, noise, gradient))
    else:
        picture = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    out = io.BytesIO()
    picture.save(out, format=kind, **options)
    return out.getvalue()


# --- the pipeline ---------------------------------------------------------------------------


def test_a_photo_gets_each_narrower_width_in_its_format_and_every_width_in_webp() -> None:
    photo = clean_photo(ADMIN, photo_bytes(2000, 1000, exif=exif()), "wide.jpg")
    made = {v.filename: v for v in make_variants(photo)}
    stem = photo.filename.removesuffix(".jpg")
    expected = {f"{stem}-{w}w.jpg" for w in WIDTHS} | {f"{stem}-{w}w.webp" for w in (*WIDTHS, 2000)}
    assert set(made) == expected
    for variant in made.values():
        with Image.open(io.BytesIO(variant.data)) as image:
            assert image.format == ("WEBP" if variant.filename.endswith(".webp") else "JPEG")
            assert image.size == (variant.width, round(1000 * variant.width / 2000))
            assert not image.getexif()  # cleaned first: no copy brings the metadata back
        assert SECRET.encode() not in variant.data
    # Smaller in WebP than in JPEG at the same width, and smaller as they narrow.
    assert len(made[f"{stem}-360w.webp"].data) < len(made[f"{stem}-360w.jpg"].data)
    assert len(made[f"{stem}-360w.jpg"].data) < len(made[f"{stem}-1600w.jpg"].data)


def test_a_narrow_png_gets_only_a_webp_copy_and_keeps_transparency() -> None:
    photo = clean_photo(ADMIN, photo_bytes(300, 200, "PNG"), "logo.png")
    made = make_variants(photo)
    assert [(v.filename.rsplit("-", 1)[1], v.content_type) for v in made] == [
        ("300w.webp", "image/webp")
    ]
    with Image.open(io.BytesIO(made[0].data)) as image:
        assert image.mode == "RGBA"


# --- rendering ------------------------------------------------------------------------------


def test_a_photo_with_widths_renders_a_picture_with_srcset_sizes_width_and_height() -> None:
    element = {"type": "image", "caption": "Pier", "alt": "A pier", "file": "photo-a.jpg"}
    media = {"photo-a.jpg": {"width": 1200, "height": 800, "widths": [360, 720, 1080, 1200]}}
    html = render_body([element], media=media)
    assert '<source type="image/webp" srcset="/media/photo-a-360w.webp 360w, ' in html
    assert "/media/photo-a-1200w.webp 1200w" in html
    assert (
        'srcset="/media/photo-a-360w.jpg 360w, /media/photo-a-720w.jpg 720w, '
        '/media/photo-a-1080w.jpg 1080w, /media/photo-a.jpg 1200w"'
    ) in html
    assert 'width="1200" height="800"' in html and 'sizes="' in html
    assert 'loading="lazy" decoding="async"' in html and 'alt="A pier"' in html
    # A file stored before there were widths renders as it always did.
    assert render_body([element]) == (
        '<figure class="post-figure"><img src="/media/photo-a.jpg" alt="A pier" '
        'loading="lazy" decoding="async"><figcaption>Pier</figcaption></figure>'
    )


# --- alt text is needed to publish ----------------------------------------------------------


def test_the_alt_rule_names_the_photo() -> None:
    elements = [
        {"type": "text", "markdown": "Water."},
        {"type": "image", "caption": "Harbour", "alt": "Boats", "file": None},
        {"type": "image", "caption": "Sandbags along the harbour wall", "alt": " ", "file": None},
    ]
    with pytest.raises(Invalid) as refused:
        require_alt(elements)
    assert refused.value.detail == (
        'Photo 2 ("Sandbags along the harbour wall") needs alt text: describe it for people '
        "who cannot see it."
    )
    assert refused.value.field == "elements.2.alt"
    require_alt(elements[:2])


def test_the_api_publishes_a_photo_only_with_alt_text(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="alt")
    photo = {"type": "image", "caption": "Sandbags along the harbour wall", "file": None}
    refused = client.post("/api/v1/blogs/alt/posts", headers=editor, json={"elements": [photo]})
    assert refused.status_code == 422
    assert 'Photo 1 ("Sandbags along the harbour wall") needs alt text' in refused.json()["detail"]
    draft = client.post(
        "/api/v1/blogs/alt/posts", headers=editor, json={"elements": [photo], "status": "draft"}
    )
    assert draft.status_code == 201, draft.text
    post = draft.json()
    publishing = client.patch(
        f"/api/v1/blogs/alt/posts/{post['id']}",
        headers=editor | {"If-Match": '"1"'},
        json={"status": "published"},
    )
    assert publishing.status_code == 422 and "needs alt text" in publishing.json()["detail"]
    described = client.patch(
        f"/api/v1/blogs/alt/posts/{post['id']}",
        headers=editor | {"If-Match": '"1"'},
        json={"status": "published", "elements": [photo | {"alt": "Sandbags on a quay"}]},
    )
    assert described.status_code == 200 and described.json()["status"] == "published"


# --- uploading through the API --------------------------------------------------------------


def upload(client: Client, who: Json, slug: str, data: bytes, **words: str) -> Any:
    return client.post(
        f"/api/v1/blogs/{slug}/media",
        headers=who,
        files={"file": ("harbour.jpg", data, "image/jpeg")},
        data=words,
    )


def test_an_uploaded_photo_is_shown_by_a_post_in_every_width(
    client: Client, site: Site, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="up")
    answer = upload(
        client, editor, "up", photo_bytes(3000, 2000, exif=exif()), caption="Quay", credit="Ann"
    )
    assert answer.status_code == 201, answer.text
    photo = answer.json()
    assert (photo["width"], photo["height"]) == (2400, 1600)  # scaled to the stored max
    assert photo["file"].endswith(".jpg") and photo["caption"] == "Quay"
    assert set(photo["widths"]) == {"jpg", "webp"}
    assert list(photo["widths"]["webp"]) == ["360", "720", "1080", "1600", "2400"]
    assert (
        photo["widths"]["jpg"]["2400"] == photo["url"] == f"http://testserver/media/{photo['file']}"
    )
    stored = store_for(site.settings).get(photo["file"])
    assert stored is not None and SECRET.encode() not in stored.data
    # Not shown by any published post yet: readers get nothing.
    small = photo["widths"]["webp"]["360"].removeprefix("http://testserver")
    assert client.get(small).status_code == 404
    post = client.post(
        "/api/v1/blogs/up/posts",
        headers=editor,
        json={
            "elements": [
                {"type": "image", "caption": "Quay", "alt": "A wet quay", "file": photo["file"]}
            ]
        },
    )
    assert post.status_code == 201, post.text
    html = post.json()["body_html"]
    assert f'srcset="/media/{photo["file"].removesuffix(".jpg")}-360w.webp 360w' in html
    assert 'width="2400" height="1600"' in html
    shown = client.get(small)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/webp"
    assert shown.headers["cache-control"] == "public, max-age=31536000, immutable"
    with Image.open(io.BytesIO(shown.content)) as image:
        assert image.size == (360, 240)
    # Only the widths made exist: another width of the same photo is not there.
    other = small.replace("-360w.", "-500w.")
    assert client.get(other).status_code == 404
    page = client.get("/live/up")
    assert 'sizes="' in page.text and "-720w.jpg 720w" in page.text


def test_an_upload_is_checked_and_limited(
    client: Client,
    settings: Settings,
    make_user: Callable[[str], dict[str, str]],
    new_blog: Callable[..., Json],
) -> None:
    owner = make_user("editor")
    owner_auth = {"Authorization": owner["auth"]}
    client.post("/api/v1/blogs", json={"title": "Limits", "slug": "lim"}, headers=owner_auth)
    not_a_photo = upload(client, owner_auth, "lim", b"%PDF-1.4 not a photo")
    assert not_a_photo.status_code == 422
    assert "harbour.jpg is not a picture that can be read" in not_a_photo.json()["detail"]
    empty = upload(client, owner_auth, "lim", b"")
    assert empty.status_code == 422
    long_alt = upload(client, owner_auth, "lim", photo_bytes(50, 50), alt="x" * 2001)
    assert long_alt.status_code == 422
    huge = photo_bytes(9000, 5000, quality=20)  # 45 megapixels
    assert "more than 40 million pixels" in upload(client, owner_auth, "lim", huge).json()["detail"]
    assert upload(client, {}, "lim", photo_bytes(50, 50)).status_code == 401
    stranger = {"Authorization": make_user("contributor")["auth"]}
    refused = upload(client, stranger, "lim", photo_bytes(50, 50))
    assert refused.status_code == 403 and "not on its team" in refused.json()["detail"]
    assert client.get("/api/v1/blogs/lim/media", headers=stranger).status_code == 403


def test_uploads_per_hour_are_limited(database_url: str, tmp_path: Any) -> None:

    settings = Settings(
        database_url=database_url,
        media_dir=tmp_path / "m",
        base_url="http://testserver",
        uploads_per_hour=2,
    )
    limited = Site.from_settings(settings)
    try:
        create_user(limited, "up@newsroom.example", "correct horse battery", "editor")
        auth = {"Authorization": f"Bearer {create_token(limited, 'up@newsroom.example', 't')}"}
        with start_blocking_portal() as portal:
            raw = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(site=limited)),
                base_url="http://testserver",
            )
            client = Client(portal, raw)
            client.post("/api/v1/blogs", json={"title": "Many", "slug": "many"}, headers=auth)
            for _ in range(2):
                assert upload(client, auth, "many", photo_bytes(40, 40)).status_code == 201
            third = upload(client, auth, "many", photo_bytes(40, 40))
            assert third.status_code == 429 and third.headers["retry-after"]
            assert "2 photos in the last hour" in third.json()["detail"]
            portal.call(raw.aclose)
    finally:
        limited.db.dispose()


def test_the_library_lists_a_blogs_photos_with_words_and_uploader(
    client: Client,
    site: Site,
    make_user: Callable[[str], dict[str, str]],
) -> None:
    owner = make_user("editor")
    auth = {"Authorization": owner["auth"]}
    client.post("/api/v1/blogs", json={"title": "Lib", "slug": "lib"}, headers=auth)
    client.post("/api/v1/blogs", json={"title": "Other", "slug": "other"}, headers=auth)
    first = upload(client, auth, "lib", photo_bytes(800, 600), caption="One", credit="Ann").json()
    second = upload(client, auth, "lib", photo_bytes(800, 600), alt="Two boats").json()
    upload(client, auth, "other", photo_bytes(800, 600))
    listed = client.get("/api/v1/blogs/lib/media", headers=auth)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 2 and body["pages"] == 1
    assert [p["file"] for p in body["photos"]] == [second["file"], first["file"]]
    one = body["photos"][1]
    assert (one["caption"], one["credit"], one["alt"], one["shown_in"]) == ("One", "Ann", None, 0)
    assert one["uploaded_by"] and one["uploaded_at"].endswith("Z")
    assert one["thumbnail"].endswith("-360w.jpg")
    # A post shows the second: counted, and its words are what the upload gave.
    post = client.post(
        "/api/v1/blogs/lib/posts",
        headers=auth,
        json={
            "elements": [
                {"type": "image", "caption": "Boats", "alt": "Two boats", "file": second["file"]}
            ]
        },
    )
    assert post.status_code == 201
    again = client.get("/api/v1/blogs/lib/media", headers=auth).json()["photos"][0]
    assert again["shown_in"] == 1 and again["alt"] == "Two boats"


def test_an_upload_no_post_shows_is_pruned_with_its_copies(
    client: Client, site: Site, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="prune")
    unused = upload(client, editor, "prune", photo_bytes(800, 600)).json()
    used = upload(client, editor, "prune", photo_bytes(800, 600)).json()
    element = {"type": "image", "alt": "Boats", "file": used["file"]}
    assert client.post(
        "/api/v1/blogs/prune/posts", headers=editor, json={"elements": [element]}
    ).is_success
    store = store_for(site.settings)
    # Recent uploads are kept: the post that will show one may not be written yet.
    assert prune_media(site).__dict__ == {"rows": 0, "files": 0}
    with site.db.writing() as session:
        session.execute(update(Media).values(created_at=utcnow() - timedelta(hours=2)))
    # 800 px wide: 360 and 720 in JPEG, and 360, 720 and 800 in WebP, with the photo.
    assert prune_media(site).__dict__ == {"rows": 1, "files": 6}
    left = store.names()
    assert not [n for n in left if n.startswith(unused["file"].removesuffix(".jpg"))]
    assert len([n for n in left if n.startswith(used["file"].removesuffix(".jpg"))]) == 6
