"""The Vercel AI SDK (npm `ai` 6.0.325 + `@ai-sdk/anthropic` 3.0.140) runs on the proxy:
generateText, streamText, and a tool the SDK runs itself between two steps."""

from tests.helpers import logged
from tests.upstream import replies
from tests.vercel_helpers import NOTES, needs, vercel

pytestmark = needs("ai", "@ai-sdk/anthropic")


def test_it_answers_generate_text_with_a_json_message(proxy, upstream):
    upstream.enqueue(replies.text("Hello from the fake upstream via the AI SDK.", input_tokens=23, output_tokens=9))

    result = vercel(proxy, mode="generateText", prompt="Say hello please")

    assert result["text"] == "Hello from the fake upstream via the AI SDK."
    assert result["finishReason"] == "stop"
    assert result["usage"] == {"inputTokens": 23, "outputTokens": 9, "totalTokens": 32}
    assert (result["steps"], result["toolCalls"]) == (1, [])
    # generateText sends no `stream` key: the proxy answered with JSON, as the API does.
    row = logged(result["requestIds"][0])
    assert (row.status, row.stream, row.model, row.error_type) == (200, False, "claude-sonnet-4-5", "")
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Say hello please")]


def test_it_streams_stream_text(proxy, upstream):
    upstream.enqueue(replies.text("Streamed from the fake upstream.", chunks=4, input_tokens=31, output_tokens=6))

    result = vercel(proxy, mode="streamText", prompt="Stream a greeting")

    assert result["text"] == "Streamed from the fake upstream."
    assert result["finishReason"] == "stop"
    assert result["usage"] == {"inputTokens": 31, "outputTokens": 6, "totalTokens": 37}
    row = logged(result["requestIds"][0])
    assert (row.status, row.stream, row.error_type) == (200, True, "")
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Stream a greeting")]


def test_it_lets_the_sdk_run_a_tool_and_send_its_result_back(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read_notes", {"topic": "shopping"}, tool_id="toolu_v1"),
        replies.text("Your notes say: buy milk."),
    )

    result = vercel(proxy, mode="generateText", prompt="What do my notes say?", tools=[NOTES], maxSteps=3)

    assert result["text"] == "Your notes say: buy milk."
    assert result["finishReason"] == "stop"
    assert result["steps"] == 2
    assert result["toolCalls"] == [{"toolCallId": "toolu_v1", "toolName": "read_notes", "input": {"topic": "shopping"}}]
    assert result["executed"] == [{"name": "read_notes", "input": {"topic": "shopping"}}]
    first, second = upstream.message_requests()  # one upstream call per model step
    assert [tool["name"] for tool in first.body["tools"]] == ["mcp__client__read_notes"]
    assert second.tool_results() == [("toolu_v1", "buy milk", False)]


def test_it_reports_the_usage_of_each_step_of_a_tool_round(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read_notes", {"topic": "shopping"}, tool_id="toolu_v1"),  # 11 in, 12 out
        replies.text("Your notes say: buy milk.", input_tokens=40, output_tokens=5),
    )

    result = vercel(proxy, mode="generateText", prompt="What do my notes say?", tools=[NOTES], maxSteps=3)

    assert result["usage"] == {"inputTokens": 40, "outputTokens": 5, "totalTokens": 45}  # the last step
    assert result["totalUsage"] == {"inputTokens": 51, "outputTokens": 17, "totalTokens": 68}
