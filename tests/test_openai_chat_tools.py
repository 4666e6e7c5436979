"""Tool rounds over /v1/chat/completions: the client gets tool_calls with the ids the model
chose, and its `tool` messages resolve those calls on the live CLI, one upstream call per step."""

import json

import pytest

from sessions_admin.models import Conversation
from tests.helpers import logged
from tests.openai_helpers import GLOB, READ, assembled, create, finish_reasons, streamed
from tests.upstream import replies


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_returns_a_tool_call_and_sends_its_result_to_the_model(proxy, upstream, stream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_read1"),
        replies.text("The notes say: buy milk."),
    )
    question = {"role": "user", "content": "What do my notes say?"}
    fields = {"tools": [READ, GLOB], "headers": {"session-id": f"chat-tools-{stream}"}}

    if stream:
        chunks = streamed(proxy, f"req_chat_tool1_{stream}", messages=[question], **fields)
        first, finish = assembled(chunks), finish_reasons(chunks)
    else:
        choice = create(proxy, f"req_chat_tool1_{stream}", messages=[question], **fields).choices[0]
        first, finish = choice.message.to_dict(), [choice.finish_reason]

    call = {"id": "toolu_read1", "type": "function", "function": {"name": "read", "arguments": '{"path": "notes.txt"}'}}
    assert (first["content"], first["tool_calls"], finish) == ("Let me check.", [call], ["tool_calls"])
    assert len(upstream.message_requests()) == 1

    result = {"role": "tool", "tool_call_id": "toolu_read1", "content": "buy milk"}
    second = create(proxy, f"req_chat_tool2_{stream}", messages=[question, first, result], **fields)

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

    chunks = streamed(proxy, "req_chat_parallel1", messages=[question], **fields)
    first = assembled(chunks)

    assert [(call["id"], call["function"]["name"], json.loads(call["function"]["arguments"])) for call in first["tool_calls"]] == [
        ("toolu_a", "read", {"path": "a.txt"}),
        ("toolu_b", "glob", {"pattern": "*.py"}),
    ]
    results = [
        {"role": "tool", "tool_call_id": "toolu_b", "content": "no such pattern"},
        {"role": "tool", "tool_call_id": "toolu_a", "content": [{"type": "text", "text": "alpha"}]},
    ]
    second = create(proxy, "req_chat_parallel2", messages=[question, first, *results], **fields)

    assert second.choices[0].message.content == "Done reading."
    sent = upstream.message_requests()
    assert len(sent) == 2
    assert sent[1].tool_results() == [("toolu_a", "alpha", False), ("toolu_b", "no such pattern", False)]
    assert Conversation.objects.get(key="chat-parallel").key_kind == "header"
