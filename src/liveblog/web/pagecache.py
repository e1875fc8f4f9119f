"""Rendered reader pages, kept until the blog's next event.

Every change a reader can see bumps the blog's ``last_seq``, so a page rendered at seq N
is the page for every reader until seq N+1: one render serves them all.

Each page is compressed when it is stored (brotli and gzip, see ``web/encoding.py``), so a
change costs one render and one compression, and a request only picks the bytes it asked
for. ``updates.json`` answers are kept the same way, in a cache of their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from liveblog.web.encoding import Encoded, encode


class PageCache:
    """The most recently used ``size`` bodies, at most ``max_bytes`` together (all forms)."""

    def __init__(self, size: int = 256, max_bytes: int = 64 << 20, min_size: int = 0) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._min_size = min_size
        self._bytes = 0
        self._pages: OrderedDict[Hashable, Encoded] = OrderedDict()
        self._lock = threading.Lock()
        self.encodings = 0
        """How many bodies were compressed: one per ``put``, never one per request."""

    def get(self, key: Hashable) -> Encoded | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: bytes) -> Encoded:
        """Compresses ``page`` (outside the lock) and keeps it; returns what is kept."""
        encoded = encode(page, min_size=self._min_size)
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
