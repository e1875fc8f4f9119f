"""`liveblog archive SLUG DIR`: a static copy of a blog that a plain static server serves,
under any path, with every link working and none leaving the copy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from liveblog import archive
from liveblog.actions import SYSTEM, Actor
from liveblog.actions.blogs import create_blog, update_blog
from liveblog.actions.media import clean_photo
from liveblog.actions.posts import create_post, delete_post, edit_post, set_pinned
from liveblog.actions.users import create_user
from liveblog.archive import archive_ended_blogs, write_archive
from liveblog.errors import LiveblogError, NotFound
from liveblog.schema import BlogChanges, BlogFields, NewPost, PostChanges
from liveblog.settings import Settings
from liveblog.site import Site
from tests.actions.test_photo_metadata import png
from tests.servers import free_port
from tests.test_cli import assert_one_line_error, run
from tests.waiting import wait_until


@pytest.fixture
def blog(site: Site) -> dict[str, Any]:
    """A blog of three pages: 44 posts, one with a photo, one edited, one deleted, the
    oldest pinned."""
    actor = Actor(
        user_id=create_user(site, "ed@archive.example", "correct horse battery", "editor"),
        role="editor",
        name="Ed",
    )
    slug = create_blog(site, actor, BlogFields(title="Harbour floods"))["slug"]
    ids = []
    for n in range(44):
        words = f"Reading number {n} from the harbour gauge."
        new = NewPost.model_validate(
            {"elements": [{"type": "text", "markdown": words}], "key_event": n % 10 == 0}
        )
        ids.append(create_post(site, actor, slug, new)["id"])
    photo = clean_photo(actor, png(), "quay.png")
    new = NewPost.model_validate(
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
    photo_post = create_post(site, actor, slug, new, photos=[photo])["id"]
    edit_post(site, actor, slug, ids[3], PostChanges(title="Gauge three, corrected"), 1)
    delete_post(site, actor, slug, ids[7])
    set_pinned(site, actor, slug, ids[0], True)  # shown atop every page; its post is on page 3
    return {"slug": slug, "ids": ids, "photo": photo, "photo_post": photo_post}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        for name in ("href", "src"):
            if name in found and tag in ("a", "link", "img", "script", "source"):
                self.links.append(found[name])
        if "srcset" in found:
            self.links += [c.strip().split(" ")[0] for c in found["srcset"].split(",")]
        if tag == "script" and "src" in found:
            self.scripts.append(found["src"])
        if tag == "meta" and found.get("http-equiv") == "refresh":
            self.links.append(found["content"].split("url=", 1)[1])


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[str]:
    """``python -m http.server`` serving tmp_path/site (the archive goes under a path of it)."""
    root = tmp_path / "site"
    root.mkdir()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(url + "/").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, 10, what="the static server")
        yield url
    finally:
        server.terminate()
        server.wait(10)


def crawl(start: str) -> dict[str, tuple[httpx.Response, _Links]]:
    """Every address reachable from ``start``; fails on a broken link, a missing anchor, or a
    link that leaves the folder ``start`` is in."""
    inside = start.rsplit("/", 1)[0] + "/"
    seen: dict[str, tuple[httpx.Response, _Links]] = {}
    anchors: list[tuple[str, str, str]] = []
    queue = [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        answer = httpx.get(url)
        assert answer.status_code == 200, f"broken link: {url}"
        parsed = _Links()
        if url.endswith(".html"):
            parsed.feed(answer.text)
        seen[url] = (answer, parsed)
        for link in parsed.links:
            target = urljoin(url, link)
            assert target.startswith(inside), f"{url} links out of the archive: {link}"
            parts = urlsplit(target)
            page = target.split("#", 1)[0].split("?", 1)[0]
            assert not parts.query, f"{url}: {link} needs a query a static host ignores"
            if parts.fragment:
                anchors.append((url, page, parts.fragment))
            queue.append(page)
    for url, page, anchor in anchors:
        assert anchor in seen[page][1].ids, f"{url}: no #{anchor} in {page}"
    return seen


def test_the_archive_serves_from_a_static_host_with_every_link_working(
    site: Site, database_url: str, tmp_path: Path, blog: dict[str, Any], static_server: str
) -> None:
    out = tmp_path / "site" / "some" / "path" / "harbour"
    made = run(database_url, tmp_path, "archive", blog["slug"], str(out))
    assert made.returncode == 0, made.stderr
    # The photo, and its WebP copy that the page's srcset names (it is narrower than 360 px).
    assert made.stdout.strip() == (f"wrote 3 pages, 44 permalinks, 2 photos and 4 feeds to {out}")
    seen = crawl(f"{static_server}/some/path/harbour/index.html")
    base = f"{static_server}/some/path/harbour/"
    names = {url.removeprefix(base) for url in seen}
    ids, deleted = blog["ids"], blog["ids"][7]
    live_ids = [i for i in ids if i != deleted] + [blog["photo_post"]]
    assert {"index.html", "page-2.html", "page-3.html"} <= names
    assert {f"posts/{i}.html" for i in live_ids} <= names
    assert f"posts/{deleted}.html" not in names and not (out / "posts" / f"{deleted}.html").exists()
    assert {"feed.atom", "feed.json", "key-events.atom", "key-events.json"} <= names
    photo = seen[f"{base}media/{blog['photo'].filename}"][0]
    assert photo.content == blog["photo"].data
    pages = [seen[base + name][0].text for name in ("index.html", "page-2.html", "page-3.html")]
    everything = "".join(pages)
    assert "Gauge three, corrected" in everything
    assert "Reading number 7 " not in everything
    for name in ("index.html", "page-2.html", "page-3.html"):
        scripts = seen[base + name][1].scripts
        # The live script stays behind; the reader's and the embeds' click-to-load go along.
        assert scripts == ["static/reader.js", "static/clicktoload.js"]
        assert 'type="application/ld+json"' in seen[base + name][0].text
    # A permalink lands on the page that holds its post.
    oldest = seen[f"{base}posts/{ids[0]}.html"][0].text
    assert f'url=../page-3.html#post-{ids[0]}"' in oldest


def test_bad_input_is_one_line(
    site: Site, database_url: str, tmp_path: Path, blog: dict[str, Any]
) -> None:
    unknown = run(database_url, tmp_path, "archive", "nowhere", str(tmp_path / "a"))
    assert_one_line_error(unknown, "no blog with the slug 'nowhere'")
    full = tmp_path / "full"
    full.mkdir()
    (full / "old.html").write_text("x")
    assert_one_line_error(
        run(database_url, tmp_path, "archive", blog["slug"], str(full)), "is not empty"
    )


def test_write_archive_in_process(site: Site, tmp_path: Path, blog: dict[str, Any]) -> None:
    """The quick check, without a subprocess or a server: the files and their links."""
    archived = write_archive(site, blog["slug"], tmp_path / "out")
    assert archived.pages == 3 and len(archived.posts) == 44
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="page-2.html"' in index and "live.js" not in index
    assert 'href="http://testserver' not in index and 'href="/' not in index
    with pytest.raises(NotFound):
        write_archive(site, "nowhere", tmp_path / "other")
    with pytest.raises(LiveblogError, match="not empty"):
        write_archive(site, blog["slug"], tmp_path / "out")
    assert not (tmp_path / "other").exists()


def test_ending_a_blog_archives_it_when_asked(
    database_url: str, tmp_path: Path, blog: dict[str, Any]
) -> None:
    """With LIVEBLOG_ARCHIVE_DIR, the worker's job writes an ended blog's archive; ending it
    again (after a reopening) replaces the copy, and so does an edit after the end."""
    settings = Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        base_url="http://testserver",
        archive_dir=str(tmp_path / "archives"),
    )
    site = Site.from_settings(settings)
    admin = SYSTEM
    slug = blog["slug"]
    try:
        update_blog(site, admin, slug, BlogChanges.model_validate({"title": "Harbour, later"}))
        archive_ended_blogs(site)
        assert not (tmp_path / "archives").exists()  # only ended blogs are archived
        update_blog(site, admin, slug, BlogChanges.model_validate({"status": "ended"}))
        archive_ended_blogs(site)
        index = tmp_path / "archives" / slug / "index.html"
        assert "This live blog has ended." in index.read_text()
        written = index.stat().st_mtime_ns
        archive_ended_blogs(site)  # nothing changed: nothing written
        assert index.stat().st_mtime_ns == written
        update_blog(site, admin, slug, BlogChanges.model_validate({"status": "live"}))
        update_blog(site, admin, slug, BlogChanges.model_validate({"title": "Harbour, at last"}))
        update_blog(site, admin, slug, BlogChanges.model_validate({"status": "ended"}))
        archive_ended_blogs(site)
        assert "Harbour, at last" in index.read_text()
        update_blog(site, admin, slug, BlogChanges.model_validate({"title": "Harbour, ended"}))
        archive_ended_blogs(site)
        assert "Harbour, ended" in index.read_text()
        kept = sorted(p.name for p in (tmp_path / "archives").iterdir())
        assert kept == [".lock", slug]  # no copy half-written or left behind
    finally:
        site.db.dispose()


def _post(site: Site, slug: str, markdown: str) -> str:
    new = NewPost.model_validate({"elements": [{"type": "text", "markdown": markdown}]})
    return str(create_post(site, SYSTEM, slug, new)["id"])


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def test_links_that_climb_out_of_the_folder_are_not_followed(
    site: Site, tmp_path: Path, blog: dict[str, Any]
) -> None:
    """A contributor's link that climbs out of static/ or media/ keeps the live address, and
    nothing is written outside the archive."""
    slug = blog["slug"]
    climbing = [
        "/static/a/../../../../static/reader.css",
        f"/media/../../../../live/{slug}/feed.json",
        "/static/%2e%2e/%2e%2e/%2e%2e/static/reader.css",
        "/media/a\\..\\..\\x.png",
    ]
    _post(site, slug, " ".join(f"[link {n}]({url})" for n, url in enumerate(climbing)))
    out = tmp_path / "deep" / "down" / "out"
    before = _files(tmp_path)
    archived = write_archive(site, slug, out)
    assert archived.pages == 3
    assert {p for p in _files(tmp_path) - before if not p.is_relative_to(out)} == set()
    index = (out / "index.html").read_text()
    assert 'href="http://testserver/static/a/../../../../static/reader.css"' in index
    assert f'href="http://testserver/media/../../../../live/{slug}/feed.json"' in index
    assert "static/%2e%2e" not in index.replace("http://testserver/static/%2e%2e", "")


def test_an_archive_goes_when_its_blog_is_no_longer_ended(
    database_url: str, tmp_path: Path, blog: dict[str, Any]
) -> None:
    """A blog reopened, or back in draft, loses its archive at the worker's next look, so a
    post deleted meanwhile is not kept published; other folders are left alone."""
    root = tmp_path / "archives"
    settings = Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        base_url="http://testserver",
        archive_dir=str(root),
    )
    site = Site.from_settings(settings)
    slug = blog["slug"]
    status = {"ended": BlogChanges.model_validate({"status": "ended"})}
    status |= {s: BlogChanges.model_validate({"status": s}) for s in ("live", "draft")}
    try:
        (root / "operator" / "notes").mkdir(parents=True)  # someone else's, without a stamp
        (root / "gone-blog").mkdir()  # a stamped archive whose blog is no more
        (root / "gone-blog" / ".liveblog-seq").write_text("3")
        for reopened in ("live", "draft"):
            update_blog(site, SYSTEM, slug, status["ended"])
            archive_ended_blogs(site)
            assert (root / slug / "index.html").is_file()
            assert not (root / "gone-blog").exists()
            update_blog(site, SYSTEM, slug, status[reopened])
            archive_ended_blogs(site)
            assert not (root / slug).exists(), reopened
            assert sorted(p.name for p in root.iterdir()) == [".lock", "operator"]
            assert (root / "operator" / "notes").is_dir()
    finally:
        site.db.dispose()


def test_a_link_to_a_missing_file_keeps_the_live_address(
    site: Site, tmp_path: Path, blog: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A post linking to a photo or static file the site does not have (deleted, mistyped)
    does not stop the archive: the link keeps the live address, and the log says so."""
    slug = blog["slug"]
    _post(site, slug, "[the old photo](/media/deleted.png) and [a typo](/static/readr.css)")
    with caplog.at_level("WARNING", logger="liveblog.archive"):
        archived = write_archive(site, slug, tmp_path / "out")
    photo = blog["photo"]
    webp = f"{photo.filename.rsplit('.', 1)[0]}-{photo.width}w.webp"  # named by the srcset
    assert archived.pages == 3 and archived.photos == {photo.filename, webp}
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="http://testserver/media/deleted.png"' in index
    assert 'href="http://testserver/static/readr.css"' in index
    assert 'href="static/reader.css' in index  # the site's own is there
    assert not (tmp_path / "out" / "media" / "deleted.png").exists()
    assert "/media/deleted.png answered 404" in caplog.text


