"""Fan-out of one update to N SSE readers: liveblog's server against a bare asyncio baseline.

For each N (``--readers 1000,5000,10000``) and for each server, in the same run:

1. Start the server in its own process group: ``liveblog serve``, exactly as the deployment
   guide starts it, on a throwaway database, or the baseline
   (``bench/_fanout_baseline.py``: bare asyncio + uvloop writing the same event bytes to
   every socket in one loop).
2. Read its RSS, then open N readers (``GET /live/{slug}/events`` on raw sockets) from a
   separate process (``bench/_fanout_client.py``; ``--clients 2`` splits them over two),
   and check that each got the ``HTTP/1.1 200`` head and the ``retry:`` line.
3. Read the RSS again, then publish K updates, ``--interval`` seconds apart: for liveblog a
   ~1 KB text post through ``POST /api/v1/blogs/{slug}/posts`` with a Bearer token, for the
   baseline ``POST /publish``. The publisher notes ``CLOCK_MONOTONIC`` just before sending
   the request; each reader notes it when the event's ``id:`` line arrives (the clock is
   system-wide on Linux, so the two processes' readings compare). Latency = the difference.

The baseline writes the bytes of a real liveblog event (the warm-up post's), so both servers
send the same amount per reader. Server, readers and publisher share this machine's CPUs:
the client's own time to read 10,000 sockets is part of both servers' figures.

    .venv/bin/python bench/fanout.py
    .venv/bin/python bench/fanout.py --readers 1000,5000 --updates 3 --json /tmp/fanout.json
    .venv/bin/python bench/fanout.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import queue
import resource
import secrets
import signal
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    BenchError,
    add_database_url,
    bench_database,
    format_ms,
    free_port,
    interrupt,
    liveblog_server,
    now,
    python_executable,
    raise_nofile,
    request,
    start,
    stop,
    tail,
    wait_ready,
    write_figures,
)

BENCH = Path(__file__).resolve().parent
SLUG = "bench-fanout"
EVENTS_PATH = f"/live/{SLUG}/events"
ADMIN_EMAIL = "bench-admin@example.org"
# Descriptors a server or client needs besides its readers: listening socket, DB, logs, pipes.
SPARE_FDS = 64
# ~1 KB of Markdown: the text of every update.
POST_TEXT = (
    "The coastguard confirmed that the **flood barrier** at Fennick Bay would stay in place "
    "until at least 11pm. About 4,200 households in Marden are affected, the council said. "
    "Residents were told to stay away from the seafront until further notice. Crews have "
    "been working through the night to clear debris from the main roads, and it is not yet "
    "clear how long the disruption will last. Several hundred people have spent the night in "
    "temporary shelters, where volunteers handed out blankets and hot drinks. Officials urged "
    "people not to travel unless their journey was essential; rail and ferry services remain "
    "suspended. You can [read the full statement](https://example.org/news/flood-barrier-512) "
    "from the city council. Shops in the town centre remained shuttered for a second day, and "
    "schools in Upper Wick and Harlow Cross will stay closed tomorrow. The next update is "
    "expected within the hour, after the high tide at 9.40pm."
)


# With --gc-log, servers start under this wrapper: it logs every full collection, and any
# collection over 2 ms, with its CLOCK_MONOTONIC start, to stderr (the server's log).
GC_WRAPPER = """
import gc, runpy, sys, time
_start = [0.0]
def _gc(phase, info):
    at = time.clock_gettime(time.CLOCK_MONOTONIC)
    if phase == "start":
        _start[0] = at
    elif info["generation"] == 2 or at - _start[0] > 0.002:
        sys.stderr.write(
            f"GCPAUSE {_start[0]:.6f} {info['generation']} {(at - _start[0]) * 1000:.2f}\\n"
        )
gc.callbacks.append(_gc)
sys.argv = sys.argv[1:]
if sys.argv[0] == "-m":
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def gc_pauses(log: Path) -> list[tuple[float, int, float]]:
    """(start, generation, ms) of the collections the GC wrapper logged."""
    found: list[tuple[float, int, float]] = []
    with suppress(OSError):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("GCPAUSE "):
                _, at, generation, ms = line.split()
                found.append((float(at), int(generation), float(ms)))
    return found


# --- the database ---------------------------------------------------------------------------


