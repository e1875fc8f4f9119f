"""Login throttling: after a few wrong passwords, an account (and, after more, a client
address) must wait before the next try. The wait doubles with each further failure, up to
a quarter of an hour, and a quiet hour forgets everything; a right password clears the
account's count. So a guesser gets a handful of tries an hour, and the real person is
never locked out for good.

The counts live in the database (``login_failures``), so every worker and node agrees. A
blocked try is refused before any password is checked: it costs no hashing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from liveblog.errors import TooManyRequests
from liveblog.site import Site
from liveblog.storage import LoginFailure
from liveblog.storage.db import insert_unless_present
from liveblog.storage.tables import utcnow

# Failures allowed before waits begin: an address can be a whole newsroom behind one NAT.
FREE_FAILURES = {"account": 5, "address": 20}
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
# A count with no failure for this long starts again from nothing.
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Counter:
    kind: str  # account | address
    key: str  # what is stored: a hash, not the email or address itself


def counters(email: str, address: str | None) -> list[Counter]:
    """The counters one login try counts against: its account, and its client address."""
    found = [Counter("account", _hash("account", email.strip().lower()))]
    if address:
        found.append(Counter("address", address_key("address", address)))
    return found


def address_key(kind: str, address: str) -> str:
    """What is stored to count a client address for ``kind`` (its /64 for IPv6), hashed:
    the login throttle and the notification subscriptions' cap share it."""
    return _hash(kind, _network(address))


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _network(address: str) -> str:
    """An IPv6 client is counted by its /64, which one household or phone usually holds."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def wait_after(failures: int, kind: str) -> timedelta | None:
    """How long a counter with this many failures must wait; None while it is free."""
    beyond = failures - FREE_FAILURES[kind]
    if beyond < 0:
        return None
    wait: timedelta = FIRST_WAIT * 2 ** min(beyond, 16)
    return min(wait, LONGEST_WAIT)


def check(site: Site, found: list[Counter]) -> None:
    """Raises TooManyRequests while any of the counters is waiting."""
    now = utcnow()
    with site.db.reading() as session:
        until = session.scalar(
            select(LoginFailure.blocked_until)
            .where(
                LoginFailure.key.in_([c.key for c in found]),
                LoginFailure.blocked_until > now,
            )
            .order_by(LoginFailure.blocked_until.desc())
            .limit(1)
        )
    if until is not None:
        raise TooManyRequests(
            f"Too many wrong passwords for this account or from this address. "
            f"Try again in {_duration(until - now)}.",
            retry_after=math.ceil((until - now).total_seconds()),
        )


def failed(site: Site, found: list[Counter]) -> None:
    """Counts a wrong password against each counter, and starts its wait if it is due."""
    now = utcnow()
    with site.db.writing() as session:
        for counter in sorted(found, key=lambda c: c.key):  # one lock order for everyone
            row = _locked_row(session, counter.key, now)
            if row.last_failed_at < now - FORGET_AFTER:
                row.failures = 0
            row.failures += 1
            row.last_failed_at = now
            wait = wait_after(row.failures, counter.kind)
            row.blocked_until = now + wait if wait else None
        # Forget what is old, so that the table stays small.
        session.execute(
            delete(LoginFailure).where(LoginFailure.last_failed_at < now - FORGET_AFTER)
        )


def succeeded(site: Site, found: list[Counter]) -> None:
    """A right password clears its account's count (the address keeps its own)."""
    accounts = [c.key for c in found if c.kind == "account"]
    with site.db.writing() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.key.in_(accounts)))


def _locked_row(session: Session, key: str, now: datetime) -> LoginFailure:
    """The counter's row, created if missing (two first failures at once both succeed),
    and locked for this transaction."""
    insert_unless_present(
        session, LoginFailure, {"key": key, "failures": 0, "last_failed_at": now}, ["key"]
    )
    row = session.scalar(
        select(LoginFailure)
        .where(LoginFailure.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def _duration(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 90:
        return f"{seconds} seconds" if seconds != 1 else "1 second"
    return f"{math.ceil(seconds / 60)} minutes"
