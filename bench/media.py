"""What a phone's photo costs: processing time per megapixel, and the bytes readers download.

Generates a 24-megapixel JPEG with Pillow (detail at every scale and a fine grain, so that
it compresses like a photo, not like a flat test card), then:

1. in this process, times the upload pipeline on it (``clean_photo``: decode, strip, scale to
   the stored width; ``make_variants``: every narrower width in JPEG and every width in WebP),
   ``--runs`` times, and reports the median per megapixel of the original;
2. starts the real server (`liveblog serve`, on a throwaway SQLite or PostgreSQL database),
   uploads the photo through the API (``POST /api/v1/blogs/{slug}/media``) and reports that
   request's time and the server's CPU seconds, then publishes a post showing it;
3. opens the reader page in Chromium at 360 px and at 1,280 px wide (1x) and sums the photo
   responses of the browser's network log, next to the original-size baseline: the stored
   full-width JPEG, which is what every reader downloaded before there were widths, and the
   camera's file itself.

    .venv/bin/python bench/media.py
    .venv/bin/python bench/media.py --runs 5 --json var/bench/media.json
"""

from __future__ import annotations

import argparse
import io
import json
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    BenchError,
    add_database_url,
    bench_database,
    free_port,
    group_cpu_seconds,
    interrupt,
    liveblog_server,
    start,
    stop,
    wait_ready,
    write_figures,
)

SLUG = "bench-media"
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORTS = (360, 1280)


def phone_photo(width: int = 6000, height: int = 4000) -> bytes:
    """A JPEG as a phone writes one (quality 90), with detail that survives scaling down."""
    from PIL import Image

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


def time_pipeline(data: bytes, runs: int) -> dict[str, float]:
    """Median seconds of cleaning and of making the copies, over ``runs``: wall-clock time,
    and this process's CPU time (what the machine's other load does not inflate)."""
    from liveblog.actions import SYSTEM
    from liveblog.actions.media import clean_photo, make_variants

    figures: dict[str, list[float]] = {}
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        photo = clean_photo(SYSTEM, data, "phone.jpg")
        wall_cleaned, cpu_cleaned = time.perf_counter(), time.process_time()
        make_variants(photo)
        for name, value in {
            "clean_s": wall_cleaned - wall,
            "variants_s": time.perf_counter() - wall_cleaned,
            "clean_cpu_s": cpu_cleaned - cpu,
            "variants_cpu_s": time.process_time() - cpu_cleaned,
        }.items():
            figures.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in figures.items()}


def prepare(database_url: str, media_dir: Path) -> str:
    """Migrates the database and makes an editor with an API token; returns the token."""
    from liveblog.actions.users import create_token, create_user
    from liveblog.settings import Settings
    from liveblog.site import Site

    site = Site.from_settings(Settings(database_url=database_url, media_dir=media_dir))
    try:
        site.db.migrate()
        create_user(site, "bench@newsroom.example", "correct horse battery", "editor")
        return create_token(site, "bench@newsroom.example", "bench")
    finally:
        site.db.dispose()


