"""The desk's routes, assembled from its page families: none is hidden behind another."""

from __future__ import annotations

import asyncio
import pkgutil
import re
from importlib import import_module

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from liveblog.app import create_app
from liveblog.site import Site
from liveblog.web import desk

ROUTES = [
    (family.__name__.rsplit(".", 1)[-1], route)
    for family in desk.FAMILIES
    for route in family.router.routes
    if isinstance(route, APIRoute)
]


def _example(path: str) -> str:
    """An address the route answers: each parameter filled in ("7" fits an id and a slug)."""
    return re.sub(r"\{fmt\}", "csv", re.sub(r"\{(?!fmt\})[^}]+\}", "7", path))


def test_every_module_with_routes_is_a_family() -> None:
    with_routes = {
        name
        for _, name, _ in pkgutil.iter_modules(desk.__path__)
        if isinstance(getattr(import_module(f"{desk.__name__}.{name}"), "router", None), APIRouter)
    }
    assert with_routes == {family.__name__.rsplit(".", 1)[-1] for family in desk.FAMILIES}


@pytest.mark.parametrize(
    ("family", "route"), ROUTES, ids=[f"{sorted(r.methods)[0]} {r.path}" for _, r in ROUTES]
)
def test_no_earlier_route_takes_its_address(family: str, route: APIRoute) -> None:
    address = _example(route.path)
    for method in route.methods:
        scope = {"type": "http", "path": address, "method": method}
        assert route.matches(scope)[0] is Match.FULL
        first = next(r for _, r in ROUTES if r.matches(scope)[0] is Match.FULL)
        assert first is route, f"{method} {address} ({family}) is taken by {first.path}"


def test_the_app_sends_every_desk_address_to_its_route(site: Site) -> None:
    """Through the whole app (its other routers, the desk's prefix, the families' order):
    each route's own address reaches it, logged in or not."""
    app = create_app(site=site)
    reached: list[object] = []

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        reached.append(scope.get("endpoint"))

    async def ask_each() -> list[str]:
        wrong = []
        transport = httpx.ASGITransport(app=spy)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for _, route in ROUTES:
                for method in sorted(route.methods):
                    address = "/editor" + _example(route.path)
                    await c.request(method, address, headers={"origin": "http://testserver"})
                    if reached.pop() is not route.endpoint:
                        wrong.append(f"{method} {address}")
        return wrong

    assert asyncio.run(ask_each()) == []
