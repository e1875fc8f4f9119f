"""What an operator watches, in Prometheus' format at ``GET /metrics``.

Under several workers (``liveblog serve --workers N``) every process writes its values to
``PROMETHEUS_MULTIPROC_DIR`` (``serve`` sets it) and ``/metrics`` adds them up, whichever
worker answers. Several machines are told apart by Prometheus' ``instance`` label.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

READERS = Gauge(
    "liveblog_readers",
    "Event streams open on this node, per blog.",
    ["blog"],
    multiprocess_mode="livesum",
)
EVENTS_BROADCAST = Counter(
    "liveblog_events_broadcast", "Events sent to the open streams of their blog."
)
DELIVERIES = Counter(
    "liveblog_event_deliveries", "Event writes to single streams (events x readers)."
)
BROADCAST_SECONDS = Histogram(
    "liveblog_broadcast_seconds",
    "Time to write one event to every open stream of its blog.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SLOW_READERS_DROPPED = Counter(
    "liveblog_slow_readers_dropped", "Streams dropped because their reader stopped reading."
)
STREAMS_REFUSED = Counter(
    "liveblog_streams_refused", "Event streams refused (429), by reason.", ["reason"]
)
ACTION_SECONDS = Histogram(
    "liveblog_action_seconds",
    "Time of a writing action, from its start to the commit and the wake-up, by the first "
    "event it emitted (post.published is a publish).",
    ["event"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

# Web Push (actions/pushing.py): each message to one browser, and each notice once done.
PUSH_OUTCOMES = ("sent", "gone", "failed")
PUSH_MESSAGES = Counter(
    "liveblog_push_messages",
    "Notifications handed to readers' push services, by outcome (sent, gone, failed).",
    ["outcome"],
)
PUSH_NOTICES = Counter(
    "liveblog_push_notices",
    "Key events and ends notified (sent), or dropped because the post went before it was.",
    ["outcome"],
)


def exposition() -> tuple[bytes, str]:
    """The current values, added up over this machine's workers when there are several."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
