"""The desk, /editor: log in, start a blog, write, edit, pin and flag posts, manage people,
tokens and webhooks, and bring back a blog from flattened text. Plain HTML forms that work without
JavaScript, one module per page family; `router` is all of them.

Every write goes through one action, as in the API. A form that comes back with an
error is shown again with everything the person typed still in it: a validation error,
a clash with a colleague, a bad photo and an expired form token alike.
"""

from fastapi import APIRouter

from liveblog.web.desk import (
    account,
    audit,
    blogs,
    drafts,
    embeds,
    imports,
    library,
    login,
    merging,
    people,
    posts,
    schedule,
    tags,
    team,
    together,
    tokens,
    webhooks,
)
from liveblog.web.desk.common import PREFIX, add_login_redirect

__all__ = ["FAMILIES", "add_login_redirect", "router"]

# The page families, in the order their routes are matched: an address with a fixed part
# must come before one with a parameter in its place (see people), which a test checks.
FAMILIES = (
    login,
    blogs,
    merging,
    posts,
    together,
    schedule,
    drafts,
    embeds,
    team,
    tags,
    people,
    account,
    tokens,
    imports,
    audit,
    webhooks,
    library,
)

router = APIRouter(include_in_schema=False)
for _family in FAMILIES:
    router.include_router(_family.router, prefix=PREFIX)
