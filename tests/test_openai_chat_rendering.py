"""The engine's answers in OpenAI Chat Completions shapes, as data: finish reasons, usage,
a whole completion, the chunk sequences of a text and a tool-call answer (errors: test_openai_errors)."""

import pytest

from messages_api.wire.openai_chat_render import Chunks, completion, finish_reason, usage
from tests.upstream import replies


def _text(text):
    return {"type": "text", "text": text}


@pytest.mark.parametrize(
    ("stop_reason", "expected"),
    [("end_turn", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"), ("stop_sequence", "stop"), ("refusal", "content_filter"), (None, "stop")],
)
def test_it_maps_stop_reasons_to_finish_reasons(stop_reason, expected):
    assert finish_reason(stop_reason) == expected


def test_it_counts_every_input_token_as_a_prompt_token():
    anthropic = {"input_tokens": 5, "output_tokens": 7, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20}

    assert usage(anthropic) == {"prompt_tokens": 125, "completion_tokens": 7, "total_tokens": 132, "prompt_tokens_details": {"cached_tokens": 100}}


def test_it_renders_a_whole_message_as_a_chat_completion():
    message = replies.tool_calls(("read", {"path": "a"}, "toolu_1"), preamble="Let me look.").as_message()

    rendered = completion(message, "gpt-4o", created=1700000000)

    assert rendered == {
        "id": f"chatcmpl-{message['id'].removeprefix('msg_')}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Let me look.",
                "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "read", "arguments": '{"path": "a"}'}}],
                "refusal": None,
            },
            "finish_reason": "tool_calls",
            "logprobs": None,
        }],
        "usage": {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23, "prompt_tokens_details": {"cached_tokens": 0}},
    }  # fmt: skip


def test_it_joins_text_blocks_with_a_newline_and_gives_null_content_without_text():
    message = {"id": "msg_1", "content": [_text("One."), _text("Two.")], "stop_reason": "end_turn", "usage": {}}
    calls_only = {"id": "msg_2", "content": [{"type": "tool_use", "id": "t", "name": "n", "input": {}}], "stop_reason": "tool_use"}

    assert completion(message, "m")["choices"][0]["message"]["content"] == "One.\nTwo."
    assert completion(calls_only, "m")["choices"][0]["message"]["content"] is None


def _fed(events, **options):
    chunks = Chunks("gpt-4o", created=1700000000, **options)
    return [chunk for event in events for chunk in chunks.feed(event)]


def _choice(delta, finish=None):
    return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]


def test_it_streams_a_text_answer_as_chunks():
    events = replies.text("Hello there", chunks=2, input_tokens=9, output_tokens=4).events

    chunks = _fed(events, include_usage=True)

    base = {"id": f"chatcmpl-{events[0]['message']['id'].removeprefix('msg_')}", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o"}
    assert chunks == [
        {**base, "choices": _choice({"role": "assistant", "content": ""}), "usage": None},
        {**base, "choices": _choice({"content": "Hello "}), "usage": None},
        {**base, "choices": _choice({"content": "there"}), "usage": None},
        {**base, "choices": _choice({}, "stop"), "usage": None},
        {**base, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13, "prompt_tokens_details": {"cached_tokens": 0}}},
    ]  # fmt: skip


def test_it_streams_tool_calls_by_their_index_among_the_calls():
    events = replies.tool_calls(("read", {"path": "a"}, "toolu_1"), ("glob", {"p": "*"}, "toolu_2"), preamble="Looking.").events

    deltas = [(chunk["choices"][0]["delta"], chunk["choices"][0]["finish_reason"]) for chunk in _fed(events)]

    assert deltas == [
        ({"role": "assistant", "content": ""}, None),
        ({"content": "Looking."}, None),
        ({"tool_calls": [{"index": 0, "id": "toolu_1", "type": "function", "function": {"name": "read", "arguments": ""}}]}, None),
        ({"tool_calls": [{"index": 0, "function": {"arguments": '{"path'}}]}, None),
        ({"tool_calls": [{"index": 0, "function": {"arguments": '": "a"}'}}]}, None),
        ({"tool_calls": [{"index": 1, "id": "toolu_2", "type": "function", "function": {"name": "glob", "arguments": ""}}]}, None),
        ({"tool_calls": [{"index": 1, "function": {"arguments": '{"p":'}}]}, None),
        ({"tool_calls": [{"index": 1, "function": {"arguments": ' "*"}'}}]}, None),
        ({}, "tool_calls"),
    ]  # fmt: skip
