"""Three `liveblog serve` nodes behind deploy/nginx.conf, on one PostgreSQL database with
Redis as the bus, all on loopback: what readers see when nodes publish, die, restart, and
when thousands of readers come back at once.

Reader counts are the issue's; the heaviest tests are marked ``heavy`` (they run in
`make test`; ``-m 'not heavy'`` leaves them out) and their counts can be lowered with
LIVEBLOG_DEPLOY_READERS (the kill test's readers) and LIVEBLOG_DEPLOY_STORM (the storm's).
Each test prints what it measured on lines starting with "figures:" (see them with -s).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.deploy.cluster import (
    EDITOR_EMAIL,
    HOST,
    PASSWORD,
    Cluster,
    Template,
    Transactions,
    cluster,
    parse_log,
    request,
)
from tests.deploy.readers import PollerPool, ReaderPool, decode
from tests.servers import s3_server
from tests.waiting import wait_until

pytestmark = [pytest.mark.nginx, pytest.mark.postgres, pytest.mark.redis]

KILL_READERS = int(os.environ.get("LIVEBLOG_DEPLOY_READERS", "1000"))
STORM_READERS = int(os.environ.get("LIVEBLOG_DEPLOY_STORM", "5000"))
POLLERS = 1000
# Transactions the storm may cost the database: per node, a few reads (the blog's head, the
# events the readers missed) and its polls of the log every 5 s; never one per reader.
STORM_BOUND = 150


def figures(name: str, **values: Any) -> None:
    print(f"figures: {name} {json.dumps(values, sort_keys=True)}")


@pytest.fixture
def three(template: Template, tmp_path: Path) -> Iterator[Cluster]:
    with cluster(template, tmp_path) as made:
        made.create_blog()
        yield made


class Publisher:
    """An editor publishing through nginx every ``interval`` seconds, in a thread, until
    stopped. A post may fail while a node goes away (a 502 for a request that node had
    taken): the editor sends it again. The log, not this list, is what readers must get."""

    def __init__(self, cluster: Cluster, interval: float) -> None:
        self.cluster = cluster
        self.interval = interval
        self.statuses: dict[int, int] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            try:
                status, _ = self.cluster.api(
                    "POST",
                    f"/blogs/{self.cluster.slug}/posts",
                    {"elements": [{"type": "text", "markdown": f"Update {n}."}]},
                )
            except OSError:
                status = 0
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.stopping.wait(self.interval)

    def __enter__(self) -> Publisher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


def assert_every_reader_has_everything(pool: ReaderPool, cluster: Cluster) -> None:
    seqs = cluster.seqs()
    last = seqs[-1]
    assert seqs == list(range(1, last + 1)), "the log itself has a gap"
    problems = pool.problems(last)
    assert problems == {}, (
        f"{len(problems)} of {len(pool.readers)} readers went wrong, e.g. "
        f"{list(problems.items())[:3]}; {pool.stats()}"
    )


def test_a_reader_through_nginx_gets_a_post_published_on_another_node_within_a_second(
    three: Cluster,
) -> None:
    start = three.last_seq()
    # least_conn spreads three readers over the three nodes; each post is published on
    # one node, so every reader gets at least two posts from a node it is not on.
    pool = ReaderPool(HOST, three.nginx.port, three.slug)
    try:
        pool.open(3, start)
        delays = []
        for round_ in range(2):
            for node in three.nodes:
                began = time.monotonic()
                three.publish(f"Published on {node.name}, round {round_}.", port=node.port)
                seq = start + len(delays) + 1
                waited = pool.wait_all_have(seq, timeout=5)
                assert waited is not None, f"a reader did not get seq {seq}"
                delays.append(round(time.monotonic() - began, 3))
        figures("publish-to-reader", seconds=delays)
        assert max(delays) < 1.0, delays
        assert_every_reader_has_everything(pool, three)
    finally:
        pool.close()


@pytest.mark.heavy
def test_readers_of_a_killed_node_come_back_through_nginx_and_miss_nothing(
    template: Template, tmp_path: Path
) -> None:
    with cluster(template, tmp_path, start=1) as three:
        three.create_blog()
        for n in range(2):
            three.publish(f"Before anyone reads, {n}.")
        start = three.last_seq()
        pool = ReaderPool(HOST, three.nginx.port, three.slug, reconnect="retry")
        try:
            # Only node1 runs: nginx passes over the others, and every reader is on node1.
            opened = pool.open(KILL_READERS, start)
            first, second, third = three.nodes
            for node in (second, third):
                node.start()
            for node in (second, third):
                node.wait_ready()
            three.wait_routed([second, third])
            for n in range(3):
                three.publish(f"Before the kill, {n}.", port=second.port)
            assert pool.wait_all_have(three.last_seq(), timeout=10) is not None
            with Publisher(three, interval=0.1) as publisher:
                # The subject: posts go on being published before, during and after the kill.
                time.sleep(1.0)
                killed_at = time.monotonic()
                first.kill()  # kill -9
                time.sleep(2.0)
            for n in range(3):
                three.publish(f"After the kill, {n}.")
            final = three.last_seq()
            recovered = pool.wait_all_have(final, timeout=30)
            stats = pool.stats()
            figures(
                "kill-9",
                open_seconds=round(opened, 2),
                events=final - start,
                publisher_statuses=publisher.statuses,
                all_caught_up_after_kill_seconds=round(time.monotonic() - killed_at, 2),
                **stats,
            )
            assert recovered is not None, f"{pool.behind(final)} readers are behind {final}"
            assert_every_reader_has_everything(pool, three)
            assert stats["connects"] >= 2 * KILL_READERS  # each came back once at least
        finally:
            pool.close()


@pytest.mark.heavy
def test_a_storm_of_readers_coming_back_at_once_costs_the_database_little(
    three: Cluster,
) -> None:
    for n in range(3):
        three.publish(f"Early post {n}.")
    start = three.last_seq()
    transactions = Transactions(three.database_url)
    pool = ReaderPool(HOST, three.nginx.port, three.slug, reconnect="never")
    try:
        opened = pool.open(STORM_READERS, start)
        three.publish("Everyone is reading.")
        fanout = pool.wait_all_have(three.last_seq(), timeout=20)
        assert fanout is not None
        # Every connection drops at once (nginx restarted, say); three posts go out while
        # nobody listens, so every reader comes back behind, with Last-Event-ID.
        pool.hang_up_all()
        for n in range(3):
            three.publish(f"While everyone was away, {n}.")
        final = three.last_seq()
        # Until every backend has published its counts: PostgreSQL gives no signal for it,
        # only this bound (see Transactions).
        time.sleep(Transactions.settle)
        before = transactions.count()
        storm = pool.reconnect_all()
        caught_up = pool.wait_all_have(final, timeout=60)
        time.sleep(Transactions.settle)  # the same bound, for the storm's own counts
        during = transactions.count() - before
        stats = pool.stats()
        figures(
            "storm",
            open_seconds=round(opened, 2),
            fanout_seconds=round(fanout, 3),
            reconnect_seconds=round(storm, 2),
            caught_up_seconds=None if caught_up is None else round(caught_up, 2),
            database_transactions=during,
            **stats,
        )
        assert caught_up is not None, f"{pool.behind(final)} readers are behind {final}"
        assert_every_reader_has_everything(pool, three)
        # Bounded: a few reads per node and blog (its head, the missed events), plus the
        # nodes' 5-second polls of the log, however many readers come back.
        assert during <= STORM_BOUND, (
            f"{during} database transactions for {STORM_READERS} readers coming back at once "
            f"(bound {STORM_BOUND}): the hub should share one read per node and blog"
        )
    finally:
        pool.close()
        transactions.close()


@pytest.mark.heavy
def test_pollers_of_updates_json_cost_the_nodes_about_one_request_a_second(
    three: Cluster,
) -> None:
    three.publish("Before polling.")
    start = three.last_seq()
    pollers = PollerPool(HOST, three.nginx.port, three.slug)
    seconds = 20.0
    try:
        began = time.monotonic()
        pollers.start(POLLERS, start, seconds=seconds, interval=(4.0, 6.0))
        for at in (3.0, 6.0, 9.0):
            time.sleep(max(0.0, began + at - time.monotonic()))  # the subject: a schedule
            three.publish(f"Posted at {at:.0f} s.")
        pollers.join(timeout=seconds + 30)
        final = three.last_seq()
    finally:
        pollers.close()
    path = f"/live/{three.slug}/updates.json"
    logged = [line for line in parse_log(three.nginx.log_lines()) if line.uri.startswith(path)]
    origin = [line for line in logged if line.reached_a_node]
    caches: dict[str, int] = {}
    for line in logged:
        caches[line.cache] = caches.get(line.cache, 0) + 1
    per_second = len(origin) / seconds
    figures(
        "polling",
        pollers=POLLERS,
        seconds=seconds,
        requests=sum(p.requests for p in pollers.pollers),
        statuses=pollers.statuses,
        nginx_cache=caches,
        origin_requests=len(origin),
        origin_per_second=round(per_second, 2),
        urls=len({line.uri for line in origin}),
    )
    wanted = list(range(start + 1, final + 1))
    wrong = [p for p in pollers.pollers if p.ids != wanted or p.failures]
    assert not wrong, f"{len(wrong)} pollers, e.g. {wrong[0].ids} {wrong[0].failures[:3]}"
    # The nodes see about one request per blog per second, not 1,000 readers' 200.
    assert per_second <= 1.0, f"{len(origin)} origin requests in {seconds} s"


BROWSERS = [
    ("gzip, deflate, br, zstd", {"br", "gzip", "deflate"}),
    ("gzip, deflate", {"gzip", "deflate"}),
    ("", set()),
]


def test_the_reader_page_through_nginx_is_cached_per_coding_and_follows_the_blog(
    three: Cluster,
) -> None:
    three.publish("The first update.")
    path = f"/live/{three.slug}"
    pages = set()
    for accept_encoding, accepted in BROWSERS:
        for cache in ("MISS", "HIT"):
            status, headers, body = request(
                three.nginx.port, "GET", path, headers={"Accept-Encoding": accept_encoding}
            )
            assert status == 200 and headers["x-cache-status"] == cache, (accept_encoding, cache)
            coding = headers.get("content-encoding", "identity")
            assert coding in accepted | {"identity"}, (accept_encoding, coding)
            pages.add(decode(body, coding))
    assert len(pages) == 1 and b"The first update." in pages.pop()
    origin = [line for line in parse_log(three.nginx.log_lines()) if line.uri == path]
    assert sum(line.reached_a_node for line in origin) == 3  # one per coding
    # A browser that has the page revalidates it with nginx alone.
    _, headers, _ = request(three.nginx.port, "GET", path, headers={"Accept-Encoding": "br"})
    status, _, _ = request(
        three.nginx.port, "GET", path,
        headers={"Accept-Encoding": "br", "If-None-Match": headers["etag"]},
    )  # fmt: skip
    assert status == 304
    # A new post is on the page once the cached copy's max-age (5 s) is up.
    published = time.monotonic()
    three.publish("The second update.")

    def shows_the_new_post() -> bool:
        _, headers, body = request(three.nginx.port, "GET", path, headers={"Accept-Encoding": "br"})
        return b"The second update." in decode(body, headers.get("content-encoding", "identity"))

    wait_until(shows_the_new_post, timeout=10, interval=0.1, what="the page to drop its old copy")
    figures("reader-page", new_post_visible_after_seconds=round(time.monotonic() - published, 2))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def upload_through_one_node_and_read_through_the_others(three: Cluster) -> str:
    first, second, third = three.nodes
    # Log in on node1, upload on node2 (sessions live in the database, and every node signs
    # with the same LIVEBLOG_SECRET_KEY), read on node3, node1 and through nginx.
    with httpx.Client(base_url=first.url, timeout=10) as desk:
        login = desk.post(
            "/editor/login",
            data={"email": EDITOR_EMAIL, "password": PASSWORD, "next": "/editor"},
        )
        assert login.status_code == 303, login.text
        cookies = dict(desk.cookies)
    with httpx.Client(base_url=second.url, timeout=30, cookies=cookies) as desk:
        page = desk.get(f"/editor/blogs/{three.slug}")
        assert page.status_code == 200, page.text[:300]
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, "no form token on the desk"
        form = {
            "csrf": found.group(1),
            "elements": "2",
            "el-0-type": "text",
            "el-0-markdown": "The harbour at noon.",
            "el-1-type": "image",
            "el-1-caption": "The harbour",
            "el-1-credit": "Jo Blake",
            "el-1-alt": "Boats in the harbour",
            "action": "publish",
        }
        files = {"el-1-upload": ("harbour.jpg", jpeg(), "image/jpeg")}
        sent = desk.post(f"/editor/blogs/{three.slug}/posts", data=form, files=files)
        assert sent.status_code == 303, sent.text[:500]
    status, posts = three.api("GET", f"/blogs/{three.slug}/posts", port=third.port)
    assert status == 200, posts
    name = posts["posts"][0]["elements"][1]["file"]
    served = {}
    for node in (third, first, second):
        status, headers, body = request(node.port, "GET", f"/media/{name}")
        assert status == 200, node.name
        served[node.name] = body
    assert len(set(served.values())) == 1
    _, direct, _ = request(first.port, "GET", f"/media/{name}")
    for cache in ("MISS", "HIT"):
        status, headers, body = request(three.nginx.port, "GET", f"/media/{name}")
        assert status == 200 and body == served["node1"]
        assert headers["x-cache-status"] == cache
        assert headers["cache-control"] == direct["cache-control"]  # the node's word
    page_status, _, html = request(three.nginx.port, "GET", f"/live/{three.slug}")
    assert page_status == 200 and f"/media/{name}".encode() in html
    return name


def test_a_photo_uploaded_through_one_node_is_served_by_the_others(three: Cluster) -> None:
    upload_through_one_node_and_read_through_the_others(three)


def test_with_an_s3_bucket_the_nodes_share_photos_without_a_shared_folder(
    template: Template, tmp_path: Path
) -> None:
    import boto3

    with s3_server(tmp_path) as s3_url:
        bucket = "liveblog-cluster"
        keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        client = boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=bucket)
        settings = keys | {
            "LIVEBLOG_S3_BUCKET": bucket,
            "LIVEBLOG_S3_ENDPOINT_URL": s3_url,
            "LIVEBLOG_S3_REGION": "us-east-1",
        }
        with cluster(template, tmp_path, settings=settings) as three:
            three.create_blog()
            name = upload_through_one_node_and_read_through_the_others(three)
            stored = sorted(
                item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]
            )
            # The photo and its narrower and WebP copies (actions/media.py), and nothing else.
            stem = name.rsplit(".", 1)[0]
            assert f"media/{name}" in stored and any(key.endswith(".webp") for key in stored)
            assert all(key.startswith(f"media/{stem}-") or key == f"media/{name}" for key in stored)
            assert not any(three.media.iterdir()), "nothing was written to the local folder"


def test_a_rolling_restart_loses_no_post_for_readers_listening_through_nginx(
    three: Cluster,
) -> None:
    three.publish("Before the restart.")
    start = three.last_seq()
    pool = ReaderPool(HOST, three.nginx.port, three.slug, reconnect="retry")
    exits: dict[str, float | None] = {}
    ready: dict[str, float] = {}
    try:
        pool.open(300, start)
        with Publisher(three, interval=0.2) as publisher:
            for node in three.nodes:
                node.signal(signal.SIGTERM)
                exits[node.name] = node.wait_exit(15)
                if exits[node.name] is None:
                    node.kill()  # did not stop by itself: see the assertion below
                node.start()
                ready[node.name] = round(node.wait_ready(), 2)
                time.sleep(1.0)  # the subject: an operator's pause between two nodes
        final = three.last_seq()
        caught_up = pool.wait_all_have(final, timeout=30)
        figures(
            "rolling-restart",
            events=final - start,
            exit_seconds={k: None if v is None else round(v, 2) for k, v in exits.items()},
            ready_seconds=ready,
            readyz=[node.has_readyz for node in three.nodes],
            publisher_statuses=publisher.statuses,
            **pool.stats(),
        )
        assert caught_up is not None, f"{pool.behind(final)} readers are behind {final}"
        assert_every_reader_has_everything(pool, three)
        slow = {name: took for name, took in exits.items() if took is None or took > 10}
        assert not slow, f"nodes that did not exit within 10 s of SIGTERM: {slow}"
    finally:
        pool.close()
