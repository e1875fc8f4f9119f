"""Real servers for tests: uvicorn on a free port of 127.0.0.1 (never 8000), and Chromium,
with what the browser tests check on every page: console errors, CSP violations, structure."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from liveblog.app import create_app
from liveblog.server import LIVE_PROTOCOL, config
from liveblog.settings import Settings
from liveblog.site import Site
from tests.conftest import IN_CI
from tests.waiting import wait_until

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running_server(
    site: Site, protocol: str = LIVE_PROTOCOL
) -> Iterator[tuple[str, uvicorn.Server]]:
    """The app under uvicorn with liveblog's own protocol, as `liveblog serve` runs it
    (or with uvicorn's plain one, to test the ASGI route that other servers use)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        config(
            create_app(site=site), host="127.0.0.1", port=port, log_level="warning", http=protocol
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if not thread.is_alive():
            raise AssertionError("the uvicorn server stopped before it answered")
        with suppress(httpx.HTTPError):
            return server.started and httpx.get(url + "/", timeout=1).status_code == 200
        return False

    try:
        wait_until(answers, timeout=10, interval=0.05, what="the uvicorn server to start")
    except AssertionError as exc:
        server.should_exit = True
        pytest.fail(str(exc))
    try:
        yield url, server
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def need_chromium() -> None:
    """Skips without Chromium; in CI its absence is a failure, not a skip."""
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is absent"
        if IN_CI:
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for Playwright, closed afterwards (skips where there is none)."""
    need_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watcher:
    """Collects console errors, uncaught exceptions and CSP violations from a page."""

    CSP_HOOK = """
        window.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) => {
            window.__csp.push(e.violatedDirective + " " + e.blockedURI);
        });
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(self.CSP_HOOK)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        # The browser asks for /favicon.ico by itself; the site has none (yet).
        if where.endswith("/favicon.ico"):
            return
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text} ({where})")

    def check(self) -> None:
        violations = self.page.evaluate("window.__csp")
        assert violations == []
        assert self.problems == []


A11Y_AUDIT = """() => {
  const problems = [];
  const h1s = document.querySelectorAll("h1");
  if (h1s.length !== 1) problems.push("h1 count " + h1s.length);
  let level = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push("skips to " + h.tagName + ": " + h.textContent.trim());
    level = next;
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("img without alt: " + img.src);
  }
  for (const el of document.querySelectorAll("[role=img]")) {
    if (!(el.getAttribute("aria-label") || "").trim()) problems.push("role=img without label");
  }
  const landmarks = {
    main: "main, [role=main]",
    banner: "body > header, [role=banner]",
    contentinfo: "body > footer, [role=contentinfo]",
  };
  for (const [name, selector] of Object.entries(landmarks)) {
    if (document.querySelectorAll(selector).length !== 1) problems.push("landmark " + name);
  }
  for (const t of document.querySelectorAll("time")) {
    if (!t.getAttribute("datetime")) problems.push("time without datetime: " + t.textContent);
  }
  for (const b of document.querySelectorAll("button, a[href]")) {
    if (!b.textContent.trim() && !b.getAttribute("aria-label")) problems.push("unnamed control");
  }
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length) problems.push("duplicate ids: " + dupes.join(" "));
  if (!document.documentElement.lang) problems.push("no lang");
  return problems;
}"""


LIVEBLOG = Path(sys.executable).with_name("liveblog")


@dataclass
class Served:
    """A `liveblog serve` process, started as the deployment guide tells an operator to."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def serve_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points `liveblog serve` at this test's database and folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
    env.update(
        LIVEBLOG_DATABASE_URL=settings.database_url,
        LIVEBLOG_MEDIA_DIR=str(settings.media_dir),
        LIVEBLOG_SECRET_KEY="test-secret-key-for-serve",
        **extra,
    )
    return env


@contextmanager
def liveblog_serve(
    env: dict[str, str], workdir: Path, *args: str, ready_path: str = "/readyz"
) -> Iterator[Served]:
    """`liveblog serve --host 127.0.0.1 --port <free> ARGS` in its own session, until it
    answers ``ready_path``; stopped with SIGTERM (SIGKILL after 15 s) afterwards."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(LIVEBLOG), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"liveblog serve exited before it was ready:\n{served.output()}")
        with suppress(httpx.HTTPError):
            return httpx.get(served.url + ready_path, timeout=1).status_code == 200
        return False

    try:
        try:
            wait_until(ready, timeout=30, interval=0.1, what="liveblog serve to be ready")
        except AssertionError as exc:
            pytest.fail(f"{exc}:\n{served.output()}")
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port != 8000:
            return port


MOTO = Path(sys.executable).with_name("moto_server")


@contextmanager
def s3_server(workdir: Path) -> Iterator[str]:
    """A local S3-compatible server (moto's standalone server) on a free port: its URL."""
    if not MOTO.is_file():
        pytest.fail(f"{MOTO} is absent: moto[server] is a dev dependency (make install)")
    port = free_port()
    log = workdir / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(MOTO), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited: {log.read_text()[-2000:]}")
        with suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return True
        return False

    try:
        try:
            wait_until(answers, timeout=30, interval=0.1, what="moto_server to start")
        except AssertionError as exc:
            pytest.fail(f"{exc}: {log.read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def liveblog_worker(env: dict[str, str], workdir: Path, name: str = "worker") -> Iterator[Path]:
    """`liveblog worker`, as an operator runs it beside servers started with
    LIVEBLOG_WORKER=off; stopped with SIGTERM afterwards, when it must end cleanly.
    Yields its log."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(LIVEBLOG), "worker"],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        if process.returncode not in (0, -signal.SIGTERM):
            pytest.fail(f"liveblog worker ended with {process.returncode}: {log.read_text()}")
