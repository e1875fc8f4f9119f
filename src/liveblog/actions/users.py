"""People and their keys: users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError

from liveblog.actions import audit, drafts, throttle
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
from liveblog.states import SiteRole
from liveblog.storage import ApiToken, Membership, PasswordReset, User, UserSession
from liveblog.storage import queries as q
from liveblog.storage.tables import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "lb_"
MIN_PASSWORD = 12
# How long a password-reset link made by an admin can be used (once).
RESET_LIFETIME = timedelta(hours=24)
RESET_PREFIX = "lbr_"


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


def _active() -> tuple[ColumnElement[bool], ...]:
    """The conditions of a person who may act: neither disabled nor removed."""
    return (User.disabled_at.is_(None), User.removed_at.is_(None))


def hash_token(token: str) -> str:
    # Tokens are long and random, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    site: Site, email: str, password: str, role: str, name: str = "", *, actor: Actor = SYSTEM
) -> int:
    require_site_role(actor, (SiteRole.ADMIN,), "Adding a person")
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
            tx.audit(
                actor, "person.created", "person", user.id, detail={"email": email, "role": role}
            )
            return user.id
    except IntegrityError:
        raise taken from None  # the same email, added at the same moment


def people(site: Site, actor: Actor) -> Sequence[User]:
    """Everyone who can log in, admins first: for admins, who manage them."""
    require_site_role(actor, (SiteRole.ADMIN,), "Managing people")
    with site.db.reading() as session:
        return q.people(session)


def person(site: Site, actor: Actor, user_id: int) -> tuple[User, Sequence[ApiToken]]:
    """One person and their API tokens (revoked ones too), for admins."""
    require_site_role(actor, (SiteRole.ADMIN,), "Managing people")
    with site.db.reading() as session:
        found = session.get(User, user_id)
        if found is None or found.removed_at is not None:
            raise NotFound(f"no person with the id {user_id}")
        return found, q.tokens_of(session, user_id)


def set_site_role(site: Site, actor: Actor, user_id: int, role: str) -> None:
    """Changes a person's site-wide role; the site always keeps at least one admin."""
    require_site_role(actor, (SiteRole.ADMIN,), "Changing a role")
    if role not in SITE_ROLES:
        raise Invalid(f"role must be one of {', '.join(SITE_ROLES)}", "role")
    with transaction(site) as tx:
        # The admins' rows are locked first, always in the same order, so two admins
        # stepping down at once wait for each other instead of deadlocking.
        user, admins = _lock_admins_and(tx, user_id)
        if user.id in admins and role != SiteRole.ADMIN and len(admins) <= 1:
            raise Forbidden("the site needs at least one admin; make someone else admin first")
        if user.role != role:
            tx.audit(
                actor, "person.role", "person", user.id, detail={"from": user.role, "to": role}
            )
        user.role = role


def _lock_admins_and(tx: Transaction, user_id: int) -> tuple[User, list[int]]:
    """The person, and the ids of the admins who can act, their rows locked.

    The admins' rows are locked first, always in the same order, so two admins stepping
    down (or disabling each other) at once wait for each other instead of deadlocking.
    """
    admins = tx.session.scalars(
        select(User.id)
        .where(User.role == SiteRole.ADMIN, *_active())
        .order_by(User.id)
        .with_for_update()
    ).all()
    user = tx.session.get(User, user_id, with_for_update=True)
    if user is None or user.removed_at is not None:
        raise NotFound(f"no person with the id {user_id}")
    return user, list(admins)


def set_disabled(site: Site, actor: Actor, user_id: int, disabled: bool) -> None:
    """Disables a person (their logins end, their tokens open nothing) or enables them
    again (their tokens work again; they log in anew). The last admin stays enabled."""
    require_site_role(actor, (SiteRole.ADMIN,), "Disabling or enabling a person")
    with transaction(site) as tx:
        user, admins = _lock_admins_and(tx, user_id)
        if disabled:
            if user.id in admins and len(admins) <= 1:
                raise Forbidden("the site needs at least one admin; make someone else admin first")
            if user.disabled_at is None:
                user.disabled_at = utcnow()
                tx.audit(actor, "person.disabled", "person", user.id, detail={"email": user.email})
            tx.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
            tx.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
        else:
            if user.disabled_at is not None:
                tx.audit(actor, "person.enabled", "person", user.id, detail={"email": user.email})
            user.disabled_at = None


