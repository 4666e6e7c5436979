"""Claude's thinking on /v1/responses: reasoning items when the request asks for them
(Codex does: `reasoning.summary` and `include: ["reasoning.encrypted_content"]`), in the
openai client's own types, and sent back as Claude's thinking block, so the live CLI
goes on with the conversation it holds."""

import json

import httpx
import openai
import pytest

from messages_api.wire.responses_reasoning import SEALED
from sessions_admin.lineage import message_hash
from sessions_admin.models import Conversation, StoredResponse
from tests.helpers import logged, sse_events
from tests.openai_helpers import EXEC_COMMAND, client
from tests.upstream import replies

pytestmark = pytest.mark.usefixtures("stored_responses")  # tests/conftest.py

# What Codex CLI 0.169.0 asks for (tests/fixtures/codex-0.169.0/).
CODEX_REASONING = {"reasoning": {"effort": "medium", "summary": "auto"}, "include": ["reasoning.encrypted_content"]}
SUMMARY_EVENTS = [
    "response.output_item.added",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_summary_part.done",
    "response.output_item.done",
]


def _create(proxy, stream=False, **fields):
    """(the Response, its events or None, the request's log row), through the official client."""
    raw = client(proxy).responses.with_raw_response.create(model="gpt-5", stream=stream, **fields)
    if stream:
        events = list(raw.parse())
        return events[-1].response, events, logged(raw.headers["x-request-id"])
    return raw.parse(), None, logged(raw.headers["x-request-id"])


def _as_codex_echoes(response):
    """The output as Codex sends it back: a reasoning item without its id (Codex keeps
    none), the others as they came."""
    items = [item.model_dump(exclude_none=True) for item in response.output]
    return [{k: v for k, v in item.items() if k != "id"} if item["type"] == "reasoning" else item for item in items]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_gives_claudes_thinking_as_a_reasoning_item_when_asked(proxy, upstream, stream):
    upstream.enqueue(replies.thinking_then_text("Six times seven.", "42"))

    response, events, row = _create(proxy, stream=stream, input="6*7?", **CODEX_REASONING)

    reasoning, message = response.output
    assert type(reasoning).__name__ == "ResponseReasoningItem"
    assert (reasoning.type, reasoning.id) == ("reasoning", f"rs_{response.id[5:]}_0")
    assert [(part.type, part.text) for part in reasoning.summary] == [("summary_text", "Six times seven.")]
    assert reasoning.encrypted_content.startswith(SEALED)
    assert (message.type, response.output_text) == ("message", "42")
    assert response.usage.output_tokens_details.reasoning_tokens == 0  # Anthropic's usage does not say
    if stream:
        assert [event.type for event in events[2:8]] == SUMMARY_EVENTS
        assert [event.sequence_number for event in events] == list(range(len(events)))
        assert {event.output_index for event in events[2:8]} == {0}
        assert {event.output_index for event in events[8:-1]} == {1}
        assert [event.delta for event in events if event.type == "response.reasoning_summary_text.delta"] == ["Six times seven."]
        assert events[7].item.encrypted_content == reasoning.encrypted_content
    [sent] = upstream.message_requests()
    assert sent.body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert sent.body["output_config"] == {"effort": "medium"}
    assert (row.status, row.stream) == (200, stream)


@pytest.mark.parametrize(
    "fields",
    [{}, {"reasoning": {"effort": "low"}}, {"reasoning": {"summary": "none"}, "include": ["message.output_text.logprobs"]}],
    ids=["nothing", "effort-only", "summary-none"],
)
def test_it_shows_no_thinking_to_a_request_that_did_not_ask(proxy, upstream, fields):
    upstream.enqueue(replies.thinking_then_text("Hidden.", "Visible."))

    response, _, row = _create(proxy, input="No reasoning, please.", **fields)

    assert [item.type for item in response.output] == ["message"]
    assert response.output_text == "Visible."
    [sent] = upstream.message_requests()
    assert sent.body["thinking"] != {"type": "adaptive", "display": "summarized"}
    assert row.status == 200


def test_it_gives_only_the_encrypted_content_when_no_summary_is_asked(proxy, upstream):
    upstream.enqueue(replies.thinking_then_text("Quietly.", "Done."))

    response, events, _ = _create(proxy, stream=True, input="Go", include=["reasoning.encrypted_content"])

    assert [event.type for event in events[2:4]] == ["response.output_item.added", "response.output_item.done"]
    reasoning = events[3].item
    assert (reasoning.summary, reasoning.encrypted_content.startswith(SEALED)) == ([], True)
    assert response.output[0] == reasoning


