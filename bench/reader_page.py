"""Requests per second of the reader page ``/live/{slug}``, against a static-file baseline.

Builds a throwaway database (SQLite in a temp dir, or a fresh database on the server named by
``--database-url``), imports a generated blog of 500 varied posts through the real
``import_blog`` action, starts the real server under uvicorn in its own process, and loads it
from another process: ``wrk`` if installed, else a Python load generator.

It first reports the page's bytes on the wire in each coding (identity, gzip, brotli). The
page is then loaded as a browser asks for it (``Accept-Encoding: gzip, deflate, br``, so
brotli) and as it was before compression (identity), next to a baseline: the static file of
the same server whose bytes on the wire are closest to the compressed page's (chosen from
the site's files in every coding), asked for by its versioned URL. They alternate in the
same session, so that the ratio page/static says how heavy the page is on this machine today.

    .venv/bin/python bench/reader_page.py --duration 5
    .venv/bin/python bench/reader_page.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    BenchError,
    add_database_url,
    bench_database,
    format_ms,
    free_port,
    group_cpu_seconds,
    interrupt,
    liveblog_server,
    start,
    stop,
    tail,
    wait_ready,
    write_figures,
)

STATIC_PATH = "/static/reader.css"
SLUG = "bench-reader-page"


# --- the blog -------------------------------------------------------------------------------

PLACES = ["Kesterby", "Fennick Bay", "Harlow Cross", "the old harbour", "Marden", "Upper Wick"]
PEOPLE = ["Amira Sayed", "Tom Hollis", "Greta Lind", "Dev Patel", "Joanna Moor", "Luis Ortega"]
BODIES = [
    "the city council",
    "the coastguard",
    "the fire service",
    "the health trust",
    "the rail operator",
    "the weather service",
    "the police",
]
NOUNS = [
    "flood barrier",
    "evacuation centre",
    "power cut",
    "road closure",
    "rescue team",
    "high tide",
    "ferry service",
    "school closure",
    "sandbag station",
    "bridge",
]
VERBS = ["confirmed", "warned", "announced", "denied", "reported", "said", "estimated"]
FILLER = [
    "Residents were told to stay away from the seafront until further notice.",
    "Crews have been working through the night to clear debris from the main roads.",
    "It is not yet clear how long the disruption will last.",
    "Several hundred people have spent the night in temporary shelters.",
    "The next update is expected within the hour.",
    "Officials urged people not to travel unless their journey was essential.",
    "Shops in the town centre remained shuttered for a second day.",
    "Volunteers handed out blankets and hot drinks at the community hall.",
]
SOURCES = [
    "North Sea Weather Service",
    "Kesterby City Council",
    "Coastguard",
    "Reuters",
    "Local radio",
    "Police statement",
    "Harbour authority",
]


def _sentence(rng: random.Random) -> str:
    body = rng.choice(BODIES)
    kind = rng.random()
    if kind < 0.25:
        return (
            f"{body.capitalize()} {rng.choice(VERBS)} that the **{rng.choice(NOUNS)}** in "
            f"{rng.choice(PLACES)} would stay in place until at least {rng.randint(1, 11)}pm."
        )
    if kind < 0.4:
        slug = rng.choice(NOUNS).replace(" ", "-")
        return (
            f"You can [read the full statement](https://example.org/news/{slug}-"
            f"{rng.randint(100, 999)}) from {body}."
        )
    if kind < 0.6:
        return (
            f"About {rng.randint(2, 90) * 100:,} households in {rng.choice(PLACES)} are "
            f"affected, {body} {rng.choice(VERBS)}."
        )
    return rng.choice(FILLER)


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))


def _headline(rng: random.Random) -> str:
    return (
        f"{rng.choice(NOUNS).capitalize()} in {rng.choice(PLACES)}: "
        f"{rng.choice(BODIES)} {rng.choice(VERBS)} new measures"
    )


def make_post(rng: random.Random, index: int) -> dict[str, Any]:
    key = rng.random() < 0.2
    elements: list[dict[str, Any]] = [
        {"type": "text", "markdown": _paragraph(rng)} for _ in range(rng.randint(1, 4))
    ]
    if rng.random() < 0.08:
        elements.insert(
            rng.randint(0, len(elements)),
            {
                "type": "image",
                "caption": f"The {rng.choice(NOUNS)} at {rng.choice(PLACES)} this morning.",
                "credit": rng.choice(PEOPLE) + "/Liveblog",
                "alt": f"A wide view of the {rng.choice(NOUNS)} under a grey sky, with people "
                "standing at a distance.",
            },
        )
    if rng.random() < 0.12:
        elements.append(
            {
                "type": "quote",
                "text": f"We are asking everyone in {rng.choice(PLACES)} to follow the advice. "
                + rng.choice(FILLER),
                "attribution": f"{rng.choice(PEOPLE)}, spokesperson for {rng.choice(BODIES)}",
            }
        )
    if rng.random() < 0.03:
        elements.append(
            {"type": "embed", "url": f"https://video.example.org/watch/{rng.randint(10**5, 10**6)}"}
        )
    post: dict[str, Any] = {
        "title": _headline(rng) if key or rng.random() < 0.3 else None,
        "elements": elements,
        "key_event": key,
        "summary": key and rng.random() < 0.1,
        "sources": rng.sample(SOURCES, rng.randint(1, 2)) if rng.random() < 0.4 else [],
        "verification": rng.choice(["unverified", "confirmed", "disputed"])
        if rng.random() < 0.06
        else None,
        "authors": rng.sample(PEOPLE, 1 if rng.random() < 0.85 else 2),
        "correction": "An earlier version of this post gave the wrong time for high tide."
        if rng.random() < 0.02
        else None,
        "edited": rng.random() < 0.1,
    }
    return post


def make_blog(posts: int, seed: int) -> dict[str, Any]:
    """A liveblog-exchange/1 document: ``posts`` published posts, oldest first, one pinned."""
    rng = random.Random(seed)
    items = [make_post(rng, i) for i in range(posts)]
    if items:
        items[max(0, len(items) - 4)]["pinned"] = True  # a recent post, as an editor would pin
    return {
        "format": "liveblog-exchange/1",
        "slug": SLUG,
        "title": "Storm Orla: flood warnings across the coast as evacuations continue",
        "standfirst": "Thousands are told to leave their homes as the storm surge peaks at high "
        "water; rail and ferry services are suspended.",
        "section": "Weather",
        "language": "en",
        "timezone": "Europe/London",
        "status": "live",
        "posts": items,
    }


# --- the database ---------------------------------------------------------------------------


def load_blog(database_url: str, media_dir: Path, posts: int, seed: int) -> float:
    """Migrates and imports the generated blog; returns the seconds the import took."""
    from liveblog.actions.exchange import import_blog
    from liveblog.settings import Settings
    from liveblog.site import Site

    settings = Settings(database_url=database_url, media_dir=media_dir)
    site = Site.from_settings(settings)
    try:
        site.db.migrate()
        data = make_blog(posts, seed)
        started = time.perf_counter()
        import_blog(site, data)
        return time.perf_counter() - started
    finally:
        site.db.dispose()


# --- the server -----------------------------------------------------------------------------


def start_server(
    database_url: str, media_dir: Path, port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    command, env = liveblog_server(
        database_url,
        media_dir,
        str(port),
        "--workers",
        str(workers),
        LIVEBLOG_BASE_URL=f"http://{HOST}:{port}",
    )
    return start(command, log, env)


# --- load generators ------------------------------------------------------------------------


@dataclass
class Run:
    target: str
    rps: float
    requests: int
    seconds: float
    p50_ms: float | None
    p99_ms: float | None
    cpu_us: float | None = None
    """The server's CPU time per request (all its processes), which other load on the
    machine disturbs much less than req/s."""


class BadResponses(BenchError):
    pass


WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; last_bad = 0 end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1; last_bad = status end
end
function done(summary, latency, requests)
  local bad, last_bad = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("bad")
    if t:get("last_bad") ~= 0 then last_bad = t:get("last_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad":%d,"last_bad":%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout, bad, last_bad))
end
"""


