"""Upstream failures reach the client classified, through the real CLI (SPEC §6)."""

import time

import anthropic
import httpx
import pytest

from tests.helpers import logged, message_body, sse_events
from tests.upstream import replies

CLASSIFIED = [
    (401, 401, "authentication_error"),
    (403, 401, "authentication_error"),
    (429, 429, "rate_limit_error"),
    (500, 502, "api_error"),
    (529, 529, "overloaded_error"),
]


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
@pytest.mark.parametrize("upstream_status, status, error_type", CLASSIFIED)
def test_it_classifies_an_upstream_error(proxy, upstream, upstream_status, status, error_type, stream):
    upstream.enqueue(replies.error(upstream_status))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=stream), timeout=60)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type, row.error_message) == (status, error_type, body["error"]["message"])
    assert response.headers.get("retry-after") == ("30" if status == 429 else None)
    assert len(upstream.message_requests()) == 1


def test_it_tells_the_user_to_log_in_again(proxy, upstream):
    upstream.enqueue(replies.error(401, "OAuth token has expired"))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)

    with pytest.raises(anthropic.AuthenticationError) as caught:
        client.messages.create(model="claude-sonnet-5-5", max_tokens=10, messages=[{"role": "user", "content": "Hi"}])

    assert caught.value.status_code == 401
    assert "auth login" in caught.value.body["error"]["message"]


def test_it_gives_the_official_client_a_rate_limit_error(proxy, upstream):
    upstream.enqueue(replies.error(429, "usage limit"))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)

    with pytest.raises(anthropic.RateLimitError) as caught:
        with client.messages.stream(model="claude-sonnet-5-5", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]) as stream:
            stream.get_final_message()

    assert caught.value.body["error"]["type"] == "rate_limit_error"
    assert "usage limit" in caught.value.body["error"]["message"]


def test_it_never_splices_the_answer_the_cli_fetched_again_after_a_dropped_stream(proxy, upstream):
    # The CLI asks once more without streaming when a stream breaks; part of the
    # broken attempt already reached the client, so the stream ends with an error.
    upstream.enqueue(replies.cut("This answer is cut off mid"), replies.text("The whole answer."))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    events = sse_events(response.content)
    assert [name for name, _ in events].count("message_start") == 1
    assert [data["index"] for name, data in events if name == "content_block_start"] == [0]
    assert events[-1][0] == "error"
    assert "The whole answer." not in response.text
    assert logged(response.headers["x-request-id"]).status == 502


def test_it_answers_json_with_the_answer_the_cli_fetched_again_after_a_dropped_stream(proxy, upstream):
    upstream.enqueue(replies.cut("This answer is cut off mid"), replies.text("The whole answer."))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False), timeout=60)

    assert response.json()["content"] == [{"type": "text", "text": "The whole answer."}]
    assert response.json()["stop_reason"] == "end_turn"


def test_it_ends_the_stream_with_an_error_event_when_the_answer_fails_midway(proxy, upstream):
    upstream.enqueue(replies.cut("This answer is cut off mid", delay=0.05), replies.error(500))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    assert response.status_code == 200
    events = sse_events(response.content)
    names = [name for name, _ in events]
    assert names[0] == "message_start"
    assert names[-1] == "error"
    assert "message_stop" not in names
    # The open text block is closed before the error.
    assert events[-2] == ("content_block_stop", {"type": "content_block_stop", "index": 0})
    error = events[-1][1]
    assert error["type"] == "error"
    assert error["error"]["type"] == "api_error"
    row = logged(response.headers["x-request-id"])
    assert row.error_type == error["error"]["type"]
    assert row.ttfb_ms is not None


def test_it_bounds_the_cli_retries_by_setting(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_UPSTREAM_RETRIES="1")
    upstream.default_reply = lambda: replies.error(500)

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Bound the retries", stream=False), timeout=60)

    assert response.status_code == 502
    ours = [request for request in upstream.message_requests() if "Bound the retries" in request.user_texts()]
    assert len(ours) == 2


def test_it_ends_at_once_when_the_login_is_refused_instead_of_retrying(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_UPSTREAM_RETRIES="5")
    upstream.default_reply = lambda: replies.error(401)
    started = time.monotonic()

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False), timeout=60)

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert len(upstream.message_requests()) == 1
    assert time.monotonic() - started < 20  # five retries with back-off would take far longer


def test_it_makes_the_official_client_raise_its_overloaded_error(proxy, upstream):
    upstream.enqueue(replies.error(529))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)

    with pytest.raises(anthropic.OverloadedError) as caught:
        client.messages.create(model="claude-sonnet-5-5", max_tokens=10, messages=[{"role": "user", "content": "Hi"}])

    assert caught.value.status_code == 529


def test_it_keeps_where_the_upstream_is_from_every_wire(proxy, upstream):
    said = f"no route from {upstream.url}/v1/messages nor 10.1.2.3:8443"
    bodies = {"/v1/messages": message_body(stream=False), **openai_bodies()}
    upstream.enqueue(*[replies.error(500, said) for _ in bodies])

    answers = [httpx.post(f"{proxy.url}{path}", json=body, timeout=60) for path, body in bodies.items()]

    assert [answer.status_code for answer in answers] == [502, 502, 502]
    for answer in answers:
        assert "no route from the upstream nor the upstream" in answer.text
        assert "127.0.0.1" not in answer.text and "8443" not in answer.text
        assert "127.0.0.1" not in logged(answer.headers["x-request-id"]).error_message


def openai_bodies():
    return {
        "/v1/chat/completions": {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}]},
        "/v1/responses": {"model": "claude-sonnet-4-5", "input": "Hi"},
    }