def test_a_failed_archive_is_not_written_again_at_every_poll(
    database_url: str,
    tmp_path: Path,
    blog: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An archive that cannot be written (a full disk) is logged once, and tried again when
    the blog changes or after RETRY_SECONDS, not at every poll."""
    root = tmp_path / "archives"
    settings = Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        base_url="http://testserver",
        archive_dir=str(root),
    )
    site = Site.from_settings(settings)
    slug = blog["slug"]
    tries: list[Path] = []

    def full_disk(site: Site, slug: str, directory: Path) -> None:
        tries.append(directory)
        raise OSError(28, "No space left on device")

    def failures() -> int:
        return sum("could not archive" in r.getMessage() for r in caplog.records)

    try:
        update_blog(site, SYSTEM, slug, BlogChanges.model_validate({"status": "ended"}))
        with monkeypatch.context() as patched, caplog.at_level("ERROR", "liveblog.archive"):
            patched.setattr(archive, "write_archive", full_disk)
            for _poll in range(3):
                archive_ended_blogs(site)
            assert len(tries) == 1 and failures() == 1
            update_blog(site, SYSTEM, slug, BlogChanges.model_validate({"title": "Later"}))
            for _poll in range(3):
                archive_ended_blogs(site)
            assert len(tries) == 2 and failures() == 2  # a new seq: tried, and said, once
            patched.setattr(archive, "RETRY_SECONDS", 0.0)
            archive_ended_blogs(site)
            assert len(tries) == 3 and failures() == 2  # the retry of a seq is not logged
            patched.setattr(archive, "write_archive", write_archive)  # room again
            archive_ended_blogs(site)
            assert "Later" in (root / slug / "index.html").read_text()
            assert failures() == 2 and root / slug not in archive._failed
        assert sorted(p.name for p in root.iterdir()) == [".lock", slug]
    finally:
        site.db.dispose()
