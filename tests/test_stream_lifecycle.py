"""A stream never hangs: pings while waiting, a timeout, a slot freed when the client leaves."""

import threading
import time

import httpx

from tests.helpers import logged, message_body, sse_events
from tests.upstream import replies


def test_it_pings_while_the_model_is_silent_mid_answer(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_PING_SECONDS="0.3")
    upstream.enqueue(replies.text("slow answer", chunks=2, delay=1.0))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    assert response.status_code == 200
    assert response.content.startswith(b"event: message_start\n")  # no ping before the status is certain
    assert b"\n\n: ping\n\n" in response.content
    events = sse_events(response.content)
    assert events[-1] == ("message_stop", {"type": "message_stop"})


def test_it_answers_a_failure_after_a_silence_with_its_http_status(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_PING_SECONDS="0.3")
    upstream.enqueue(replies.error(429, "usage limit", hang=1.5))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"


def test_it_times_out_a_silent_turn_with_504(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_PING_SECONDS="0.5", CLAUDE_PROXY_IDLE_TIMEOUT="1.5")
    upstream.enqueue(replies.hang(6.0))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False), timeout=60)

    assert response.status_code == 504
    assert response.json()["error"]["type"] == "timeout_error"
    assert logged(response.headers["x-request-id"]).error_type == "timeout_error"


def test_it_times_out_a_stream_silent_from_the_start_with_504(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_PING_SECONDS="0.5", CLAUDE_PROXY_IDLE_TIMEOUT="1.5")
    upstream.enqueue(replies.hang(6.0))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    assert response.status_code == 504
    assert response.json()["error"]["type"] == "timeout_error"


def test_it_ends_a_stream_that_falls_silent_with_a_timeout_error_event(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_PING_SECONDS="0.5", CLAUDE_PROXY_IDLE_TIMEOUT="1.5")
    upstream.enqueue(replies.text("begun, then silence", stall_after=2, stall=6.0))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    assert response.status_code == 200
    events = sse_events(response.content)
    assert [name for name, _ in events] == ["message_start", "content_block_start", "content_block_stop", "error"]
    assert events[-1][1]["error"]["type"] == "timeout_error"


def test_it_stops_the_cli_and_frees_the_slot_when_the_client_hangs_up(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_MAX_CONCURRENT="1")
    upstream.enqueue(replies.text("one two three four five six seven eight", chunks=8, delay=0.5))

    with httpx.stream("POST", f"{proxy.url}/v1/messages", json=message_body(), timeout=60) as response:
        request_id = response.headers["x-request-id"]
        for line in response.iter_lines():
            if line.startswith("data:") and "text_delta" in line:
                break

    row = logged(request_id)
    assert (row.status, row.error_type) == (499, "client_closed")
    [hung_up] = upstream.message_requests()
    # The upstream is done with the call once its reply is written out (in 4 s) or the CLI
    # has hung up: the interrupted CLI dropped it, so the reply was never written out.
    assert hung_up.finished.wait(timeout=10)
    assert hung_up.answered is False
    # The only slot is free again.
    after = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False), timeout=30)
    assert after.status_code == 200


def test_it_queues_turns_beyond_the_concurrency_limit(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_MAX_CONCURRENT="1")
    upstream.enqueue(replies.text("slow answer", chunks=4, delay=0.4))
    results = {}

    def ask(name):
        body = message_body(f"A question of the {name} conversation", stream=False)
        results[name] = httpx.post(f"{proxy.url}/v1/messages", json=body, timeout=60)

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    # The first holds the only slot once its CLI calls the upstream; its answer takes 1.6 s more.
    deadline = time.monotonic() + 30
    while not upstream.message_requests():
        assert time.monotonic() < deadline, "the first turn never called the upstream"
        time.sleep(0.05)
    ask("second")
    first.join()

    assert results["first"].status_code == results["second"].status_code == 200
    waited = logged(results["second"].headers["x-request-id"]).queue_wait_ms
    assert waited > 300
    assert logged(results["first"].headers["x-request-id"]).queue_wait_ms < 100
