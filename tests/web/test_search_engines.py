"""What search engines read: robots.txt, the news sitemap, and the page's JSON-LD as Google's
live coverage rules ask for it (read from the served page)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from sqlalchemy import update

from liveblog.actions import Actor
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.media import clean_photo
from liveblog.actions.posts import create_post, edit_post
from liveblog.actions.users import create_user
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.site import Site
from liveblog.storage import Blog
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow
from liveblog.web.sitemap import NEWS_WINDOW, SitemapCache, news_ends
from tests.actions.test_photo_metadata import png
from tests.conftest import Client
from tests.web.test_reader_page import count_queries, jsonld

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def editor_of(site: Site) -> Actor:
    user_id = create_user(site, "ed@search.example", "correct horse battery", "editor")
    return Actor(user_id=user_id, role="editor", name="Ed")


def test_robots_points_to_the_sitemap(client: Client) -> None:
    answer = client.get("/robots.txt")
    assert answer.status_code == 200
    lines = answer.text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /editor" in lines and "Disallow: /api/" in lines


def test_the_sitemap_lists_public_blogs_with_news_for_recent_ones(
    client: Client, site: Site
) -> None:
    actor = editor_of(site)
    live = create_blog(site, actor, BlogFields(title="Count night & results", language="en-GB"))
    old = create_blog(site, actor, BlogFields(title="Last year's storm"))
    draft = create_blog(site, actor, BlogFields(title="Not yet", status="draft"))
    update_blog(site, actor, old["slug"], BlogChanges.model_validate({"status": "ended"}))
    with site.db.writing() as session:  # the old blog last changed a week ago
        session.execute(
            update(Blog)
            .where(Blog.slug == old["slug"])
            .values(updated_at=utcnow() - timedelta(days=7))
        )
    answer = client.get("/sitemap.xml")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(answer.content)
    urls = {u.findtext("s:loc", namespaces=NS): u for u in root.findall("s:url", NS)}
    base = "http://testserver"
    assert set(urls) == {f"{base}/", f"{base}/live/{live['slug']}", f"{base}/live/{old['slug']}"}
    assert f"{base}/live/{draft['slug']}" not in urls
    for url in urls.values():
        assert url.findtext("s:lastmod", namespaces=NS)
    news = urls[f"{base}/live/{live['slug']}"].find("news:news", NS)
    assert news is not None
    assert news.findtext("news:publication/news:name", namespaces=NS) == "liveblog"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Count night & results"
    assert news.findtext("news:publication_date", namespaces=NS) == live["created_at"]
    assert urls[f"{base}/live/{old['slug']}"].find("news:news", NS) is None


def test_jsonld_follows_the_live_coverage_rules(client: Client, site: Site) -> None:
    actor = editor_of(site)
    slug = create_blog(site, actor, BlogFields(title="Harbour floods"))["slug"]
    photo = clean_photo(actor, png(), "quay.png")
    photo_post = NewPost.model_validate(
        {
            "elements": [
                {
                    "type": "image",
                    "caption": "The quay",
                    "alt": "A stone quay",
                    "file": photo.filename,
                }
            ]
        }
    )
    create_post(site, actor, slug, photo_post, photos=[photo])
    words = NewPost.model_validate(
        {
            "title": "A headline " + "long " * 40,
            "elements": [{"type": "text", "markdown": "Water over the quay."}],
            "authors": ["Ana Ruiz"],
        }
    )
    post_id = create_post(site, actor, slug, words)["id"]
    edit_post(site, actor, slug, post_id, PostChanges(sources=["Coastguard"]), 1)

    data = jsonld(client.get(f"/live/{slug}").text)
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] and "coverageEndTime" not in data
    assert data["publisher"] == {"@type": "Organization", "name": "liveblog"}
    written, pictured = data["liveBlogUpdate"]
    for update_ in (written, pictured):
        assert update_["@type"] == "BlogPosting"
        assert update_["headline"] and len(update_["headline"]) <= 110
        assert update_["datePublished"] and update_["dateModified"]
        assert update_["url"].startswith(f"http://testserver/live/{slug}/posts/")
        assert "articleBody" in update_
    assert written["url"].endswith(post_id)
    assert written["headline"].startswith("A headline long") and written["headline"][-1] == "…"
    assert written["dateModified"] > written["datePublished"]
    assert written["articleBody"] == "Water over the quay."
    assert written["author"] == [{"@type": "Person", "name": "Ana Ruiz"}]
    assert pictured["headline"].startswith("Update at ")
    assert pictured["image"] == [f"http://testserver/media/{photo.filename}"]

    update_blog(site, actor, slug, BlogChanges.model_validate({"status": "ended"}))
    ended = jsonld(client.get(f"/live/{slug}").text)
    assert ended["coverageEndTime"] >= ended["coverageStartTime"]
    # An edit after the end changes the blog, not when its coverage ended.
    edit_post(site, actor, slug, post_id, PostChanges(sources=["Coastguard", "Met Office"]), 2)
    later = jsonld(client.get(f"/live/{slug}").text)
    assert later["coverageEndTime"] == ended["coverageEndTime"]
    assert later["dateModified"] > ended["coverageEndTime"]


def test_the_sitemap_is_built_again_only_when_a_blog_changes(client: Client, site: Site) -> None:
    """A request for an unchanged sitemap reads how many blogs there are and their latest
    change, not the blogs; any change to a blog readers see builds it again."""
    actor = editor_of(site)
    blog = create_blog(site, actor, BlogFields(title="Count night"))
    first = client.get("/sitemap.xml")
    with count_queries(site) as statements:
        again = client.get("/sitemap.xml")
    assert again.content == first.content
    assert len(statements) == 1 and "count(" in statements[0].lower()
    update_blog(site, actor, blog["slug"], BlogChanges(title="Count night: results"))
    assert b"Count night: results" in client.get("/sitemap.xml").content
    other = create_blog(site, actor, BlogFields(title="Storm"))
    assert f"/live/{other['slug']}<".encode() in client.get("/sitemap.xml").content
    update_blog(site, actor, other["slug"], BlogChanges.model_validate({"status": "draft"}))
    assert f"/live/{other['slug']}<".encode() not in client.get("/sitemap.xml").content


def test_a_kept_sitemap_lasts_until_its_first_news_entry_runs_out(site: Site) -> None:
    actor = editor_of(site)
    create_blog(site, actor, BlogFields(title="Count night"))
    with site.db.reading() as session:
        blogs = q.sitemap_blogs(session)
    now = utcnow()
    ends = news_ends(blogs, now)
    assert ends == blogs[0].updated_at + NEWS_WINDOW
    assert news_ends(blogs, now + NEWS_WINDOW + timedelta(seconds=1)) is None
    cache = SitemapCache()
    cache.put("v1", "<urlset/>", ends)
    assert cache.get("v1", now) == "<urlset/>"
    assert cache.get("v2", now) is None
    assert cache.get("v1", ends) is None