def test_it_streams_reasoning_events_as_sse_bytes(proxy, upstream):
    upstream.enqueue(replies.thinking_then_text("Hmm.", "Yes."))
    body = {"model": "gpt-5", "input": "Sure?", "stream": True, "store": False, "reasoning": {"summary": "detailed"}}

    raw = httpx.post(f"{proxy.url}/v1/responses", json=body, timeout=60)

    assert raw.status_code == 200
    item_id = sse_events(raw.content)[2][1]["item"]["id"]
    delta = {"type": "response.reasoning_summary_text.delta", "sequence_number": 4, "item_id": item_id, "output_index": 0,
             "summary_index": 0, "delta": "Hmm."}  # fmt: skip
    assert f"event: {delta['type']}\ndata: {json.dumps(delta, separators=(',', ':'))}\n\n".encode() in raw.content
    done = [data for name, data in sse_events(raw.content) if name == "response.output_item.done"][0]
    assert done["item"] == {"id": item_id, "type": "reasoning", "summary": [{"type": "summary_text", "text": "Hmm."}]}


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_takes_its_reasoning_back_and_goes_on_with_the_live_cli(proxy, upstream, stream):
    upstream.enqueue(
        replies.thinking_then_tool_use("I should list the files.", "mcp__client__exec_command", {"cmd": "ls"},
                                       tool_id=f"toolu_think_{stream}", signature="c2lnLTE="),
        replies.text("One file: a.txt."),
        replies.text("It is a text file."),
    )  # fmt: skip
    session = {"session-id": f"responses-reasoning-{stream}"}
    question = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is here?"}]}]

    def ask(items):
        return _create(proxy, stream=stream, input=items, tools=[EXEC_COMMAND], store=False, extra_headers=session, **CODEX_REASONING)

    first, _, first_row = ask(question)
    assert [item.type for item in first.output] == ["reasoning", "function_call"]
    result = {"type": "function_call_output", "call_id": f"toolu_think_{stream}", "output": "a.txt"}
    history = [*question, *_as_codex_echoes(first), result]
    second, _, second_row = ask(history)
    third, _, third_row = ask([*history, *_as_codex_echoes(second), {"role": "user", "content": "What kind?"}])

    assert (second.output_text, third.output_text) == ("One file: a.txt.", "It is a text file.")
    calls = upstream.message_requests()
    assert len(calls) == 3  # one upstream call per request: the same live CLI each time
    assert calls[1].tool_results() == [(f"toolu_think_{stream}", "a.txt", False)]
    # Claude's own turn, as the CLI holds it: its thinking with the signature Claude gave.
    [answered] = [message for message in calls[1].body["messages"] if message["role"] == "assistant"]
    assert answered["content"][0] == {"type": "thinking", "thinking": "I should list the files.", "signature": "c2lnLTE="}
    assert [row.lineage for row in (first_row, second_row, third_row)] == ["new", "continuation", "continuation"]
    assert len({row.claude_session_id for row in (first_row, second_row, third_row)}) == 1
    conversation = Conversation.objects.get(key=session["session-id"])
    assert (conversation.claude_session_id, conversation.message_count) == (first_row.claude_session_id, 5)
    thought = {"type": "thinking", "thinking": "I should list the files."}
    call = {"type": "tool_use", "id": f"toolu_think_{stream}", "name": "exec_command", "input": {"cmd": "ls"}}
    assert conversation.message_hashes[1] == message_hash({"role": "assistant", "content": [thought, call]})


def test_it_keeps_the_thinking_of_a_stored_response_the_client_did_not_see_sealed(proxy, upstream):
    upstream.enqueue(replies.thinking_then_text("Ada is a name.", "Hello Ada."), replies.text("You are Ada."))
    asked = {"reasoning": {"summary": "auto"}}

    first, _, _ = _create(proxy, input="My name is Ada.", **asked)
    second, _, row = _create(proxy, input="Who am I?", previous_response_id=first.id, **asked)

    assert first.output[0].encrypted_content is None  # not included: not shown
    stored = StoredResponse.objects.get(response_id=first.id).output_items[0]
    assert stored["encrypted_content"].startswith(SEALED) and stored["summary"][0]["text"] == "Ada is a name."
    assert second.output_text == "You are Ada."
    assert (len(upstream.message_requests()), row.lineage) == (2, "continuation")
    answer = [{"type": "thinking", "thinking": "Ada is a name."}, {"type": "text", "text": "Hello Ada."}]
    held = Conversation.objects.get(claude_session_id=row.claude_session_id).message_hashes
    assert held[1] == message_hash({"role": "assistant", "content": answer})


def test_it_refuses_encrypted_content_of_its_own_that_it_cannot_read(proxy, upstream):
    broken = {"type": "reasoning", "summary": [], "encrypted_content": f"{SEALED}bm90IHppcA"}

    with pytest.raises(openai.BadRequestError) as raised:
        client(proxy).responses.create(model="gpt-5", input=[{"role": "user", "content": "Hi"}, broken])

    error = raised.value
    assert error.body == {
        "message": "input[1].encrypted_content: is not the encrypted_content of a reasoning item this server gave",
        "type": "invalid_request_error",
        "param": "input[1].encrypted_content",
        "code": None,
    }
    assert upstream.message_requests() == []
