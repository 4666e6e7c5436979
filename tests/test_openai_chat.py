"""POST /v1/chat/completions: the official `openai` client on the real proxy, streamed and
not, with tool rounds resolved on the live CLI, and errors in OpenAI's envelope."""

import json

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from sessions_admin.models import Conversation
from tests.helpers import logged
from tests.upstream import replies

READ = {
    "type": "function",
    "function": {
        "name": "read",
        "description": "Read a file",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    },
}
GLOB = {
    "type": "function",
    "function": {"name": "glob", "description": "Find files", "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}}}},
}


def _client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="dummy", max_retries=0)


def _create(proxy, request_id, headers=None, **fields):
    return _client(proxy).chat.completions.create(
        model="claude-sonnet-4-5", extra_headers={"x-request-id": request_id, **(headers or {})}, **fields
    )


def _streamed(proxy, request_id, **fields):
    """Every chunk of a streamed answer, each checked against the client's own type."""
    chunks = list(_create(proxy, request_id, stream=True, **fields))
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk.to_dict())
    return chunks


def _assembled(chunks):
    """The assistant message a client builds from chunks: its text and its tool calls."""
    text, calls = "", {}
    for chunk in chunks:
        for choice in chunk.choices:
            text += choice.delta.content or ""
            for call in choice.delta.tool_calls or ():
                if call.id:
                    calls[call.index] = {"id": call.id, "type": "function", "function": {"name": call.function.name, "arguments": ""}}
                calls[call.index]["function"]["arguments"] += call.function.arguments or ""
    return {"role": "assistant", "content": text or None, "tool_calls": [calls[index] for index in sorted(calls)]}


def _finish_reasons(chunks):
    return [choice.finish_reason for chunk in chunks for choice in chunk.choices if choice.finish_reason]


def test_it_answers_a_chat_completion(proxy, upstream):
    upstream.enqueue(replies.text("Four.", input_tokens=23, output_tokens=3))

    answer = _create(
        proxy, "req_chat_json", max_tokens=100, temperature=0.2, seed=7, user="someone",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 2?"}],
    )  # fmt: skip

    ChatCompletion.model_validate(answer.to_dict())
    assert answer.object == "chat.completion"
    assert answer.id.startswith("chatcmpl-fake")
    assert answer.model == "claude-sonnet-4-5"
    [choice] = answer.choices
    assert (choice.index, choice.finish_reason, choice.logprobs) == (0, "stop", None)
    assert choice.message.to_dict() == {"role": "assistant", "content": "Four.", "refusal": None}
    usage = answer.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (23, 3, 26)
    assert usage.prompt_tokens_details.cached_tokens == 0
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "2 + 2?")]
    assert "Be brief." in sent.system_text()
    assert sent.body["max_tokens"] == 100
    row = logged("req_chat_json")
    assert (row.endpoint, row.status, row.stream, row.model, row.error_type) == ("/v1/chat/completions", 200, False, "claude-sonnet-4-5", "")


def test_it_streams_a_chat_completion_with_usage(proxy, upstream):
    upstream.enqueue(replies.text("Streamed words.", chunks=3, input_tokens=31, output_tokens=6))

    chunks = _streamed(
        proxy, "req_chat_stream", stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Stream a greeting"}],
    )  # fmt: skip

    assert chunks[0].choices[0].delta.to_dict() == {"role": "assistant", "content": ""}
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == "Streamed words."
    assert _finish_reasons(chunks) == ["stop"]
    assert chunks[-2].choices[0].delta.to_dict() == {}
    assert (chunks[-1].choices, chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == ([], 31, 6)
    assert {chunk.id for chunk in chunks} == {chunks[0].id} and chunks[0].id.startswith("chatcmpl-")
    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Stream a greeting")]
    row = logged("req_chat_stream")
    assert (row.endpoint, row.status, row.stream, row.error_type) == ("/v1/chat/completions", 200, True, "")


def test_it_frames_chunks_as_data_lines_ending_with_done(proxy, upstream):
    upstream.enqueue(replies.text("Hi.", chunks=1))
    body = {"model": "claude-haiku-4-5", "stream": True, "messages": [{"role": "user", "content": "Hello"}]}

    response = httpx.post(f"{proxy.url}/chat/completions", json=body, timeout=60)

    assert response.headers["content-type"] == "text/event-stream"
    frames = response.text.split("\n\n")
    assert frames[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(frame.removeprefix("data: ")) for frame in frames[:-2]]
    created, completion_id = chunks[0]["created"], chunks[0]["id"]
    base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": "claude-haiku-4-5"}
    assert chunks == [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "Hi."}, "logprobs": None, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]},
    ]
    assert response.headers["x-claude-session-id"] == upstream.message_requests()[0].headers["X-Claude-Code-Session-Id"]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_returns_a_tool_call_and_sends_its_result_to_the_model(proxy, upstream, stream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_read1"),
        replies.text("The notes say: buy milk."),
    )
    question = {"role": "user", "content": "What do my notes say?"}
    fields = {"tools": [READ, GLOB], "headers": {"session-id": f"chat-tools-{stream}"}}

    if stream:
        chunks = _streamed(proxy, f"req_chat_tool1_{stream}", messages=[question], **fields)
        first, finish = _assembled(chunks), _finish_reasons(chunks)
    else:
        choice = _create(proxy, f"req_chat_tool1_{stream}", messages=[question], **fields).choices[0]
        first, finish = choice.message.to_dict(), [choice.finish_reason]

    call = {"id": "toolu_read1", "type": "function", "function": {"name": "read", "arguments": '{"path": "notes.txt"}'}}
    assert (first["content"], first["tool_calls"], finish) == ("Let me check.", [call], ["tool_calls"])
    assert len(upstream.message_requests()) == 1

    result = {"role": "tool", "tool_call_id": "toolu_read1", "content": "buy milk"}
    second = _create(proxy, f"req_chat_tool2_{stream}", messages=[question, first, result], **fields)

    assert second.choices[0].message.content == "The notes say: buy milk."
    assert second.choices[0].finish_reason == "stop"
    sent = upstream.message_requests()
    assert len(sent) == 2  # the live CLI's waiting call got the result: one upstream call
    assert sent[1].tool_results() == [("toolu_read1", "buy milk", False)]
    assert [tool["name"] for tool in sent[0].body["tools"]] == ["mcp__client__glob", "mcp__client__read"]
    assert logged(f"req_chat_tool1_{stream}").tool_calls == [{"id": "toolu_read1", "name": "read"}]
    assert logged(f"req_chat_tool2_{stream}").tool_results == [{"tool_use_id": "toolu_read1", "is_error": False}]
    assert Conversation.objects.get(key=f"chat-tools-{stream}").key_kind == "header"


