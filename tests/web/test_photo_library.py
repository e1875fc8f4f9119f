"""A blog's photo library at the desk: the photos its posts stored, with their words, who
and when; "Use in a new post" opens the composer with one, which publishes as it was."""

from __future__ import annotations

import re

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.actions.users import create_user
from liveblog.schema import BlogFields
from liveblog.site import Site
from tests.conftest import Client
from tests.web.test_editor import PASSWORD, csrf_of, post_form, start_blog, stored_posts
from tests.web.test_photo_api import photo_bytes


def test_the_desk_lists_a_blogs_photos_and_reuses_one(client: Client, site: Site) -> None:
    create_user(site, "lib@desk.example", PASSWORD, "editor", name="Lee Ames")
    assert client.post(
        "/editor/login", data={"email": "lib@desk.example", "password": PASSWORD}
    ).is_redirect
    token = csrf_of(client.get("/editor"))
    slug = start_blog(client, token, "Harbour storm")
    form = post_form(
        token,
        "The sea wall at noon.",
        elements="2",
        **{
            "el-1-type": "image",
            "el-1-caption": "Sea wall",
            "el-1-credit": "Jo Blake",
            "el-1-alt": "Waves over a sea wall",
        },
    )
    files = {"el-1-upload": ("wall.jpg", photo_bytes(900, 600), "image/jpeg")}
    assert client.post(f"/editor/blogs/{slug}/posts", data=form, files=files).status_code == 303
    [first] = stored_posts(site)
    name = first.elements[1]["file"]

    assert f'href="/editor/blogs/{slug}/photos"' in client.get(f"/editor/blogs/{slug}").text
    library = client.get(f"/editor/blogs/{slug}/photos")
    assert library.status_code == 200
    text = library.text
    assert f'src="/media/{name.removesuffix(".jpg")}-360w.jpg"' in text
    assert "Sea wall" in text and "Photograph: Jo Blake" in text
    assert "Alt text: Waves over a sea wall" in text and "Lee Ames" in text
    assert "shown in 1 post<" in text
    use = re.search(r'href="(/editor/blogs/[^"]+\?photo=[^"#]+)#composer-h"', text)
    assert use is not None

    composer = client.get(use.group(1)).text
    assert f'name="el-0-file" value="{name}"' in composer
    assert 'name="el-0-caption" maxlength="2000" value="Sea wall"' in composer
    assert 'value="Jo Blake"' in composer and 'value="Waves over a sea wall"' in composer
    # Sent as shown (a headline added), it publishes the same file with the same words.
    fields = dict(re.findall(r'name="(el-0-[a-z]+)"[^>]*value="([^"]*)"', composer))
    sent = {
        "csrf": token,
        "elements": "1",
        "el-0-type": "image",
        "title": "The wall again",
        "action": "publish",
    } | {k: v for k, v in fields.items() if k not in ("el-0-type", "el-0-remove")}
    assert client.post(f"/editor/blogs/{slug}/posts", data=sent).status_code == 303
    second = stored_posts(site)[1]
    assert second.elements == [
        {
            "type": "image",
            "caption": "Sea wall",
            "credit": "Jo Blake",
            "alt": "Waves over a sea wall",
            "file": name,
        }
    ]
    assert "shown in 2 posts<" in client.get(f"/editor/blogs/{slug}/photos").text
    # Another blog's photo is not in this blog's library.
    other = create_blog(site, SYSTEM, BlogFields(title="Other", slug="other"))
    assert other["slug"] == "other"
    assert client.get(f"/editor/blogs/other?photo={name}").status_code == 404
