"""Client tools: Claude calls the client's tools, and the results reach the model as
real tool results on the same live process, one upstream call per model step."""

import json

import anthropic
import pytest

from sessions_admin.models import Conversation
from tests.helpers import logged
from tests.upstream import replies
from tests.upstream.server import as_cached

READ = {
    "name": "read",
    "description": "Read a file",
    "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
}
GLOB = {
    "name": "glob",
    "description": "Find files",
    "input_schema": {"type": "object", "properties": {"pattern": {"type": "string"}}},
}
TOOLS = [READ, GLOB]


def _client(proxy):
    return anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)


def _ask(proxy, messages, stream, session):
    """One request with the client's tools; the response as a Message."""
    fields = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "tools": TOOLS,
        "messages": messages,
        "extra_headers": {"x-session-affinity": session},
    }
    client = _client(proxy)
    if stream:
        with client.messages.stream(**fields) as events:
            return events.get_final_message()
    return client.messages.create(**fields)


def _as_message(message):
    return {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in message.content]}


def _results(*results):
    return {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": tool_id, "content": text, **({"is_error": True} if error else {})}
            for tool_id, text, error in results
        ],
    }


def _assert_prefix_kept(earlier, later):
    """The later call repeats the earlier one's system, tools and messages: the cache can hit."""
    assert later.body["system"] == earlier.body["system"]
    assert later.body["tools"] == earlier.body["tools"]
    sent_before = as_cached(earlier.body["messages"])
    assert as_cached(later.body["messages"][: len(sent_before)]) == sent_before


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_returns_a_tool_call_and_sends_its_result_to_the_model(proxy, upstream, stream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_read1"),
        replies.text("The notes say: buy milk."),
    )
    question = {"role": "user", "content": "What do my notes say?"}

    first = _ask(proxy, [question], stream, session=f"tools-one-{stream}")

    assert first.stop_reason == "tool_use"
    assert [block.type for block in first.content] == ["text", "tool_use"]
    call = first.content[1]
    assert (call.id, call.name, call.input) == ("toolu_read1", "read", {"path": "notes.txt"})
    assert len(upstream.message_requests()) == 1

    second = _ask(proxy, [question, _as_message(first), _results(("toolu_read1", "buy milk", False))], stream, f"tools-one-{stream}")

    assert second.stop_reason == "end_turn"
    assert [block.text for block in second.content] == ["The notes say: buy milk."]
    assert second.id != first.id
    calls = upstream.message_requests()
    assert len(calls) == 2  # one upstream call per model step: no replay, no digest call
    assert calls[1].tool_results() == [("toolu_read1", "buy milk", False)]
    assert [tool["name"] for tool in calls[0].body["tools"]] == ["mcp__client__glob", "mcp__client__read"]
    _assert_prefix_kept(calls[0], calls[1])


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_round_trips_three_parallel_calls_by_their_ids(proxy, upstream, stream):
    upstream.enqueue(
        replies.tool_calls(
            ("mcp__client__read", {"path": "a.txt"}, "toolu_a"),
            ("mcp__client__glob", {"pattern": "*.py"}, "toolu_b"),
            ("mcp__client__read", {"path": "c.txt"}, "toolu_c"),
        ),
        replies.text("Done reading."),
    )
    question = {"role": "user", "content": "Look around."}
    session = f"tools-parallel-{stream}"

    first = _ask(proxy, [question], stream, session)

    assert first.stop_reason == "tool_use"
    calls = [(block.id, block.name, block.input) for block in first.content if block.type == "tool_use"]
    assert calls == [
        ("toolu_a", "read", {"path": "a.txt"}),
        ("toolu_b", "glob", {"pattern": "*.py"}),
        ("toolu_c", "read", {"path": "c.txt"}),
    ]

    # Results in another order than the calls: they are matched by id.
    results = _results(("toolu_c", "see", False), ("toolu_a", "alpha", False), ("toolu_b", "no such pattern", True))
    second = _ask(proxy, [question, _as_message(first), results], stream, session)

    assert [block.text for block in second.content] == ["Done reading."]
    sent = upstream.message_requests()
    assert len(sent) == 2
    assert sent[1].tool_results() == [
        ("toolu_a", "alpha", False),
        ("toolu_b", "no such pattern", True),
        ("toolu_c", "see", False),
    ]


