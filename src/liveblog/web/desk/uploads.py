"""Photos chosen in a post's form: cleaned when sent, and carried in the form (sealed)
until the post that shows them is stored."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile

from liveblog.actions import Actor
from liveblog.actions.media import MAX_UPLOAD_BYTES, Photo, clean_photo
from liveblog.errors import Invalid
from liveblog.site import Site
from liveblog.web.desk.postform import PostForm
from liveblog.web.photos import seal, thumbnail_url, unseal

MAX_UPLOADS = 10


def take_uploads(site: Site, actor: Actor, form: FormData, post_form: PostForm) -> None:
    """Cleans the photos chosen in the form's photo fieldsets, takes back the ones an
    earlier send carried, and names them in the form. Nothing is stored here: a photo is
    stored with the post that shows it.

    Every photo is tried, so that one bad file does not cost the others; the problems
    are reported together.
    """
    problems: list[str] = []
    secret = site.settings.secret_key.reveal()
    chosen: list[tuple[dict[str, str], UploadFile]] = []
    for number, element in zip(post_form.numbers, post_form.elements, strict=True):
        if element["type"] != "image":
            continue
        upload = form.get(f"el-{number}-upload")
        carried = form.get(f"el-{number}-photo")
        if isinstance(upload, UploadFile) and upload.filename:
            chosen.append((element, upload))
        elif isinstance(carried, str) and carried:
            photo = unseal(carried, secret)
            if photo is None:
                element["file"] = ""
                problems.append(
                    "a photo chosen before could not be kept (the server was restarted); "
                    "choose it again"
                )
            else:
                _carry(secret, post_form, element, photo)
    if len(chosen) > MAX_UPLOADS:
        raise Invalid(f"send at most {MAX_UPLOADS} photos at a time", "Photo")
    for element, upload in chosen:
        try:
            data = upload.file.read(MAX_UPLOAD_BYTES + 1)
            _carry(secret, post_form, element, clean_photo(actor, data, upload.filename or ""))
        except Invalid as exc:
            problems.append(exc.detail)
    if problems:
        raise Invalid("; ".join(problems), "Photo")


def _carry(secret: str, post_form: PostForm, element: dict[str, str], photo: Photo) -> None:
    """Names a photo not stored yet in its element, and keeps it in the form."""
    element["file"] = photo.filename
    element["photo"] = seal(photo, secret)
    element["thumb"] = thumbnail_url(photo)
    post_form.photos[photo.filename] = photo
