"""/media/<name>: a photo. Readers get it while a published post of a public blog shows it
(``queries.media_is_public``: a deleted post's photos are gone, and back when it is
restored); the desk's people, logged in, get any stored file, for drafts and previews.
The file comes from the media store, a local folder or a bucket: the store never decides.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

from liveblog.actions.media import store_for, variant_of
from liveblog.actions.users import signed_in
from liveblog.errors import NotFound
from liveblog.site import Site
from liveblog.storage import queries as q
from liveblog.web.auth import SESSION_COOKIE

router = APIRouter(include_in_schema=False)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
# A file's name never changes and never names other bytes: browsers and caches may keep a
# public one for a year. A removal still reaches caches that take purges (see docs/media.md).
PUBLIC_CACHE = "public, max-age=31536000, immutable"


@router.api_route("/media/{name}", methods=["GET", "HEAD"])
def media_file(request: Request, name: str) -> Response:
    site: Site = request.app.state.site
    gone = NotFound("There is nothing at this address.")
    if not _NAME.match(name):
        raise gone
    # A narrower or WebP copy is shown exactly when its photo is, and only in the widths
    # made of it.
    copy = variant_of(name)
    photo = name
    with site.db.reading() as session:
        if copy is not None:
            row = q.media_photo(session, copy[0])
            if row is None or str(copy[1]) not in row.variants.split(","):
                raise gone
            photo = row.filename
        public = q.media_is_public(session, photo)
    if not public and not signed_in(site, cookie=request.cookies.get(SESSION_COOKIE, "")):
        raise gone
    stored = store_for(site.settings).get(name)
    if stored is None:
        raise gone
    # Files are written once under a new name and never changed: the name is the version.
    headers = {
        "ETag": f'"{name}"',
        "Cache-Control": PUBLIC_CACHE if public else "private, no-store",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(stored.data, media_type=stored.content_type, headers=headers)