def new_post(index: int) -> dict[str, Any]:
    return {
        "title": f"Update {index}: the barrier holds as the tide peaks",
        "elements": [{"type": "text", "markdown": POST_TEXT}],
        "authors": ["Amira Sayed"],
    }


@dataclass
class Setup:
    token: str
    event: bytes  # the warm-up post's SSE event, whole (id line included)


def set_up(database_url: str, media_dir: Path) -> Setup:
    """Migrates; makes an admin with an API token, the blog, and one warm-up post, through the
    real actions; returns the token and the warm-up post's event bytes."""
    from liveblog.actions import SYSTEM
    from liveblog.actions.blogs import create_blog
    from liveblog.actions.posts import create_post
    from liveblog.actions.users import create_token, create_user
    from liveblog.realtime.log import blog_head, events_after
    from liveblog.schema import BlogFields, NewPost
    from liveblog.settings import Settings
    from liveblog.site import Site

    site = Site.from_settings(Settings(database_url=database_url, media_dir=media_dir))
    try:
        site.db.migrate()
        create_user(site, ADMIN_EMAIL, secrets.token_urlsafe(16), "admin", name="Bench Admin")
        token = create_token(site, ADMIN_EMAIL, name="bench-fanout")
        create_blog(
            site,
            SYSTEM,
            BlogFields(
                title="Storm Orla: live fan-out benchmark",
                slug=SLUG,
                standfirst="Updates as they happen.",
                timezone="Europe/London",
                status="live",
            ),
        )
        create_post(site, SYSTEM, SLUG, NewPost.model_validate(new_post(0)))
        with site.db.reading() as session:
            head = blog_head(session, SLUG)
            assert head is not None
            events = events_after(session, head[0], head[1] - 1, site.settings.replay_limit)
        return Setup(token, events[-1].sse)
    finally:
        site.db.dispose()


def read_head_seq(database_url: str, media_dir: Path) -> int:
    from liveblog.realtime.log import blog_head
    from liveblog.settings import Settings
    from liveblog.site import Site

    site = Site.from_settings(Settings(database_url=database_url, media_dir=media_dir))
    try:
        with site.db.reading() as session:
            head = blog_head(session, SLUG)
        assert head is not None
        return head[1]
    finally:
        site.db.dispose()


# --- processes ------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [pid], [pid]
    while todo:
        kids = _children(todo.pop())
        pids.extend(kids)
        todo.extend(kids)
    return pids


def rss_kb(pid: int) -> int:
    """VmRSS of the process and all its descendants (uvicorn workers), in KB."""
    total = 0
    for one in _tree(pid):
        with suppress(OSError):
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for one in _tree(pid):
        with suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


class Client:
    """One reader process, driven by JSON lines over its stdin and stdout."""

    def __init__(self, port: int, readers: int, concurrency: int, log: Path) -> None:
        command = [
            python_executable(),
            str(BENCH / "_fanout_client.py"),
            "--host",
            HOST,
            "--port",
            str(port),
            "--path",
            EVENTS_PATH,
            "--readers",
            str(readers),
            "--concurrency",
            str(concurrency),
        ]
        self.log = log
        self.proc = start(command, log, pipes=True)
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def receive(self, event: str, timeout: float) -> dict[str, Any]:
        try:
            got = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise BenchError(f"the reader process said nothing for {timeout:.0f} s") from None
        if got is None:
            raise BenchError(f"the reader process ended:\n{tail(self.log)}")
        if got.get("event") != event:
            raise BenchError(f"the reader process answered {got.get('event')!r}, not {event!r}")
        return got

    def close(self) -> None:
        if self.proc.poll() is None:
            with suppress(OSError, BenchError):
                self.send({"cmd": "close"})
                self.receive("closed", 30)
        stop(self.proc)


# --- one server, one N ----------------------------------------------------------------------


