"""Password hashes (argon2id), with a bound on how many are worked out at once.

Each argon2 hash holds 64 MB while it runs: eight logins at once took a server from 194 to
707 MB. So one process works out at most a few at a time (``LIVEBLOG_PASSWORD_CHECKS``, or
one per CPU up to 4). A login that cannot start within ``LIVEBLOG_PASSWORD_WAIT_SECONDS``
is refused with 503 and a Retry-After, instead of queueing without end.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from liveblog.errors import Busy
from liveblog.settings import Settings

_hasher = PasswordHasher()
# One semaphore per size, shared by every site in the process (tests build many sites).
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def slot_count(settings: Settings) -> int:
    return settings.password_checks or min(4, os.cpu_count() or 1)


@contextmanager
def hashing_slot(settings: Settings) -> Iterator[None]:
    """Holds one of the process's hashing slots, or raises Busy after a short wait."""
    size = slot_count(settings)
    with _slots_lock:
        semaphore = _slots.get(size) or _slots.setdefault(size, threading.BoundedSemaphore(size))
    if not semaphore.acquire(timeout=settings.password_wait_seconds):
        raise Busy(
            "The server is busy checking other logins. Try again in a few seconds.",
            retry_after=2,
        )
    try:
        yield
    finally:
        semaphore.release()


def hash_password(settings: Settings, password: str) -> str:
    with hashing_slot(settings):
        return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Call inside hashing_slot."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_a_hash(password: str) -> None:
    """The work of one check, for an email nobody has: timing does not reveal who exists.
    Call inside hashing_slot."""
    _hasher.hash(password)
