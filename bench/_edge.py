"""The edge, as docs/scaling.md deploys it, in one process tree for bench/fanout.py:
nginx with the nchan module running the shipped deploy/nchan-edge.conf and
deploy/nchan-relay.conf, one `liveblog serve` node behind it for everything else, and
`liveblog relay` feeding nchan from the event log. It stays in the foreground until SIGTERM
and then stops all three, so the bench measures (and stops) them as one server.

    python bench/_edge.py --port 18090     (LIVEBLOG_* settings from the environment)
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HOST, ROOT, free_port, liveblog_script, raise_nofile

NGINX = "/usr/sbin/nginx"
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"

MAIN = """\
load_module {module};
daemon off;
{user}worker_processes auto;
worker_rlimit_nofile {nofile};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen {host}:{port} backlog=4096;
        include {dir}/nchan-edge.conf;
        location / {{
            proxy_pass http://{host}:{node};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
    include {dir}/nchan-relay.conf;
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    node, door = free_port(), free_port()
    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="liveblog-edge-") as tmp:
        work = Path(tmp)
        deploy = ROOT / "deploy"
        (work / "nchan-edge.conf").write_text((deploy / "nchan-edge.conf").read_text())
        relay_conf, count = re.subn(
            r"listen 127\.0\.0\.1:8091;",
            f"listen {HOST}:{door};",
            (deploy / "nchan-relay.conf").read_text(),
        )
        assert count == 1, "deploy/nchan-relay.conf: its listen line changed"
        (work / "nchan-relay.conf").write_text(relay_conf)
        nofile = 200_000
        (work / "nginx.conf").write_text(
            MAIN.format(
                module=NCHAN_MODULE,
                user="user root;\n" if os.geteuid() == 0 else "",
                nofile=nofile,
                connections=nofile // 2,
                dir=work,
                host=HOST,
                port=args.port,
                node=node,
            )
        )
        script = liveblog_script()
        env = dict(os.environ, LIVEBLOG_EDGE_STREAMS="nchan")
        for command in (
            [script, "serve", "--host", HOST, "--port", str(node)],
            [script, "relay", "--to", f"http://{HOST}:{door}/relay", "--poll", "0.1"],
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "e.log")],
        ):
            children.append(subprocess.Popen(command, env=env, preexec_fn=raise_nofile))
            time.sleep(0.5)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("edge: a process exited", file=sys.stderr)
        stop()
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
