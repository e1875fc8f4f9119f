"""Login throttling and the bound on password hashing, in the action layer: waits start
after a few failures per account or address, grow, expire, and never hash while blocked."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from liveblog.actions import passwords, throttle
from liveblog.actions.users import check_password, create_user
from liveblog.errors import Busy, TooManyRequests, Unauthorized
from liveblog.settings import Settings
from liveblog.site import Site
from liveblog.storage import LoginFailure
from liveblog.storage.tables import utcnow

RIGHT = "correct horse battery"
EMAIL = "ana@news.example"
HOME = "203.0.113.7"


@pytest.fixture
def ana(site: Site) -> str:
    create_user(site, EMAIL, RIGHT, "editor")
    return EMAIL


def fail(site: Site, email: str = EMAIL, address: str = HOME) -> None:
    with pytest.raises(Unauthorized):
        check_password(site, email, "wrong guess", address)


def blocked(site: Site, email: str = EMAIL, address: str = HOME) -> int:
    """Asks with the right password; returns the Retry-After of the refusal."""
    with pytest.raises(TooManyRequests) as refused:
        check_password(site, email, RIGHT, address)
    return refused.value.retry_after


def let_time_pass(site: Site, **changes: timedelta) -> None:
    """Moves every counter's clock back, as if that much time had passed."""
    now = utcnow()
    values = {}
    if "wait" in changes:
        values["blocked_until"] = now - timedelta(seconds=1)
    if "quiet" in changes:
        values["last_failed_at"] = now - changes["quiet"]
        values["blocked_until"] = None
    with site.db.writing() as session:
        session.execute(update(LoginFailure).values(**values))


@pytest.mark.parametrize(
    ("kind", "failures", "wait"),
    [
        ("account", 4, None),
        ("account", 5, timedelta(seconds=30)),
        ("account", 6, timedelta(seconds=60)),
        ("account", 9, timedelta(seconds=480)),
        ("account", 10, timedelta(minutes=15)),
        ("account", 10_000, timedelta(minutes=15)),
        ("address", 19, None),
        ("address", 20, timedelta(seconds=30)),
        ("address", 24, timedelta(seconds=480)),
    ],
)
def test_the_wait_grows_with_failures_up_to_a_quarter_hour(
    kind: str, failures: int, wait: timedelta | None
) -> None:
    assert throttle.wait_after(failures, kind) == wait


def test_an_account_waits_after_five_failures_then_gets_in(site: Site, ana: str) -> None:
    for _ in range(5):
        fail(site)
    # Even the right password is refused while the account waits, and from anywhere.
    assert 25 <= blocked(site) <= 30
    assert 25 <= blocked(site, address="198.51.100.1") <= 30
    let_time_pass(site, wait=timedelta(seconds=30))
    assert check_password(site, EMAIL, RIGHT, HOME).user_id is not None
    # The right password cleared the account's count: one slip is only a slip.
    fail(site)
    assert check_password(site, EMAIL, RIGHT, HOME).user_id is not None


def test_each_further_failure_doubles_the_wait(site: Site, ana: str) -> None:
    for _ in range(5):
        fail(site)
    assert 25 <= blocked(site) <= 30
    let_time_pass(site, wait=timedelta(seconds=30))
    fail(site)
    assert 55 <= blocked(site) <= 60
    let_time_pass(site, wait=timedelta(seconds=60))
    fail(site)
    assert 115 <= blocked(site) <= 120


def test_a_quiet_hour_forgets_the_failures(site: Site, ana: str) -> None:
    for _ in range(4):
        fail(site)
    let_time_pass(site, quiet=timedelta(hours=1, minutes=1))
    for _ in range(4):
        fail(site)  # four again: still free
    assert check_password(site, EMAIL, RIGHT, HOME).user_id is not None


def test_an_address_that_tries_many_accounts_waits(site: Site, ana: str) -> None:
    for number in range(20):
        fail(site, email=f"guess{number}@news.example")
    # The person at that address waits too (a NAT shares it), but not from elsewhere.
    assert 25 <= blocked(site) <= 30
    assert check_password(site, EMAIL, RIGHT, "198.51.100.1").user_id is not None


def test_an_unknown_email_is_throttled_like_a_real_one(site: Site) -> None:
    for _ in range(5):
        fail(site, email="nobody@news.example")
    with pytest.raises(TooManyRequests):
        check_password(site, "nobody@news.example", "anything", HOME)


def test_counters_store_no_email_or_address_and_group_ipv6_by_64(site: Site) -> None:
    one = throttle.counters("Ana@News.example ", "2001:db8:1:2::1")
    two = throttle.counters("ana@news.example", "2001:db8:1:2:ffff::9")
    other = throttle.counters("ana@news.example", "2001:db8:1:3::1")
    assert one == two and one[1] != other[1]
    assert all(len(c.key) == 64 and "ana" not in c.key for c in one)


def test_a_blocked_try_costs_no_hashing(site: Site, ana: str) -> None:
    settings = site.settings.with_changes(password_checks=1)
    slow = Site(settings=settings, db=site.db, bus=site.bus)
    for _ in range(5):
        fail(slow)
    with passwords.hashing_slot(settings):  # the one slot is taken: hashing would wait
        assert blocked(slow) > 0


def test_concurrent_first_failures_are_all_counted(site: Site) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def guess() -> None:
        start.wait()
        try:
            check_password(site, "racer@news.example", "wrong", HOME)
        except Unauthorized:
            pass
        except BaseException as exc:  # an IntegrityError would be a 500
            errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with site.db.reading() as session:
        counts = session.scalars(select(LoginFailure.failures)).all()
    assert sorted(counts) == [4, 4]  # the account's counter and the address's


def test_old_counters_are_forgotten(site: Site) -> None:
    fail(site, email="old@news.example", address="192.0.2.1")
    let_time_pass(site, quiet=timedelta(hours=2))
    fail(site, email="new@news.example", address="192.0.2.2")
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 2


# --- at most N passwords hashed at once --------------------------------------------------


@pytest.mark.parametrize(("configured", "cpus", "slots"), [(0, 2, 2), (0, 64, 4), (3, 64, 3)])
def test_the_number_of_hashing_slots(
    monkeypatch: pytest.MonkeyPatch, configured: int, cpus: int, slots: int
) -> None:
    monkeypatch.setattr(passwords.os, "cpu_count", lambda: cpus)
    assert passwords.slot_count(Settings(password_checks=configured)) == slots


def test_a_login_beyond_the_slots_waits_briefly_then_is_told_to_retry(site: Site, ana: str) -> None:
    settings = site.settings.with_changes(password_checks=2, password_wait_seconds=0.2)
    busy_site = Site(settings=settings, db=site.db, bus=site.bus)
    holding = threading.Barrier(3)
    release = threading.Event()

    def hold() -> None:
        with passwords.hashing_slot(settings):
            holding.wait(5)
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for holder in holders:
        holder.start()
    holding.wait(5)  # both slots are taken now
    try:
        with pytest.raises(Busy) as refused:
            check_password(busy_site, EMAIL, RIGHT, HOME)
        assert refused.value.retry_after > 0 and refused.value.status == 503
    finally:
        release.set()
        for holder in holders:
            holder.join()
    # A busy refusal is not a failure: the slots free, the right password works.
    assert check_password(busy_site, EMAIL, RIGHT, HOME).user_id is not None
