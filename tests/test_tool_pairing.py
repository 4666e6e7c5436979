"""What the real API refuses about tool blocks, the proxy refuses with its words: a 400
naming the field, before anything reaches the CLI."""

import json

import httpx
import pytest

from messages_api.errors import ApiError
from messages_api.wire.anthropic import parse_messages_request

CALL = {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a"}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "A"}


def _refusal(messages):
    body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": messages}).encode()
    with pytest.raises(ApiError) as refused:
        parse_messages_request(body, "application/json")
    return refused.value.status, refused.value.message


CASES = {
    "a tool call in a user message": (
        [{"role": "user", "content": [CALL]}],
        "messages.0.content.0: `tool_use` blocks can only be in assistant messages",
    ),
    "a tool result in an assistant message": (
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [RESULT]}],
        "messages.1.content.0: `tool_result` blocks can only be in user messages",
    ),
    "a result for a call the previous message did not make": (
        [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": [{"type": "text", "text": "and"}, RESULT]},
        ],
        "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_1. "
        "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
    ),
    "a call left unanswered": (
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [CALL]}, {"role": "user", "content": "go on"}],
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    ),
}


@pytest.mark.parametrize("messages, message", CASES.values(), ids=CASES.keys())
def test_it_refuses_what_the_api_refuses(messages, message):
    assert _refusal(messages) == (400, message)


def test_it_takes_a_call_answered_in_the_next_message_and_a_final_call_as_prefill():
    answered = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [CALL]}, {"role": "user", "content": [RESULT]}]
    prefill = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [CALL]}]
    for messages in (answered, prefill):
        body = json.dumps({"model": "m", "messages": messages}).encode()
        assert parse_messages_request(body, "application/json").messages[1].content[0].type == "tool_use"


def test_it_never_sends_a_refused_history_upstream(proxy, upstream):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": [CALL]}]}

    response = httpx.post(f"{proxy.url}/v1/messages", json=body, timeout=30)

    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "messages.0.content.0: `tool_use` blocks can only be in assistant messages"},
    }
    assert upstream.message_requests() == []