def test_it_runs_two_tool_rounds_on_the_same_cli_turn(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__glob", {"pattern": "*.md"}, tool_id="toolu_g"),
        replies.tool_use("mcp__client__read", {"path": "README.md"}, tool_id="toolu_r"),
        replies.text("It is a proxy."),
    )
    history = [{"role": "user", "content": "What is this project?"}]

    first = _ask(proxy, history, True, "tools-two-rounds")
    history += [_as_message(first), _results(("toolu_g", "README.md", False))]
    second = _ask(proxy, history, True, "tools-two-rounds")
    history += [_as_message(second), _results(("toolu_r", "# A proxy", False))]
    third = _ask(proxy, history, True, "tools-two-rounds")

    assert [first.stop_reason, second.stop_reason, third.stop_reason] == ["tool_use", "tool_use", "end_turn"]
    assert [(b.id, b.name) for b in second.content if b.type == "tool_use"] == [("toolu_r", "read")]
    assert [block.text for block in third.content] == ["It is a proxy."]
    sent = upstream.message_requests()
    assert len(sent) == 3
    assert sent[1].tool_results() == [("toolu_g", "README.md", False)]
    assert sent[2].tool_results() == [("toolu_r", "# A proxy", False)]
    _assert_prefix_kept(sent[0], sent[1])
    _assert_prefix_kept(sent[1], sent[2])
    # One Claude session throughout, and every request answered by the same CLI turn.
    assert len({request.headers.get("X-Claude-Code-Session-Id") for request in sent}) == 1


def test_it_logs_the_calls_sent_and_the_results_received(proxy, upstream):
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "x"}, tool_id="toolu_log"), replies.text("ok"))
    question = {"role": "user", "content": "Read x."}
    client = _client(proxy)
    fields = {"model": "claude-sonnet-4-5", "max_tokens": 100, "tools": TOOLS, "extra_headers": {"x-session-id": "tools-log"}}

    first = client.messages.with_raw_response.create(messages=[question], **fields)
    waiting = Conversation.objects.get(key="tools-log")
    second = client.messages.with_raw_response.create(
        messages=[question, _as_message(first.parse()), _results(("toolu_log", "x!", True))], **fields
    )

    assert logged(first.headers["x-request-id"]).tool_calls == [{"id": "toolu_log", "name": "read"}]
    assert logged(second.headers["x-request-id"]).tool_results == [{"tool_use_id": "toolu_log", "is_error": True}]
    assert (waiting.status, waiting.pending_tool_calls) == ("awaiting_tool_result", [{"id": "toolu_log", "name": "read"}])
    assert waiting.waiting_since is not None
    done = Conversation.objects.get(key="tools-log")
    assert (done.status, done.pending_tool_calls, done.waiting_since) == ("ready", [], None)


def test_it_refuses_a_reply_that_leaves_a_call_unanswered(proxy, upstream):
    upstream.enqueue(
        replies.tool_calls(("mcp__client__read", {"path": "a"}, "toolu_1"), ("mcp__client__read", {"path": "b"}, "toolu_2")),
        replies.text("Both read."),
    )
    question = {"role": "user", "content": "Read a and b."}
    first = _ask(proxy, [question], False, "tools-missing")

    with pytest.raises(anthropic.BadRequestError) as refused:
        _ask(proxy, [question, _as_message(first), _results(("toolu_1", "A", False))], False, "tools-missing")
    answered = _ask(proxy, [question, _as_message(first), _results(("toolu_1", "A", False), ("toolu_2", "B", False))], False, "tools-missing")

    assert refused.value.status_code == 400
    assert "toolu_2" in refused.value.body["error"]["message"]
    assert refused.value.body["error"]["message"].startswith("messages.1: `tool_use` ids were found without")
    assert [block.text for block in answered.content] == ["Both read."]
    assert len(upstream.message_requests()) == 2


