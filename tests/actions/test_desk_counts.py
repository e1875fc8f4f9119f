"""The desk's blog list counts waiting posts only as far as the person may know of them."""

from __future__ import annotations

from collections.abc import Callable

from liveblog.actions.blogs import desk_blogs, set_membership
from liveblog.actions.users import actor_for_token
from liveblog.site import Site
from tests.conftest import Client, text_post


def test_a_contributor_on_a_team_counts_only_their_own_waiting_posts(
    client: Client, make_user: Callable[[str], dict[str, str]], site: Site
) -> None:
    owner, writer, colleague = (make_user(r) for r in ("editor", "contributor", "contributor"))
    made = client.post(
        "/api/v1/blogs", json={"title": "Count test"}, headers={"Authorization": owner["auth"]}
    )
    slug = made.json()["slug"]
    owner_actor = actor_for_token(site, owner["token"])
    for person in (writer, colleague):
        set_membership(site, owner_actor, slug, person["email"], "contributor")
    for person, count in ((writer, 1), (colleague, 2)):
        for i in range(count):
            answer = client.post(
                f"/api/v1/blogs/{slug}/posts",
                json=text_post(f"draft {i}", status="draft"),
                headers={"Authorization": person["auth"]},
            )
            assert answer.status_code == 201, answer.text
    with site.db.reading() as session:
        mine = {
            r.blog.slug: r.waiting
            for r in desk_blogs(session, actor_for_token(site, writer["token"]))
        }
        everyone = {r.blog.slug: r.waiting for r in desk_blogs(session, owner_actor)}
    assert mine == {slug: 1}
    assert everyone[slug] == 3
