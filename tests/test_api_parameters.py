"""Request parameters reach the model, or are enforced by the proxy where the CLI cannot:
max_tokens, stop_sequences, thinking, effort, and system messages among the messages."""

import anthropic
import httpx
import pytest

from tests.helpers import message_body, sse_events
from tests.upstream import replies


def _client(proxy):
    return anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_cuts_the_answer_at_a_stop_sequence(proxy, upstream, stream):
    upstream.enqueue(replies.text("one two THE END three four", chunks=6))
    fields = {"model": "claude-sonnet-4-5", "max_tokens": 100, "stop_sequences": ["END", "THE E"]}
    messages = [{"role": "user", "content": "Count"}]

    if stream:
        with _client(proxy).messages.stream(messages=messages, **fields) as events:
            message = events.get_final_message()
    else:
        message = _client(proxy).messages.create(messages=messages, **fields)

    assert [block.text for block in message.content] == ["one two "]
    assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "THE E")


def test_it_streams_a_stop_sequence_as_one_closed_message(proxy, upstream):
    upstream.enqueue(replies.text("alpha STOP beta", chunks=5))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Go", stop_sequences=["STOP"]), timeout=60)

    events = sse_events(response.content)
    assert [name for name, _ in events][-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert events[-2][1]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "STOP"}
    text = "".join(data["delta"]["text"] for name, data in events if name == "content_block_delta")
    assert text == "alpha "


def test_it_returns_thinking_only_to_a_client_that_asked_for_it(proxy, upstream):
    upstream.enqueue(replies.thinking_then_text("Six times seven.", "42"), replies.thinking_then_text("Hmm.", "42"))

    plain = _client(proxy).messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "6*7?"}])
    thinking = _client(proxy).messages.create(
        model="claude-opus-4-1", max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 2048},
        messages=[{"role": "user", "content": "6*7 again?"}],
    )  # fmt: skip

    assert [block.type for block in plain.content] == ["text"]
    assert [block.type for block in thinking.content] == ["thinking", "text"]
    sent = upstream.message_requests()
    # The CLI thinks adaptively on the models it serves today, whatever the budget.
    assert sent[1].body["thinking"]["type"] == "adaptive"
    assert sent[1].body["max_tokens"] == 4096


def test_it_shows_no_thinking_to_a_client_that_switched_it_off(proxy, upstream):
    # The model behind the CLI's alias thinks adaptively whatever it is told.
    upstream.enqueue(replies.thinking_then_text("Hidden.", "Visible."))

    message = _client(proxy).messages.create(
        model="claude-sonnet-4-5", max_tokens=100, thinking={"type": "disabled"},
        messages=[{"role": "user", "content": "No thinking"}],
    )  # fmt: skip

    assert [(block.type, block.text) for block in message.content] == [("text", "Visible.")]


def test_it_passes_the_effort_to_the_model(proxy, upstream):
    _client(proxy).messages.create(
        model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}],
        extra_body={"output_config": {"effort": "high"}},
    )  # fmt: skip

    [sent] = upstream.message_requests()
    assert sent.body["output_config"]["effort"] == "high"


def test_it_gives_system_messages_to_the_model_where_they_stood(proxy, upstream):
    messages = [
        {"role": "system", "content": "The user's name is Ada."},
        {"role": "user", "content": "What is my name?"},
    ]

    response = _client(proxy).messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=messages)

    assert response.stop_reason == "end_turn"
    [sent] = upstream.message_requests()
    texts = sent.user_texts()
    at = texts.index("<system-reminder>\nThe user's name is Ada.\n</system-reminder>")
    assert texts[at + 1] == "What is my name?"