def remove_person(site: Site, actor: Actor, user_id: int) -> None:
    """Removes a person: their posts stay, and their history still names them, but their
    sessions, tokens, memberships and reset links go, and their email is free again."""
    require_site_role(actor, (SiteRole.ADMIN,), "Removing a person")
    with transaction(site) as tx:
        user, admins = _lock_admins_and(tx, user_id)
        if user.id in admins and len(admins) <= 1:
            raise Forbidden("the site needs at least one admin; make someone else admin first")
        for table in (UserSession, ApiToken, Membership, PasswordReset):
            tx.session.execute(delete(table).where(table.user_id == user.id))
        drafts.forget_person(tx.session, user.id)
        tx.audit(actor, "person.removed", "person", user.id, detail={"email": user.email})
        now = utcnow()
        user.removed_at = now
        user.disabled_at = user.disabled_at or now
        user.email = f"removed-{user.id}@removed.invalid"
        user.password_hash = "!"  # matches no password


def check_password(site: Site, email: str, password: str, address: str | None = None) -> Actor:
    """The person with this email and password; ``address`` is the client's, for throttling.

    Raises Unauthorized for a wrong email or password, TooManyRequests (429) while the
    account or the address must wait after repeated failures (see throttle.py), and Busy
    (503) when the process is already checking as many passwords as it may.
    """
    counters = throttle.counters(email, address)
    throttle.check(site, counters)  # a blocked try waits for no hashing slot
    with site.db.reading() as session:
        user = session.scalar(
            select(User).where(User.email == email.strip().lower(), User.removed_at.is_(None))
        )
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
            audit.failed_sign_in(site, email, address, "wrong email or password")
            raise Unauthorized("wrong email or password")
    throttle.succeeded(site, counters)
    if user.disabled_at is not None:
        audit.failed_sign_in(site, email, address, "account disabled")
        raise Forbidden("this account is disabled; ask an admin to enable it")
    return Actor(user_id=user.id, role=user.role, name=user.name, address=address or audit.CLI)


def create_token(site: Site, email: str, name: str = "cli") -> str:
    with transaction(site) as tx:
        user = tx.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(f"no user with the email {email}")
        return _add_token(tx, SYSTEM, user.id, name)


def create_own_token(site: Site, actor: Actor, name: str) -> str:
    """A new API token for the person asking."""
    if actor.user_id is None:
        raise Invalid("only a person can hold a token", "user")
    with transaction(site) as tx:
        return _add_token(tx, actor, actor.user_id, name)


def _add_token(tx: Transaction, actor: Actor, user_id: int, name: str) -> str:
    """A new token: its value is returned once; only its hash is kept."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise Invalid("give the token a name of 1 to 120 characters, e.g. 'results feed'", "name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=name, token_hash=hash_token(token))
    tx.session.add(row)
    tx.session.flush()
    tx.audit(actor, "token.created", "token", row.id, detail={"name": name, "owner": user_id})
    return token


def revoke_own_token(site: Site, actor: Actor, token_id: int) -> None:
    with transaction(site) as tx:
        row = tx.session.get(ApiToken, token_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound("you have no such token")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            _revoked(tx, actor, row)


def revoke_person_token(site: Site, actor: Actor, user_id: int, token_id: int) -> None:
    """An admin revokes one of anyone's tokens."""
    require_site_role(actor, (SiteRole.ADMIN,), "Revoking someone's token")
    with transaction(site) as tx:
        row = tx.session.get(ApiToken, token_id)
        if row is None or row.user_id != user_id:
            raise NotFound("this person has no such token")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            _revoked(tx, actor, row)


def revoke_token(site: Site, token: str) -> None:
    with transaction(site) as tx:
        row = tx.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None:
            raise NotFound("no such token")
        if row.revoked_at is None:
            _revoked(tx, SYSTEM, row)
        row.revoked_at = utcnow()


