"""Valid JSON the engine cannot take is a 400 in the wire's envelope naming the field,
before any CLI starts: never Django's 500 (which was Anthropic-shaped on every path)."""

import json

import httpx
import pytest

from messages_api.json_body import MAX_DEPTH
from tests.helpers import logged

DEEP = 600  # the engine's recursive steps gave out from ~500 levels
JSON = {"content-type": "application/json"}


def _nested(depth):
    return '{"a": ' * depth + "1" + "}" * depth


def _post(proxy, path, text):
    return httpx.post(f"{proxy.url}{path}", content=text, headers=JSON, timeout=60)


def _openai_error(response):
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    return error


CHAT_CALL = (
    '{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": '
    '[{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": %s}}]}, '
    '{"role": "tool", "tool_call_id": "call_1", "content": "ok"}]}'
)
RESPONSES_CALL = (
    '{"model": "claude-sonnet-4-5", "input": [{"role": "user", "content": "hi"}, '
    '{"type": "function_call", "call_id": "call_1", "name": "f", "arguments": %s}, '
    '{"type": "function_call_output", "call_id": "call_1", "output": "ok"}]}'
)


@pytest.mark.parametrize(
    "path, text, param",
    [
        ("/v1/chat/completions", CHAT_CALL % json.dumps(_nested(DEEP)), "messages.1.tool_calls.0.function.arguments"),
        ("/v1/responses", RESPONSES_CALL % json.dumps(_nested(DEEP)), "input[1].arguments"),
        ("/v1/chat/completions", CHAT_CALL % _nested(DEEP), "messages.1.tool_calls"),
        ("/v1/responses", '{"model": "claude-sonnet-4-5", "input": "hi", "metadata": %s}' % _nested(DEEP), "metadata.a.a"),
        ("/v1/responses", '{"model": "claude-sonnet-4-5", "input": "hi", "text": %s}' % _nested(DEEP), "text.a.a"),
    ],
    ids=["chat-arguments-text", "responses-arguments", "chat-arguments-object", "responses-metadata", "responses-text"],
)
def test_it_refuses_a_deep_body_on_the_openai_wires(proxy, upstream, path, text, param):
    error = _openai_error(_post(proxy, path, text))

    assert error["param"] == param
    assert f"nested more than {MAX_DEPTH} levels deep" in error["message"]
    assert upstream.message_requests() == []


# An escape for half a UTF-16 pair inside the arguments' JSON text: no text that
# PostgreSQL (or any UTF-8 store) can keep, so it failed the transcript's insert there.
LONE_SURROGATE = json.dumps('{"path": "\\ud800"}')


@pytest.mark.parametrize(
    "path, text, param",
    [
        ("/v1/chat/completions", CHAT_CALL % LONE_SURROGATE, "messages.1.tool_calls.0.function.arguments"),
        ("/v1/responses", RESPONSES_CALL % LONE_SURROGATE, "input[1].arguments"),
    ],
    ids=["chat", "responses"],
)
def test_it_refuses_a_lone_surrogate_in_a_tool_calls_arguments(proxy, upstream, path, text, param):
    response = _post(proxy, path, text)

    assert _openai_error(response) == {
        "message": f"{param}: holds a lone UTF-16 surrogate, which is not valid text",
        "type": "invalid_request_error",
        "param": param,
        "code": None,
    }
    assert logged(response.headers["x-request-id"]).status == 400
    assert upstream.message_requests() == []


def test_it_refuses_a_deep_tool_input_on_the_messages_api(proxy, upstream):
    text = (
        '{"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}, '
        '{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": %s}]}, '
        '{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]}]}'
    ) % _nested(DEEP)

    response = _post(proxy, "/v1/messages", text)

    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": f"messages.1.content: nested more than {MAX_DEPTH} levels deep"},
    }
    assert upstream.message_requests() == []


@pytest.mark.parametrize("effort", [[], {}, 3, "huge"])
def test_it_refuses_an_effort_that_is_no_effort(proxy, upstream, effort):
    responses = {"model": "claude-sonnet-4-5", "input": "hi", "reasoning": {"effort": effort}}
    chat = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": effort}

    assert _openai_error(_post(proxy, "/v1/responses", json.dumps(responses)))["param"] == "reasoning.effort"
    assert _openai_error(_post(proxy, "/v1/chat/completions", json.dumps(chat)))["param"] == "reasoning_effort"
    assert upstream.message_requests() == []
