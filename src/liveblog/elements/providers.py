"""The sites whose videos and posts an embed element may show in a frame: one entry each.

An embed's address is recognised here, without the network: its host must be one of the
provider's hosts exactly (``youtube.com.evil.example`` is not YouTube), and its path must
have the provider's shape. Mastodon has no fixed host: any server's status address
(``https://HOST/@name/DIGITS``) is recognised, and its own host serves the frame.

From a recognised address come the frame's address (on the provider's privacy-friendly
host where it has one), its shape, its sandbox and its permissions; the reader's script
(static/clicktoload.js) builds the frame from them only when the reader asks. An address
no provider recognises is shown as a plain link card, never framed. The reader page's
content security policy allows frames from :func:`frame_hosts` and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

# The tokens a frame's sandbox may hold; the reader's script refuses any other.
SANDBOX_TOKENS = ("allow-scripts", "allow-same-origin", "allow-popups", "allow-presentation")
POSTS = "allow-scripts allow-same-origin allow-popups"
PLAYERS = POSTS + " allow-presentation"
# The permissions a frame may be given; the reader's script refuses any other.
ALLOW_TOKENS = ("fullscreen", "picture-in-picture", "encrypted-media")
PLAYER_ALLOW = "; ".join(ALLOW_TOKENS)

# No user, no port, no backslash: what a browser and urlsplit read the same way.
_PLAIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?:[/?#][^\s\\<>\"']*)?$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class Match:
    """What a recognised address gives: the parts its frame and default title are built from."""

    parts: dict[str, str]
    host: str


@dataclass(frozen=True)
class Provider:
    key: str
    # Shown on the card: "YouTube video", "Load the video from YouTube".
    name: str
    noun: str
    # The hosts its addresses are on, exactly; empty for Mastodon, recognised by shape.
    hosts: tuple[str, ...]
    # Tried in turn on "path?query" (the query only where a pattern needs it).
    patterns: tuple[re.Pattern[str], ...]
    # The frame's address from the named groups (and "host", the address's own host).
    frame: Callable[[dict[str, str]], str]
    # The frame's width over its height, as CSS aspect-ratio takes it.
    ratio: str
    # A default title from the address's parts, when the editor typed none.
    title: Callable[[dict[str, str]], str]
    sandbox: str = POSTS
    allow: str = ""
    # strict-origin: the provider learns the site, never the page (YouTube refuses to play
    # with no referrer at all); no-referrer where the provider does without.
    referrer: str = "no-referrer"
    # The host its frames come from; None: the address's own host (Mastodon).
    frame_host: str | None = None

    def recognise(self, host: str, path_query: str) -> Match | None:
        if self.hosts and host not in self.hosts:
            return None
        for pattern in self.patterns:
            m = pattern.fullmatch(path_query)
            if m:
                return Match({k: v for k, v in m.groupdict().items() if v is not None}, host)
        return None


def _youtube_frame(p: dict[str, str]) -> str:
    start = p.get("start")
    return f"https://www.youtube-nocookie.com/embed/{p['id']}" + (
        f"?start={start}" if start else ""
    )


_YT_ID = r"(?P<id>[A-Za-z0-9_-]{11})"
_ANY_QUERY = r"(?:\?[^#]*)?(?:#.*)?"
_SLUG = r"[A-Za-z0-9_.-]{1,100}"

PROVIDERS: tuple[Provider, ...] = (
    Provider(
        key="youtube",
        name="YouTube",
        noun="video",
        hosts=("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"),
        patterns=(
            re.compile(rf"/watch\?(?:[^#]*&)?v={_YT_ID}(?:&[^#]*)?(?:#.*)?"),
            re.compile(rf"/(?:shorts|live|embed)/{_YT_ID}/?{_ANY_QUERY}"),
            re.compile(rf"/{_YT_ID}/?{_ANY_QUERY}"),  # youtu.be/ID
        ),
        frame=_youtube_frame,
        ratio="16 / 9",
        title=lambda p: "Video on YouTube",
        sandbox=PLAYERS,
        allow=PLAYER_ALLOW,
        referrer="strict-origin",
        frame_host="www.youtube-nocookie.com",
    ),
    Provider(
        key="vimeo",
        name="Vimeo",
        noun="video",
        hosts=("vimeo.com", "www.vimeo.com", "player.vimeo.com"),
        patterns=(
            re.compile(
                rf"/(?:video/|channels/{_SLUG}/|groups/{_SLUG}/videos/)?(?P<id>\d{{1,12}})/?{_ANY_QUERY}"
            ),
        ),
        frame=lambda p: f"https://player.vimeo.com/video/{p['id']}?dnt=1",
        ratio="16 / 9",
        title=lambda p: "Video on Vimeo",
        sandbox=PLAYERS,
        allow=PLAYER_ALLOW,
        referrer="strict-origin",
        frame_host="player.vimeo.com",
    ),
    Provider(
        key="bluesky",
        name="Bluesky",
        noun="post",
        hosts=("bsky.app",),
        patterns=(
            re.compile(
                r"/profile/(?P<actor>did:[a-z]+:[A-Za-z0-9._:%-]{1,200}|"
                r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z][A-Za-z0-9-]{0,62})"
                # A record key is a TID: 13 characters of base32-sortable, the first < "k".
                rf"/post/(?P<rkey>[2-7a-j][2-7a-z]{{12}})/?{_ANY_QUERY}"
            ),
        ),
        frame=lambda p: f"https://embed.bsky.app/embed/{p['actor']}/app.bsky.feed.post/{p['rkey']}",
        ratio="4 / 5",
        title=lambda p: f"Post by @{p['actor']}" if not p["actor"].startswith("did:") else "Post",
        frame_host="embed.bsky.app",
    ),
    Provider(
        key="x",
        name="X",
        noun="post",
        hosts=("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"),
        patterns=(
            re.compile(
                rf"/(?P<user>[A-Za-z0-9_]{{1,15}})/status(?:es)?/(?P<id>\d{{1,20}})/?{_ANY_QUERY}"
            ),
        ),
        frame=lambda p: f"https://platform.twitter.com/embed/Tweet.html?id={p['id']}&dnt=true",
        ratio="4 / 5",
        title=lambda p: f"Post by @{p['user']}",
        frame_host="platform.twitter.com",
    ),
    Provider(
        key="instagram",
        name="Instagram",
        noun="post",
        hosts=("instagram.com", "www.instagram.com"),
        patterns=(
            re.compile(rf"/(?P<kind>p|reel|tv)/(?P<code>[A-Za-z0-9_-]{{5,40}})/?{_ANY_QUERY}"),
        ),
        frame=lambda p: f"https://www.instagram.com/{p['kind']}/{p['code']}/embed/",
        ratio="4 / 5",
        title=lambda p: "Reel on Instagram" if p["kind"] == "reel" else "Post on Instagram",
        frame_host="www.instagram.com",
    ),
    Provider(
        key="tiktok",
        name="TikTok",
        noun="video",
        hosts=("tiktok.com", "www.tiktok.com", "m.tiktok.com"),
        patterns=(
            re.compile(
                rf"/@(?P<user>[A-Za-z0-9_.]{{1,24}})/video/(?P<id>\d{{1,20}})/?{_ANY_QUERY}"
            ),
        ),
        frame=lambda p: f"https://www.tiktok.com/embed/v2/{p['id']}",
        ratio="9 / 16",
        title=lambda p: f"Video by @{p['user']}",
        sandbox=PLAYERS,
        allow=PLAYER_ALLOW,
        frame_host="www.tiktok.com",
    ),
    Provider(
        key="soundcloud",
        name="SoundCloud",
        noun="audio",
        hosts=("soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"),
        patterns=(
            re.compile(
                r"/(?P<artist>[a-z0-9_-]{1,100})/(?!sets/|likes$|tracks$|albums$|reposts$)"
                rf"(?P<track>[a-z0-9_-]{{1,200}})/?{_ANY_QUERY}"
            ),
        ),
        frame=lambda p: (
            "https://w.soundcloud.com/player/?url="
            + quote(f"https://soundcloud.com/{p['artist']}/{p['track']}", safe="")
        ),
        ratio="3 / 1",
        title=lambda p: f"{p['track'].replace('-', ' ')} by {p['artist']}",
        frame_host="w.soundcloud.com",
    ),
    # Last: any host, recognised by the shape of a Mastodon status address.
    Provider(
        key="mastodon",
        name="Mastodon",
        noun="post",
        hosts=(),
        patterns=(
            re.compile(rf"/@(?P<user>[A-Za-z0-9_]{{1,30}})/(?P<id>\d{{1,20}})/?{_ANY_QUERY}"),
            re.compile(
                rf"/users/(?P<user>[A-Za-z0-9_]{{1,30}})/statuses/(?P<id>\d{{1,20}})/?{_ANY_QUERY}"
            ),
        ),
        frame=lambda p: f"https://{p['host']}/@{p['user']}/{p['id']}/embed",
        ratio="4 / 5",
        title=lambda p: f"Post by @{p['user']}@{p['host']}",
    ),
)
BY_KEY = {provider.key: provider for provider in PROVIDERS}
_FIXED_HOSTS = frozenset(host for provider in PROVIDERS for host in provider.hosts)


@dataclass(frozen=True)
class Embed:
    """A recognised address: its provider and the frame a reader may load."""

    provider: Provider
    frame: str
    frame_host: str
    default_title: str

    @property
    def label(self) -> str:
        return f"{self.provider.name} {self.provider.noun}"


def recognise(url: str) -> Embed | None:
    """The provider and frame of ``url``, or None when it is not on the allow-list."""
    if len(url) > 2_000 or not _PLAIN.match(url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not _DOMAIN.match(host):
        return None
    path_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for provider in PROVIDERS:
        if not provider.hosts and host in _FIXED_HOSTS:
            continue  # a fixed provider's host is never someone's Mastodon
        found = provider.recognise(host, path_query)
        if found is None:
            continue
        values = found.parts | {"host": host}
        if provider.key == "youtube":
            values |= _youtube_start(parts.query)
        return Embed(
            provider,
            provider.frame(values),
            provider.frame_host or host,
            provider.title(values),
        )
    return None


def _youtube_start(query: str) -> dict[str, str]:
    """``t=90``, ``t=90s`` or ``t=1m30s`` in a YouTube address: where the video starts."""
    given = parse_qs(query).get("t", [""])[0]
    m = re.fullmatch(r"(?:(\d{1,2})h)?(?:(\d{1,3})m)?(\d{1,5})s?", given)
    if not m:
        return {}
    hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    start = hours * 3600 + minutes * 60 + seconds
    return {"start": str(start)} if start else {}


def fixed_frame_hosts() -> tuple[str, ...]:
    """The frame hosts every reader page allows: every provider's but Mastodon's."""
    return tuple(p.frame_host for p in PROVIDERS if p.frame_host)


def provider_names() -> str:
    """ "YouTube, Vimeo, … and Mastodon", for the desk's hint and the docs."""
    names = [p.name for p in PROVIDERS]
    return ", ".join(names[:-1]) + " and " + names[-1]