def _revoked(tx: Transaction, actor: Actor, row: ApiToken) -> None:
    tx.audit(
        actor, "token.revoked", "token", row.id, detail={"name": row.name, "owner": row.user_id}
    )


def actor_for_token(site: Site, token: str) -> Actor:
    with site.db.reading() as session:
        row = session.execute(
            select(User.id, User.role, User.name)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),
                *_active(),
            )
        ).first()
    if row is None:
        raise Unauthorized("the token is unknown or revoked, or its owner is disabled")
    return Actor(user_id=row.id, role=row.role, name=row.name)


def start_session(site: Site, actor: Actor) -> str:
    """Opens a login session for a user who proved who they are; returns the cookie value.

    Only the cookie's hash is stored, as with API tokens.
    """
    if actor.user_id is None:
        raise Invalid("only a user can log in", "user")
    cookie = secrets.token_urlsafe(32)
    with transaction(site) as tx:
        now = utcnow()
        tx.session.add(
            UserSession(
                id=hash_token(cookie),
                user_id=actor.user_id,
                created_at=now,
                expires_at=min(now + session_lifetime(site), now + _max_age(site)),
            )
        )
        tx.audit(actor, "sign-in", "person", actor.user_id)
        # A login is a good moment to forget expired sessions.
        tx.session.execute(delete(UserSession).where(UserSession.expires_at < utcnow()))
    return cookie


def actor_for_session(site: Site, cookie: str) -> tuple[Actor, bool] | None:
    """The user a session cookie belongs to, and whether the session was just renewed (so
    the cookie should be sent again); None when it is unknown or expired."""
    now = utcnow()
    with site.db.reading() as session:
        row = session.execute(
            select(User.id, User.role, User.name, UserSession.expires_at, UserSession.created_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id == hash_token(cookie), *_active())
        ).first()
    if row is None or not _session_open(site, row.expires_at, row.created_at, now):
        return None
    last = row.created_at + _max_age(site)  # however often it is used
    renew = row.expires_at - now < session_lifetime(site) / 2 and row.expires_at < last
    if renew:
        with transaction(site) as tx:
            tx.session.execute(
                update(UserSession)
                .where(UserSession.id == hash_token(cookie))
                .values(expires_at=min(now + session_lifetime(site), last))
            )
    return Actor(user_id=row.id, role=row.role, name=row.name), renew


def session_lifetime(site: Site) -> timedelta:
    """How long a login lasts unused (LIVEBLOG_SESSION_IDLE_DAYS): each use in the second
    half of it renews it, never past LIVEBLOG_SESSION_MAX_DAYS from the login."""
    return timedelta(days=site.settings.session_idle_days)


def _max_age(site: Site) -> timedelta:
    return timedelta(days=site.settings.session_max_days)


def _session_open(site: Site, expires_at: datetime, created_at: datetime, now: datetime) -> bool:
    """Neither idle too long nor older than the site's absolute limit."""
    return expires_at > now and created_at + _max_age(site) > now


def signed_in(site: Site, *, cookie: str = "", token: str = "") -> bool:
    """Whether a login cookie or an API token is valid, without renewing anything: for
    deciding, from a request's headers alone, how large a body it may send."""
    with site.db.reading() as session:
        if cookie:
            found_session = session.execute(
                select(UserSession.expires_at, UserSession.created_at)
                .join(User, User.id == UserSession.user_id)
                .where(UserSession.id == hash_token(cookie), *_active())
            ).first()
            if found_session is not None and _session_open(
                site, found_session.expires_at, found_session.created_at, utcnow()
            ):
                return True
        if token:
            found = session.scalar(
                select(ApiToken.id)
                .join(User, User.id == ApiToken.user_id)
                .where(
                    ApiToken.token_hash == hash_token(token),
                    ApiToken.revoked_at.is_(None),
                    *_active(),
                )
            )
            return found is not None
    return False


def end_session(site: Site, cookie: str) -> None:
    with transaction(site) as tx:
        tx.session.execute(delete(UserSession).where(UserSession.id == hash_token(cookie)))


