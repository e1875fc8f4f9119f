"""A phone's 24-megapixel photo, uploaded through the API to `liveblog serve`, on the reader
page in Chromium: it has a srcset, and a 360 px wide page downloads the small width while a
1,280 px one downloads a wider one (bytes measured from the browser's network log)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Response, expect

from liveblog.actions.users import create_token, create_user
from liveblog.settings import Settings
from liveblog.site import Site
from tests.servers import Served, Watcher, liveblog_serve, serve_env

pytestmark = pytest.mark.browser


def phone_photo(width: int = 6000, height: int = 4000) -> bytes:
    """A 24-megapixel JPEG that compresses like a photo: detail at every scale (noise drawn
    coarse to fine, so that narrower copies keep some), and a fine grain."""
    w, h = width // 4, height // 4
    channels = []
    for _ in range(3):
        layer = Image.new("L", (w, h), 128)
        for scale, weight in ((16, 0.5), (4, 0.35), (1, 0.3)):
            coarse = Image.effect_noise((w // scale, h // scale), 60)
            layer = Image.blend(layer, coarse.resize((w, h), Image.Resampling.BICUBIC), weight)
        channels.append(layer)
    picture = Image.merge("RGB", channels).resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(picture, grain, 0.12).save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def served(
    settings: Settings, site: Site, tmp_path: Path
) -> Iterator[tuple[Served, dict[str, str]]]:
    create_user(site, "photo@newsroom.example", "correct horse battery", "editor", name="Pat")
    auth = {"Authorization": f"Bearer {create_token(site, 'photo@newsroom.example')}"}
    with liveblog_serve(serve_env(settings), tmp_path) as server:
        yield server, auth


def photo_bytes_seen(browser: Browser, url: str, width: int) -> tuple[dict[str, int], Any]:
    """The photos a page of this width downloads (address: bytes), and its first photo's
    attributes as the browser sees them."""
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    watcher = Watcher(page)
    seen: dict[str, int] = {}

    def took(response: Response) -> None:
        if "/media/" in response.url:
            seen[response.url.rsplit("/", 1)[1]] = len(response.body())

    page.on("response", took)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => document.querySelector('.post-figure img').complete")
    image = page.evaluate(
        """() => { const img = document.querySelector('.post-figure img');
        return {current: img.currentSrc, srcset: img.getAttribute('srcset'),
                sizes: img.getAttribute('sizes'), width: img.getAttribute('width'),
                height: img.getAttribute('height'), loading: img.getAttribute('loading'),
                webp: img.parentElement.querySelector('source[type="image/webp"]') !== null,
                drawn: img.getBoundingClientRect().width}; }"""
    )
    watcher.check()
    context.close()
    return seen, image


def test_a_24_megapixel_upload_reaches_a_phone_at_its_width(
    browser: Browser, served: tuple[Served, dict[str, str]]
) -> None:
    server, auth = served
    original = phone_photo()
    with httpx.Client(base_url=server.url, headers=auth, timeout=60) as api:
        assert (
            api.post("/api/v1/blogs", json={"title": "Storm", "slug": "storm"}).status_code == 201
        )
        uploaded = api.post(
            "/api/v1/blogs/storm/media",
            files={"file": ("IMG_0001.jpg", original, "image/jpeg")},
            data={"caption": "The harbour at dawn", "credit": "Pat"},
        )
        assert uploaded.status_code == 201, uploaded.text
        photo = uploaded.json()
        assert (photo["width"], photo["height"]) == (2400, 1600)
        post = api.post(
            "/api/v1/blogs/storm/posts",
            json={
                "title": "Dawn",
                "elements": [
                    {
                        "type": "image",
                        "file": photo["file"],
                        "caption": "The harbour at dawn",
                        "alt": "Fishing boats tied up in a calm harbour at first light",
                    }
                ],
            },
        )
        assert post.status_code == 201, post.text
        stored_full = len(api.get(f"/media/{photo['file']}").content)

    phone, image = photo_bytes_seen(browser, f"{server.url}/live/storm", 360)
    stem = photo["file"].removesuffix(".jpg")
    assert image["srcset"] and f"{stem}-360w.jpg 360w" in image["srcset"] and image["webp"]
    assert image["sizes"] and (image["width"], image["height"]) == ("2400", "1600")
    assert image["loading"] == "eager"  # the first post's photo is on the first screen
    assert image["current"].endswith(f"{stem}-360w.webp")
    assert list(phone) == [f"{stem}-360w.webp"]
    assert image["drawn"] <= 360

    desktop, wide = photo_bytes_seen(browser, f"{server.url}/live/storm", 1280)
    assert wide["current"].endswith(f"{stem}-1080w.webp")  # the 768 px column, 1x
    assert list(desktop) == [f"{stem}-1080w.webp"]
    phone_bytes, desktop_bytes = sum(phone.values()), sum(desktop.values())
    # The phone gets a small fraction of what the desktop gets, which is a fraction of the
    # stored photo, itself a fraction of the original.
    assert phone_bytes * 5 < desktop_bytes < stored_full < len(original)
    print(
        f"\nphoto bytes: original {len(original):,}; stored {stored_full:,}; "
        f"360 px page {phone_bytes:,}; 1280 px page {desktop_bytes:,}"
    )


DROP = """async ([b64, how]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const chosen = new DataTransfer();
  chosen.items.add(new File([bytes], how + ".png", {type: "image/png"}));
  const text = document.querySelector("form.post-form textarea");  // not on the photo block
  const event = how === "drop"
    ? new DragEvent("drop", {dataTransfer: chosen, bubbles: true, cancelable: true})
    : new ClipboardEvent("paste", {clipboardData: chosen, bubbles: true, cancelable: true});
  text.dispatchEvent(event);
  const input = document.querySelector("fieldset.element-image input[type=file]");
  return [event.defaultPrevented, input.files.length ? input.files[0].name : null,
          document.querySelector(".photo-drop-note")?.textContent || ""];
}"""


def test_a_photo_dropped_or_pasted_on_the_composer_is_published_with_the_post(
    browser: Browser, served: tuple[Served, dict[str, str]], site: Site
) -> None:
    server, auth = served
    assert httpx.post(
        f"{server.url}/api/v1/blogs", json={"title": "Drop", "slug": "drop"}, headers=auth
    ).is_success
    picture = io.BytesIO()
    Image.new("RGB", (800, 500), (40, 110, 170)).save(picture, format="PNG")
    encoded = base64.b64encode(picture.getvalue()).decode()
    context = browser.new_context()
    page = context.new_page()
    watcher = Watcher(page)
    page.goto(f"{server.url}/editor/blogs/drop")
    page.fill("#email", "photo@newsroom.example")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.click("button.primary")
    for how in ("paste", "drop"):
        page.goto(f"{server.url}/editor/blogs/drop")
        with page.expect_navigation():
            page.click("form.post-form button[value='add-image']")
        prevented, name, note = page.evaluate(DROP, [encoded, how])
        assert prevented and name == f"{how}.png" and f"Photo ready: {how}.png" in note
        expect(page.locator("fieldset.element-image img.photo-drop-preview")).to_be_visible()
    page.fill("#f-el-0-markdown", "The ferry terminal from the air.")
    page.fill("#f-el-1-caption", "The terminal")
    page.fill("#f-el-1-alt", "A ferry terminal seen from above")
    with page.expect_navigation():
        page.click("form.post-form button[value='publish']")
    watcher.check()
    context.close()
    posts = httpx.get(f"{server.url}/api/v1/blogs/drop/posts").json()["posts"]
    [photo] = [e for e in posts[0]["elements"] if e["type"] == "image"]
    assert photo["file"].endswith(".png") and photo["alt"] == "A ferry terminal seen from above"
    assert httpx.get(
        f"{server.url}/media/{photo['file'].removesuffix('.png')}-360w.webp"
    ).is_success
