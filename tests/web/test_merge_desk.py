"""The desk's merge of a clash over HTTP: a save refused because the post moved on opens
the merge of base, theirs and yours; the answers sent back make the saved post."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import set_membership
from liveblog.site import Site
from liveblog.storage import Blog, Revision
from tests.conftest import Client
from tests.web.test_editor import csrf_of, login, post_form, start_blog, stored_posts


def _desk(client: Client, site: Site) -> tuple[str, str]:
    login(client, site, "editor")
    token = csrf_of(client.get("/editor"))
    return token, start_blog(client, token)


def _hidden(page: httpx.Response) -> dict[str, Any]:
    """The merge form's hidden fields, and each radio group's checked answer."""
    form = page.text.split('class="merge-form', 1)[1]
    fields: dict[str, Any] = {
        m[0]: unescape(m[1])
        for m in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form)
    }
    for name, value in re.findall(r'name="(c-[a-z0-9-]+)" value="(\w+)" checked', form):
        fields[name] = value
    for name, value in re.findall(
        r'<textarea name="(c-[a-z0-9-]+-text)"[^>]*>\n(.*?)</textarea>', form, re.S
    ):
        fields[name] = unescape(value)
    for name, value in re.findall(r'<input name="(c-[a-z0-9-]+-text)"[^>]* value="([^"]*)"', form):
        fields[name] = unescape(value)
    fields["action"] = re.findall(r'name="action" value="(\w+)"', form)[0]
    return fields


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def _two_paragraphs(token: str, first: str, second: str, **fields: Any) -> dict[str, Any]:
    return post_form(token, f"{first}\n\n{second}", **fields)


def _clash(
    client: Client,
    site: Site,
    theirs: dict[str, Any],
    yours: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> tuple[str, str, httpx.Response]:
    token, slug = _desk(client, site)
    start = _two_paragraphs(token, "Smoke rises.", "Crowds leave.", title="Fire at the stadium")
    assert client.post(f"/editor/blogs/{slug}/posts", data=start).status_code == 303
    [post] = stored_posts(site)
    url = f"/editor/blogs/{slug}/posts/{post.public_id}"
    base = start | {"action": "save", "version": "1"}
    assert client.post(url, data=base | theirs).status_code == 303
    return slug, url, client.post(url, data=base | yours, files=files)


def test_changes_to_different_fields_are_merged_and_named(client: Client, site: Site) -> None:
    slug, url, page = _clash(
        client,
        site,
        {"title": "Fire spreads to the roof", "sources": "Police"},
        {"el-0-markdown": "Smoke rises.\n\nCrowds leave calmly.", "key_event": "1"},
    )
    assert page.status_code == 409
    assert "Merge your edit" in page.text and "version 2 is saved now" in page.text
    taken = page.text.split('id="taken-h"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"Headline</strong>:\s+theirs", taken)
    assert re.search(r"Sources</strong>:\s+theirs", taken)
    assert re.search(r"Key event</strong>:\s+yours", taken)
    assert re.search(r"Text and elements</strong>:\s+yours", taken)
    assert "merge-conflict" not in page.text
    saved = client.post(f"{url}/merge", data=_hidden(page))
    assert saved.status_code == 303, saved.text
    [post] = stored_posts(site)
    assert post.version == 3 and post.title == "Fire spreads to the roof"
    assert post.sources == ["Police"] and post.key_event
    assert post.elements == [{"type": "text", "markdown": "Smoke rises.\n\nCrowds leave calmly."}]
    with site.db.reading() as session:
        note = session.scalar(select(Revision.note).where(Revision.version == 3))
    assert note == "merged with version 2"
    reader = client.get(f"/live/{slug}").text
    assert "Fire spreads to the roof" in reader and "Crowds leave calmly." in reader


def test_both_changing_one_thing_shows_three_sides_and_takes_the_answers(
    client: Client, site: Site
) -> None:
    slug, url, page = _clash(
        client,
        site,
        {
            "title": "Huge fire at the stadium",
            "el-0-markdown": "Thick smoke rises.\n\nCrowds leave.",
        },
        {"title": "Fire at the old stadium", "el-0-markdown": "Smoke rises fast.\n\nCrowds leave."},
    )
    assert page.status_code == 409
    title = page.text.split('id="conflict-title"', 1)[1].split("</fieldset>", 1)[0]
    for side in ("Fire at the stadium", "Huge fire at the stadium", "Fire at the old stadium"):
        assert f'<p class="merge-text">{side}</p>' in title
    # The suggestion merges the two headlines word by word; it is chosen until changed.
    assert 'value="Huge fire at the old stadium"' in title
    assert 'name="c-title" value="merged" checked' in title
    part = page.text.split('id="conflict-elements-1"', 1)[1].split("</fieldset>", 1)[0]
    assert '<p class="merge-text">Smoke rises.</p>' in part
    assert "Thick smoke rises fast.</textarea>" in part
    assert "Crowds leave." not in part  # nobody changed it: merged, not asked about
    sent = _hidden(page) | {
        "c-title": "theirs",
        "c-elements-1": "merged",
        "c-elements-1-text": "Thick smoke rises, fast.\r\n\r\nFlames are seen.",
    }
    assert client.post(f"{url}/merge", data=sent).status_code == 303
    [post] = stored_posts(site)
    assert post.title == "Huge fire at the stadium"
    assert post.elements == [
        {
            "type": "text",
            "markdown": "Thick smoke rises, fast.\n\nFlames are seen.\n\nCrowds leave.",
        }
    ]
    assert "Flames are seen." in client.get(f"/live/{slug}").text


def test_a_post_moved_again_while_merging_is_merged_again(client: Client, site: Site) -> None:
    _slug, url, page = _clash(
        client, site, {"title": "Theirs"}, {"title": "Yours", "sources": "AFP"}
    )
    form = _hidden(page) | {"c-title": "yours"}
    third = post_form(csrf_of(page), "Smoke rises.\n\nCrowds leave.", action="save")
    third |= {"title": "Theirs", "version": "2", "summary": "1"}
    assert client.post(url, data=third).status_code == 303
    again = client.post(f"{url}/merge", data=form)
    assert again.status_code == 409 and "saved again while you were merging" in again.text
    assert 'name="base" value="2"' in again.text and 'name="version" value="3"' in again.text
    assert json.loads(_hidden(again)["yours"])["title"] == "Yours"  # the choice is kept
    assert client.post(f"{url}/merge", data=_hidden(again)).status_code == 303
    [post] = stored_posts(site)
    assert (post.title, post.sources, post.summary, post.version) == ("Yours", ["AFP"], True, 4)


def test_a_missing_answer_or_a_mangled_form_is_refused_with_a_message(
    client: Client, site: Site
) -> None:
    _slug, url, page = _clash(client, site, {"title": "Theirs"}, {"title": "Yours"})
    form = _hidden(page)
    del form["c-title"]
    missing = client.post(f"{url}/merge", data=form)
    assert (
        missing.status_code == 422
        and "choose theirs, yours or a merged text for Headline" in missing.text
    )
    assert "merge-conflict" in missing.text  # the merge is shown again
    for bad in (
        {"yours": "{"},
        {"yours": '{"title": 5}'},
        {"yours": '{"secret": 1}'},
        {"base": "x"},
    ):
        refused = client.post(f"{url}/merge", data=_hidden(page) | bad)
        assert refused.status_code == 422, bad
    [post] = stored_posts(site)
    assert post.title == "Theirs" and post.version == 2


def test_the_merge_is_only_for_those_who_may_edit_the_post(client: Client, site: Site) -> None:
    slug, url, page = _clash(client, site, {"title": "Theirs"}, {"title": "Yours"})
    form = _hidden(page)
    client._client.cookies.clear()
    email = login(client, site, "contributor")  # on no blog's team
    token = csrf_of(client.get("/editor"))
    refused = client.post(f"{url}/merge", data=form | {"csrf": token})
    assert refused.status_code == 403
    # On the team as a contributor, they may read the published post but not edit it.
    set_membership(site, SYSTEM, slug, email, "contributor")
    refused = client.post(f"{url}/merge", data=form | {"csrf": token})
    assert refused.status_code == 403
    assert "a contributor may edit only their own drafts" in refused.text
    [post] = stored_posts(site)
    assert post.title == "Theirs" and post.version == 2


def test_the_pin_is_merged_from_who_changed_it(client: Client, site: Site) -> None:
    token, slug = _desk(client, site)
    start = post_form(token, "Smoke rises.", title="Fire")
    assert client.post(f"/editor/blogs/{slug}/posts", data=start).status_code == 303
    [post] = stored_posts(site)
    url = f"/editor/blogs/{slug}/posts/{post.public_id}"
    assert 'name="was_pinned" value="0"' in client.get(url).text
    opened = start | {"action": "save", "version": "1", "was_pinned": "0"}
    # A colleague pins the post and edits its headline; you, who had not pinned it, edit
    # the text: the pin is theirs, and stays.
    assert client.post(f"{url}/pin", data={"csrf": token}).status_code == 303
    assert (
        client.post(url, data=opened | {"title": "Fire spreads", "pinned": "1"}).status_code == 303
    )
    page = client.post(url, data=opened | {"el-0-markdown": "Smoke rises fast."})
    assert re.search(r"Pinned</strong>:\s+theirs", page.text)
    assert client.post(f"{url}/merge", data=_hidden(page)).status_code == 303
    with site.db.reading() as session:
        pinned = session.scalar(select(Blog.pinned_post_id))
    [post] = stored_posts(site)
    assert pinned == post.id and post.title == "Fire spreads"
    assert post.elements[0]["markdown"] == "Smoke rises fast."
    # Now you, who saw it pinned, unpin it while they edit the text again: yours.
    opened = opened | {"version": "3", "was_pinned": "1", "title": "Fire spreads"}
    opened["el-0-markdown"] = "Smoke rises fast."
    assert (
        client.post(url, data=opened | {"pinned": "1", "el-0-markdown": "Theirs."}).status_code
        == 303
    )
    page = client.post(url, data=opened | {"title": "Yours"})
    assert re.search(r"Pinned</strong>:\s+yours", page.text)
    assert client.post(f"{url}/merge", data=_hidden(page)).status_code == 303
    with site.db.reading() as session:
        assert session.scalar(select(Blog.pinned_post_id)) is None
    [post] = stored_posts(site)
    assert (post.title, post.elements[0]["markdown"]) == ("Yours", "Theirs.")


def test_a_photo_chosen_in_the_clashing_edit_is_kept_through_the_merge(
    client: Client, site: Site
) -> None:
    _slug, url, page = _clash(
        client,
        site,
        {"title": "Theirs"},
        {
            "elements": "2",
            "el-1-type": "image",
            "el-1-caption": "The east stand",
            "el-1-credit": "",
            "el-1-alt": "Smoke over a stand",
        },
        files={"el-1-upload": ("stand.jpg", _jpeg(), "image/jpeg")},
    )
    assert page.status_code == 409
    assert '<span class="merge-kind">Photo:</span>' not in page.text  # only yours added it
    sent = _hidden(page)
    assert sent["photo"]  # the photo travels sealed with the merge
    assert client.post(f"{url}/merge", data=sent).status_code == 303
    [post] = stored_posts(site)
    assert post.title == "Theirs"
    image = post.elements[1]
    assert image["caption"] == "The east stand"
    assert client.get(f"/media/{image['file']}").status_code == 200
