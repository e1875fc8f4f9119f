"""Who is asking: the bearer token of an API request, or the desk's login cookie."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from liveblog.actions import Actor
from liveblog.actions.users import actor_for_session, actor_for_token
from liveblog.errors import Forbidden, Unauthorized


def optional_actor(request: Request) -> Actor | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use the header 'Authorization: Bearer <token>'")
    actor: Actor = actor_for_token(request.app.state.site, token.strip())
    return with_address(request, actor)


def required_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("this needs an API token: 'Authorization: Bearer <token>'")
    return actor


CurrentActor = Annotated[Actor, Depends(required_actor)]
MaybeActor = Annotated[Actor | None, Depends(optional_actor)]


# The desk's pages log in with a cookie instead of a token.
SESSION_COOKIE = "lb_session"


def session_actor(request: Request) -> Actor | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = actor_for_session(request.app.state.site, cookie)
    if found is None:
        return None
    actor, renewed = found
    if renewed:
        request.state.renewed_session = cookie  # the page sends the cookie again
    return with_address(request, actor)


def with_address(request: Request, actor: Actor) -> Actor:
    """The actor, with the client's address as uvicorn gives it (X-Forwarded-For counts only
    from the proxies it trusts), for the audit log."""
    return replace(actor, address=request.client.host if request.client else "unknown")


def csrf_token(request: Request) -> str:
    """The value every desk form carries back: an HMAC of the session cookie under the
    site's secret key (LIVEBLOG_SECRET_KEY).

    Another site can make a browser send the cookie, but it can read neither the cookie nor
    the key, so it cannot know this value either; and it changes with every login.
    """
    cookie = request.cookies.get(SESSION_COOKIE, "")
    key = request.app.state.site.settings.secret_key.reveal().encode()
    return hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()[:32]


def check_origin(request: Request, *, token_checked: bool) -> None:
    """Refuses a form post that another site made this browser send.

    A browser names the sending page's origin. "null" (a sandboxed frame, some privacy
    settings) is accepted only where the form's token is checked as well.
    """
    origin = request.headers.get("origin")
    if not origin or (origin == "null" and token_checked):
        return
    ours = {request.headers.get("host"), urlsplit(request.app.state.site.settings.base_url).netloc}
    if urlsplit(origin).netloc not in ours:
        raise Forbidden("this form was sent from another site")


def token_matches(request: Request, form_token: object) -> bool:
    return isinstance(form_token, str) and hmac.compare_digest(form_token, csrf_token(request))


EXPIRED_FORM = "this form has expired (you may have logged in again elsewhere); send it again"