@dataclass
class TargetResult:
    server: str
    readers: int
    open_seconds: float
    open_failed: int
    head_ok: int
    retry_ok: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    missed_readers: int
    lost_connections: int
    rss_before_kb: int
    rss_open_kb: int
    rss_after_kb: int
    kb_per_reader: float
    kb_per_reader_after_publish: float
    server_cpu_open_s: float
    server_cpu_publish_s: float
    publish_ms: list[float] = field(default_factory=list)  # the POST's own response time
    # The same POSTs with no reader connected, in the same run: what the readers cost them.
    publish_idle_ms: list[float] = field(default_factory=list)
    update_p99_ms: list[float | None] = field(default_factory=list)
    update_max_ms: list[float | None] = field(default_factory=list)
    update_gc_ms: list[float] = field(default_factory=list)  # with --gc-log
    full_gcs: int = 0  # with --gc-log: full collections in the server's whole life
    errors: list[str] = field(default_factory=list)


def percentile(ordered: list[float], p: float) -> float | None:
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class Target:
    name: str
    command: list[str]
    ready_path: str
    env: dict[str, str] | None
    publish: Any  # (port, index) -> (seq, sent_at, seconds the request took)


def run_target(
    target: Target, readers: int, args: argparse.Namespace, workdir: Path
) -> TargetResult:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in target.command]
    if args.gc_log:
        command = [command[0], "-c", GC_WRAPPER, *command[1:]]
    log = workdir / f"{target.name}-{readers}.log"
    server = start(command, log, target.env)
    clients: list[Client] = []
    try:
        wait_ready(server, port, target.ready_path, log)
        for index in range(args.warmup):
            # Before any reader: warms the publish path (first request, templates, ...), so
            # that one-off costs count neither as fan-out latency nor as per-reader memory.
            target.publish(port, 1000 + index)
        publish_idle_ms: list[float] = []
        for index in range(args.updates):
            publish_idle_ms.append(target.publish(port, 2000 + index)[2] * 1000)
            time.sleep(0.2)
        time.sleep(0.5)
        rss_before = rss_kb(server.pid)
        cpu_before = cpu_seconds(server.pid)
        shares = [
            readers // args.clients + (i < readers % args.clients) for i in range(args.clients)
        ]
        clients = [
            Client(port, share, args.concurrency, workdir / f"client-{target.name}-{readers}.log")
            for share in shares
        ]
        for client in clients:
            client.receive("ready", 30)
        for client in clients:
            client.send({"cmd": "open"})
        opened = [client.receive("opened", 600) for client in clients]
        open_seconds = max(o["end"] for o in opened) - min(o["start"] for o in opened)
        errors = [e for o in opened for e in o["errors"]][:5]
        open_failed = sum(o["failed"] for o in opened)
        print(
            f"  {target.name:<8} {readers} readers open in {open_seconds:.2f} s"
            + (f", {open_failed} FAILED ({errors[0]})" if open_failed else ""),
            flush=True,
        )
        if open_failed == readers:
            raise BenchError(f"no reader could open its stream: {errors}\n{tail(log)}")
        time.sleep(1.0)
        rss_open = rss_kb(server.pid)
        cpu_open = cpu_seconds(server.pid)

        latencies: list[float] = []
        missed: set[tuple[int, int]] = set()
        publish_ms: list[float] = []
        update_p99: list[float | None] = []
        update_max: list[float | None] = []
        lost_by_client = [0] * len(clients)
        update_gc: list[float] = []
        next_at = time.monotonic()
        for index in range(1, args.updates + 1):
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = time.monotonic() + args.interval
            seq, sent, took = target.publish(port, index)
            publish_ms.append(took * 1000)
            for client in clients:
                client.send({"cmd": "expect", "seq": seq, "timeout": args.timeout})
            this: list[float] = []
            for number, client in enumerate(clients):
                got = client.receive("got", args.timeout + 60)
                lost_by_client[number] = got["lost"]
                for reader, at in enumerate(got["times"]):
                    if at is None:
                        missed.add((number, reader))
                    else:
                        this.append((at - sent) * 1000)
            this.sort()
            latencies.extend(this)
            update_p99.append(percentile(this, 99))
            update_max.append(this[-1] if this else None)
            gc_note = ""
            if args.gc_log:
                end = sent + (this[-1] if this else 0) / 1000
                paused = [
                    (generation, ms)
                    for at, generation, ms in gc_pauses(log)
                    if at < end and at + ms / 1000 > sent
                ]
                update_gc.append(sum(ms for _, ms in paused))
                gc_note = "; server GC in it: " + (
                    ", ".join(f"gen{g} {ms:.0f} ms" for g, ms in paused) or "none"
                )
            print(
                f"    update {index} (seq {seq}): p50 {format_ms(percentile(this, 50))} ms, "
                f"p99 {format_ms(percentile(this, 99))} ms, max {format_ms(update_max[-1])} ms, "
                f"{readers - len(this)} missing; POST took {took * 1000:.0f} ms{gc_note}",
                flush=True,
            )
        time.sleep(0.5)
        rss_after = rss_kb(server.pid)
        cpu_after = cpu_seconds(server.pid)
        if server.poll() is not None:
            raise BenchError(f"the {target.name} server died:\n{tail(log)}")
        latencies.sort()
        return TargetResult(
            server=target.name,
            readers=readers,
            open_seconds=open_seconds,
            open_failed=open_failed,
            head_ok=sum(o["head_ok"] for o in opened),
            retry_ok=sum(o["retry_ok"] for o in opened),
            p50_ms=percentile(latencies, 50),
            p99_ms=percentile(latencies, 99),
            max_ms=latencies[-1] if latencies else None,
            missed_readers=len(missed),
            lost_connections=sum(lost_by_client),
            rss_before_kb=rss_before,
            rss_open_kb=rss_open,
            rss_after_kb=rss_after,
            kb_per_reader=(rss_open - rss_before) / readers,
            kb_per_reader_after_publish=(rss_after - rss_before) / readers,
            server_cpu_open_s=cpu_open - cpu_before,
            server_cpu_publish_s=cpu_after - cpu_open,
            publish_ms=publish_ms,
            publish_idle_ms=publish_idle_ms,
            update_p99_ms=update_p99,
            update_max_ms=update_max,
            update_gc_ms=update_gc,
            full_gcs=sum(1 for _, generation, _ in gc_pauses(log) if generation == 2),
            errors=errors,
        )
    finally:
        for client in clients:
            client.close()
        stop(server)


