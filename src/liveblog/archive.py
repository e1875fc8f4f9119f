"""A blog written out as static files (`liveblog archive SLUG DIR`) that any static host
serves, under any path, with every link working.

The files are the live site's own answers: the app runs in-process and each page, feed,
photo and static file is fetched from it, so the archive is rendered by the same templates
and queries as the site. Links are then made relative:

- page 1 is ``index.html``, page N (``?page=N``) is ``page-N.html``;
- each post's permalink is ``posts/<id>.html``, a page that sends the reader on to the
  page and the post (the live permalink is a redirect; a static host has none);
- the feeds keep their names (``feed.atom``, ``feed.json``, ``key-events.atom``,
  ``key-events.json``), photos go to ``media/`` and the CSS and scripts to ``static/``.

The live script (``live.js``) and the notifications' (``notify.js``) are left out: an
archive has no server to stream from or subscribe with, and the page is complete without
them. The reader's small scripts (share, the folded pinned post, click-to-load embeds)
stay. The JSON-LD, the canonical address inside it and the feeds' entries keep the live
site's absolute addresses, which a feed and structured data need.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import posixpath
import re
import secrets
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import anyio
import httpx

from liveblog.errors import LiveblogError
from liveblog.render.feeds import FEEDS
from liveblog.site import Site
from liveblog.storage import queries as q

log = logging.getLogger("liveblog.archive")

_LINK = re.compile(r'\b(href|src|srcset)="([^"]*)"')
# The live script and the notifications' (whose opt-in stays hidden without it): an archive
# has no server to stream from or to subscribe with.
_LIVE_SCRIPT = re.compile(r'<script src="/static/(?:live|notify)\.js[^"]*"[^>]*></script>\n?')
# The oEmbed endpoint is the live site's: a static copy has none to point to.
_OEMBED = re.compile(r'<link rel="alternate" type="application/json\+oembed"[^>]*>\n?')
_SHARED = re.compile(
    r'<a class="share-link" href="[^"]*/posts/([^"/]+)" data-share-title="([^"]*)"'
)
_NEXT = re.compile(r'<a rel="next" href="')
# The site's own CSS, icon and scripts, which the archive cannot do without (a post's links
# are in <a>, <img> and <source>).
_ASSET = re.compile(r'<(?:link|script)\s[^>]*?\b(?:href|src)="[^"]*?/static/([^"?#]*)')
_PAGE_NAME = re.compile(r"page-(\d+)\.html")


@dataclass
class Archived:
    """What one archive holds."""

    directory: Path
    pages: int = 0
    posts: set[str] = field(default_factory=set)
    photos: set[str] = field(default_factory=set)
    static: set[str] = field(default_factory=set)

    def summary(self) -> str:
        return (
            f"wrote {_count(self.pages, 'page')}, {_count(len(self.posts), 'permalink')}, "
            f"{_count(len(self.photos), 'photo')} and {len(FEEDS)} feeds to {self.directory}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def page_file(page: int) -> str:
    return "index.html" if page == 1 else f"page-{page}.html"


def _safe_name(name: str) -> bool:
    """Whether ``name`` (a file under ``static/`` or ``media/``, from a link a contributor may
    have written) stays inside its folder as written and as decoded: no ``..`` or ``.``
    segment, no backslash, nothing a normalisation would change."""
    for form in (name, unquote(name)):
        if not form or "\\" in form or "\0" in form or form.startswith("/"):
            return False
        if posixpath.normpath(form) != form or form.split("/")[0] in (".", ".."):
            return False
    return True


class _Links:
    """Turns the live site's addresses into the archive's relative ones, and remembers the
    files they need (photos, static files, permalinks)."""

    def __init__(self, base_url: str, slug: str, archived: Archived) -> None:
        self.base_url = base_url
        self.blog = f"/live/{slug}"
        self.archived = archived
        # Files the site does not have (a deleted photo, a typo in a post): their links
        # keep the live address.
        self.missing: set[str] = set()

    def local(self, url: str, prefix: str = "") -> str:
        if url.startswith(self.base_url + "/"):
            url = url[len(self.base_url) :]
        if not url.startswith("/") or url.startswith("//"):
            return url  # a fragment, or an address elsewhere
        parts = urlsplit(url)
        path, anchor = parts.path, f"#{parts.fragment}" if parts.fragment else ""
        if path in ("/", self.blog):
            pages = parse_qs(parts.query).get("page", ["1"])
            number = int(pages[0]) if pages[0].isdigit() else 1
            return prefix + page_file(number) + anchor
        if path.startswith(self.blog + "/posts/"):
            post_id = path.rsplit("/", 1)[1]
            self.archived.posts.add(post_id)
            return f"{prefix}posts/{post_id}.html{anchor}"
        if path.startswith(self.blog + "/") and path.rsplit("/", 1)[1] in FEEDS:
            return prefix + path.rsplit("/", 1)[1]
        for folder, names in (("static", self.archived.static), ("media", self.archived.photos)):
            if path.startswith(f"/{folder}/"):
                name = path.removeprefix(f"/{folder}/")
                if not _safe_name(name) or path in self.missing:
                    break  # outside the folder, or not on the site: the live address
                names.add(name)
                return prefix + path.lstrip("/")
        # Another page of the site (another blog, say): the live address.
        return self.base_url + url

    def rewrite(self, html: str) -> str:
        html = _OEMBED.sub("", _LIVE_SCRIPT.sub("", html))

        def attribute(match: re.Match[str]) -> str:
            name, value = match.group(1), match.group(2)
            if name == "srcset":
                candidates = [c.strip().split(" ", 1) for c in value.split(",") if c.strip()]
                value = ", ".join(" ".join([self.local(c[0]), *c[1:]]) for c in candidates)
            else:
                value = self.local(value)
            return f'{name}="{value}"'

        return _LINK.sub(attribute, html)


def _check_directory(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise LiveblogError(f"{directory} is a file, not a directory")
    if directory.is_dir() and any(directory.iterdir()):
        raise LiveblogError(f"{directory} is not empty: give a new or empty directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "posts").mkdir()
    except OSError as exc:
        raise LiveblogError(f"cannot write to {directory}: {exc.strerror or exc}") from None


def _redirect_page(target: str, label: str, lang: str) -> str:
    """A permalink's file: it sends the reader on at once, and says where to, for a browser
    that does not follow the refresh."""
    target, label = escape(target), escape(label or "this update")
    return (
        f'<!doctype html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{target}">\n<title>{label}</title>\n</head>\n'
        f'<body>\n<p><a href="{target}">{label}</a></p>\n</body>\n</html>\n'
    )


# In each archive that the worker keeps: the seq of the blog it shows.
STAMP = ".liveblog-seq"
# The archives this process could not write, by folder: the blog's seq then, and when (on
# the monotonic clock) that seq failed. A failure is logged once per seq; the same
# seq is tried again after RETRY_SECONDS (a disk freed meanwhile), a new seq at the next
# poll, and everything once more when the worker restarts.
RETRY_SECONDS = 3600.0
_failed: dict[Path, tuple[int, float]] = {}


def archive_ended_blogs(site: Site) -> float | None:
    """The worker's job, when ``LIVEBLOG_ARCHIVE_DIR`` is set: every ended blog whose
    archive in ``<archive_dir>/<slug>`` is missing, or older than the blog's last change
    (an edit after the end, a blog reopened and ended again), is written again. Ending a
    blog therefore never waits for its archive, which follows within a poll. The archive
    of a blog that is no longer ended (reopened, back in draft, gone) is removed: only
    folders with the ``.liveblog-seq`` stamp are, never another folder of the operator's."""
    if not site.settings.archive_dir:
        return None
    root = Path(site.settings.archive_dir)
    with site.db.reading() as session:
        ended = dict(q.ended_blogs(session))
    for slug, seq in ended.items():
        if _archived_seq(root / slug) == seq or _waiting(root / slug, seq):
            continue
        root.mkdir(parents=True, exist_ok=True)
        with (root / ".lock").open("w") as lock:
            # Several server processes of one machine share the folder: one writes.
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _archived_seq(root / slug) != seq:
                archive_ended_blog(site, slug, seq)
    if any(folder.name not in ended for folder in _archives(root)):
        with (root / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with site.db.reading() as session:  # as of now, not of before the writing
                ended = dict(q.ended_blogs(session))
            for folder in _archives(root):
                if folder.name not in ended:
                    _remove(folder)
    return None


def _archives(root: Path) -> list[Path]:
    """The archives the job keeps in ``root``: its folders with the stamp."""
    if not root.is_dir():
        return []
    return [
        folder
        for folder in root.iterdir()
        if not folder.name.startswith(".") and folder.is_dir() and (folder / STAMP).is_file()
    ]


def _remove(folder: Path) -> None:
    """Takes ``folder`` off the static host at once (renamed aside), then deletes it."""
    aside = folder.with_name(f".{folder.name}.gone.{secrets.token_hex(4)}")
    try:
        folder.rename(aside)
    except FileNotFoundError:
        return  # another process removed it first
    except OSError as exc:
        log.error("could not remove the archive %s: %s", folder, exc)
        return
    log.info("removed the archive %s: its blog is no longer ended", folder)
    shutil.rmtree(aside, ignore_errors=True)


def _waiting(directory: Path, seq: int) -> bool:
    """Whether writing ``seq`` into ``directory`` failed lately, so waits for its retry."""
    failed = _failed.get(directory)
    return failed is not None and failed[0] == seq and time.monotonic() < failed[1] + RETRY_SECONDS


def _archived_seq(directory: Path) -> int | None:
    try:
        return int((directory / STAMP).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def archive_ended_blog(site: Site, slug: str, seq: int) -> Path | None:
    """Blog ``slug``'s archive at ``seq``, in ``<archive_dir>/<slug>``, written beside and
    then put in place of an earlier one. The blog has ended whatever happens here, so a
    failure is logged, not raised (once per seq; see ``RETRY_SECONDS``); returns where the
    archive is, or None."""
    root = Path(site.settings.archive_dir)
    final = root / slug
    fresh = root / f".{slug}.{secrets.token_hex(4)}"
    try:
        write_archive(site, slug, fresh)
        (fresh / STAMP).write_text(str(seq), encoding="ascii")
        if final.exists():
            old = root / f".{slug}.old.{secrets.token_hex(4)}"
            final.rename(old)
            fresh.rename(final)
            shutil.rmtree(old)
        else:
            fresh.rename(final)
    except (LiveblogError, OSError) as exc:
        if _failed.get(final, (None,))[0] != seq:
            log.error(
                "could not archive %s in %s: %s (tried again when the blog changes, or in %d"
                " minutes)",
                slug,
                root,
                exc,
                RETRY_SECONDS // 60,
            )
        _failed[final] = (seq, time.monotonic())
        shutil.rmtree(fresh, ignore_errors=True)
        return None
    _failed.pop(final, None)
    return final


def write_archive(site: Site, slug: str, directory: Path) -> Archived:
    """Writes blog ``slug`` (live or ended) into ``directory``, which must be new or empty."""
    with site.db.reading() as session:
        lang = q.blog_by_slug(session, slug).language
    _check_directory(directory)
    archived = Archived(directory)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        anyio.run(_write, site, slug, lang, archived)
    else:  # called from async code: the app runs on a loop of its own, in a thread
        with ThreadPoolExecutor(1) as thread:
            thread.submit(anyio.run, _write, site, slug, lang, archived).result()
    return archived


async def _write(site: Site, slug: str, lang: str, archived: Archived) -> None:
    from liveblog.app import create_app

    directory = archived.directory
    links = _Links(site.settings.base_url, slug, archived)
    # In-process, without the lifespan: no hub, no bus; the pages need neither.
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(site=site)),
        base_url=site.settings.base_url,
        headers={"accept-encoding": "identity"},
    )

    async def fetch(path: str) -> bytes:
        answer = await client.get(path)
        if answer.status_code != 200:
            raise LiveblogError(f"{path}: the site answered {answer.status_code}")
        return bytes(answer.content)

    fetched: set[str] = set()

    async def files(html: str) -> None:
        """Writes the files a page links to and has not had yet. Only the site's own CSS and
        scripts must be there: a post's link to a file the site does not have is logged
        and keeps the live address."""
        links.rewrite(html)  # to learn the names
        required = set(_ASSET.findall(html))
        for folder, names in (("static", archived.static), ("media", archived.photos)):
            for name in sorted(names):
                url = f"/{folder}/{name}"
                if url in fetched:
                    continue
                fetched.add(url)
                path = directory / folder / name
                if not path.resolve().is_relative_to(directory.resolve() / folder):
                    raise LiveblogError(f"{folder}/{name} is outside the archive")
                answer = await client.get(url)
                if answer.status_code != 200:
                    if folder == "static" and name in required:
                        raise LiveblogError(f"{url}: the site answered {answer.status_code}")
                    log.warning(
                        "archive of %s: %s answered %s, its links keep the live address",
                        slug,
                        url,
                        answer.status_code,
                    )
                    links.missing.add(url)
                    names.discard(name)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(answer.content)

    async with client:
        labels: dict[str, str] = {}
        pages_of: dict[str, int] = {}
        page, more = 1, True
        while more:
            html = (await fetch(f"/live/{slug}" + (f"?page={page}" if page > 1 else ""))).decode()
            for post_id, label in _SHARED.findall(html):
                archived.posts.add(post_id)
                labels[post_id] = unescape(label)
            # The page whose stream shows a post is where its permalink leads (the pinned
            # post is also shown above every page's stream).
            stream = html.split('<section class="stream"', 1)[-1]
            for post_id, _label in _SHARED.findall(stream):
                pages_of[post_id] = page
            await files(html)
            (directory / page_file(page)).write_text(links.rewrite(html), encoding="utf-8")
            archived.pages, page, more = page, page + 1, bool(_NEXT.search(html))
        for name in FEEDS:
            (directory / name).write_bytes(await fetch(f"/live/{slug}/{name}"))
        for post_id in sorted(archived.posts):
            if post_id in pages_of:
                target = f"../{page_file(pages_of[post_id])}#post-{post_id}"
            else:  # not in any stream the archive holds: ask the site where it is now
                answer = await client.get(f"/live/{slug}/posts/{post_id}")
                if answer.status_code != 302:
                    continue  # deleted while the archive was written
                target = links.local(answer.headers["location"], prefix="../")
                found = _PAGE_NAME.search(target)
                if found and int(found.group(1)) > archived.pages:
                    continue  # published meanwhile, on a page the archive does not hold
            page_html = _redirect_page(target, labels.get(post_id, ""), lang)
            (directory / "posts" / f"{post_id}.html").write_text(page_html, encoding="utf-8")
