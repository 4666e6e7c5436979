"""An upstream stream cut mid-answer: the CLI retries, and the client gets one clean
answer or, when part of the abandoned attempt already reached it, an error event;
never the attempts spliced together."""

import httpx
import pytest

from sessions_admin.lineage import reply_digest
from sessions_admin.models import Conversation
from tests.helpers import logged, message_body, sse_events
from tests.upstream import replies

ANSWER = "hello from the end"


@pytest.fixture
def retrying_proxy(start_proxy):
    return start_proxy(CLAUDE_PROXY_UPSTREAM_RETRIES="3")


def _cuts(count, cut_after=4):
    cut = [replies.cut(f"c0 c1 c2 c3 attempt{number} ") for number in range(count)]
    for reply in cut:
        reply.cut_after = cut_after
    return [*cut, replies.text(ANSWER)]


@pytest.mark.parametrize("cuts", [1, 3])
def test_it_answers_json_with_only_the_attempt_that_finished(retrying_proxy, upstream, cuts):
    upstream.enqueue(*_cuts(cuts))

    response = httpx.post(
        f"{retrying_proxy.url}/v1/messages",
        json=message_body("Say hello", stream=False),
        headers={"x-session-id": f"cut-json-{cuts}"},
        timeout=60,
    )

    assert response.status_code == 200
    assert response.json()["content"] == [{"type": "text", "text": ANSWER}]
    assert len(upstream.message_requests()) == cuts + 1
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type) == (200, "")
    conversation = Conversation.objects.get(key=f"cut-json-{cuts}")
    assert conversation.reply_digest == reply_digest([{"type": "text", "text": ANSWER}])


@pytest.mark.parametrize("cuts", [1, 3])
def test_it_answers_responses_json_with_only_the_attempt_that_finished(retrying_proxy, upstream, stored_responses, cuts):
    upstream.enqueue(*_cuts(cuts))
    body = {"model": "claude-sonnet-4-5", "input": f"Say hello, responses {cuts}"}

    response = httpx.post(f"{retrying_proxy.url}/v1/responses", json=body, timeout=60)

    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "completed"
    assert [part["text"] for item in answer["output"] for part in item["content"]] == [ANSWER]
    assert len(upstream.message_requests()) == cuts + 1
    # What the next previous_response_id gives the model back is the same answer.
    follow = {"model": "claude-sonnet-4-5", "input": "And then?", "previous_response_id": answer["id"]}
    assert httpx.post(f"{retrying_proxy.url}/v1/responses", json=follow, timeout=60).status_code == 200
    assert ("assistant", ANSWER) in upstream.message_requests()[-1].history()


def test_it_answers_chat_json_with_only_the_attempt_that_finished(retrying_proxy, upstream):
    upstream.enqueue(*_cuts(1))
    body = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Say hello, chat"}]}

    response = httpx.post(f"{retrying_proxy.url}/v1/chat/completions", json=body, timeout=60)

    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == ANSWER


@pytest.mark.parametrize("cuts", [1, 3])
def test_it_ends_a_stream_with_an_error_when_a_cut_attempt_was_already_sent(retrying_proxy, upstream, cuts):
    upstream.enqueue(*_cuts(cuts))

    response = httpx.post(f"{retrying_proxy.url}/v1/messages", json=message_body("Say hello", stream=True), timeout=60)

    assert response.status_code == 200
    events = sse_events(response.content)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "error",
    ]
    assert events[-1][1]["error"]["type"] == "api_error"
    assert ANSWER not in response.text
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type) == (502, "api_error")


def test_it_streams_the_retry_cleanly_when_nothing_of_the_cut_attempt_was_sent(retrying_proxy, upstream):
    upstream.enqueue(*_cuts(1, cut_after=1))  # only message_start got through

    response = httpx.post(f"{retrying_proxy.url}/v1/messages", json=message_body("Say hello", stream=True), timeout=60)

    events = sse_events(response.content)
    assert [name for name, _ in events].count("message_start") == 1
    text = "".join(data["delta"]["text"] for name, data in events if name == "content_block_delta")
    assert text == ANSWER
    assert [data["index"] for name, data in events if name == "content_block_start"] == [0]
    assert events[-1] == ("message_stop", {"type": "message_stop"})
    assert logged(response.headers["x-request-id"]).status == 200