def liveblog_target(database_url: str, media_dir: Path, token: str, workers: int = 1) -> Target:
    options = ("--workers", str(workers)) if workers > 1 else ()
    command, env = liveblog_server(database_url, media_dir, "{port}", *options)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = f"/api/v1/blogs/{SLUG}/posts"

    def publish(port: int, index: int) -> tuple[int, float, float]:
        expected = read_head_seq(database_url, media_dir) + 1
        body = json.dumps(new_post(index)).encode()
        status, answer, sent = request(port, "POST", path, body, headers)
        took = now() - sent
        if status != 201:
            raise BenchError(f"POST {path} answered {status}: {answer[:300]!r}")
        return expected, sent, took

    return Target("liveblog", command, f"/api/v1/blogs/{SLUG}", env, publish)


def edge_target(database_url: str, media_dir: Path, token: str) -> Target:
    """nginx + nchan holding the streams, fed by `liveblog relay` (bench/_edge.py); posts
    are published through nginx to the node behind it, as the desk would."""
    node = liveblog_target(database_url, media_dir, token)
    _, env = liveblog_server(database_url, media_dir, "{port}")
    command = [python_executable(), str(BENCH / "_edge.py"), "--port", "{port}"]
    return Target("nchan", command, node.ready_path, env, node.publish)


def baseline_target(event_file: Path) -> Target:
    command = [
        python_executable(),
        str(BENCH / "_fanout_baseline.py"),
        "--host",
        HOST,
        "--port",
        "{port}",
        "--event-file",
        str(event_file),
    ]

    def publish(port: int, index: int) -> tuple[int, float, float]:
        status, answer, sent = request(port, "POST", "/publish", b"")
        took = now() - sent
        if status != 200:
            raise BenchError(f"POST /publish answered {status}: {answer[:300]!r}")
        return int(answer), sent, took

    return Target("baseline", command, "/health", None, publish)


