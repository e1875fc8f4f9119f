"""Embedded videos and posts: which addresses are a provider's (and which only look like
one), the frame each gives, and the card, which loads nothing from anyone."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from pydantic import ValidationError

from liveblog.elements import KINDS
from liveblog.elements.embed import EmbedElement, read_card_line
from liveblog.elements.providers import (
    ALLOW_TOKENS,
    MAX_PAGE_HOSTS,
    PROVIDERS,
    SANDBOX_TOKENS,
    fixed_frame_hosts,
    page_frame_hosts,
    recognise,
)
from liveblog.headers import reader_policy
from liveblog.render import render_body
from liveblog.textimport.furniture import classify_furniture
from liveblog.web.assets import STATIC

YT = "aqz-KE-bpKQ"

# address -> (provider, frame); one or more for every provider in the list.
RECOGNISED = {
    f"https://www.youtube.com/watch?v={YT}": (
        "youtube",
        f"https://www.youtube-nocookie.com/embed/{YT}",
    ),
    f"https://youtube.com/watch?feature=share&v={YT}&t=1m30s": (
        "youtube",
        f"https://www.youtube-nocookie.com/embed/{YT}?start=90",
    ),
    f"https://m.youtube.com/shorts/{YT}": (
        "youtube",
        f"https://www.youtube-nocookie.com/embed/{YT}",
    ),
    f"https://youtu.be/{YT}?si=abc": ("youtube", f"https://www.youtube-nocookie.com/embed/{YT}"),
    f"https://WWW.YouTube.com/live/{YT}": (
        "youtube",
        f"https://www.youtube-nocookie.com/embed/{YT}",
    ),
    "https://vimeo.com/76979871": ("vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    "https://vimeo.com/channels/staffpicks/76979871": (
        "vimeo",
        "https://player.vimeo.com/video/76979871?dnt=1",
    ),
    "https://bsky.app/profile/jay.bsky.team/post/3lbb32nb4322g": (
        "bluesky",
        "https://embed.bsky.app/embed/jay.bsky.team/app.bsky.feed.post/3lbb32nb4322g",
    ),
    "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lbb32nb4322g": (
        "bluesky",
        "https://embed.bsky.app/embed/did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbb32nb4322g",
    ),
    "https://x.com/nasa/status/1790000000000000000": (
        "x",
        "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true",
    ),
    "https://twitter.com/nasa/status/1790000000000000000?s=20": (
        "x",
        "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true",
    ),
    "https://www.instagram.com/p/C8xYz12AbCd/": (
        "instagram",
        "https://www.instagram.com/p/C8xYz12AbCd/embed/",
    ),
    "https://instagram.com/reel/C8xYz12AbCd": (
        "instagram",
        "https://www.instagram.com/reel/C8xYz12AbCd/embed/",
    ),
    "https://www.tiktok.com/@scout2015/video/6718335390845095173": (
        "tiktok",
        "https://www.tiktok.com/embed/v2/6718335390845095173",
    ),
    "https://soundcloud.com/forss/flickermood": (
        "soundcloud",
        "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood",
    ),
    "https://mastodon.social/@Gargron/111111111111111111": (
        "mastodon",
        "https://mastodon.social/@Gargron/111111111111111111/embed",
    ),
    "https://social.example.net/users/ines/statuses/42": (
        "mastodon",
        "https://social.example.net/@ines/42/embed",
    ),
}

LOOKALIKES = [
    f"https://youtube.com.evil.example/watch?v={YT}",  # another site's subdomain
    f"https://evilyoutube.com/watch?v={YT}",
    f"https://www.youtube.com.evil.example/embed/{YT}",
    f"https://evil.example/youtube.com/watch?v={YT}",
    f"https://www.youtube.com@evil.example/watch?v={YT}",  # a user part: the host is evil
    f"https://evil.example\\@www.youtube.com/watch?v={YT}",  # a browser goes to evil.example
    f"https://www.youtube.com:8443/watch?v={YT}",  # another port
    f"https://www.youtube.com./watch?v={YT}",
    f"https://www.youtube.com/watch?v={YT[:-1]}",  # not a video id
    f"https://www.youtube.com/channel/{YT}x",
    "https://vimeo.com.evil.example/76979871",
    "https://player.vimeo.com.evil.example/video/76979871",
    "https://bsky.app.evil.example/profile/jay.bsky.team/post/3lbb32nb4322g",
    "https://bsky.app/profile/jay.bsky.team",  # a profile, not a post
    "https://bsky.app/profile/jay.bsky.team/post/..",  # not a record key: a path step
    "https://bsky.app/profile/jay.bsky.team/post/.",
    "https://bsky.app/profile/../post/3lbb32nb4322g",
    "https://bsky.app/profile/jay.bsky.team/post/3lbb32nb4322",  # a TID has 13 characters
    "https://bsky.app/profile/jay.bsky.team/post/zlbb32nb4322g",  # and starts below "k"
    "https://x.com.evil.example/nasa/status/1790000000000000000",
    "https://twitter.com/nasa",
    "https://instagram.com.evil.example/p/C8xYz12AbCd/",
    "https://www.tiktok.com.evil.example/@scout2015/video/6718335390845095173",
    "https://soundcloud.com.evil.example/forss/flickermood",
    "https://127.0.0.1/@admin/1",  # an address, not a Mastodon server's name
    "https://localhost/@admin/1",
    "https://x.com/@someone/123",  # a fixed provider's host is nobody's Mastodon
    "https://mastodon.social/@Gargron",  # a profile, not a status
    "https://example.org/video",
    "ftp://www.youtube.com/watch?v=aqz-KE-bpKQ",
]


@pytest.mark.parametrize("url", sorted(RECOGNISED))
def test_each_provider_recognises_its_addresses(url: str) -> None:
    key, frame = RECOGNISED[url]
    embed = recognise(url)
    assert embed is not None and embed.provider.key == key
    assert embed.frame == frame
    assert embed.frame.startswith(f"https://{embed.frame_host}/")


def test_every_provider_in_the_list_is_tried() -> None:
    assert {p.key for p in PROVIDERS} == {key for key, _ in RECOGNISED.values()}
    for provider in PROVIDERS:
        assert set(provider.sandbox.split()) <= set(SANDBOX_TOKENS), provider.key
        assert "allow-top-navigation" not in provider.sandbox
        assert provider.referrer in ("no-referrer", "strict-origin")
        assert {t.strip() for t in provider.allow.split(";") if t} <= set(ALLOW_TOKENS)


@pytest.mark.parametrize(("name", "tokens"), [("SANDBOX", SANDBOX_TOKENS), ("ALLOW", ALLOW_TOKENS)])
def test_the_readers_script_allows_the_same_tokens(name: str, tokens: tuple[str, ...]) -> None:
    script = (STATIC / "clicktoload.js").read_text()
    listed = re.search(rf"var {name} = \[([^\]]*)\]", script)
    assert listed, name
    assert json.loads(f"[{listed.group(1)}]") == list(tokens)
    assert f"{name}.indexOf(t)" in script  # and filters the card's tokens through it


@pytest.mark.parametrize("url", LOOKALIKES)
def test_lookalikes_and_other_sites_are_not_providers(url: str) -> None:
    assert recognise(url) is None


def test_the_privacy_friendly_hosts_are_the_frames() -> None:
    assert "www.youtube-nocookie.com" in fixed_frame_hosts()
    assert not any(host.endswith("youtube.com") for host in fixed_frame_hosts())


class _Loaded(HTMLParser):
    """Everything a browser would fetch on its own: src, srcset, poster, link/href, style."""

    LOADS = frozenset(
        {"img", "iframe", "script", "link", "video", "audio", "source", "object", "embed"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.LOADS:
            self.loads.append(tag)
        for name in ("src", "srcset", "poster", "style", "background"):
            if name in values:
                self.loads.append(f"{tag}[{name}]")
        if "href" in values:
            assert tag == "a", tag
            self.links.append(str(values["href"]))


def _parsed(html: str) -> _Loaded:
    parser = _Loaded()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("url", sorted(RECOGNISED))
def test_a_card_names_the_provider_and_loads_nothing(url: str) -> None:
    html = render_body([{"type": "embed", "url": url, "title": None}])
    embed = recognise(url)
    assert embed is not None
    parsed = _parsed(html)
    assert parsed.loads == []  # no frame, script, image, icon or preconnect
    assert parsed.links == [url, url]  # the title and the address, as links
    assert f'<span class="embed-label">{embed.label}:</span>' in html
    assert f'data-embed-provider="{embed.provider.name}"' in html
    assert 'data-embed-frame="https://' + embed.frame_host + "/" in html


def test_a_card_shows_the_title_typed_or_one_made_from_the_address() -> None:
    url = "https://x.com/nasa/status/1790000000000000000"
    typed = render_body([{"type": "embed", "url": url, "title": "Launch <b>delayed</b>"}])
    assert ">Launch &lt;b&gt;delayed&lt;/b&gt;</a>" in typed
    made = render_body([{"type": "embed", "url": url, "title": None}])
    assert ">Post by @nasa</a>" in made


def test_another_sites_address_is_a_plain_link_card() -> None:
    url = "https://valley.example/river-levels?from=live"
    html = render_body([{"type": "embed", "url": url, "title": None}])
    assert "data-embed" not in html and "embed-link" in html
    assert '<span class="embed-label">Link:</span>' in html
    assert ">valley.example/river-levels</a>" in html
    assert _parsed(html).loads == []


def test_the_title_is_checked() -> None:
    url = f"https://youtu.be/{YT}"
    EmbedElement(type="embed", url=url, title="Harbour wall at high tide")
    for bad in ("", "x" * 301, "two\nlines", "bell\x07"):
        with pytest.raises(ValidationError):
            EmbedElement(type="embed", url=url, title=bad)


def test_the_card_line_reads_back_as_its_title() -> None:
    url = f"https://youtu.be/{YT}"
    assert read_card_line("YouTube video: The harbour wall", url) == (True, "The harbour wall")
    assert read_card_line("YouTube video: Video on YouTube", url) == (True, None)
    assert read_card_line("Vimeo video: The harbour wall", url) == (False, None)
    assert read_card_line("The harbour wall", url) == (False, None)
    lines = KINDS["embed"].page_lines({"type": "embed", "url": url, "title": "Tide"})
    assert lines == [f"YouTube video: Tide\n{url}"]


def _embeds(*urls: str) -> list[dict[str, Any]]:
    return [{"type": "embed", "url": u, "title": None} for u in urls]


def test_a_page_frames_the_fixed_hosts_and_its_own_mastodon_servers() -> None:
    posts = [
        _embeds(u)
        for u in (
            f"https://youtu.be/{YT}",
            "https://mastodon.social/@Gargron/1",
            "https://social.example.net/@ines/2",
            "https://mastodon.social/@other/3",
            "https://valley.example/river",
        )
    ]
    assert page_frame_hosts(posts) == (
        *fixed_frame_hosts(),
        "mastodon.social",
        "social.example.net",
    )
    assert page_frame_hosts([]) == fixed_frame_hosts()
    many = [_embeds(f"https://m{n}.example/@a/1") for n in range(MAX_PAGE_HOSTS + 5)]
    assert len(page_frame_hosts(many)) == len(fixed_frame_hosts()) + MAX_PAGE_HOSTS


def test_text_cannot_add_frame_hosts() -> None:
    # A paragraph imitating a card's attribute is text: only embed elements name hosts.
    fake = (
        'data-embed-frame="https://evil.example/x" <figure data-embed-frame="https://a.example/">'
    )
    posts = [[{"type": "text", "markdown": fake}], _embeds("https://evil.example/river")]
    assert page_frame_hosts(posts) == fixed_frame_hosts()


def test_the_policy_stays_short_with_many_long_servers() -> None:
    label = "a" * 60
    long_host = ".".join([label] * 4)  # 243 characters, a valid name
    posts = [_embeds(f"https://{n}{long_host}/@a/1") for n in range(40)]
    policy = reader_policy(page_frame_hosts(posts))
    assert len(policy) < 2_048
    assert len(page_frame_hosts(posts)) > len(fixed_frame_hosts())


def test_the_load_button_copied_with_a_page_is_furniture() -> None:
    copied = (
        "Load the video from YouTube Loading it connects you to YouTube, which may set "
        "cookies and learn that you are reading this page."
    )
    for line in (copied, "Load the post from Bluesky"):
        assert classify_furniture(line) == (
            "other",
            "an embedded video's or post's 'Load' button",
        )
    assert classify_furniture("Load the boats from the quay before the tide turns.") is None


def test_a_mastodon_server_is_never_the_site_nor_outside_the_chosen_list() -> None:
    posts = [
        _embeds(
            "https://live.example.org/@admin/1",  # the site's own host
            "https://mastodon.social/@Gargron/1",
            "https://social.example.net/@ines/2",
        )
    ]
    fixed = fixed_frame_hosts()
    assert page_frame_hosts(posts, own_host="live.example.org") == (
        *fixed,
        "mastodon.social",
        "social.example.net",
    )
    chosen = page_frame_hosts(posts, own_host="live.example.org", servers=("mastodon.social",))
    assert chosen == (*fixed, "mastodon.social")
    assert page_frame_hosts(posts)[len(fixed)] == "live.example.org"  # no site: allowed
