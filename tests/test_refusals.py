"""A refusal (stop_reason "refusal": the API's safety classifier stopped the model turn)
reaches the client as the API gives it, on every wire: the text so far and the refusal.
The CLI would add a user message of its own ("Your response above was stopped by a safety
classifier…") and ask the model again, and the client would get both answers spliced."""

import httpx
import pytest

from tests.helpers import logged, message_body, sse_events
from tests.openai_helpers import client
from tests.upstream import replies

REFUSED = "I can't help with that."


def refused_then_more():
    # What a second model call would answer: the client must never see it.
    return replies.text(REFUSED, stop_reason="refusal"), replies.text("An answer after all.")


def test_it_answers_with_the_refusal_and_makes_one_upstream_call(proxy, upstream):
    upstream.enqueue(*refused_then_more())

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Refuse me", stream=False), timeout=60)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["content"], body["stop_reason"]) == ([{"type": "text", "text": REFUSED}], "refusal")
    assert (body["usage"]["input_tokens"], body["usage"]["output_tokens"]) == (11, 7)
    assert len(upstream.message_requests()) == 1
    assert logged(response.headers["x-request-id"]).status == 200


def test_it_streams_the_refusal_as_the_last_message_delta(proxy, upstream):
    upstream.enqueue(*refused_then_more())

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Refuse me, streamed"), timeout=60)

    events = sse_events(response.content)
    assert "".join(data["delta"]["text"] for name, data in events if name == "content_block_delta") == REFUSED
    assert [data["delta"]["stop_reason"] for name, data in events if name == "message_delta"] == ["refusal"]
    assert events[-1][0] == "message_stop"
    assert len(upstream.message_requests()) == 1


def test_it_sends_the_next_turn_with_no_words_of_the_cli_after_a_refusal(proxy, upstream):
    upstream.enqueue(replies.text(REFUSED, stop_reason="refusal"))
    first = message_body("Refuse me first", stream=False)
    refused = httpx.post(f"{proxy.url}/v1/messages", json=first, headers={"x-session-id": "refused-then-asked"}, timeout=60)
    assert refused.json()["stop_reason"] == "refusal"
    upstream.enqueue(replies.text("Here is a joke."))

    follow = {**first, "messages": [*first["messages"], {"role": "assistant", "content": REFUSED}, {"role": "user", "content": "Tell me a joke instead"}]}
    answered = httpx.post(f"{proxy.url}/v1/messages", json=follow, headers={"x-session-id": "refused-then-asked"}, timeout=60)

    assert answered.json()["content"] == [{"type": "text", "text": "Here is a joke."}]
    first_call, second_call = upstream.message_requests()
    assert second_call.history() == [("user", "Refuse me first"), ("assistant", REFUSED), ("user", "Tell me a joke instead")]
    assert "safety classifier" not in str(second_call.body["messages"])


def test_it_finishes_a_chat_completion_with_content_filter(proxy, upstream):
    upstream.enqueue(*refused_then_more())

    completion = client(proxy).chat.completions.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Refuse me, chat"}]
    )

    choice = completion.choices[0]
    assert (choice.message.content, choice.finish_reason) == (REFUSED, "content_filter")
    assert len(upstream.message_requests()) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_it_leaves_a_response_incomplete_for_content_filter(proxy, upstream, stream):
    upstream.enqueue(*refused_then_more())
    asked = {"model": "claude-sonnet-4-5", "input": f"Refuse me, responses {stream}", "store": False}

    if stream:
        # The client's stream helper wants response.completed; the events are the API's.
        *_, last = client(proxy).responses.create(**asked, stream=True)
        assert last.type == "response.incomplete"
        response = last.response
    else:
        response = client(proxy).responses.create(**asked)

    assert (response.status, response.incomplete_details.reason) == ("incomplete", "content_filter")
    assert response.output_text == REFUSED
    assert len(upstream.message_requests()) == 1