# --- the run --------------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.2f}x"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--readers",
        default="1000,5000,10000",
        help="comma-separated reader counts (1000,5000,10000)",
    )
    parser.add_argument("--updates", type=int, default=5, help="updates per run, K (5)")
    parser.add_argument("--interval", type=float, default=1.5, help="seconds between updates (1.5)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="updates published to each fresh server before any reader connects, not "
        "measured (1; 0 measures a cold server's first update)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds a reader may take to get an update before it counts as missed (10)",
    )
    parser.add_argument(
        "--clients", type=int, default=1, help="reader processes sharing the N readers (1)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=256,
        help="connections each reader process opens at a time (256)",
    )
    parser.add_argument(
        "--gc-log",
        action="store_true",
        help="log the servers' garbage collections (full ones, and any over 2 ms) and show "
        "those that overlap each update",
    )
    parser.add_argument(
        "--servers",
        default="liveblog,baseline",
        help="which servers to measure, in this order (liveblog,baseline); nchan is nginx "
        "+ nchan fed by `liveblog relay` (bench/_edge.py)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="`liveblog serve --workers N` (PostgreSQL or Redis needed for N > 1); past "
        "the open-files limit of one process, the readers are shared among workers (1)",
    )
    add_database_url(parser)
    parser.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="also write the figures here"
    )
    args = parser.parse_args(argv)
    try:
        args.reader_counts = [int(n) for n in args.readers.split(",") if n.strip()]
    except ValueError:
        parser.error("--readers takes numbers separated by commas")
    args.server_names = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not args.reader_counts or min(args.reader_counts) < 1:
        parser.error("--readers needs positive counts")
    if set(args.server_names) - {"liveblog", "baseline", "nchan"} or not args.server_names:
        parser.error("--servers takes liveblog, baseline and/or nchan")
    if args.warmup < 0:
        parser.error("--warmup cannot be negative")
    if args.updates < 1 or args.clients < 1 or args.concurrency < 1 or args.interval < 0:
        parser.error("--updates, --clients and --concurrency must be positive")
    return args


