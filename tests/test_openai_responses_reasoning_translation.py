"""Reasoning items as data: what a Responses request asks to see of Claude's thinking,
thinking blocks as reasoning items and their events (the openai client's own types),
and a reasoning item sent back as the thinking block it came from."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from messages_api.errors import ApiError
from messages_api.wire.responses_events import ResponseEvents, response_shell
from messages_api.wire.responses_input import NameTable, translate
from messages_api.wire.responses_reasoning import SEALED, THINKING, ReasoningOutput, Opener, asked, sealed

STREAM_EVENT = TypeAdapter(ResponseStreamEvent)
SUMMARY_AND_SEALED = {"reasoning": {"summary": "auto"}, "include": ["reasoning.encrypted_content"]}
THOUGHT = {"type": "thinking", "thinking": "Six times seven.", "signature": "c2ln"}
REDACTED = {"type": "redacted_thinking", "data": "EmwKAhgBEgy"}


# --- what a request asks for -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "output"),
    [
        ({}, ReasoningOutput()),
        ({"reasoning": {"effort": "high"}}, ReasoningOutput()),
        ({"reasoning": {"summary": None}}, ReasoningOutput()),
        ({"reasoning": {"summary": "none"}}, ReasoningOutput()),
        ({"reasoning": {"summary": "auto"}}, ReasoningOutput(summary=True)),
        ({"reasoning": {"summary": "concise"}}, ReasoningOutput(summary=True)),
        ({"reasoning": {"summary": "detailed"}}, ReasoningOutput(summary=True)),
        ({"include": ["reasoning.encrypted_content"]}, ReasoningOutput(encrypted=True)),
        ({"include": ["message.output_text.logprobs"]}, ReasoningOutput()),
        (SUMMARY_AND_SEALED, ReasoningOutput(summary=True, encrypted=True)),  # Codex
    ],
)
def test_it_shows_thinking_only_when_the_request_asks_for_reasoning_output(fields, output):
    body = {"model": "gpt-5", "input": "Hi", **fields}

    thinking = translate(body).params.thinking  # the engine's: shown thinking, as on /v1/messages
    assert asked(body) == output
    assert (thinking and thinking.model_dump(exclude_none=True), bool(thinking and thinking.shown)) == (
        (THINKING, True) if output else (None, False)
    )


def test_it_refuses_a_summary_the_api_does_not_define():
    with pytest.raises(ApiError) as raised:
        translate({"model": "gpt-5", "input": "Hi", "reasoning": {"summary": "brief"}})

    error = raised.value
    assert (error.status, error.param) == (400, "reasoning.summary")
    assert error.message == "reasoning.summary: expected one of auto, concise, detailed, none, got 'brief'"


# --- thinking blocks -> reasoning items and their events --------------------------------


def start(index, block):
    empty = {"type": "thinking", "thinking": "", "signature": ""} if block["type"] == "thinking" else block
    return {"type": "content_block_start", "index": index, "content_block": empty}


def thinking_block(index, block, *chunks):
    yield start(index, block)
    for chunk in chunks:
        yield {"type": "content_block_delta", "index": index, "delta": {"type": "thinking_delta", "thinking": chunk}}
    if block.get("signature"):
        yield {"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": block["signature"]}}
    yield {"type": "content_block_stop", "index": index}


def text_block(index, text):
    yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
    yield {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}
    yield {"type": "content_block_stop", "index": index}


ENDING = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}},
    {"type": "message_stop"},
]


def play(anthropic_events, **body):
    body = {"model": "gpt-5", "input": "Hi", **body}
    events = ResponseEvents(response_shell(body, response_id="resp_1", created_at=1700000000), NameTable(), asked(body))
    out = events.start()
    for event in [{"type": "message_start", "message": {"id": "msg_up", "usage": {"input_tokens": 3}}}, *anthropic_events]:
        out += events.feed(event)
    for event in out:
        STREAM_EVENT.validate_python(event)  # the openai client's own types, strictly
    if events.ended:
        Response.model_validate(out[-1]["response"])
    return events, out


def brief(event):
    return {key: value for key, value in event.items() if key not in ("response", "type")}


def test_it_streams_a_thinking_block_as_a_reasoning_item_with_its_summary():
    _, out = play([*thinking_block(0, THOUGHT, "Six times", " seven."), *text_block(1, "42"), *ENDING], **SUMMARY_AND_SEALED)

    part = {"type": "summary_text", "text": "Six times seven."}
    item = {"id": "rs_1_0", "type": "reasoning", "summary": [part], "encrypted_content": sealed(THOUGHT)}
    where = {"item_id": "rs_1_0", "output_index": 0, "summary_index": 0}
    assert [(event["type"], brief(event)) for event in out[2:10]] == [
        ("response.output_item.added", {"sequence_number": 2, "output_index": 0, "item": {"id": "rs_1_0", "type": "reasoning", "summary": []}}),
        ("response.reasoning_summary_part.added", {"sequence_number": 3, **where, "part": {"type": "summary_text", "text": ""}}),
        ("response.reasoning_summary_text.delta", {"sequence_number": 4, **where, "delta": "Six times"}),
        ("response.reasoning_summary_text.delta", {"sequence_number": 5, **where, "delta": " seven."}),
        ("response.reasoning_summary_text.done", {"sequence_number": 6, **where, "text": "Six times seven."}),
        ("response.reasoning_summary_part.done", {"sequence_number": 7, **where, "part": part}),
        ("response.output_item.done", {"sequence_number": 8, "output_index": 0, "item": item}),
        ("response.output_item.added", {"sequence_number": 9, "output_index": 1, "item": {
            "id": "msg_1_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
    ]  # fmt: skip
    assert out[-1]["response"]["output"][0] == item
    assert out[-1]["response"]["usage"]["output_tokens_details"] == {"reasoning_tokens": 0}


@pytest.mark.parametrize(
    ("fields", "summary", "shown_sealed"),
    [
        ({"reasoning": {"summary": "auto"}}, [{"type": "summary_text", "text": "Six times seven."}], False),
        ({"include": ["reasoning.encrypted_content"]}, [], True),
    ],
    ids=["summary-only", "encrypted-only"],
)
def test_it_shows_what_was_asked_for_and_keeps_the_block_sealed_either_way(fields, summary, shown_sealed):
    events, out = play([*thinking_block(0, THOUGHT, "Six times seven."), *text_block(1, "42"), *ENDING], **fields)

    [item] = [event["item"] for event in out if event["type"] == "response.output_item.done" and event["output_index"] == 0]
    assert item["summary"] == summary
    assert ("encrypted_content" in item) is shown_sealed
    if not summary:
        assert [event["type"] for event in out[2:4]] == ["response.output_item.added", "response.output_item.done"]
    assert events.kept_output[0] == {"id": "rs_1_0", "type": "reasoning", "summary": summary, "encrypted_content": sealed(THOUGHT)}
    assert events.kept_output[1] == events.response["output"][1]


def test_it_shows_no_thinking_when_none_was_asked_for():
    events, out = play([*thinking_block(0, THOUGHT, "Six times seven."), *text_block(1, "42"), *ENDING])

    assert [item["type"] for item in events.response["output"]] == ["message"]
    assert {event.get("output_index") for event in out} == {None, 0}
    assert events.kept_output == events.response["output"]


@pytest.mark.parametrize(
    ("block", "chunks"),
    [(REDACTED, ()), ({"type": "thinking", "thinking": "", "signature": "b21pdHRlZA=="}, ())],
    ids=["redacted", "text-omitted"],
)
def test_it_gives_thinking_without_text_as_an_item_without_summary(block, chunks):
    events, out = play([*thinking_block(0, block, *chunks), *text_block(1, "42"), *ENDING], **SUMMARY_AND_SEALED)

    assert [event["type"] for event in out[2:4]] == ["response.output_item.added", "response.output_item.done"]
    assert events.response["output"][0] == {"id": "rs_1_0", "type": "reasoning", "summary": [], "encrypted_content": sealed(block)}


def test_it_gives_each_thinking_block_its_own_item_in_output_order():
    second = {"type": "thinking", "thinking": "Then again.", "signature": "c2lnMg=="}
    anthropic = [*thinking_block(0, THOUGHT, "Six times seven."), *text_block(1, "42"), *thinking_block(2, second, "Then again."),
                 *text_block(3, "Still 42."), *ENDING]  # fmt: skip

    events, _ = play(anthropic, **SUMMARY_AND_SEALED)

    output = events.response["output"]
    assert [(item["id"], item["type"]) for item in output] == [
        ("rs_1_0", "reasoning"), ("msg_1_1", "message"), ("rs_1_2", "reasoning"), ("msg_1_3", "message")
    ]  # fmt: skip
    assert [item["encrypted_content"] for item in output if item["type"] == "reasoning"] == [sealed(THOUGHT), sealed(second)]


def test_it_fails_with_an_open_reasoning_item_as_incomplete():
    events, _ = play([start(0, THOUGHT), {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Hm"}}],
                     **SUMMARY_AND_SEALED)  # fmt: skip

    [failed] = events.fail(ApiError(502, "api_error", "broke"))

    assert failed["response"]["output"] == [
        {"id": "rs_1_0", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Hm"}], "status": "incomplete"}
    ]
    STREAM_EVENT.validate_python(failed)


# --- a reasoning item sent back -> the thinking block again ------------------------------


def user(text):
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def said(text):
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text, "annotations": []}]}


def reasoning(encrypted_content=None, **fields):
    item = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Six times seven."}], **fields}
    return {**item, "encrypted_content": encrypted_content} if encrypted_content is not None else item


CALL = {"type": "function_call", "call_id": "toolu_1", "name": "exec_command", "arguments": '{"cmd": "ls"}'}
TOOL_USE = {"type": "tool_use", "id": "toolu_1", "name": "exec_command", "input": {"cmd": "ls"}}

SENT_BACK = [
    (
        "ours, before the answer's text: the thinking block first in its message",
        [user("6*7?"), reasoning(sealed(THOUGHT), id="rs_1_0"), said("42"), user("Sure?")],
        [{"role": "user", "content": [{"type": "text", "text": "6*7?"}]},
         {"role": "assistant", "content": [THOUGHT, {"type": "text", "text": "42"}]},
         {"role": "user", "content": [{"type": "text", "text": "Sure?"}]}],
    ),
    (
        "ours without its id (Codex keeps none), before a call",
        [user("ls"), reasoning(sealed(THOUGHT)), CALL, {"type": "function_call_output", "call_id": "toolu_1", "output": "a"}],
        [{"role": "user", "content": [{"type": "text", "text": "ls"}]},
         {"role": "assistant", "content": [THOUGHT, TOOL_USE]},
         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "a"}], "is_error": False}]}],
    ),
    (
        "ours, redacted",
        [user("6*7?"), reasoning(sealed(REDACTED)), said("42"), user("Sure?")],
        [{"role": "user", "content": [{"type": "text", "text": "6*7?"}]},
         {"role": "assistant", "content": [REDACTED, {"type": "text", "text": "42"}]},
         {"role": "user", "content": [{"type": "text", "text": "Sure?"}]}],
    ),
    (
        "another model's encrypted reasoning, and a summary alone: left out",
        [user("6*7?"), reasoning("gAAAAABoZ2x1"), reasoning(id="rs_elsewhere"), said("42"), user("Sure?")],
        [{"role": "user", "content": [{"type": "text", "text": "6*7?"}]},
         {"role": "assistant", "content": [{"type": "text", "text": "42"}]},
         {"role": "user", "content": [{"type": "text", "text": "Sure?"}]}],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("items", "expected"), [case[1:] for case in SENT_BACK], ids=[case[0] for case in SENT_BACK])
def test_it_gives_claude_back_the_thinking_block_of_its_own_reasoning_item(items, expected):
    messages = translate({"model": "gpt-5", "input": items}).params.messages

    assert [message.model_dump(exclude_none=True) for message in messages] == expected


def test_it_sends_back_the_block_its_answer_came_from():
    events, _ = play([*thinking_block(0, THOUGHT, "Six times", " seven."), *text_block(1, "42"), *ENDING], **SUMMARY_AND_SEALED)

    history = [user("6*7?"), *json.loads(json.dumps(events.response["output"])), user("Sure?")]
    [_, answer, _] = translate({"model": "gpt-5", "input": history}).params.messages

    assert answer.model_dump(exclude_none=True)["content"] == [THOUGHT, {"type": "text", "text": "42"}]


@pytest.mark.parametrize(
    "content",
    [f"{SEALED}!!!", f"{SEALED}bm90IHppcA", sealed({"type": "text", "text": "not thinking"}), sealed({"type": "thinking", "thinking": 5}),
     sealed(["thinking"])],
    ids=["not-base64", "not-compressed", "not-thinking", "thinking-not-text", "not-a-block"],
)  # fmt: skip
def test_it_refuses_encrypted_content_of_its_own_it_cannot_read(content):
    with pytest.raises(ApiError) as raised:
        translate({"model": "gpt-5", "input": [user("Hi"), reasoning(content)]})

    error = raised.value
    assert (error.status, error.param) == (400, "input[1].encrypted_content")
    assert error.message == "input[1].encrypted_content: is not the encrypted_content of a reasoning item this server gave"


@given(st.text(), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="))
def test_it_opens_every_block_it_sealed(thought, signature):
    block = {"type": "thinking", "thinking": thought, "signature": signature}

    assert Opener()({"encrypted_content": sealed(block)}, "input[0]") == block
