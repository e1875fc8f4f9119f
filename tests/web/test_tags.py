"""Tags over HTTP: the API carries them on posts and manages a blog's list; the reader
page, JSON-LD and feeds show them; the desk's composer ticks and adds them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape
from typing import Any

from liveblog.site import Site
from tests.conftest import Client, text_post
from tests.web.test_editor import csrf_of, login, post_form, start_blog

Json = dict[str, Any]


def test_the_api_carries_tags_and_manages_the_blog_s_list(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="quake")
    made = client.post(
        "/api/v1/blogs/quake/posts",
        headers=editor,
        json=text_post("Aftershock.", tags=[" Antakya ", "Rescue  teams", "antakya"]),
    )
    assert made.status_code == 201, made.text
    post = made.json()
    assert post["tags"] == ["Antakya", "Rescue teams"]
    assert client.get(f"/api/v1/blogs/quake/posts/{post['id']}").json()["tags"] == post["tags"]
    patched = client.patch(
        f"/api/v1/blogs/quake/posts/{post['id']}",
        headers=editor | {"If-Match": '"1"'},
        json={"tags": ["ANTAKYA", "Iskenderun"]},
    )
    assert patched.status_code == 200 and patched.json()["tags"] == ["Antakya", "Iskenderun"]

    listed = client.get("/api/v1/blogs/quake/tags", headers=editor).json()["tags"]
    assert [(t["name"], t["slug"], t["posts"]) for t in listed] == [
        ("Antakya", "antakya", 1),
        ("Iskenderun", "iskenderun", 1),
        ("Rescue teams", "rescue-teams", 0),
    ]
    added = client.post("/api/v1/blogs/quake/tags", headers=editor, json={"name": "Aid"})
    assert added.status_code == 201 and added.json() == {"name": "Aid", "slug": "aid", "posts": 0}
    again = client.post("/api/v1/blogs/quake/tags", headers=editor, json={"name": " AID "})
    assert again.status_code == 409 and "Aid" in again.json()["detail"]

    renamed = client.patch(
        "/api/v1/blogs/quake/tags/antakya", headers=editor, json={"name": "Hatay"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Hatay" and renamed.json()["posts"] == 1
    assert any(url.endswith(post["id"]) for url in renamed.json()["purge"])
    got = client.get(f"/api/v1/blogs/quake/posts/{post['id']}")
    assert got.json()["tags"] == ["Hatay", "Iskenderun"] and got.headers["etag"] == '"3"'

    deleted = client.delete("/api/v1/blogs/quake/tags/Iskenderun", headers=editor)
    assert deleted.status_code == 200 and deleted.json()["posts"] == 1
    assert client.get(f"/api/v1/blogs/quake/posts/{post['id']}").json()["tags"] == ["Hatay"]
    assert client.delete("/api/v1/blogs/quake/tags/iskenderun", headers=editor).status_code == 404
    assert client.get("/api/v1/blogs/quake/tags").status_code == 401


def test_the_api_refuses_bad_tags_with_a_message(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="quake")
    cases = [
        ([f"t{n}" for n in range(11)], "tags"),
        (["x" * 41], "40 characters"),
        (["?!"], "letter or a digit"),
        ("Antakya", "tags"),
    ]
    for tags, says in cases:
        response = client.post(
            "/api/v1/blogs/quake/posts", headers=editor, json=text_post("x", tags=tags)
        )
        assert response.status_code == 422, response.text
        assert says in response.text
    long_name = client.post("/api/v1/blogs/quake/tags", headers=editor, json={"name": "y" * 41})
    assert long_name.status_code == 422 and "40 characters" in long_name.json()["detail"]
    too_long_key = client.delete("/api/v1/blogs/quake/tags/" + "z" * 201, headers=editor)
    assert too_long_key.status_code == 422


def _jsonld(page: str) -> Json:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found
    data: Json = json.loads(unescape(found.group(1)))
    return data


def test_readers_see_tags_on_the_page_in_json_ld_and_in_feeds(
    client: Client, editor: Json, new_blog: Callable[..., Json]
) -> None:
    new_blog(slug="quake")
    client.post(
        "/api/v1/blogs/quake/posts",
        headers=editor,
        json=text_post("Aftershock.", tags=["Antakya", "Rescue <teams>"]),
    )
    client.post("/api/v1/blogs/quake/posts", headers=editor, json=text_post("Untagged."))
    page = client.get("/live/quake").text
    assert page.count('class="post-tags"') == 1
    assert '<li class="tag">Antakya</li><li class="tag">Rescue &lt;teams&gt;</li>' in page
    updates = _jsonld(page)["liveBlogUpdate"]
    assert [u.get("keywords") for u in updates] == [None, "Antakya, Rescue <teams>"]
    atom = client.get("/live/quake/feed.atom").text
    assert 'term="antakya"' in atom and 'label="Antakya"' in atom
    assert 'term="rescue-teams"' in atom
    items = client.get("/live/quake/feed.json").json()["items"]
    assert [item.get("tags") for item in items] == [None, ["Antakya", "Rescue <teams>"]]


def test_the_composer_ticks_the_blog_s_tags_and_adds_new_ones(client: Client, site: Site) -> None:
    login(client, site, "editor")
    token = csrf_of(client.get("/editor"))
    slug = start_blog(client, token)
    first = client.post(
        f"/editor/blogs/{slug}/posts",
        data=post_form(token, "Ferries stop.", new_tags="Dover, Calais ,  dover"),
    )
    assert first.status_code == 303, first.text
    desk = client.get(f"/editor/blogs/{slug}").text
    # The blog's tags are offered as boxes (unticked in a new post) and in the datalist.
    assert '<input type="checkbox" name="tag" value="Calais">' in desk
    assert '<input type="checkbox" name="tag" value="Dover">' in desk
    assert '<option value="Dover">' in desk
    # The post list shows the post's tags.
    assert '<li class="tag">Dover</li><li class="tag">Calais</li>' in desk
    second = client.post(
        f"/editor/blogs/{slug}/posts",
        data=post_form(token, "Queues.", tag=["Calais"], new_tags="calais, Folkestone"),
    )
    assert second.status_code == 303, second.text
    post_id = second.headers["location"].rsplit("#post-", 1)[1]
    edit = client.get(f"/editor/blogs/{slug}/posts/{post_id}").text
    assert '<input type="checkbox" name="tag" value="Calais" checked>' in edit
    assert '<input type="checkbox" name="tag" value="Folkestone" checked>' in edit
    assert '<input type="checkbox" name="tag" value="Dover">' in edit
    # Unticking one and saving takes it off; what the form sent back keeps its boxes on error.
    saved = client.post(
        f"/editor/blogs/{slug}/posts/{post_id}",
        data=post_form(token, "Queues.", action="save", version="1", tag=["Folkestone"]),
    )
    assert saved.status_code == 303, saved.text
    api = client.get(f"/api/v1/blogs/{slug}/posts/{post_id}").json()
    assert api["tags"] == ["Folkestone"] and api["version"] == 2
    refused = client.post(
        f"/editor/blogs/{slug}/posts",
        data=post_form(
            token, "Too many.", tag=["Dover"], new_tags=",".join(f"t{n}" for n in range(10))
        ),
    )
    assert refused.status_code == 422
    assert "Tags: " in unescape(refused.text) and "at most 10" in refused.text
    assert 'value="t0,t1,t2' in refused.text
    assert '<input type="checkbox" name="tag" value="Dover" checked>' in refused.text


def test_the_desk_s_tags_page_adds_renames_and_deletes(client: Client, site: Site) -> None:
    login(client, site, "editor")
    token = csrf_of(client.get("/editor"))
    slug = start_blog(client, token)
    client.post(f"/editor/blogs/{slug}/posts", data=post_form(token, "x", new_tags="Dover"))
    assert f'href="/editor/blogs/{slug}/tags"' in client.get(f"/editor/blogs/{slug}").text
    page = client.get(f"/editor/blogs/{slug}/tags").text
    assert re.search(r'<th scope="row">Dover</th>\s*<td>1</td>', page)
    added = client.post(f"/editor/blogs/{slug}/tags", data={"csrf": token, "name": " Calais "})
    assert added.status_code == 303
    assert "Added: the composer offers it now." in client.get(added.headers["location"]).text
    twice = client.post(f"/editor/blogs/{slug}/tags", data={"csrf": token, "name": "calais"})
    assert twice.status_code == 409 and "already" in twice.text and 'value="calais"' in twice.text
    too_long = client.post(f"/editor/blogs/{slug}/tags", data={"csrf": token, "name": "x" * 41})
    assert too_long.status_code == 422 and "40 characters" in unescape(too_long.text)
    renamed = client.post(
        f"/editor/blogs/{slug}/tags/dover/rename", data={"csrf": token, "name": "Port of Dover"}
    )
    assert renamed.status_code == 303
    assert '<li class="tag">Port of Dover</li>' in client.get(f"/editor/blogs/{slug}").text
    deleted = client.post(f"/editor/blogs/{slug}/tags/port-of-dover/delete", data={"csrf": token})
    assert deleted.status_code == 303
    page = client.get(f"/editor/blogs/{slug}/tags").text
    assert "Port of Dover" not in page and '<th scope="row">Calais</th>' in page