def run_wrk(
    script: Path,
    port: int,
    path: str,
    seconds: float,
    connections: int,
    threads: int,
    accept: str,
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-H",
        f"Accept-Encoding: {accept}",
        "-s",
        str(script),
        f"http://{HOST}:{port}{path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
            break
    else:
        raise SystemExit(f"wrk gave no summary:\n{done.stdout}")
    errors = {k: result[k] for k in ("connect", "read", "write", "timeout") if result[k]}
    if result["bad"] or result["status"] or errors:
        raise BadResponses(
            f"{path}: {result['bad']} non-200 responses (last status {result['last_bad']}), "
            f"socket errors {errors or 'none'} out of {result['requests']} requests"
        )
    return result


def _py_worker(
    port: int, path: str, accept: str, seconds: float, connections: int, out: Any
) -> None:
    """One load-generating process: ``connections`` keep-alive connections, one per thread."""
    started = time.perf_counter()
    stop_at = started + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    problems: list[str] = []

    def loop(mine: list[float]) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            while (now := time.perf_counter()) < stop_at:
                conn.request("GET", path, headers={"Accept-Encoding": accept})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    problems.append(f"status {response.status}")
                    return
                mine.append(time.perf_counter() - now)
        except (OSError, http.client.HTTPException) as exc:
            problems.append(repr(exc))
        finally:
            conn.close()

    workers = [threading.Thread(target=loop, args=(mine,)) for mine in latencies]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    out.put(([x for mine in latencies for x in mine], problems, elapsed))


def run_python(
    port: int, path: str, accept: str, seconds: float, connections: int, processes: int
) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = max(1, min(processes, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    procs = [
        context.Process(target=_py_worker, args=(port, path, accept, seconds, share, queue))
        for share in shares
    ]
    for proc in procs:
        proc.start()
    latencies: list[float] = []
    problems: list[str] = []
    elapsed = 0.0
    try:
        for _ in procs:
            got, bad, took = queue.get(timeout=seconds + 60)
            latencies.extend(got)
            problems.extend(bad)
            elapsed = max(elapsed, took)
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    if problems:
        raise BadResponses(f"{path}: {len(problems)} connection(s) failed, e.g. {problems[0]}")
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e6

    return {
        "requests": len(latencies),
        "duration_us": elapsed * 1e6,
        "p50_us": percentile(50) if latencies else 0,
        "p99_us": percentile(99) if latencies else 0,
    }


# --- the run --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=500, help="posts in the blog (500)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each run (2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrency (32)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of baseline then page; the median of each is reported (2)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="wrk threads / Python load processes (default: CPU count, max 4)",
    )
    parser.add_argument(
        "--tool",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if installed (auto), or the Python fallback",
    )
    add_database_url(parser)
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated blog (1)")
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="OUT",
        help="also write the figures to this JSON file",
    )
    args = parser.parse_args(argv)
    if args.posts < 1 or args.duration <= 0 or args.connections < 1 or args.rounds < 1:
        parser.error("--posts, --duration, --connections and --rounds must be positive")
    return args


def choose_tool(wanted: str) -> str:
    if wanted == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if wanted == "wrk":
        raise SystemExit("wrk is not installed: apt-get install wrk")
    print("wrk not found (apt-get install wrk); using the slower Python load generator.")
    return "python"


@dataclass
class Result:
    runs: list[Run]
    targets: list[Target]
    wire: dict[str, int]
    import_seconds: float


@dataclass(frozen=True)
class Target:
    """What one run asks for: a path, with an Accept-Encoding, and what it gets back."""

    name: str
    path: str
    accept: str
    coding: str
    bytes: int


PAGE_PATH = f"/live/{SLUG}"
BROWSER = "gzip, deflate, br"  # what browsers send: the page goes out in brotli
CODINGS = ("identity", "gzip", "br")


def fetch(port: int, path: str, accept: str) -> tuple[bytes, str]:
    """GET ``path`` as it comes over the wire (nothing decoded): the body and its coding."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": accept})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise BadResponses(f"GET {path} answered {response.status}: {body[:300]!r}")
        vary = response.getheader("vary") or ""
        if "accept-encoding" not in vary.lower():
            raise BadResponses(f"GET {path} has no Vary: Accept-Encoding")
        return body, response.getheader("content-encoding") or "identity"
    finally:
        conn.close()


def page_bytes(port: int) -> dict[str, int]:
    """The page's bytes on the wire in each coding, each checked against the identity page."""
    import gzip

    import brotli  # type: ignore[import-untyped]

    identity, _ = fetch(port, PAGE_PATH, "identity")
    if identity.count(b'<article class="post') < 20:
        raise BadResponses(f"GET {PAGE_PATH} does not look like a page of 20 posts")
    wire = {"identity": len(identity)}
    for coding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        body, got = fetch(port, PAGE_PATH, coding)
        if got != coding or decompress(body) != identity:
            raise BadResponses(f"GET {PAGE_PATH} in {coding} is not the identity page ({got})")
        wire[coding] = len(body)
    return wire


def same_size_static(port: int, size: int) -> Target:
    """The static file and coding whose bytes on the wire are closest to ``size``, by its
    versioned URL (as the pages link it)."""
    from liveblog.web.assets import static_assets

    best: Target | None = None
    for asset in static_assets().files.values():
        for coding in ("identity", *asset.encoded.codings):
            body, got = fetch(port, asset.url, coding)
            if got != coding:
                raise BadResponses(f"GET {asset.url} asked in {coding} came in {got}")
            if best is None or abs(len(body) - size) < abs(best.bytes - size):
                best = Target("static", asset.url, coding, coding, len(body))
    if best is None:
        raise BadResponses("the server has no static files")
    return best


def bench(args: argparse.Namespace, tool: str, threads: int, workdir: Path) -> Result:
    """Loads the blog, starts the server, runs the rounds; the server is stopped on the way out
    (before a throwaway PostgreSQL database is dropped), whatever happens."""
    media_dir = workdir / "media"
    media_dir.mkdir()
    wrk_script = workdir / "check.lua"
    wrk_script.write_text(WRK_SCRIPT)
    log = workdir / "server.log"
    backend = "postgresql" if args.database_url else "sqlite"
    with bench_database(args.database_url, workdir) as database_url:
        print(f"Loading a blog of {args.posts} posts into {backend} ...", flush=True)
        import_seconds = load_blog(database_url, media_dir, args.posts, args.seed)
        print(f"  imported in {import_seconds:.1f} s", flush=True)
        port = free_port()
        proc = start_server(database_url, media_dir, port, args.workers, log)
        try:
            wait_ready(proc, port, STATIC_PATH, log)
            wire = page_bytes(port)
            _, browser_coding = fetch(port, PAGE_PATH, BROWSER)
            targets = [
                same_size_static(port, wire[browser_coding]),
                Target("page", PAGE_PATH, BROWSER, browser_coding, wire[browser_coding]),
                Target("page-identity", PAGE_PATH, "identity", "identity", wire["identity"]),
            ]
            print(f"The page on the wire ({PAGE_PATH}):", flush=True)
            for coding in CODINGS:
                print(
                    f"  {coding:<9} {wire[coding]:8,d} bytes  "
                    f"({wire['identity'] / wire[coding]:4.1f}x smaller than identity)"
                )
            baseline = targets[0]
            print(
                f"Baseline: {baseline.path} in {baseline.coding}, {baseline.bytes:,d} bytes, "
                f"the static file closest to the page in {browser_coding}.",
                flush=True,
            )

            def measure(target: Target) -> Run:
                cpu_before = 0.0
                for seconds in (args.warmup, args.duration):
                    if seconds <= 0:
                        continue
                    cpu_before = group_cpu_seconds(proc.pid)
                    if tool == "wrk":
                        got = run_wrk(
                            wrk_script,
                            port,
                            target.path,
                            seconds,
                            args.connections,
                            threads,
                            target.accept,
                        )
                    else:
                        got = run_python(
                            port, target.path, target.accept, seconds, args.connections, threads
                        )
                cpu = group_cpu_seconds(proc.pid) - cpu_before
                if proc.poll() is not None:
                    raise BadResponses(f"the server died during the run:\n{tail(log)}")
                elapsed = got["duration_us"] / 1e6
                run = Run(
                    target.name,
                    got["requests"] / elapsed,
                    got["requests"],
                    elapsed,
                    got["p50_us"] / 1000,
                    got["p99_us"] / 1000,
                    cpu * 1e6 / got["requests"] if got["requests"] and cpu > 0 else None,
                )
                print(
                    f"  {target.name:<13} {run.rps:9.1f} req/s  p50 {format_ms(run.p50_ms):>6} ms"
                    f"  p99 {format_ms(run.p99_ms):>6} ms  "
                    f"server CPU {format_ms(run.cpu_us):>6} us/request  ({run.requests} requests)",
                    flush=True,
                )
                return run

            print(
                f"Server on port {port}, {args.workers} worker(s); {tool} with {threads} "
                f"thread(s), {args.connections} connections, {args.duration:g} s per run "
                f"after {args.warmup:g} s warm-up, {args.rounds} round(s).",
                flush=True,
            )
            runs: list[Run] = []
            for _ in range(args.rounds):
                runs.extend(measure(target) for target in targets)
        except BadResponses as exc:
            raise BadResponses(f"{exc}\n--- server log ---\n{tail(log)}") from None
        finally:
            stop(proc)
    return Result(runs, targets, wire, import_seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    tool = choose_tool(args.tool)
    threads = args.threads or min(4, os.cpu_count() or 1)
    threads = max(1, min(threads, args.connections))
    backend = "postgresql" if args.database_url else "sqlite"

    with tempfile.TemporaryDirectory(prefix="liveblog-bench-") as tmp:
        try:
            result = bench(args, tool, threads, Path(tmp))
        except BenchError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("Interrupted; the server is stopped.", file=sys.stderr)
            return 130
    runs, targets = result.runs, {t.name: t for t in result.targets}

    def median(name: str, field: str) -> float | None:
        values = [getattr(r, field) for r in runs if r.target == name]
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    static_rps = median("static", "rps") or 0.0
    page_rps = median("page", "rps") or 0.0
    identity_rps = median("page-identity", "rps") or 0.0
    ratio = page_rps / static_rps if static_rps else 0.0
    ratio_identity = identity_rps / static_rps if static_rps else 0.0
    print()
    print(
        f"{'target':<14} {'path':<40} {'coding':<9} {'bytes':>8} {'req/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'CPU us':>7}"
    )
    for name, target in targets.items():
        print(
            f"{name:<14} {target.path:<40} {target.coding:<9} {target.bytes:8d} "
            f"{median(name, 'rps') or 0:9.1f} {format_ms(median(name, 'p50_ms')):>7} "
            f"{format_ms(median(name, 'p99_ms')):>7} {format_ms(median(name, 'cpu_us')):>7}"
        )
    static_cpu, page_cpu = median("static", "cpu_us"), median("page", "cpu_us")
    cpu_ratio = static_cpu / page_cpu if static_cpu and page_cpu else None
    print(
        f"page_rps / static_rps = {ratio:.3f} (page in {targets['page'].coding}), "
        f"{ratio_identity:.3f} (page in identity)   ({backend}, {args.posts} posts, "
        f"{args.workers} worker(s), {tool}, medians of {args.rounds})"
    )
    if cpu_ratio is not None:
        print(
            f"static_cpu / page_cpu = {cpu_ratio:.3f} "
            f"(server CPU per request, page in {targets['page'].coding})"
        )

    if args.json:
        figures = {
            "page_path": PAGE_PATH,
            "page_coding": targets["page"].coding,
            "static_path": targets["static"].path,
            "static_coding": targets["static"].coding,
            "page_rps": page_rps,
            "page_identity_rps": identity_rps,
            "static_rps": static_rps,
            "ratio": ratio,
            "ratio_identity": ratio_identity,
            "cpu_ratio": cpu_ratio,
            "page_cpu_us": page_cpu,
            "page_identity_cpu_us": median("page-identity", "cpu_us"),
            "static_cpu_us": static_cpu,
            "page_p50_ms": median("page", "p50_ms"),
            "page_p99_ms": median("page", "p99_ms"),
            "static_p50_ms": median("static", "p50_ms"),
            "static_p99_ms": median("static", "p99_ms"),
            "page_wire_bytes": result.wire,
            "page_bytes": targets["page"].bytes,
            "static_bytes": targets["static"].bytes,
            "import_seconds": result.import_seconds,
            "runs": [asdict(r) for r in runs],
            "config": {
                "database": backend,
                "posts": args.posts,
                "workers": args.workers,
                "tool": tool,
                "load_threads": threads,
                "connections": args.connections,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "rounds": args.rounds,
                "seed": args.seed,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
        }
        write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
