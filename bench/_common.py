"""What the benchmarks share: a throwaway database, a server in its own process group, its
readiness and its log, RLIMIT_NOFILE, the clock.

Imported as ``_common`` by the scripts of this directory (``bench/reader_page.py``,
``bench/fanout.py`` and the processes fanout starts), which Python puts on ``sys.path`` when
it runs one of them. Standard library only at import time: the fan-out baseline server and
reader processes import it too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLOCK = time.CLOCK_MONOTONIC


class BenchError(Exception):
    """The run cannot go on: a server that does not start or dies, a bad response."""


def now() -> float:
    """``CLOCK_MONOTONIC``: system-wide on Linux, so readings of two processes compare."""
    return time.clock_gettime(CLOCK)


def raise_nofile() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit, in this process (and what it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def interrupt(signum: int, _frame: FrameType | None) -> None:
    """A SIGTERM handler: stops the run the way Ctrl+C does, so that everything is cleaned up."""
    raise KeyboardInterrupt(f"signal {signum}")


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def write_figures(path: Path, figures: dict[str, Any]) -> None:
    """The ``--json`` output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"Figures written to {path}")


# --- the database ---------------------------------------------------------------------------


def add_database_url(parser: argparse.ArgumentParser) -> None:
    """``--database-url``, for ``bench_database``."""
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL server to use; a throwaway database is created on it "
        "and dropped afterwards (default: SQLite in a temp dir)",
    )


@contextmanager
def bench_database(url: str | None, workdir: Path) -> Iterator[str]:
    """Yields the URL of an empty database that is thrown away afterwards."""
    if url is None:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(url)
    if admin_url.get_backend_name() != "postgresql":
        raise SystemExit(f"--database-url must be a PostgreSQL URL, not {admin_url.drivername}")
    name = f"liveblog_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port != 8000:
            return port


def python_executable() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def liveblog_script() -> str:
    venv = ROOT / ".venv" / "bin" / "liveblog"
    return str(venv) if venv.exists() else str(Path(sys.executable).with_name("liveblog"))


def liveblog_server(
    database_url: str, media_dir: Path, port: str, *options: str, **settings: str
) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start the server exactly as the deployment guide
    tells an operator to, `liveblog serve`, on ``database_url`` and without Redis;
    ``options`` go to `serve` (such as ``--workers 2``), ``settings`` (``LIVEBLOG_...``) to
    the app. The per-address stream cap is off: every bench reader comes from 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
    env.update(
        LIVEBLOG_DATABASE_URL=database_url,
        LIVEBLOG_MEDIA_DIR=str(media_dir),
        LIVEBLOG_REDIS_URL="",
        LIVEBLOG_SITE_NAME="liveblog bench",
        LIVEBLOG_STREAMS_PER_ADDRESS="0",
        **settings,
    )
    command = [liveblog_script(), "serve", *options, "--host", HOST, "--port", port]
    return command, env


def start(
    command: list[str], log: Path, env: dict[str, str] | None = None, pipes: bool = False
) -> subprocess.Popen[bytes]:
    """Starts ``command`` in its own session (so that stopping it reaches its children, such
    as uvicorn's workers, and a Ctrl+C in the terminal is handled here, cleanly), with
    RLIMIT_NOFILE raised to the hard limit. Its output goes to ``log`` (with ``pipes``, its
    stdin and stdout are pipes to this process instead)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            env=env,
            cwd=log.parent,  # no .env of the checkout leaks into the settings
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else out,
            stderr=out,
            start_new_session=True,
            preexec_fn=raise_nofile,  # inherited across exec
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def group_cpu_seconds(pgid: int) -> float:
    """User and system CPU seconds of every live process in the process group ``pgid`` (the
    server and any workers it started), from /proc; 0 where /proc is not there."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # pgrp; then utime and stime, fields 14 and 15 of stat
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes, float]:
    """One request on a fresh connection; returns status, body and the CLOCK_MONOTONIC time
    just before the request was sent (the connection is made before that)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.connect()
        sent = now()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), sent
    finally:
        conn.close()


def wait_ready(
    proc: subprocess.Popen[bytes], port: int, path: str, log: Path, timeout: float = 60
) -> None:
    """Until ``GET path`` answers 200; a server that exits or stays silent is a BenchError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the server exited with {proc.returncode}:\n{tail(log)}")
        with suppress(OSError, http.client.HTTPException):
            if request(port, "GET", path, timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"the server did not answer within {timeout:.0f} s:\n{tail(log)}")
