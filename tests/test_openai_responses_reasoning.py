"""Claude's thinking on /v1/responses: reasoning items when the request asks for them
(Codex does: `reasoning.summary` and `include: ["reasoning.encrypted_content"]`), in the
openai client's own types, and sent back as Claude's thinking block, so the live CLI
goes on with the conversation it holds."""

import json

import httpx
import openai
import pytest

from messages_api.wire.responses_reasoning import SEALED
from tests.helpers import logged, sse_events
from tests.upstream import replies

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


def _client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="dummy", max_retries=0)


def _create(proxy, stream=False, **fields):
    """(the Response, its events or None, the request's log row), through the official client."""
    raw = _client(proxy).responses.with_raw_response.create(model="gpt-5", stream=stream, **fields)
    if stream:
        events = list(raw.parse())
        return events[-1].response, events, logged(raw.headers["x-request-id"])
    return raw.parse(), None, logged(raw.headers["x-request-id"])


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