def check_limits(counts: list[int], clients: int, processes: int = 1) -> list[int]:
    """Raises our own RLIMIT_NOFILE (children inherit it) and keeps the counts it allows."""
    soft, hard = raise_nofile()
    print(
        f"RLIMIT_NOFILE: soft {soft}, hard {hard} (`ulimit -Hn`); raised to the hard limit "
        "in every process started here."
    )
    kept = []
    for n in counts:
        # Each server process holds its share of the readers; a client holds its share.
        needed = max(n // processes, n // clients) + SPARE_FDS
        if needed > hard:
            print(
                f"  SKIPPING {n} readers: the server would need about {needed} descriptors "
                f"and the hard limit is {hard}. Raise it (e.g. `ulimit -Hn 65536` as root, or "
                "LimitNOFILE= / limits.conf) and run again."
            )
        else:
            kept.append(n)
    ports = Path("/proc/sys/net/ipv4/ip_local_port_range")
    with suppress(OSError, ValueError):
        low, high = (int(x) for x in ports.read_text().split())
        if max(counts) > (high - low) * 4:
            print(f"  WARNING: only {high - low} ephemeral ports ({ports}) per source address.")
    return kept


def print_table(n: int, results: dict[str, TargetResult]) -> None:
    print()
    print(f"N = {n:,} readers")
    head = (
        f"{'server':<10} {'open s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'missed':>6} {'KB/reader':>9} {'(after pub)':>11} {'failed':>6} "
        f"{'POST p99 idle':>13} {'with readers':>12}"
    )
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(
            f"{name:<10} {r.open_seconds:7.2f} {format_ms(r.p50_ms):>8} {format_ms(r.p99_ms):>8} "
            f"{format_ms(r.max_ms):>8} {r.missed_readers:6d} {r.kb_per_reader:9.2f} "
            f"{r.kb_per_reader_after_publish:11.2f} {r.open_failed:6d} "
            f"{format_ms(percentile(sorted(r.publish_idle_ms), 99)):>13} "
            f"{format_ms(percentile(sorted(r.publish_ms), 99)):>12}"
        )
    base = results.get("baseline")
    for name, live in results.items():
        if base is None or name == "baseline":
            continue
        print(
            f"{name + '/base':<10} {_ratio(live.open_seconds, base.open_seconds):>7} "
            f"{_ratio(live.p50_ms, base.p50_ms):>8} {_ratio(live.p99_ms, base.p99_ms):>8} "
            f"{_ratio(live.max_ms, base.max_ms):>8} {'':6} "
            f"{_ratio(live.kb_per_reader, base.kb_per_reader):>9} "
            f"{_ratio(live.kb_per_reader_after_publish, base.kb_per_reader_after_publish):>11}"
        )


def goals(n: int, results: dict[str, TargetResult]) -> list[str]:
    live, base = results.get("liveblog"), results.get("baseline")
    missed: list[str] = []
    if live is None:
        return missed
    if n >= 10_000 and live.open_seconds > 5:
        missed.append(f"N={n}: opening took {live.open_seconds:.1f} s (goal < 5 s)")
    if live.missed_readers or live.open_failed:
        missed.append(
            f"N={n}: {live.missed_readers} readers missed an update, "
            f"{live.open_failed} failed to open (goal 0)"
        )
    if live.kb_per_reader > 8:
        missed.append(f"N={n}: {live.kb_per_reader:.1f} KB per reader (goal <= 8 KB)")
    if n >= 10_000 and base and live.p99_ms and base.p99_ms and live.p99_ms > 1.2 * base.p99_ms:
        missed.append(
            f"N={n}: p99 {live.p99_ms:.0f} ms is {live.p99_ms / base.p99_ms:.2f}x the "
            f"baseline's {base.p99_ms:.0f} ms (goal <= 1.2x)"
        )
    return missed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    counts = check_limits(args.reader_counts, args.clients, args.workers)
    if not counts:
        return 1
    backend = "postgresql" if args.database_url else "sqlite"
    cpus = os.cpu_count() or 1
    print(
        f"{cpus} CPUs shared by the server under test, {args.clients} reader process(es) and "
        "the publisher: the readers' own CPU time is inside both servers' latencies."
    )
    all_results: dict[int, dict[str, TargetResult]] = {}
    event_size = 0
    with tempfile.TemporaryDirectory(prefix="liveblog-fanout-") as tmp:
        workdir = Path(tmp)
        media_dir = workdir / "media"
        media_dir.mkdir()
        try:
            with bench_database(args.database_url, workdir) as database_url:
                print(f"Setting up a blog on {backend} ...", flush=True)
                setup = set_up(database_url, media_dir)
                event_file = workdir / "event.bin"
                event_file.write_bytes(setup.event.split(b"\n", 1)[1])  # without its id line
                event_size = len(setup.event)
                print(f"  one update is a {event_size}-byte SSE event", flush=True)
                targets = {
                    "liveblog": liveblog_target(database_url, media_dir, setup.token, args.workers),
                    "baseline": baseline_target(event_file),
                    "nchan": edge_target(database_url, media_dir, setup.token),
                }
                for n in counts:
                    print(f"\n{n:,} readers, {args.updates} updates {args.interval:g} s apart")
                    results: dict[str, TargetResult] = {}
                    for name in args.server_names:
                        results[name] = run_target(targets[name], n, args, workdir)
                    all_results[n] = results
        except BenchError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("Interrupted; every process started here is stopped.", file=sys.stderr)
            return 130

    for n, results in all_results.items():
        print_table(n, results)
    print(
        f"\nLatency: from just before the POST is sent to the event's id: line at each reader, "
        f"over all readers x {args.updates} updates (after {args.warmup} unmeasured warm-up "
        "update(s) per server, published before any reader connected). KB/reader: server RSS "
        "growth / N, with all readers open (and after the updates). "
        f"{backend}, {args.clients} reader process(es), {cpus} CPUs, Python "
        f"{platform.python_version()}."
    )
    missed = [m for n, results in all_results.items() for m in goals(n, results)]
    print("Goals: " + ("all met." if not missed else "MISSED:\n  " + "\n  ".join(missed)))

    if args.json:
        figures = {
            "results": {
                str(n): {name: asdict(r) for name, r in results.items()}
                for n, results in all_results.items()
            },
            "ratios": {
                str(n): {
                    "p99": (r["liveblog"].p99_ms or 0) / (r["baseline"].p99_ms or 1),
                    "kb_per_reader": r["liveblog"].kb_per_reader
                    / (r["baseline"].kb_per_reader or 1),
                }
                for n, r in all_results.items()
                if "liveblog" in r and "baseline" in r
            },
            "goals_missed": missed,
            "config": {
                "database": backend,
                "readers": counts,
                "updates": args.updates,
                "warmup_updates": args.warmup,
                "interval_s": args.interval,
                "timeout_s": args.timeout,
                "clients": args.clients,
                "concurrency": args.concurrency,
                "event_bytes": event_size,
                "python": platform.python_version(),
                "cpus": cpus,
                "nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
            },
        }
        write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