def test_it_round_trips_parallel_calls_answered_in_another_order(proxy, upstream):
    upstream.enqueue(
        replies.tool_calls(
            ("mcp__client__read", {"path": "a.txt"}, "toolu_a"), ("mcp__client__glob", {"pattern": "*.py"}, "toolu_b")
        ),
        replies.text("Done reading."),
    )
    question = {"role": "user", "content": "Look around."}
    fields = {"tools": [READ, GLOB], "prompt_cache_key": "chat-parallel"}

    chunks = _streamed(proxy, "req_chat_parallel1", messages=[question], **fields)
    first = _assembled(chunks)

    assert [(call["id"], call["function"]["name"], json.loads(call["function"]["arguments"])) for call in first["tool_calls"]] == [
        ("toolu_a", "read", {"path": "a.txt"}),
        ("toolu_b", "glob", {"pattern": "*.py"}),
    ]
    results = [
        {"role": "tool", "tool_call_id": "toolu_b", "content": "no such pattern"},
        {"role": "tool", "tool_call_id": "toolu_a", "content": [{"type": "text", "text": "alpha"}]},
    ]
    second = _create(proxy, "req_chat_parallel2", messages=[question, first, *results], **fields)

    assert second.choices[0].message.content == "Done reading."
    sent = upstream.message_requests()
    assert len(sent) == 2
    assert sent[1].tool_results() == [("toolu_a", "alpha", False), ("toolu_b", "no such pattern", False)]
    assert Conversation.objects.get(key="chat-parallel").key_kind == "header"


def test_it_refuses_bad_tool_call_arguments_naming_the_field(proxy, upstream):
    messages = [
        {"role": "user", "content": "Read it."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "read", "arguments": "{nope"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "text"},
    ]

    with pytest.raises(openai.BadRequestError) as refused:
        _create(proxy, "req_chat_bad_args", messages=messages, tools=[READ])

    error = refused.value.body
    assert error["message"].startswith("messages.1.tool_calls.0.function.arguments: not valid JSON")
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "messages.1.tool_calls.0.function.arguments", None)
    assert upstream.message_requests() == []
    row = logged("req_chat_bad_args")
    assert (row.status, row.error_type, row.error_message) == (400, "invalid_request_error", error["message"])


def test_it_refuses_more_than_one_choice(proxy, upstream):
    with pytest.raises(openai.BadRequestError) as refused:
        _create(proxy, "req_chat_n", n=2, messages=[{"role": "user", "content": "Twice?"}])

    assert refused.value.body == {
        "message": "n: only 1 choice can be generated, not 2", "type": "invalid_request_error", "param": "n", "code": None,
    }  # fmt: skip
    assert logged("req_chat_n").status == 400
    assert upstream.message_requests() == []


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_gives_the_client_a_rate_limit_error(proxy, upstream, stream):
    upstream.enqueue(replies.error(429, "usage limit"))

    with pytest.raises(openai.RateLimitError) as caught:
        answer = _create(proxy, f"req_chat_429_{stream}", stream=stream, messages=[{"role": "user", "content": "Hi"}])
        list(answer) if stream else answer

    assert caught.value.status_code == 429
    error = caught.value.body
    assert (error["type"], error["code"], error["param"]) == ("requests", "rate_limit_exceeded", None)
    assert "usage limit" in error["message"]
    assert len(upstream.message_requests()) == 1
    row = logged(f"req_chat_429_{stream}")
    assert (row.status, row.error_type, row.error_message) == (429, "rate_limit_error", error["message"])


def test_it_ends_a_stream_that_fails_midway_with_an_error_chunk(proxy, upstream):
    upstream.enqueue(replies.cut("This answer is cut off mid", delay=0.05), replies.error(500))
    received = []

    with pytest.raises(openai.APIError) as caught:
        for chunk in _create(proxy, "req_chat_midway", stream=True, messages=[{"role": "user", "content": "Go on"}]):
            received.append(chunk)

    assert received[0].choices[0].delta.role == "assistant"
    assert _finish_reasons(received) == []
    assert caught.value.body["type"] == "server_error"
    assert caught.value.message == caught.value.body["message"]
    row = logged("req_chat_midway")
    assert (row.status, row.error_type, row.error_message) == (502, "api_error", caught.value.body["message"])
