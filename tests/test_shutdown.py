"""SIGTERM or SIGINT mid-answer: the client gets an error event, the request's log
row is written, and no CLI process outlives the server."""

import os
import signal
import time

import httpx
import psutil
import pytest

from tests.helpers import logged, message_body, sse_events
from tests.upstream import replies


def _cli_of(proxy):
    [cli] = proxy.clis()
    return cli


def _gone(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _to_server(proxy, number):
    proxy.process.send_signal(number)


def _to_group(proxy, number):
    os.killpg(proxy.process.pid, number)  # the server is its group's leader


@pytest.mark.parametrize(
    ("number", "send"),
    [(signal.SIGTERM, _to_server), (signal.SIGINT, _to_server), (signal.SIGTERM, _to_group)],
    ids=["sigterm", "sigint", "sigterm-to-group"],
)
def test_it_ends_open_streams_with_an_error_and_stops_its_clis(start_proxy, upstream, number, send):
    proxy = start_proxy(CLAUDE_PROXY_SHUTDOWN_SECONDS="5")
    upstream.enqueue(replies.text("one two three four five six seven eight", chunks=8, delay=0.5))

    with httpx.stream("POST", f"{proxy.url}/v1/messages", json=message_body("Count slowly"), timeout=60) as response:
        request_id = response.headers["x-request-id"]
        lines = response.iter_lines()
        received = []
        for line in lines:
            received.append(line)
            if "text_delta" in line:
                break
        cli = _cli_of(proxy)
        signalled = time.monotonic()
        send(proxy, number)
        received += list(lines)

    events = sse_events("\n".join(received).encode() + b"\n\n")
    assert events[-2] == ("content_block_stop", {"type": "content_block_stop", "index": 0})
    assert events[-1][0] == "error"
    assert events[-1][1]["error"] == {"type": "overloaded_error", "message": "The server is shutting down; retry in a moment"}
    assert proxy.process.wait(timeout=10) == 0
    assert time.monotonic() - signalled < 6
    row = logged(request_id)
    assert (row.status, row.error_type) == (503, "overloaded_error")
    assert _gone(cli.pid)