def test_it_offers_no_tools_when_tool_choice_is_none(proxy, upstream):
    _client(proxy).messages.create(
        model="claude-sonnet-4-5", max_tokens=100, tools=TOOLS, tool_choice={"type": "none"},
        messages=[{"role": "user", "content": "Just talk."}],
    )  # fmt: skip

    [sent] = upstream.message_requests()
    assert [tool["name"] for tool in sent.body.get("tools", [])] == []


@pytest.mark.parametrize(
    ("tool_choice", "note"),
    [
        ({"type": "any"}, "This answer must call at least one of the available tools."),
        ({"type": "tool", "name": "glob"}, "This answer must call the glob tool."),
        ({"type": "auto", "disable_parallel_tool_use": True}, "This answer may call at most one tool."),
    ],
)
def test_it_tells_the_model_what_tool_choice_asks(proxy, upstream, tool_choice, note):
    _client(proxy).messages.create(
        model="claude-sonnet-4-5", max_tokens=100, tools=TOOLS, tool_choice=tool_choice,
        messages=[{"role": "user", "content": "Find the files."}],
    )  # fmt: skip

    [sent] = upstream.message_requests()
    assert sent.user_texts()[-2:] == ["Find the files.", f"<system-reminder>{note}</system-reminder>"]
    assert [tool["name"] for tool in sent.body["tools"]] == ["mcp__client__glob", "mcp__client__read"]


def test_it_sends_text_beside_tool_results_as_the_users_own_words(proxy, upstream):
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "a"}, tool_id="toolu_beside"), replies.text("ok"))
    question = {"role": "user", "content": "Read a."}
    first = _ask(proxy, [question], False, "tools-beside")
    reply = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_beside", "content": "A!"},
            {"type": "text", "text": "Also mind the tabs."},
        ],
    }

    second = _ask(proxy, [question, _as_message(first), reply], False, "tools-beside")

    # One upstream call for the reply, its result and the words in one user message as the
    # API has them: the words outside every tool_result, not tool output.
    sent = upstream.message_requests()
    assert len(sent) == 2
    last = sent[1].body["messages"][-1]
    assert last["role"] == "user"
    kinds = [(block["type"], block.get("tool_use_id") or block.get("text")) for block in last["content"]]
    assert [kind for kind in kinds if not str(kind[1]).startswith("<system-reminder>")] == [
        ("tool_result", "toolu_beside"), ("text", "Also mind the tabs.")
    ]  # fmt: skip
    [result] = [block for block in last["content"] if block["type"] == "tool_result"]
    assert "Also mind the tabs." not in json.dumps(result)
    assert [block["id"] for block in sent[1].body["messages"][-2]["content"] if block["type"] == "tool_use"] == ["toolu_beside"]
    assert [block.text for block in second.content] == ["ok"]


def test_it_keeps_a_client_tool_name_that_starts_with_mcp(proxy, upstream):
    upstream.enqueue(replies.tool_use("mcp__client__mcp__files__read", {"path": "a"}, tool_id="toolu_mcp"))
    tools = [{"name": "mcp__files__read", "description": "Read", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}]

    message = _client(proxy).messages.create(
        model="claude-sonnet-4-5", max_tokens=100, tools=tools, messages=[{"role": "user", "content": "Read a."}],
    )  # fmt: skip

    [call] = [block for block in message.content if block.type == "tool_use"]
    assert (call.id, call.name, call.input) == ("toolu_mcp", "mcp__files__read", {"path": "a"})
    [sent] = upstream.message_requests()
    assert [tool["name"] for tool in sent.body["tools"]] == ["mcp__client__mcp__files__read"]
