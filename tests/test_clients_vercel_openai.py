"""The Vercel AI SDK through the OpenAI wires: `@ai-sdk/openai-compatible` 2.0.92 on
/v1/chat/completions and `@ai-sdk/openai` 3.0.139 on /v1/responses (both for `ai`
6.0.325), generateText and streamText running a tool between two steps. The call the
SDK runs has the model's tool_use id, and its result goes back to the live CLI: one
upstream call for the second step."""

import pytest

from tests.helpers import logged
from tests.upstream import replies
from tests.vercel_helpers import NOTES, needs, vercel

pytestmark = needs("ai", "@ai-sdk/openai-compatible", "@ai-sdk/openai")

ENDPOINTS = {"openai-compatible": "/v1/chat/completions", "openai": "/v1/responses"}


@pytest.mark.parametrize("mode", ["generateText", "streamText"])
@pytest.mark.parametrize(
    "provider, options",
    [
        ("openai-compatible", None),
        ("openai", None),  # store on: its earlier answers come back as item_reference
        ("openai", {"openai": {"store": False}}),  # the items themselves
    ],
    ids=["openai-compatible", "openai", "openai-store-false"],
)
def test_it_runs_a_tool_round_with_the_models_own_call_id(proxy, upstream, stored_responses, provider, options, mode):
    tool_id = f"toolu_vercel_{provider}_{bool(options)}_{mode}".replace("-", "_")
    upstream.enqueue(
        replies.tool_use("mcp__client__read_notes", {"topic": "shopping"}, tool_id=tool_id),  # 11 in, 12 out
        replies.text("Your notes say: buy milk.", input_tokens=40, output_tokens=5),
    )
    # A prompt of its own: without a session header the conversation is its fingerprint.
    prompt = f"What do my notes say? ({tool_id})"

    result = vercel(proxy, provider=provider, mode=mode, prompt=prompt, tools=[NOTES], maxSteps=3, providerOptions=options)

    assert result["text"] == "Your notes say: buy milk."
    assert (result["finishReason"], result["steps"]) == ("stop", 2)
    assert result["toolCalls"] == [{"toolCallId": tool_id, "toolName": "read_notes", "input": {"topic": "shopping"}}]
    assert result["executed"] == [{"name": "read_notes", "input": {"topic": "shopping"}}]
    assert result["usage"] == {"inputTokens": 40, "outputTokens": 5, "totalTokens": 45}
    assert result["totalUsage"] == {"inputTokens": 51, "outputTokens": 17, "totalTokens": 68}
    first, second = upstream.message_requests()  # the result resolved the waiting call: one call
    assert [tool["name"] for tool in first.body["tools"]] == ["mcp__client__read_notes"]
    assert first.user_texts()[0] == prompt
    assert second.tool_results() == [(tool_id, "buy milk", False)]
    calls, answer = (logged(request_id) for request_id in result["requestIds"])
    stream = mode == "streamText"
    assert (calls.endpoint, calls.status, calls.stream, calls.outcome) == (ENDPOINTS[provider], 200, stream, "awaiting_tool_result")
    assert calls.tool_calls == [{"id": tool_id, "name": "read_notes"}]
    assert (answer.endpoint, answer.status, answer.stream, answer.outcome) == (ENDPOINTS[provider], 200, stream, "answered")
    assert answer.tool_results == [{"tool_use_id": tool_id, "is_error": False}]
    assert answer.claude_session_id == calls.claude_session_id
    assert stored_responses.count() == (2 if provider == "openai" and not options else 0)
