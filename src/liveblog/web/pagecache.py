"""Rendered reader pages, kept until the blog's next event.

Every change a reader can see bumps the blog's ``last_seq``, so a page rendered at seq N
is the page for every reader until seq N+1: one render serves them all.

Each page is compressed when it is stored (brotli and gzip, see ``web/encoding.py``), so a
change costs one render and one compression, and a request only picks the bytes it asked
for. ``updates.json`` answers are kept the same way, in a cache of their own.

To find a page, a request needs the blog's ``last_seq``. :class:`BlogHeads` remembers it per
slug, so that a reader whose page is cached costs no query and no thread: an entry is
forgotten as soon as the bus says the blog has a new event (in this process at once, in
others as soon as the bus crosses to them), and in any case after ``ttl`` seconds
(LIVEBLOG_HEAD_TTL_SECONDS), which bounds how late a process whose wake-up was lost can
be. (Twice that in the rare case where the one request sent to refresh an expired entry
does not get there, see :meth:`BlogHeads.get`.)
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple

from liveblog.web.encoding import Encoded, encode


class Rendered(NamedTuple):
    """A body and the headers that go with it whatever the coding (a reader page's content
    security policy, which names the frames that page may load)."""

    body: bytes
    headers: tuple[tuple[str, str], ...]


class Page(NamedTuple):
    """What the cache keeps: the compressed body and the headers that go with it."""

    encoded: Encoded
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def codings(self) -> tuple[str, ...]:
        return self.encoded.codings

    def body(self, coding: str) -> bytes:
        return self.encoded.body(coding)

    @property
    def size(self) -> int:
        return self.encoded.size


class PageCache:
    """The most recently used ``size`` bodies, at most ``max_bytes`` together (all forms)."""

    def __init__(self, size: int = 256, max_bytes: int = 64 << 20, min_size: int = 0) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._min_size = min_size
        self._bytes = 0
        self._pages: OrderedDict[Hashable, Page] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, tuple[threading.Lock, list[int]]] = {}
        self.encodings = 0
        """How many bodies were compressed: one per ``put``, never one per request."""

    def get(self, key: Hashable) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: bytes | Rendered) -> Page:
        """Compresses ``page`` (outside the lock) and keeps it; returns what is kept."""
        body, headers = page if isinstance(page, Rendered) else (page, ())
        encoded = Page(encode(body, min_size=self._min_size), headers)
        with self._lock:
            self.encodings += 1
            if encoded.size > self._max_bytes:
                return encoded
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._pages[key] = encoded
            self._bytes += encoded.size
            while len(self._pages) > self._size or self._bytes > self._max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= evicted.size
        return encoded

    def get_or_make(self, key: Hashable, make: Callable[[], bytes | Rendered]) -> Page:
        """The kept body, or ``make()``'s, kept; when many requests miss the same key at once
        (every reader just after a change), one makes it while the others wait for it. If
        ``make`` raises, the next waiter tries in turn (and usually raises the same)."""
        page = self.get(key)
        if page is not None:
            return page
        with self._lock:
            lock, waiting = self._making.setdefault(key, (threading.Lock(), [0]))
            waiting[0] += 1
        try:
            with lock:
                page = self.get(key)
                return page if page is not None else self.put(key, make())
        finally:
            with self._lock:
                waiting[0] -= 1
                if not waiting[0]:
                    del self._making[key]


class Head(NamedTuple):
    blog_id: int
    last_seq: int
    checked: float


class BlogHeads:
    """slug -> (blog id, last_seq) as last read from the database, for ``ttl`` seconds or
    until the bus announces a newer seq of that blog, whichever comes first. Only blogs a
    reader may see are remembered (the caller read them), so the map is as big as the
    number of public blogs. ``ttl``: seconds a remembered ``last_seq`` is trusted without a
    wake-up from the bus."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._heads: dict[str, Head] = {}
        self._woken: dict[int, int] = {}
        self._lock = threading.Lock()

    def get(self, slug: str) -> Head | None:
        """The remembered head, or None: then the caller reads the database and calls
        :meth:`remember`. When an entry expires, only the first caller gets None; the others
        keep the entry while that one reads (so that a busy page costs one query a second,
        not one per reader in flight)."""
        head = self._heads.get(slug)
        if head is None:
            return None
        now = time.monotonic()
        if now - head.checked <= self.ttl:
            return head
        with self._lock:
            current = self._heads.get(slug)
            if current is not head:
                return current
            self._heads[slug] = head._replace(checked=now)
        return None

    def remember(self, slug: str, blog_id: int, last_seq: int) -> None:
        """After a read: kept unless a wake-up already announced a newer seq (a read that
        began before a commit and ends after its wake-up must not bring the old seq back)."""
        with self._lock:
            if last_seq >= self._woken.get(blog_id, 0):
                self._heads[slug] = Head(blog_id, last_seq, time.monotonic())

    def wake(self, blog_id: int, seq: int) -> None:
        """The bus's listener: blog ``blog_id`` has events up to ``seq``."""
        with self._lock:
            self._woken[blog_id] = max(seq, self._woken.get(blog_id, 0))
            for slug in [s for s, head in self._heads.items() if head.blog_id == blog_id]:
                if self._heads[slug].last_seq < seq:
                    del self._heads[slug]
