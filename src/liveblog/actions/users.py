"""People and their keys: users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from liveblog.actions import throttle
from liveblog.actions.access import SITE_ROLES, SYSTEM, Actor, require_site_role
from liveblog.actions.passwords import (
    hash_password,
    hashing_slot,
    password_matches,
    spend_a_hash,
)
from liveblog.actions.transaction import Transaction, transaction
from liveblog.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from liveblog.site import Site
from liveblog.storage import ApiToken, User, UserSession
from liveblog.storage.tables import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "lb_"
# A login lasts this long; each use within the last half of it renews it.
SESSION_LIFETIME = timedelta(days=14)
MIN_PASSWORD = 12


@cache
def _common_passwords() -> frozenset[str]:
    """zxcvbn's list of the 30,000 passwords most often found in leaks, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def check_new_password(password: str, email: str) -> None:
    """The rules every new password meets, wherever it is set; Invalid names the one broken."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters", "password")
    if not password.strip():
        raise Invalid("a password cannot be only spaces", "password")
    if password.lower() in _common_passwords() or password.strip().lower() in _common_passwords():
        raise Invalid(
            "this password is on the list of common passwords that attackers try first; "
            "choose another",
            "password",
        )
    if password.strip().lower() == email.strip().lower():
        raise Invalid("a password cannot be the email address", "password")


def hash_token(token: str) -> str:
    # Tokens are long and random, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    site: Site, email: str, password: str, role: str, name: str = "", *, actor: Actor = SYSTEM
) -> int:
    require_site_role(actor, ("admin",), "Adding a person")
    email = email.strip().lower()
    name = " ".join(name.split())
    if len(name) > 200:
        raise Invalid("a name has at most 200 characters", "name")
    if not _EMAIL.match(email) or len(email) > 254:
        raise Invalid(f"{email!r} is not an email address", "email")
    if role not in SITE_ROLES:
        raise Invalid(f"role must be one of {', '.join(SITE_ROLES)}", "role")
    check_new_password(password, email)
    password_hash = hash_password(site.settings, password)
    taken = Conflict(f"a user with the email {email} exists already")
    try:
        with transaction(site) as tx:
            if tx.session.scalar(select(User.id).where(User.email == email)) is not None:
                raise taken
            user = User(
                email=email,
                name=name or email.split("@")[0],
                role=role,
                password_hash=password_hash,
            )
            tx.session.add(user)
            tx.session.flush()
            return user.id
    except IntegrityError:
        raise taken from None  # the same email, added at the same moment


def set_site_role(site: Site, actor: Actor, user_id: int, role: str) -> None:
    """Changes a person's site-wide role; the site always keeps at least one admin."""
    require_site_role(actor, ("admin",), "Changing a role")
    if role not in SITE_ROLES:
        raise Invalid(f"role must be one of {', '.join(SITE_ROLES)}", "role")
    with transaction(site) as tx:
        # The admins' rows are locked first, always in the same order, so two admins
        # stepping down at once wait for each other instead of deadlocking.
        admins = tx.session.scalars(
            select(User.id).where(User.role == "admin").order_by(User.id).with_for_update()
        ).all()
        user = tx.session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(f"no person with the id {user_id}")
        if user.role == "admin" and role != "admin" and len(admins) <= 1:
            raise Forbidden("the site needs at least one admin; make someone else admin first")
        user.role = role


def check_password(site: Site, email: str, password: str, address: str | None = None) -> Actor:
    """The person with this email and password; ``address`` is the client's, for throttling.

    Raises Unauthorized for a wrong email or password, TooManyRequests (429) while the
    account or the address must wait after repeated failures (see throttle.py), and Busy
    (503) when the process is already checking as many passwords as it may.
    """
    counters = throttle.counters(email, address)
    throttle.check(site, counters)  # a blocked try waits for no hashing slot
    with site.db.reading() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
    with hashing_slot(site.settings):
        # Again inside the slot, so that tries queued behind one another see its failure.
        throttle.check(site, counters)
        if user is None:
            spend_a_hash(password)  # the same time as a wrong password for a real person
            right = False
        else:
            right = password_matches(user.password_hash, password)
        if user is None or not right:
            throttle.failed(site, counters)
            raise Unauthorized("wrong email or password")
    throttle.succeeded(site, counters)
    return Actor(user_id=user.id, role=user.role, name=user.name)