def end_all_sessions(site: Site, actor: Actor) -> int:
    """Logs the person asking out everywhere, this browser included; their API tokens stay.
    Returns how many logins ended."""
    if actor.user_id is None:
        raise Invalid("only a person has logins", "user")
    with transaction(site) as tx:
        ended = tx.session.execute(delete(UserSession).where(UserSession.user_id == actor.user_id))
        count = int(getattr(ended, "rowcount", 0) or 0)
        tx.audit(actor, "sign-out.everywhere", "person", actor.user_id, detail={"ended": count})
        return count


def change_own_password(
    site: Site,
    actor: Actor,
    current: str,
    new: str,
    again: str,
    *,
    keep_cookie: str = "",
    address: str | None = None,
) -> None:
    """The person asking sets a new password, proving the current one (throttled like a
    login). Their other logins end; the one in ``keep_cookie`` stays."""
    if actor.user_id is None:
        raise Invalid("only a person has a password", "user")
    with site.db.reading() as session:
        user = session.get(User, actor.user_id)
    if user is None or user.removed_at is not None:
        raise NotFound("you are no longer on this site")
    if new != again:
        raise Invalid("the two new passwords differ; type the same one twice", "new password")
    check_new_password(new, user.email)
    counters = throttle.counters(user.email, address)
    throttle.check(site, counters)
    with hashing_slot(site.settings):
        throttle.check(site, counters)
        if not password_matches(user.password_hash, current):
            throttle.failed(site, counters)
            raise Invalid("that is not your current password", "current password")
    throttle.succeeded(site, counters)
    _set_password(site, user.id, new, keep_cookie=keep_cookie, actor=actor)


def _set_password(
    site: Site,
    user_id: int,
    password: str,
    *,
    keep_cookie: str = "",
    reset_token: str = "",
    actor: Actor | None = None,
    address: str | None = None,
) -> None:
    """Stores a new password (already checked against the rules) and ends the person's
    logins but ``keep_cookie``'s, and their reset links. With ``reset_token``, only if that
    link is still unspent, in the same transaction: two sends of one link set one password.
    """
    password_hash = hash_password(site.settings, password)
    with transaction(site) as tx:
        if reset_token:
            spent = tx.session.execute(
                delete(PasswordReset).where(
                    PasswordReset.token_hash == hash_token(reset_token),
                    PasswordReset.expires_at > utcnow(),
                )
            )
            if not getattr(spent, "rowcount", 0):
                raise NotFound(RESET_GONE)
        tx.session.execute(
            update(User).where(User.id == user_id).values(password_hash=password_hash)
        )
        tx.session.execute(
            delete(UserSession).where(
                UserSession.user_id == user_id, UserSession.id != hash_token(keep_cookie)
            )
        )
        tx.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user_id))
        if reset_token:
            tx.audit(actor, "password.reset", "person", user_id, address=address)
        else:
            tx.audit(actor, "password.changed", "person", user_id)


# --- one-time password-reset links ------------------------------------------------------


def _reset_signature(site: Site, body: str) -> str:
    key = site.settings.secret_key.reveal().encode()
    return hmac.new(key, f"reset:{body}".encode(), hashlib.sha256).hexdigest()[:32]


def create_reset_link(site: Site, actor: Actor, user_id: int) -> str:
    """A password-reset token for a person, made by an admin: signed with the site's secret
    key, good once, for RESET_LIFETIME. Only its hash is kept; an earlier one stops working.
    The token goes in the address /editor/reset/<token>."""
    require_site_role(actor, (SiteRole.ADMIN,), "Making a password-reset link")
    now = utcnow()
    expires = now + RESET_LIFETIME
    with transaction(site) as tx:
        user = tx.session.get(User, user_id)
        if user is None or user.removed_at is not None:
            raise NotFound(f"no person with the id {user_id}")
        if user.disabled_at is not None:
            raise Forbidden("this person is disabled; enable them first")
        body = f"{RESET_PREFIX}{user.id}.{int(expires.timestamp())}.{secrets.token_urlsafe(18)}"
        token = f"{body}.{_reset_signature(site, body)}"
        tx.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
        tx.session.add(
            PasswordReset(
                token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=expires
            )
        )
        tx.audit(actor, "password.reset-link", "person", user.id, detail={"email": user.email})
    return token


