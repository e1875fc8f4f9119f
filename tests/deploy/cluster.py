"""Several machines, on one: nginx rendered from deploy/nginx.conf in front of `liveblog serve`
nodes that share a throwaway PostgreSQL database, a private Redis and a media folder.

Everything is started as an operator starts it: nodes are `liveblog serve` subprocesses
configured by LIVEBLOG_* variables, the user and token come from the CLI, nginx runs the
shipped file with only its addresses and paths replaced.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI, ROOT, TEST_DATABASE, need_service
from tests.waiting import poll_until, wait_until

NGINX = Path("/usr/sbin/nginx")
TEMPLATE = ROOT / "deploy" / "nginx.conf"
HOST = "127.0.0.1"
PASSWORD = "a long enough password"
EDITOR_EMAIL = "desk@cluster.example"
SECRET_KEY = "cluster-test-secret-key-shared-by-every-node"


def missing(message: str) -> None:
    """Skips; in CI a missing component is a failure, not a skip."""
    if IN_CI:
        pytest.fail(message + " (CI requires it)")
    pytest.skip(message)


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port != 8000:
            return port


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
    source: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: status, headers (lower-case names), body."""
    conn = http.client.HTTPConnection(
        HOST, port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        names: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            names[key] = f"{names[key]}, {value}" if key in names else value
        return response.status, names, response.read()
    finally:
        conn.close()


# --- PostgreSQL ----------------------------------------------------------------------------


def postgres_url() -> str:
    """The PostgreSQL server of the test run. These tests run in the PostgreSQL pass of
    `make test` (LIVEBLOG_TEST_DATABASE=postgresql+psycopg://...): several machines share
    PostgreSQL, never a SQLite file."""
    if not TEST_DATABASE.startswith("postgresql"):
        pytest.skip("several nodes share PostgreSQL: these tests run in the PostgreSQL pass")
    url = make_url(TEST_DATABASE)
    need_service("PostgreSQL", url.host or HOST, url.port or 5432)
    return TEST_DATABASE


def cli(env: dict[str, str], cwd: Path, *args: str, stdin: str = "") -> str:
    """`liveblog <args>` as an operator types it; its output."""
    done = subprocess.run(
        [*liveblog_command(), *args],
        input=stdin,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"liveblog {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def liveblog_command() -> list[str]:
    script = Path(sys.executable).with_name("liveblog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "liveblog"]


@dataclass
class Template:
    """A migrated database with an editor and an API token, made once with the CLI; every
    test copies it into a database of its own (CREATE DATABASE ... TEMPLATE)."""

    admin_url: str
    name: str
    token: str


@contextlib.contextmanager
def template_database(workdir: Path) -> Iterator[Template]:
    url = make_url(postgres_url())
    name = f"liveblog_deploy_tpl_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        env = os.environ | {
            "LIVEBLOG_DATABASE_URL": url.set(database=name).render_as_string(hide_password=False),
            "LIVEBLOG_MEDIA_DIR": str(workdir / "media"),
        }
        cli(env, workdir, "init")
        cli(env, workdir, "user", "create", "--email", EDITOR_EMAIL, "--role", "admin",
            stdin=PASSWORD + "\n")  # fmt: skip
        token = cli(env, workdir, "token", "create", "--user", EDITOR_EMAIL).strip()
        assert token, "liveblog token create printed nothing"
        yield Template(url.render_as_string(hide_password=False), name, token)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def copied_database(template: Template) -> Iterator[str]:
    url = make_url(template.admin_url)
    name = f"liveblog_deploy_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Transactions:
    """Transactions a database has run, from PostgreSQL's own statistics
    (``pg_stat_database.xact_commit + xact_rollback``).

    Every query of the app runs in a transaction (a read is BEGIN, SELECTs, ROLLBACK), so
    this counts the app's round trips in bulk, whatever statement they send. PostgreSQL 15
    backends publish their counts when they go idle, at most once a second, and an idle
    backend publishes what is left within 10 s: a count is exact once ``settle`` seconds
    have passed since the last query of interest."""

    settle = 11.0

    def __init__(self, url: str) -> None:
        self.name = make_url(url).database
        self.engine = create_engine(
            make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )

    def count(self) -> int:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            value = conn.execute(
                text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :n"),
                {"n": self.name},
            ).scalar_one()
        return int(value)

    def close(self) -> None:
        self.engine.dispose()


# --- Redis ---------------------------------------------------------------------------------


class Redis:
    """A private redis-server (pub/sub channels are server-wide: another test's wake-ups
    must not reach these nodes)."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing("redis-server is not installed")
        assert binary is not None
        self.port = free_port()
        self.log = workdir / "redis.log"
        self.process = subprocess.Popen(
            [binary, "--bind", HOST, "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(workdir), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def answers() -> bool:
            return self.process.poll() is not None or self._answers()

        if not poll_until(answers, 10, interval=0.05) or self.process.poll() is not None:
            self.stop()
            pytest.fail(f"redis-server did not start:\n{tail(self.log)}")

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# --- nodes ---------------------------------------------------------------------------------


@dataclass
class Node:
    """One `liveblog serve`, started as an operator starts it."""

    name: str
    port: int
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    has_readyz: bool | None = None

    @property
    def log(self) -> Path:
        return self.workdir / "serve.log"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"--- start {time.strftime('%H:%M:%S')}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [*liveblog_command(), "serve", "--host", HOST, "--port", str(self.port)],
                env=self.env,
                cwd=self.workdir,  # no .env of the checkout leaks into the settings
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                preexec_fn=raise_nofile,
            )
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        """/readyz answers 200 (or, from a server without /readyz, the front page does)."""
        try:
            if self.has_readyz is not False:
                status, _, _ = request(self.port, "GET", "/readyz", timeout=2)
                if status != 404:
                    self.has_readyz = True
                    return status == 200
                self.has_readyz = False
            return request(self.port, "GET", "/", timeout=2)[0] == 200
        except (OSError, http.client.HTTPException):
            return False

    def wait_ready(self, timeout: float = 30) -> float:
        """Seconds from start to ready."""

        def ready() -> bool:
            if not self.alive():
                pytest.fail(f"node {self.name} exited:\n{tail(self.log)}")
            return self.ready()

        if not poll_until(ready, timeout, interval=0.1):
            pytest.fail(f"node {self.name} not ready after {timeout} s:\n{tail(self.log)}")
        return time.monotonic() - self.started_at

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def wait_exit(self, timeout: float) -> float | None:
        """Seconds until the process exited, or None if it is still running."""
        assert self.process is not None
        started = time.monotonic()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - started

    def kill(self) -> None:
        """kill -9, of the node and anything it started."""
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        if self.wait_exit(10) is None:
            self.kill()


# --- nginx ---------------------------------------------------------------------------------

MAIN_CONF = """\
# The main context, as Debian's /etc/nginx/nginx.conf has it, with what deploy/nginx.conf asks
# of it (worker_rlimit_nofile, worker_connections), and this test's own paths.
daemon off;
{user}worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
worker_rlimit_nofile {nofile};
events {{
    worker_connections 16384;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    gzip on;
    client_body_temp_path {dir}/temp/client_body;
    proxy_temp_path {dir}/temp/proxy;
    fastcgi_temp_path {dir}/temp/fastcgi;
    uwsgi_temp_path {dir}/temp/uwsgi;
    scgi_temp_path {dir}/temp/scgi;
    include {dir}/liveblog.conf;
}}
"""


def render(template: str, port: int, upstreams: list[str], cache: Path, access_log: Path) -> str:
    """deploy/nginx.conf with this test's addresses and paths, nothing else changed."""
    example = re.compile(r"^(\s*)server 10\.0\.0\.\d+:8000( .*)?;\n$")
    out: list[str] = []
    blocks = 0
    in_block = False
    for line in template.splitlines(keepends=True):
        found = example.match(line)
        if found and not in_block:  # each upstream's example nodes become ours
            indent, options = found.group(1), found.group(2) or ""
            out += [f"{indent}server {address}{options};\n" for address in upstreams]
            blocks += 1
        elif not found:
            out.append(line)
        in_block = bool(found)
    assert blocks == 2, "deploy/nginx.conf: expected two upstreams of example nodes"
    rendered = "".join(out)
    substitutions = [
        (r"(?m)^(\s*)listen 80( .*)?;$", rf"\1listen {HOST}:{port}\2;"),
        (r"(?m)^\s*listen \[::\]:80( .*)?;\n", ""),
        (r"(?m)^(proxy_cache_path) /var/cache/nginx/liveblog ", rf"\1 {cache} "),
        (r"(?m)^(\s*access_log) /var/log/nginx/liveblog\.access\.log ", rf"\1 {access_log} "),
    ]
    for pattern, replacement in substitutions:
        rendered, count = re.subn(pattern, replacement, rendered)
        assert count == 1, f"deploy/nginx.conf: expected one match of {pattern!r}, got {count}"
    return rendered


class Nginx:
    """nginx from Debian's package, running the rendered deploy/nginx.conf in its own prefix."""

    def __init__(self, workdir: Path, upstreams: list[str], port: int | None = None) -> None:
        if not NGINX.is_file():
            missing(f"{NGINX} is absent (apt install nginx)")
        self.dir = workdir
        self.port = port or free_port()
        self.access_log = workdir / "access.log"
        for sub in ("temp", "cache"):
            (workdir / sub).mkdir(parents=True, exist_ok=True)
        site = render(
            TEMPLATE.read_text(), self.port, upstreams, workdir / "cache", self.access_log
        )
        (workdir / "liveblog.conf").write_text(site)
        nofile = min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        # Run as root (in a container, say), nginx would hand its workers to an unprivileged
        # user who cannot enter this test's folders: keep them as who runs the test.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (workdir / "nginx.conf").write_text(MAIN_CONF.format(dir=workdir, nofile=nofile, user=user))
        command = [str(NGINX), "-p", str(workdir), "-c", str(workdir / "nginx.conf"),
                   "-e", str(workdir / "error.log")]  # fmt: skip
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, f"nginx -t refused the rendered file:\n{checked.stderr}"
        with (workdir / "stderr.log").open("ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=out, start_new_session=True, preexec_fn=raise_nofile
            )

        def accepts() -> bool:
            if self.process.poll() is not None:
                return True  # exited: no use waiting
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return True
            return False

        if not poll_until(accepts, 10, interval=0.05) or self.process.poll() is not None:
            self.stop()
            pytest.fail(f"nginx did not start:\n{tail(workdir / 'error.log')}")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_lines(self) -> list[str]:
        try:
            return self.access_log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def errors(self) -> str:
        return tail(self.dir / "error.log")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<uri>\S+) [^"]*" (?P<status>\d+) \d+ '
    r"cache=(?P<cache>\S+) upstream=(?P<upstream>.*?) upstream_status=(?P<upstream_status>.*?) "
    r"time=(?P<time>\S+)$"
)


@dataclass(frozen=True)
class Logged:
    method: str
    uri: str
    status: int
    cache: str
    upstream: str

    @property
    def reached_a_node(self) -> bool:
        return self.upstream != "-"


def parse_log(lines: list[str]) -> list[Logged]:
    out = []
    for line in lines:
        found = LOG_LINE.search(line)
        if found:
            out.append(
                Logged(
                    found["method"],
                    found["uri"],
                    int(found["status"]),
                    found["cache"],
                    found["upstream"],
                )
            )
    return out


# --- the cluster ---------------------------------------------------------------------------


@dataclass
class Cluster:
    nginx: Nginx
    nodes: list[Node]
    redis: Redis
    database_url: str
    media: Path
    token: str
    slug: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def api(
        self, method: str, path: str, body: Any = None, port: int | None = None
    ) -> tuple[int, Any]:
        """The JSON API, through nginx unless a node's port is given."""
        payload = None if body is None else json.dumps(body).encode()
        headers = self.auth | {"Content-Type": "application/json"}
        status, _, data = request(port or self.nginx.port, method, "/api/v1" + path, payload,
                                  headers)  # fmt: skip
        try:
            return status, (json.loads(data) if data else None)
        except ValueError:  # nginx's own error page (a 502 while a node goes away)
            return status, data.decode(errors="replace")

    def wait_routed(self, nodes: list[Node], timeout: float = 15) -> None:
        """Until nginx sends requests to each of ``nodes`` again. A node it could not reach
        (not started yet, say) is passed over for fail_timeout (5 s) after that, however
        soon it is back; the access log says when nginx asks it again."""
        wanted = {f"{HOST}:{node.port}" for node in nodes}

        def all_answered() -> bool:
            request(self.nginx.port, "GET", "/api/v1/blogs", headers=self.auth)
            answered = set()
            for logged in parse_log(self.nginx.log_lines()):
                if logged.status < 500:
                    answered.add(logged.upstream.rpartition(", ")[2])
            return wanted <= answered

        wait_until(all_answered, timeout=timeout, interval=0.25, what="nginx to use every node")

    def create_blog(self, slug: str = "cluster-night") -> str:
        status, blog = self.api(
            "POST", "/blogs", {"title": "Cluster night", "slug": slug, "timezone": "UTC"}
        )
        assert status == 201, blog
        self.slug = slug
        return slug

    def publish(self, words: str, port: int | None = None) -> str:
        status, post = self.api(
            "POST",
            f"/blogs/{self.slug}/posts",
            {"elements": [{"type": "text", "markdown": words}]},
            port,
        )
        assert status == 201, post
        return str(post["id"])

    def last_seq(self) -> int:
        """The blog's seq, from a live node, past every cache."""
        for node in self.nodes:
            if node.alive():
                status, _, body = request(
                    node.port, "GET", f"/live/{self.slug}/updates.json",
                    headers={"Accept-Encoding": "identity"},
                )  # fmt: skip
                assert status == 200, body
                return int(json.loads(body)["last_seq"])
        raise AssertionError("no node is running")

    def seqs(self) -> list[int]:
        """Every seq in the blog's event log (as `updates.json?after=0` replays it)."""
        for node in self.nodes:
            if node.alive():
                status, _, body = request(
                    node.port, "GET", f"/live/{self.slug}/updates.json?after=0",
                    headers={"Accept-Encoding": "identity"},
                )  # fmt: skip
                assert status == 200, body
                data = json.loads(body)
                assert data["resync"] is None, data
                return [event["seq"] for event in data["events"]]
        raise AssertionError("no node is running")


def node_env(
    database_url: str, redis_url: str, media: Path, base_url: str, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBLOG_")}
    env.update(
        LIVEBLOG_DATABASE_URL=database_url,
        LIVEBLOG_REDIS_URL=redis_url,
        LIVEBLOG_MEDIA_DIR=str(media),
        LIVEBLOG_SECRET_KEY=SECRET_KEY,
        LIVEBLOG_BASE_URL=base_url,
        # The test's readers come from 100 loopback addresses, at most 50 streams each;
        # nginx tells the nodes who they are in X-Forwarded-For.
        LIVEBLOG_STREAMS_PER_ADDRESS="100",
        **extra,
    )
    return env


@contextlib.contextmanager
def cluster(
    template: Template,
    workdir: Path,
    nodes: int = 3,
    start: int | None = None,
    settings: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """nginx and ``nodes`` nodes on a copy of the template database; only the first
    ``start`` nodes are started (all by default); ``settings`` (``LIVEBLOG_...``) go to
    every node."""
    with copied_database(template) as database_url:
        redis = Redis(workdir)
        media = workdir / "media"
        media.mkdir(exist_ok=True)
        ports = [free_port() for _ in range(nodes)]
        nginx_port = free_port()
        env = node_env(
            database_url, redis.url, media, f"http://{HOST}:{nginx_port}", **(settings or {})
        )
        members = [
            Node(f"node{i + 1}", port, env, workdir / f"node{i + 1}")
            for i, port in enumerate(ports)
        ]
        web: Nginx | None = None
        try:
            for node in members[:start]:
                node.start()
            for node in members[:start]:
                node.wait_ready()
            web = Nginx(workdir / "nginx", [f"{HOST}:{port}" for port in ports], nginx_port)
            yield Cluster(web, members, redis, database_url, media, template.token)
        finally:
            for node in members:
                node.stop()
            if web is not None:
                web.stop()
            redis.stop()
