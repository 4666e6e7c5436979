"""Subagents: a wrong agent name in a task call is mended to the nearest one the
client's task tool lists, before the client sees the call (the seed's cases)."""

import json
from pathlib import Path

import anthropic
import pytest

from messages_api.claude.agents import SubagentCalls, agent_names, nearest_agent
from messages_api.schemas import MessagesRequest
from messages_api.event_filter import EventFilter
from tests.upstream import replies

VALID = ["build", "plan", "general", "explore", "sisyphus-junior", "oracle", "librarian", "multimodal-looker", "metis", "momus"]
CAPTURED = Path(__file__).parent / "fixtures" / "opencode-1.18.33" / "captured_request.json"


@pytest.mark.parametrize(
    ("asked", "meant"),
    [
        ("explore", "explore"),
        ("oracle", "oracle"),
        ("build", "build"),
        ("Explore", "explore"),
        ("Oracle", "oracle"),
        ("LIBRARIAN", "librarian"),
        ("Sisyphus-Junior", "sisyphus-junior"),
        ("general-purpose", "general"),
        ("General-Purpose", "general"),
        ("code-reviewer", "oracle"),
        ("reviewer", "oracle"),
        ("lib", "librarian"),
        ("multi", "multimodal-looker"),
        ("sisyphus", "sisyphus-junior"),
        ("looker", "multimodal-looker"),
        ("junior", "sisyphus-junior"),
        ("explore-agent", "explore"),
        ("oracle-agent", "oracle"),
        ("build-agent", "build"),
        ("nonexistent", "nonexistent"),
        ("FooBar", "foobar"),
        ("search", "explore"),
        ("research", "librarian"),
        ("consult", "oracle"),
        ("", ""),
    ],
)
def test_it_finds_the_agent_a_name_means(asked, meant):
    assert nearest_agent(asked, VALID) == meant


def test_it_lowercases_a_name_when_there_are_no_agents():
    assert nearest_agent("Explore", []) == "explore"


def test_it_reads_the_agent_names_from_opencodes_task_tool():
    task = next(tool for tool in json.loads(CAPTURED.read_text())["tools"] if tool["name"] == "task")

    assert agent_names(task["description"]) == ["explore", "general"]


def _calls(description="Available agent types and the tools they have access to:\n- explore: Finds.\n- general: Does.\n"):
    tools = [{"name": "task", "description": description, "input_schema": {"type": "object"}}]
    return SubagentCalls(MessagesRequest.model_validate({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": tools}).tools)


def test_it_mends_only_the_agent_name_of_a_task_call():
    calls = _calls()

    assert calls.mend({"description": "d", "prompt": "p", "subagent_type": "general-purpose"}) == {
        "description": "d",
        "prompt": "p",
        "subagent_type": "general",
    }
    assert calls.mend({"prompt": "p"}) == {"prompt": "p"}
    assert calls.system_note() == "When you call the task tool, subagent_type must be one of: explore, general."


def test_it_offers_nothing_for_a_task_tool_without_agents():
    assert not _calls("Run a task.")
    assert _calls("Run a task.").input_menders() == {}


def test_it_holds_a_task_call_back_until_its_input_is_whole_then_mends_it():
    event_filter = EventFilter("m", tool_routing=lambda name: name, input_menders=_calls().input_menders())
    start = {"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "t", "name": "task", "input": {}}}

    seen = []
    for event in [
        start,
        {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": '{"subagent_type": "Expl'}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": 'ore-agent"}'}},
        {"type": "content_block_stop", "index": 0},
    ]:
        seen += event_filter.feed(event)

    assert seen == [
        start,
        {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": '{"subagent_type": "explore"}'}},
        {"type": "content_block_stop", "index": 0},
    ]


def test_it_mends_claudes_task_call_before_opencode_sees_it(proxy, upstream):
    captured = json.loads(CAPTURED.read_text())
    upstream.enqueue(
        replies.tool_use(
            "mcp__client__task",
            {"description": "Look around", "prompt": "Find the tests", "subagent_type": "general-purpose"},
            tool_id="toolu_task",
        )
    )
    client = anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)

    with client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=100, system=captured["system"], tools=captured["tools"],
        messages=[{"role": "user", "content": "Find the tests with a subagent"}],
    ) as stream:  # fmt: skip
        message = stream.get_final_message()

    [call] = [block for block in message.content if block.type == "tool_use"]
    assert (call.id, call.name, call.input["subagent_type"]) == ("toolu_task", "task", "general")
    [sent] = upstream.message_requests()
    assert sent.system_text().endswith("When you call the task tool, subagent_type must be one of: explore, general.")