def create_token(site: Site, email: str, name: str = "cli") -> str:
    with transaction(site) as tx:
        user = tx.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(f"no user with the email {email}")
        return _add_token(tx, user.id, name)


def create_own_token(site: Site, actor: Actor, name: str) -> str:
    """A new API token for the person asking."""
    if actor.user_id is None:
        raise Invalid("only a person can hold a token", "user")
    with transaction(site) as tx:
        return _add_token(tx, actor.user_id, name)


def _add_token(tx: Transaction, user_id: int, name: str) -> str:
    """A new token: its value is returned once; only its hash is kept."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise Invalid("give the token a name of 1 to 120 characters, e.g. 'results feed'", "name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tx.session.add(ApiToken(user_id=user_id, name=name, token_hash=hash_token(token)))
    return token


def revoke_own_token(site: Site, actor: Actor, token_id: int) -> None:
    with transaction(site) as tx:
        row = tx.session.get(ApiToken, token_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound("you have no such token")
        if row.revoked_at is None:
            row.revoked_at = utcnow()


def revoke_token(site: Site, token: str) -> None:
    with transaction(site) as tx:
        row = tx.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None:
            raise NotFound("no such token")
        row.revoked_at = utcnow()


def actor_for_token(site: Site, token: str) -> Actor:
    with site.db.reading() as session:
        row = session.execute(
            select(User.id, User.role, User.name)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        ).first()
    if row is None:
        raise Unauthorized("the token is unknown or revoked")
    return Actor(user_id=row.id, role=row.role, name=row.name)


def start_session(site: Site, actor: Actor) -> str:
    """Opens a login session for a user who proved who they are; returns the cookie value.

    Only the cookie's hash is stored, as with API tokens.
    """
    if actor.user_id is None:
        raise Invalid("only a user can log in", "user")
    cookie = secrets.token_urlsafe(32)
    with transaction(site) as tx:
        tx.session.add(
            UserSession(
                id=hash_token(cookie),
                user_id=actor.user_id,
                expires_at=utcnow() + SESSION_LIFETIME,
            )
        )
        # A login is a good moment to forget expired sessions.
        tx.session.execute(delete(UserSession).where(UserSession.expires_at < utcnow()))
    return cookie


def actor_for_session(site: Site, cookie: str) -> tuple[Actor, bool] | None:
    """The user a session cookie belongs to, and whether the session was just renewed (so
    the cookie should be sent again); None when it is unknown or expired."""
    now = utcnow()
    with site.db.reading() as session:
        row = session.execute(
            select(User.id, User.role, User.name, UserSession.expires_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id == hash_token(cookie))
        ).first()
    if row is None or row.expires_at <= now:
        return None
    renew = row.expires_at - now < SESSION_LIFETIME / 2
    if renew:
        with transaction(site) as tx:
            tx.session.execute(
                update(UserSession)
                .where(UserSession.id == hash_token(cookie))
                .values(expires_at=now + SESSION_LIFETIME)
            )
    return Actor(user_id=row.id, role=row.role, name=row.name), renew


def signed_in(site: Site, *, cookie: str = "", token: str = "") -> bool:
    """Whether a login cookie or an API token is valid, without renewing anything: for
    deciding, from a request's headers alone, how large a body it may send."""
    with site.db.reading() as session:
        if cookie:
            expires = session.scalar(
                select(UserSession.expires_at).where(UserSession.id == hash_token(cookie))
            )
            if expires is not None and expires > utcnow():
                return True
        if token:
            found = session.scalar(
                select(ApiToken.id).where(
                    ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
                )
            )
            return found is not None
    return False


def end_session(site: Site, cookie: str) -> None:
    with transaction(site) as tx:
        tx.session.execute(delete(UserSession).where(UserSession.id == hash_token(cookie)))