RESET_GONE = "this password-reset link has expired or was used already; ask an admin for a new one"


def person_for_reset(site: Site, token: str) -> tuple[int, str]:
    """The id and email of the person a reset token is for, while it can be used."""
    body, _, signature = token.rpartition(".")
    if not body.startswith(RESET_PREFIX) or not hmac.compare_digest(
        signature.encode(), _reset_signature(site, body).encode()
    ):
        raise NotFound("this password-reset link is not one of this site's")
    with site.db.reading() as session:
        row = session.execute(
            select(User.id, User.email, PasswordReset.expires_at)
            .join(PasswordReset, PasswordReset.user_id == User.id)
            .where(PasswordReset.token_hash == hash_token(token), *_active())
        ).first()
    if row is None or row.expires_at <= utcnow():
        raise NotFound(RESET_GONE)
    return row.id, row.email


def reset_password(site: Site, token: str, new: str, again: str, address: str | None = None) -> str:
    """Sets the password of the person a reset token is for, once; their logins end.
    Returns their email."""
    user_id, email = person_for_reset(site, token)
    if new != again:
        raise Invalid("the two new passwords differ; type the same one twice", "new password")
    check_new_password(new, email)
    _set_password(
        site,
        user_id,
        new,
        reset_token=token,
        actor=Actor(user_id=user_id, role=SiteRole.CONTRIBUTOR, name=email),
        address=address,
    )
    return email


# --- two-factor login (TOTP) ------------------------------------------------------------

TOTP_STEP = 30
# A login that passed the password has this long to give its code.
SECOND_STEP_LIFETIME = timedelta(minutes=5)
_CODE = re.compile(r"^\d{6}$")


def _sign(site: Site, purpose: str, body: str) -> str:
    key = site.settings.secret_key.reveal().encode()
    return hmac.new(key, f"{purpose}:{body}".encode(), hashlib.sha256).hexdigest()[:32]


def _signed(site: Site, purpose: str, value: str) -> str:
    """``value`` with its signature, to travel through a form and come back unchanged."""
    return f"{value}.{_sign(site, purpose, value)}"


