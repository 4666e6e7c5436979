"""POST /v1/messages/count_tokens: an estimate, validated as /v1/messages is, no model call."""

import anthropic
import httpx
import pytest

from tests.helpers import logged
from tests.test_bad_requests import BAD


def _client(proxy):
    return anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)


def test_it_counts_for_the_official_client_without_calling_the_model(proxy, upstream):
    counted = _client(proxy).messages.count_tokens(
        model="claude-opus-4-8",
        system="You are terse.",
        messages=[{"role": "user", "content": "Hello"}],
    )

    assert counted.input_tokens == 9  # (14 + 5) characters / 3.5 + 3 for the message
    assert upstream.message_requests() == []


def test_it_counts_tools_and_history(proxy, upstream):
    messages = [
        {"role": "user", "content": "Read a.py"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a.py"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "print('hi')"}]},
    ]
    tools = [{"name": "read", "description": "Read a file", "input_schema": {"type": "object"}}]

    bare = _client(proxy).messages.count_tokens(model="claude-sonnet-4-5", messages=messages)
    with_tools = _client(proxy).messages.count_tokens(model="claude-sonnet-4-5", messages=messages, tools=tools)

    assert isinstance(bare.input_tokens, int) and bare.input_tokens > 9
    assert with_tools.input_tokens - bare.input_tokens in (367, 368)  # the tool prompt and the tool
    assert upstream.message_requests() == []


def test_it_needs_no_max_tokens_and_logs_the_request(proxy, upstream):
    body = {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "Hello"}]}

    response = httpx.post(f"{proxy.url}/v1/messages/count_tokens", json=body, timeout=30)

    assert response.status_code == 200
    assert response.json() == {"input_tokens": 5}
    row = logged(response.headers["x-request-id"])
    assert (row.method, row.endpoint, row.status, row.model) == ("POST", "/v1/messages/count_tokens", 200, "claude-haiku-4-5")
    assert (row.input_tokens, row.output_tokens, row.claude_session_id) == (0, 0, "")


@pytest.mark.parametrize(("content", "headers", "message"), BAD)
def test_it_refuses_what_messages_refuses_naming_the_field(proxy, upstream, content, headers, message):
    response = httpx.post(f"{proxy.url}/v1/messages/count_tokens", content=content, headers=headers, timeout=30)

    assert response.status_code == 400
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    row = logged(response.headers["x-request-id"])
    assert (row.endpoint, row.status, row.error_type, row.error_message) == (
        "/v1/messages/count_tokens", 400, "invalid_request_error", message,
    )  # fmt: skip
    assert upstream.message_requests() == []


def test_it_raises_the_clients_bad_request_error(proxy, upstream):
    with pytest.raises(anthropic.BadRequestError) as raised:
        _client(proxy).messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "robot", "content": "Hi"}])

    assert raised.value.body["error"]["message"].startswith("messages.0.role:")


def test_it_takes_only_post(proxy, upstream):
    response = httpx.get(f"{proxy.url}/v1/messages/count_tokens", timeout=30)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"] == {"type": "invalid_request_error", "message": "Method GET not allowed; use POST"}
