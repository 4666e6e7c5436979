"""A client that hangs up before the answer begins still ends its turn: the conversation
is free for the next request at once, and the request is in the log as client_closed."""

import json
import socket
import time
from urllib.parse import urlsplit

import httpx

from tests.helpers import logged, message_body
from tests.upstream import replies


def _wait_for_the_call(upstream, count, timeout=30):
    deadline = time.monotonic() + timeout
    while len(upstream.message_requests()) < count:
        assert time.monotonic() < deadline, "the upstream was never called"
        time.sleep(0.05)


def test_it_frees_the_conversation_when_the_client_leaves_before_the_first_event(proxy, upstream):
    upstream.enqueue(replies.hang(30))
    headers = {"x-session-id": "gone-early", "x-request-id": "req_gone_early"}
    body = message_body("Wait for me", stream=False)

    # The response is held until the answer begins, so the client must hang up while it
    # waits for the status line: a raw socket, closed once the CLI's model call is under way.
    raw = json.dumps(body).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    address = urlsplit(proxy.url)
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(
            f"POST /v1/messages HTTP/1.1\r\nHost: {address.netloc}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(raw)}\r\n{head}\r\n".encode() + raw
        )
        _wait_for_the_call(upstream, 1)

    started = time.monotonic()
    again = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body("Wait for me", stream=False),
        headers={"x-session-id": "gone-early"},
        timeout=60,
    )

    assert again.status_code == 200, again.text
    assert again.json()["content"] == [{"type": "text", "text": "Hello from the fake upstream."}]
    assert time.monotonic() - started < 25  # not behind the first turn's 30 s hang
    row = logged("req_gone_early")
    assert (row.status, row.error_type, row.outcome) == (499, "client_closed", "client_gone")
