"""What webhooks and notifications cost a publish: a blog with 100 webhook endpoints and
10,000 push subscribers, against a blog with none, in the same run.

The real server (`liveblog serve`, its worker inline, as by default) runs in its own
process; a receiver in another process (``bench/_sink.py``) answers every webhook delivery
and every push message at once and counts them. Two blogs: a quiet one, with nobody
following it, and a busy one, with ``--endpoints`` webhook endpoints (registered through
the API, for that blog only) and ``--subscribers`` push subscriptions (made through the
subscribe action). Key-event posts are then published through the API, alternately to the
quiet and the busy blog, each once the previous one's deliveries are all in. For each:

- the POST's own response time (what an editor waits for),
- the server's CPU time (its process group) from the POST until its deliveries are in
  (until the worker is idle again, for the quiet blog),
- for the busy blog, how long until the receiver had every webhook delivery and every
  push message of the post.

    .venv/bin/python bench/publish_cost.py
    .venv/bin/python bench/publish_cost.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from _common import (
    HOST,
    BenchError,
    add_database_url,
    bench_database,
    free_port,
    group_cpu_seconds,
    interrupt,
    liveblog_server,
    now,
    python_executable,
    request,
    start,
    stop,
    tail,
    wait_ready,
    write_figures,
)

BENCH = Path(__file__).resolve().parent
ADMIN_EMAIL = "bench@publish-cost.example"
QUIET, BUSY = "bench-quiet", "bench-busy"


def p256dh_and_auth() -> tuple[str, str]:
    """A browser's subscription keys: a P-256 public point and a 16-byte secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return b64(point), b64(secrets.token_bytes(16))


def set_up(database_url: str, media_dir: Path, sink: int, subscribers: int) -> str:
    """Migrates; makes an admin with an API token and both blogs, and the busy blog's push
    subscriptions, through the real actions; returns the token."""
    from liveblog.actions import SYSTEM
    from liveblog.actions.blogs import create_blog
    from liveblog.actions.push import subscribe
    from liveblog.actions.users import create_token, create_user
    from liveblog.schema import BlogFields
    from liveblog.settings import Settings
    from liveblog.site import Site

    settings = Settings.from_env(env=bench_settings(database_url, media_dir), dotenv=None)
    site = Site.from_settings(settings)
    try:
        site.db.migrate()
        create_user(site, ADMIN_EMAIL, secrets.token_urlsafe(16), "admin", name="Bench Admin")
        token = create_token(site, ADMIN_EMAIL, name="bench-publish-cost")
        for slug in (QUIET, BUSY):
            create_blog(site, SYSTEM, BlogFields(title=f"Bench {slug}", slug=slug))
        p256dh, auth = p256dh_and_auth()
        for n in range(subscribers):
            # Each from an address of its own, as readers are (the per-address cap).
            address = f"10.{n // 256 % 256}.{n % 256}.{n // 65536 + 1}"
            endpoint = f"http://{HOST}:{sink}/push/{n}"
            subscribe(site, None, BUSY, endpoint, p256dh, auth, address=address)
        return token
    finally:
        site.db.dispose()


def bench_settings(database_url: str, media_dir: Path) -> dict[str, str]:
    return {
        "LIVEBLOG_DATABASE_URL": database_url,
        "LIVEBLOG_MEDIA_DIR": str(media_dir),
        # The receiver is on loopback, over http: let the server send there.
        "LIVEBLOG_PUSH_SERVICES": "",
        "LIVEBLOG_PUSH_PER_BLOG": "1000000",
    }


def sink_counts(port: int) -> dict[str, int]:
    status, body, _ = request(port, "GET", "/counts", timeout=10)
    if status != 200:
        raise BenchError(f"the receiver answered {status}")
    return dict(json.loads(body))


def key_event(index: int) -> bytes:
    return json.dumps(
        {
            "title": f"Update {index}: the barrier holds as the tide peaks",
            "elements": [{"type": "text", "markdown": "The water is a hand's width below."}],
            "key_event": True,
            "authors": ["Amira Sayed"],
        }
    ).encode()


@dataclass
class Figures:
    endpoints: int
    subscribers: int
    database: str
    quiet_post_ms: list[float] = field(default_factory=list)
    busy_post_ms: list[float] = field(default_factory=list)
    quiet_cpu_ms: list[float] = field(default_factory=list)
    busy_cpu_ms: list[float] = field(default_factory=list)
    webhooks_in_s: list[float] = field(default_factory=list)
    pushes_in_s: list[float] = field(default_factory=list)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(args: argparse.Namespace, workdir: Path) -> Figures:
    sink_port = free_port()
    sink_log = workdir / "sink.log"
    sink = start([python_executable(), str(BENCH / "_sink.py"), str(sink_port), "201"], sink_log)
    try:
        with bench_database(args.database_url, workdir) as database_url:
            media = workdir / "media"
            print(f"Setting up {args.subscribers:,} push subscriptions ...", flush=True)
            token = set_up(database_url, media, sink_port, args.subscribers)
            port = free_port()
            command, env = liveblog_server(database_url, media, str(port))
            env.update(bench_settings(database_url, media))
            log = workdir / "server.log"
            server = start(command, log, env)
            try:
                wait_ready(server, port, f"/live/{QUIET}", log)
                return measure(args, port, server.pid, sink_port, token, database_url)
            except BenchError:
                print(tail(log), file=sys.stderr)
                raise
            finally:
                stop(server)
    finally:
        stop(sink)


