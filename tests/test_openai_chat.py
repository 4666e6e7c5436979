"""POST /v1/chat/completions: the official `openai` client on the real proxy, streamed and
not, with tool rounds resolved on the live CLI, and errors in OpenAI's envelope."""

import json

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion

from tests.helpers import logged
from tests.openai_helpers import READ, client, create, finish_reasons, streamed
from tests.upstream import replies

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_it_answers_a_chat_completion(proxy, upstream):
    upstream.enqueue(replies.text("Four.", input_tokens=23, output_tokens=3))

    answer = create(
        proxy, "req_chat_json", max_tokens=100, temperature=0.2, seed=7, user="someone", reasoning_effort="minimal",
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
    assert (sent.body["max_tokens"], sent.body["output_config"]["effort"]) == (100, "low")
    assert "temperature" not in sent.body
    row = logged("req_chat_json")
    assert (row.endpoint, row.status, row.stream, row.model, row.error_type) == ("/v1/chat/completions", 200, False, "claude-sonnet-4-5", "")


def test_it_streams_a_chat_completion_with_usage(proxy, upstream):
    upstream.enqueue(replies.text("Streamed words.", chunks=3, input_tokens=31, output_tokens=6))

    chunks = streamed(
        proxy, "req_chat_stream", stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Stream a greeting"}],
    )  # fmt: skip

    assert chunks[0].choices[0].delta.to_dict() == {"role": "assistant", "content": ""}
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == "Streamed words."
    assert finish_reasons(chunks) == ["stop"]
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


def test_it_continues_the_conversation_on_its_live_cli(proxy, upstream):
    upstream.enqueue(replies.text("Paris."), replies.text("About two million."))
    question = {"role": "user", "content": "Capital of France, asked over chat?"}

    first = create(proxy, "req_chat_turn1", messages=[question])
    follow_up = [question, first.choices[0].message.to_dict(), {"role": "user", "content": "How many live there?"}]
    second = create(proxy, "req_chat_turn2", messages=follow_up)

    assert second.choices[0].message.content == "About two million."
    sent = upstream.message_requests()
    assert sent[1].history() == [("user", "Capital of France, asked over chat?"), ("assistant", "Paris."), ("user", "How many live there?")]
    assert sent[0].headers["X-Claude-Code-Session-Id"] == sent[1].headers["X-Claude-Code-Session-Id"]
    assert [logged("req_chat_turn1").lineage, logged("req_chat_turn2").lineage] == ["new", "continuation"]


def test_it_sends_an_image_part_to_the_model_as_an_image_block(proxy, upstream):
    parts = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]

    create(proxy, "req_chat_image", messages=[{"role": "user", "content": parts}])

    [sent] = upstream.message_requests()
    first = sent.body["messages"][0]["content"]
    assert {"type": "text", "text": "What is this?"} in first
    assert [block for block in first if block["type"] == "image"] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    ]


def test_it_wants_the_api_key_when_one_is_set(start_proxy, upstream):
    guarded = start_proxy(CLAUDE_PROXY_API_KEY="s3cret")
    body = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}]}

    refused = httpx.post(f"{guarded.url}/chat/completions", json=body, timeout=30)
    with pytest.raises(openai.AuthenticationError):
        client(guarded).chat.completions.create(**body)
    answer = openai.OpenAI(base_url=f"{guarded.url}/v1", api_key="s3cret", max_retries=0).chat.completions.create(**body)

    assert refused.status_code == 401
    assert logged(refused.headers["x-request-id"]).status == 401
    assert answer.choices[0].message.content == "Hello from the fake upstream."
    assert len(upstream.message_requests()) == 1


def test_it_refuses_bad_tool_call_arguments_naming_the_field(proxy, upstream):
    messages = [
        {"role": "user", "content": "Read it."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "read", "arguments": "{nope"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "text"},
    ]

    with pytest.raises(openai.BadRequestError) as refused:
        create(proxy, "req_chat_bad_args", messages=messages, tools=[READ])

    error = refused.value.body
    assert error["message"].startswith("messages.1.tool_calls.0.function.arguments: is not valid JSON")
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "messages.1.tool_calls.0.function.arguments", None)
    assert upstream.message_requests() == []
    row = logged("req_chat_bad_args")
    assert (row.status, row.error_type, row.error_message) == (400, "invalid_request_error", error["message"])


def test_it_refuses_more_than_one_choice(proxy, upstream):
    with pytest.raises(openai.BadRequestError) as refused:
        create(proxy, "req_chat_n", n=2, messages=[{"role": "user", "content": "Twice?"}])

    assert refused.value.body == {
        "message": "n: only 1 choice can be generated, not 2", "type": "invalid_request_error", "param": "n", "code": None,
    }  # fmt: skip
    assert logged("req_chat_n").status == 400
    assert upstream.message_requests() == []


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_gives_the_client_a_rate_limit_error(proxy, upstream, stream):
    upstream.enqueue(replies.error(429, "usage limit"))

    with pytest.raises(openai.RateLimitError) as caught:
        answer = create(proxy, f"req_chat_429_{stream}", stream=stream, messages=[{"role": "user", "content": "Hi"}])
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
        for chunk in create(proxy, "req_chat_midway", stream=True, messages=[{"role": "user", "content": "Go on"}]):
            received.append(chunk)

    assert received[0].choices[0].delta.role == "assistant"
    assert finish_reasons(received) == []
    assert caught.value.body["type"] == "server_error"
    assert caught.value.message == caught.value.body["message"]
    row = logged("req_chat_midway")
    assert (row.status, row.error_type, row.error_message) == (502, "api_error", caught.value.body["message"])


def test_it_takes_only_post(proxy, upstream):
    response = httpx.get(f"{proxy.url}/v1/chat/completions", timeout=30)

    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert response.json() == {
        "error": {"message": "Method GET not allowed; use POST", "type": "invalid_request_error", "param": None, "code": None}
    }
    assert logged(response.headers["x-request-id"]).status == 405