def _unsigned(site: Site, purpose: str, signed: str) -> str | None:
    value, _, signature = signed.rpartition(".")
    if not value or not hmac.compare_digest(
        signature.encode(), _sign(site, purpose, value).encode()
    ):
        return None
    return value


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (the current one, or one either side), or None."""
    import pyotp

    code = "".join(code.split())
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP)
    step = int(now.timestamp()) // TOTP_STEP
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


@dataclass(frozen=True)
class Enrolment:
    secret: str  # to type into an authenticator app
    uri: str  # otpauth://, for apps that take a link
    sealed: str  # the secret, signed, for the confirming form to carry back


def start_totp(site: Site, actor: Actor) -> Enrolment:
    """A new TOTP secret for the person asking, not stored until they confirm a code."""
    import pyotp

    if actor.user_id is None:
        raise Invalid("only a person can log in", "user")
    with site.db.reading() as session:
        user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("you are no longer on this site")
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret, interval=TOTP_STEP).provisioning_uri(
        name=user.email, issuer_name=site.settings.site_name
    )
    return Enrolment(secret, uri, _signed(site, f"totp-enrol:{user.id}", secret))


def reopen_totp(site: Site, actor: Actor, sealed: str) -> Enrolment | None:
    """The set-up a confirming form carried back, to show again after a wrong code."""
    import pyotp

    secret = _unsigned(site, f"totp-enrol:{actor.user_id}", sealed)
    if secret is None or actor.user_id is None:
        return None
    with site.db.reading() as session:
        email = session.scalar(select(User.email).where(User.id == actor.user_id)) or ""
    uri = pyotp.TOTP(secret, interval=TOTP_STEP).provisioning_uri(
        name=email, issuer_name=site.settings.site_name
    )
    return Enrolment(secret, uri, sealed)


def confirm_totp(site: Site, actor: Actor, sealed: str, code: str) -> None:
    """Turns two-factor login on, once the person shows a code from their app."""
    if actor.user_id is None:
        raise Invalid("only a person can log in", "user")
    secret = _unsigned(site, f"totp-enrol:{actor.user_id}", sealed)
    if secret is None:
        raise Invalid("this set-up has expired; start again", "code")
    step = _matching_step(secret, code, utcnow())
    if step is None:
        raise Invalid("that code does not match; type the 6 digits your app shows now", "code")
    with transaction(site) as tx:
        tx.session.execute(
            update(User)
            .where(User.id == actor.user_id)
            .values(totp_secret=secret, totp_last_step=step)
        )
        tx.audit(actor, "two-factor.on", "person", actor.user_id)


def stop_totp(site: Site, actor: Actor, code: str) -> None:
    """Turns two-factor login off, with a current code; not for admins when the site
    requires it."""
    if actor.user_id is None:
        raise Invalid("only a person can log in", "user")
    if actor.is_admin and site.settings.require_2fa_for_admins:
        raise Forbidden("this site requires two-factor login for admins")
    with transaction(site) as tx:
        user = tx.session.get(User, actor.user_id, with_for_update=True)
        if user is None or not user.totp_secret:
            raise Invalid("two-factor login is off already", "code")
        if _matching_step(user.totp_secret, code, utcnow()) is None:
            raise Invalid("that code does not match; type the 6 digits your app shows now", "code")
        user.totp_secret = None
        user.totp_last_step = None
        tx.audit(actor, "two-factor.off", "person", actor.user_id)


def has_totp(site: Site, user_id: int) -> bool:
    with site.db.reading() as session:
        return bool(session.scalar(select(User.totp_secret).where(User.id == user_id)))


def needs_enrolment(site: Site, actor: Actor) -> bool:
    """Whether this person must set up two-factor login before anything else."""
    return (
        actor.is_admin
        and site.settings.require_2fa_for_admins
        and actor.user_id is not None
        and not has_totp(site, actor.user_id)
    )


def second_step(site: Site, actor: Actor) -> str | None:
    """After the right password: None when the person has no two-factor login, else a
    signed, short-lived ticket for the form that asks for their code."""
    if actor.user_id is None or not has_totp(site, actor.user_id):
        return None
    expires = int((utcnow() + SECOND_STEP_LIFETIME).timestamp())
    return _signed(site, "login-code", f"{actor.user_id}-{expires}")


def check_login_code(site: Site, ticket: str, code: str, address: str | None = None) -> Actor:
    """The person a login ticket is for, when the code is right (throttled like a password;
    each code opens one login)."""
    value = _unsigned(site, "login-code", ticket)
    user_id_text, _, expires_text = (value or "").partition("-")
    if value is None or not user_id_text.isdigit() or not expires_text.isdigit():
        raise Unauthorized("this login has expired; log in again")
    if int(expires_text) < utcnow().timestamp():
        raise Unauthorized("this login has expired; log in again")
    with site.db.reading() as session:
        user = session.scalar(select(User).where(User.id == int(user_id_text), *_active()))
    if user is None or not user.totp_secret:
        raise Unauthorized("this login has expired; log in again")
    counters = throttle.counters(user.email, address)
    throttle.check(site, counters)
    step = _matching_step(user.totp_secret, code, utcnow())
    with transaction(site) as tx:
        # Accepted once: a step no later than the last one used is a replayed code.
        used = tx.session.execute(
            update(User)
            .where(
                User.id == user.id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < (step or 0)),
            )
            .values(totp_last_step=step)
        )
        fresh = step is not None and bool(getattr(used, "rowcount", 0))
    if not fresh:
        throttle.failed(site, counters)
        audit.failed_sign_in(site, user.email, address, "wrong two-factor code")
        raise Unauthorized("that code does not match; type the 6 digits your app shows now")
    throttle.succeeded(site, counters)
    return Actor(user_id=user.id, role=user.role, name=user.name, address=address or audit.CLI)
