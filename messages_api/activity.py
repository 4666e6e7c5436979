"""What the proxy is doing right now: requests in flight, pushed to the admin's live page.

Each request event is also one structured log line with the request id.
"""

import asyncio
import logging
import time

from channels.layers import get_channel_layer
from django.utils import timezone

from sessions_admin import wire_formats
from sessions_admin.instances import this_instance

from .claude.registry import runtimes
from .server_state import server

log = logging.getLogger("claude_proxy.activity")

GROUP = "activity"
# While requests are in flight the processes are looked at this often and pushed when one
# starts or changes state, so a turn's new CLI process is seen from its start; and at
# least every REFRESH_SECONDS, for their memory.
TICK_SECONDS = 0.2
REFRESH_SECONDS = 2.0
# The feed's state is the server's (server_state.LiveFeed). With no live page watching,
# here or on another instance, nothing is described or pushed: listing the processes
# (their memory from /proc) would cost each answer a millisecond for nobody.


def watch():
    server.feed.watchers += 1
    _keep_ticking()


def unwatch():
    server.feed.watchers = max(0, server.feed.watchers - 1)


def watched_elsewhere(seconds):
    """A live page on another instance watches for the next `seconds` (it says so again)."""
    server.feed.watched_elsewhere_until = max(server.feed.watched_elsewhere_until, time.monotonic() + seconds)
    _keep_ticking()


def _watched():
    return server.feed.watchers > 0 or time.monotonic() < server.feed.watched_elsewhere_until


def _describe(event, record):
    wire = wire_formats.wire_format_of(record.endpoint)
    return {
        "event": event,
        "request_id": record.request_id,
        "endpoint": record.endpoint,
        "wire_format": wire,
        "wire_format_label": wire_formats.label(wire),
        "model": record.model,
        "stream": record.stream,
        "status": record.status,
        "error_type": record.error_type,
        "claude_session_id": record.claude_session_id,
        "ttfb_ms": record.ttfb_ms,
        "duration_ms": record.duration_ms,
        "instance": this_instance(),
        "at": timezone.now().isoformat(),
    }


def announce(event, record):
    """Note `event` (start, first_token, end, error) of a request: log, track, push."""
    data = _describe(event, record)
    log.info(
        "event=request.%s request_id=%s endpoint=%s model=%s status=%s error=%s ttfb_ms=%s duration_ms=%s",
        event, record.request_id, record.endpoint, record.model or "-", record.status,
        record.error_type or "-", record.ttfb_ms, record.duration_ms,
    )  # fmt: skip
    if event in ("end", "error"):
        server.feed.in_flight.pop(record.request_id, None)
    else:
        server.feed.in_flight[record.request_id] = data
    if not _watched():
        return
    _push({**data, "processes": runtimes.describe()})
    _keep_ticking()


def _keep_ticking():
    if server.feed.in_flight and (server.feed.ticker is None or server.feed.ticker.done()):
        server.feed.ticker = asyncio.get_running_loop().create_task(_tick(), name="activity-ticker")


def _push(data):
    layer = get_channel_layer()
    if layer is not None:
        task = asyncio.get_running_loop().create_task(layer.group_send(GROUP, {"type": "activity.event", "data": data}))
        task.add_done_callback(_log_failure)


async def _tick():
    """While any request is in flight (and once after), push the processes when they change."""
    shown, pushed = None, 0.0
    while server.feed.in_flight and _watched():
        await asyncio.sleep(TICK_SECONDS)
        processes = runtimes.describe()
        states = [(p["conversation_id"], p["claude_session_id"], p["state"]) for p in processes]
        if states != shown or time.monotonic() - pushed >= REFRESH_SECONDS or not server.feed.in_flight:
            _push({"event": "processes", "instance": this_instance(), "at": timezone.now().isoformat(), "processes": processes})
            shown, pushed = states, time.monotonic()


def _log_failure(task):
    if not task.cancelled() and task.exception():
        log.warning("could not push activity: %r", task.exception())


def snapshot():
    """Everything in flight and every CLI process, for a page that just opened."""
    return {
        "event": "snapshot",
        "instance": this_instance(),
        "in_flight": list(server.feed.in_flight.values()),
        "processes": runtimes.describe(),
    }