MAX_PAGE_HOSTS = 8
"""Mastodon servers one page's policy may name; cards of others stay links there."""
MAX_HOSTS_CHARS = 1_000
"""And at most this many characters of them, so that the header stays under about 2 KB."""


def page_frame_hosts(
    elements: Iterable[Iterable[Mapping[str, Any]]],
    *,
    own_host: str = "",
    servers: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """The hosts a reader page may frame: every fixed provider's, and the Mastodon servers
    of the embed elements in ``elements`` (each shown post's), first come first, at most
    MAX_PAGE_HOSTS of them in MAX_HOSTS_CHARS. Read from the elements, never from the
    rendered HTML, which a post's text could imitate.

    A Mastodon server is never ``own_host`` (the site's, BASE_URL's: a status-shaped
    address there is not a post to frame with scripts), and when ``servers`` is given
    (LIVEBLOG_MASTODON_SERVERS) only one of those; its cards stay links. Addresses and
    one-word names (localhost) are never recognised (see :func:`recognise`)."""
    fixed = fixed_frame_hosts()
    extra: list[str] = []
    chars = 0
    for post in elements:
        for element in post:
            if element.get("type") != "embed" or not isinstance(element.get("url"), str):
                continue
            embed = recognise(element["url"])
            host = embed.frame_host if embed else None
            if host is None or host in fixed or host in extra or host == own_host.lower():
                continue
            if servers and host not in servers:
                continue
            if len(extra) >= MAX_PAGE_HOSTS or chars + len(host) + 9 > MAX_HOSTS_CHARS:
                return fixed + tuple(extra)
            extra.append(host)
            chars += len(host) + 9  # " https://"
    return fixed + tuple(extra)