def measure(
    args: argparse.Namespace, port: int, pid: int, sink: int, token: str, database_url: str
) -> Figures:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for n in range(args.endpoints):
        hook = {"url": f"http://{HOST}:{sink}/hook/{n}", "blog": BUSY, "kinds": []}
        status, body, _ = request(
            port, "POST", "/api/v1/webhooks", json.dumps(hook).encode(), headers
        )
        if status != 201:
            raise BenchError(f"POST /api/v1/webhooks answered {status}: {body[:300]!r}")
    figures = Figures(args.endpoints, args.subscribers, database_url.split(":", 1)[0])
    expected = sink_counts(sink)
    for index in range(args.warmup + args.posts):
        warm = index < args.warmup
        for slug in (QUIET, BUSY):
            path = f"/api/v1/blogs/{slug}/posts"
            cpu_before = group_cpu_seconds(pid)
            status, body, sent = request(port, "POST", path, key_event(index), headers)
            took = now() - sent
            if status != 201:
                raise BenchError(f"POST {path} answered {status}: {body[:300]!r}")
            if slug == BUSY:
                expected["hook"] = expected.get("hook", 0) + args.endpoints
                expected["push"] = expected.get("push", 0) + args.subscribers
            hooks_at, pushes_at = wait_for(sink, expected, sent, args.timeout)
            # The quiet blog: wait for the worker to go idle (its dispatch, a few ms).
            time.sleep(0.3 if slug == QUIET else 0.05)
            cpu = (group_cpu_seconds(pid) - cpu_before) * 1000
            if warm:
                continue
            if slug == QUIET:
                figures.quiet_post_ms.append(took * 1000)
                figures.quiet_cpu_ms.append(cpu)
            else:
                figures.busy_post_ms.append(took * 1000)
                figures.busy_cpu_ms.append(cpu)
                figures.webhooks_in_s.append(hooks_at)
                figures.pushes_in_s.append(pushes_at)
            print(
                f"  {slug:11} POST {took * 1000:6.1f} ms  server CPU {cpu:7.1f} ms"
                + (
                    f"  webhooks in {hooks_at:5.2f} s  pushes in {pushes_at:5.2f} s"
                    if slug == BUSY
                    else ""
                ),
                flush=True,
            )
    return figures


def wait_for(
    sink: int, expected: dict[str, int], sent: float, timeout: float
) -> tuple[float, float]:
    """Seconds from the POST until the receiver had the expected webhook deliveries, and
    the expected push messages."""
    hooks_at = pushes_at = 0.0
    deadline = now() + timeout
    while True:
        counts = sink_counts(sink)
        if not hooks_at and counts.get("hook", 0) >= expected.get("hook", 0):
            hooks_at = now() - sent
        if not pushes_at and counts.get("push", 0) >= expected.get("push", 0):
            pushes_at = now() - sent
        if hooks_at and pushes_at:
            return hooks_at, pushes_at
        if now() > deadline:
            raise BenchError(f"deliveries not in after {timeout:.0f} s: {counts} of {expected}")
        time.sleep(0.02)


def report(figures: Figures) -> None:
    quiet, busy = median(figures.quiet_post_ms), median(figures.busy_post_ms)
    print()
    print(
        f"Publishing a key event, medians of {len(figures.busy_post_ms)} "
        f"({figures.database}; {figures.endpoints} webhook endpoints and "
        f"{figures.subscribers:,} push subscribers on the busy blog):"
    )
    print(f"  POST response, quiet blog:  {quiet:7.1f} ms")
    print(f"  POST response, busy blog:   {busy:7.1f} ms   ({busy / quiet:.2f}x the quiet blog)")
    print(f"  server CPU, quiet blog:     {median(figures.quiet_cpu_ms):7.1f} ms")
    print(f"  server CPU, busy blog:      {median(figures.busy_cpu_ms):7.1f} ms")
    print(f"  all webhooks delivered in   {median(figures.webhooks_in_s):7.2f} s")
    pushes = median(figures.pushes_in_s)
    rate = figures.subscribers / pushes if pushes else float("nan")
    print(f"  all pushes delivered in     {pushes:7.2f} s   ({rate:,.0f} per second)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_url(parser)
    parser.add_argument("--endpoints", type=int, default=100)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=5, help="measured posts per blog")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured posts per blog first")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait per post")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    with tempfile.TemporaryDirectory(prefix="liveblog-bench-") as tmp:
        figures = run(args, Path(tmp))
    report(figures)
    if args.json:
        write_figures(args.json, asdict(figures))


if __name__ == "__main__":
    main()
