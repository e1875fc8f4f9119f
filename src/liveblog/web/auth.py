"""Who is asking: the bearer token of an API request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from liveblog.actions import Actor
from liveblog.actions.users import actor_for_token
from liveblog.errors import Unauthorized


def optional_actor(request: Request) -> Actor | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use the header 'Authorization: Bearer <token>'")
    actor: Actor = actor_for_token(request.app.state.site, token.strip())
    return actor


def required_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("this needs an API token: 'Authorization: Bearer <token>'")
    return actor


CurrentActor = Annotated[Actor, Depends(required_actor)]
MaybeActor = Annotated[Actor | None, Depends(optional_actor)]