def api(port: int, token: str, method: str, path: str, body: bytes, kind: str) -> Any:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}",
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": kind},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def page_photo_bytes(url: str) -> dict[int, dict[str, Any]]:
    """For each viewport width: the photo responses Chromium downloaded, and their bytes."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        raise BenchError(f"{CHROMIUM} is absent: the page's photo bytes need Chromium")
    seen: dict[int, dict[str, Any]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for width in VIEWPORTS:
            context = browser.new_context(
                viewport={"width": width, "height": 800}, device_scale_factor=1
            )
            page = context.new_page()
            files: dict[str, int] = {}
            page.on(
                "response",
                lambda r, files=files: (
                    files.__setitem__(r.url.rsplit("/", 1)[1], len(r.body()))
                    if "/media/" in r.url
                    else None
                ),
            )
            page.goto(url, wait_until="load")
            page.wait_for_function("() => document.querySelector('.post-figure img').complete")
            seen[width] = {"files": files, "bytes": sum(files.values())}
            context.close()
        browser.close()
    return seen


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    print("Generating a 24-megapixel JPEG ...", flush=True)
    original = phone_photo()
    megapixels = 6000 * 4000 / 1e6
    print(f"  {len(original):,} bytes, {megapixels:g} MP", flush=True)
    timing = time_pipeline(original, args.runs)
    media_dir = workdir / "media"
    with bench_database(args.database_url, workdir) as database_url:
        token = prepare(database_url, media_dir)
        port = free_port()
        log = workdir / "serve.log"
        command, env = liveblog_server(
            database_url, media_dir, str(port), LIVEBLOG_BASE_URL=f"http://{HOST}:{port}"
        )
        proc = start(command, log, env)
        try:
            wait_ready(proc, port, "/readyz", log)
            kind = "application/json"
            api(
                port,
                token,
                "POST",
                "/api/v1/blogs",
                json.dumps({"title": "Bench", "slug": SLUG}).encode(),
                kind,
            )
            body, form = multipart({"caption": "The harbour"}, "phone.jpg", original)
            cpu_before = group_cpu_seconds(proc.pid)
            started = time.perf_counter()
            photo = api(port, token, "POST", f"/api/v1/blogs/{SLUG}/media", body, form)
            upload_s = time.perf_counter() - started
            upload_cpu = group_cpu_seconds(proc.pid) - cpu_before
            element = {
                "type": "image",
                "file": photo["file"],
                "caption": "The harbour",
                "alt": "Boats in a harbour",
            }
            post = json.dumps({"title": "Photo", "elements": [element]}).encode()
            api(port, token, "POST", f"/api/v1/blogs/{SLUG}/posts", post, kind)
            stored = media_dir / photo["file"]
            seen = page_photo_bytes(f"http://{HOST}:{port}/live/{SLUG}")
        finally:
            stop(proc)
    return {
        "original_bytes": len(original),
        "megapixels": megapixels,
        "stored": f"{photo['width']}x{photo['height']}",
        "stored_bytes": stored.stat().st_size,
        "clean_s": timing["clean_s"],
        "variants_s": timing["variants_s"],
        "clean_cpu_s": timing["clean_cpu_s"],
        "variants_cpu_s": timing["variants_cpu_s"],
        "pipeline_s_per_mp": (timing["clean_s"] + timing["variants_s"]) / megapixels,
        "pipeline_cpu_s_per_mp": (timing["clean_cpu_s"] + timing["variants_cpu_s"]) / megapixels,
        "upload_request_s": upload_s,
        "upload_server_cpu_s": upload_cpu,
        "page_photo_bytes": {str(w): seen[w] for w in VIEWPORTS},
        "backend": "postgresql" if args.database_url else "sqlite",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="pipeline runs (median)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    add_database_url(parser)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    with tempfile.TemporaryDirectory(prefix="liveblog-bench-") as tmp:
        try:
            figures = bench(args, Path(tmp))
        except BenchError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("Interrupted; the server is stopped.", file=sys.stderr)
            return 130
    mp = figures["megapixels"]
    print()
    print(f"original:         {figures['original_bytes']:>10,} bytes ({mp:g} MP JPEG)")
    print(f"stored:           {figures['stored_bytes']:>10,} bytes ({figures['stored']} JPEG)")
    print(
        f"pipeline:         {figures['clean_s']:.2f} s cleaning + {figures['variants_s']:.2f} s "
        f"copies = {figures['pipeline_s_per_mp'] * 1000:.0f} ms per megapixel (wall clock)"
    )
    print(
        f"pipeline CPU:     {figures['clean_cpu_s']:.2f} s cleaning + "
        f"{figures['variants_cpu_s']:.2f} s copies = "
        f"{figures['pipeline_cpu_s_per_mp'] * 1000:.0f} ms per megapixel"
    )
    print(
        f"API upload:       {figures['upload_request_s']:.2f} s the request, "
        f"{figures['upload_server_cpu_s']:.2f} s of server CPU"
    )
    for width, seen in figures["page_photo_bytes"].items():
        names = ", ".join(f"{n.rsplit('-', 1)[-1]}" for n in seen["files"])
        print(f"page at {width:>4} px:  {seen['bytes']:>10,} bytes of photos ({names})")
    if args.json:
        write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
