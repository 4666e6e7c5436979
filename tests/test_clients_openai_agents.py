"""openai-agents (pip `openai-agents` 0.25.0) runs on the proxy, offline: an Agent's
function-tool round on its Responses model (/v1/responses), as one response and streamed
with two parallel calls, on its Chat Completions model (/v1/chat/completions), and a second
run continuing the first through previous_response_id; each call the SDK makes reaches the
live CLI as one upstream call, its tool outputs as the results of the calls they answer."""

import asyncio
import json
import os

import httpx
import pytest
from openai import AsyncOpenAI

from tests.helpers import logged
from tests.upstream import replies

if os.environ.get("CI"):
    import agents
else:
    agents = pytest.importorskip("agents", reason="openai-agents is not installed (.ci/run installs it)")

from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool  # noqa: E402

pytestmark = pytest.mark.usefixtures("stored_responses", "offline")  # tests/conftest.py
# Nothing leaves the machine: no traces are exported.
agents.set_tracing_disabled(True)

class Wire:
    """An AsyncOpenAI on the proxy that keeps each body the SDK sent and the x-request-id of each answer (its log row)."""

    def __init__(self, proxy):
        self.request_ids, self.sent = [], []

        async def sent(request):
            self.sent.append(json.loads(request.content))

        async def keep(response):
            self.request_ids.append(response.headers["x-request-id"])

        http = httpx.AsyncClient(timeout=60, event_hooks={"request": [sent], "response": [keep]})
        self.client = AsyncOpenAI(base_url=f"{proxy.url}/v1", api_key="dummy", max_retries=0, http_client=http)
        agents.set_default_openai_client(self.client, use_for_tracing=False)

    def run(self, coroutine):
        """Await it on a loop of its own, then close the connections it opened there."""

        async def run_then_close():
            try:
                return await coroutine
            finally:
                await self.client.close()

        return asyncio.run(run_then_close())

    def rows(self):
        return [logged(request_id) for request_id in self.request_ids]


def _weather_agent(model):
    """An Agent with one function tool; `ran` lists the cities it was called with."""
    ran = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        ran.append(city)
        return f"{city}: sunny, 21C"

    agent = Agent(name="Weather", instructions="Answer about the weather.", model=model, tools=[get_weather])
    agent.ran = ran
    return agent


def _client_tools(request):
    return [tool["name"] for tool in request.body.get("tools", []) if tool["name"].startswith("mcp__client__")]


def test_it_runs_an_agent_tool_round_on_the_responses_model(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__get_weather", {"city": "Paris"}, tool_id="toolu_oa1"),
        replies.text("It is sunny in Paris."),
    )
    wire = Wire(proxy)
    agent = _weather_agent(OpenAIResponsesModel("claude-sonnet-4-5", openai_client=wire.client))

    result = wire.run(Runner.run(agent, "What is the weather in Paris?"))

    assert result.final_output == "It is sunny in Paris."
    assert agent.ran == ["Paris"]
    [call] = [item.raw_item for item in result.new_items if item.type == "tool_call_item"]
    assert (call.call_id, call.name, json.loads(call.arguments)) == ("toolu_oa1", "get_weather", {"city": "Paris"})
    first, second = upstream.message_requests()  # one upstream call per model call of the SDK
    assert _client_tools(first) == ["mcp__client__get_weather"]
    assert first.history() == [("user", "What is the weather in Paris?")]
    assert "Answer about the weather." in first.system_text()
    assert second.tool_results() == [("toolu_oa1", "Paris: sunny, 21C", False)]
    rows = wire.rows()
    assert [(row.endpoint, row.status, row.stream) for row in rows] == [("/v1/responses", 200, False)] * 2
    assert rows[1].lineage == "continuation"  # the output resolved the call the live CLI waited on


def test_it_streams_an_agent_run_with_two_parallel_tool_calls(proxy, upstream):
    upstream.enqueue(
        replies.tool_calls(
            ("mcp__client__get_weather", {"city": "Paris"}, "toolu_oa_paris"),
            ("mcp__client__get_weather", {"city": "Rome"}, "toolu_oa_rome"),
        ),
        replies.text("Sunny in both Paris and Rome."),
    )
    wire = Wire(proxy)
    agent = _weather_agent(OpenAIResponsesModel("claude-sonnet-4-5", openai_client=wire.client))

    async def run():
        streamed = Runner.run_streamed(agent, "Weather in Paris and Rome?")
        events = [event async for event in streamed.stream_events()]
        return streamed, events

    result, events = wire.run(run())

    assert result.final_output == "Sunny in both Paris and Rome."
    assert sorted(agent.ran) == ["Paris", "Rome"]
    items = [event.item for event in events if event.type == "run_item_stream_event"]
    calls = [(item.raw_item.call_id, json.loads(item.raw_item.arguments)) for item in items if item.type == "tool_call_item"]
    assert calls == [("toolu_oa_paris", {"city": "Paris"}), ("toolu_oa_rome", {"city": "Rome"})]
    outputs = sorted((item.raw_item["call_id"], item.output) for item in items if item.type == "tool_call_output_item")
    assert outputs == [("toolu_oa_paris", "Paris: sunny, 21C"), ("toolu_oa_rome", "Rome: sunny, 21C")]
    deltas = [event.data.delta for event in events if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"]
    assert "".join(deltas) == "Let me check.Sunny in both Paris and Rome."  # the preamble, then the answer
    first, second = upstream.message_requests()
    assert second.tool_results() == [("toolu_oa_paris", "Paris: sunny, 21C", False), ("toolu_oa_rome", "Rome: sunny, 21C", False)]
    assert [(row.status, row.stream) for row in wire.rows()] == [(200, True)] * 2


def test_it_runs_an_agent_tool_round_on_the_chat_completions_model(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__get_weather", {"city": "Oslo"}, tool_id="toolu_oa_chat"),
        replies.text("Oslo is sunny today."),
    )
    wire = Wire(proxy)
    agent = _weather_agent(OpenAIChatCompletionsModel("claude-sonnet-4-5", openai_client=wire.client))

    result = wire.run(Runner.run(agent, "Weather in Oslo?"))

    assert result.final_output == "Oslo is sunny today."
    assert agent.ran == ["Oslo"]
    [call] = [item.raw_item for item in result.new_items if item.type == "tool_call_item"]
    assert (call.call_id, call.name, json.loads(call.arguments)) == ("toolu_oa_chat", "get_weather", {"city": "Oslo"})
    first, second = upstream.message_requests()
    assert _client_tools(first) == ["mcp__client__get_weather"]
    assert first.history() == [("user", "Weather in Oslo?")]
    assert second.tool_results() == [("toolu_oa_chat", "Oslo: sunny, 21C", False)]
    rows = wire.rows()
    assert [(row.endpoint, row.status) for row in rows] == [("/v1/chat/completions", 200)] * 2
    assert rows[1].lineage == "continuation"


def test_it_continues_an_agent_run_through_previous_response_id(proxy, upstream):
    upstream.enqueue(
        replies.text("Hello Ada."),
        replies.tool_use("mcp__client__get_weather", {"city": "London"}, tool_id="toolu_oa_prev"),
        replies.text("Ada, London is sunny."),
    )
    wire = Wire(proxy)
    agent = _weather_agent(OpenAIResponsesModel("claude-sonnet-4-5", openai_client=wire.client))

    async def run():
        first = await Runner.run(agent, "My name is Ada and I live in London.")
        second = await Runner.run(agent, "What is the weather where I live?", previous_response_id=first.last_response_id)
        return first, second

    first, second = wire.run(run())

    assert (first.final_output, second.final_output) == ("Hello Ada.", "Ada, London is sunny.")
    assert agent.ran == ["London"]
    # The SDK sent only what is new each time, on top of the response before it.
    asked, answered = second.raw_responses[0].response_id, second.raw_responses[1].response_id
    assert [(body.get("previous_response_id"), body["input"]) for body in wire.sent] == [
        (None, [{"role": "user", "content": "My name is Ada and I live in London."}]),
        (first.last_response_id, [{"role": "user", "content": "What is the weather where I live?"}]),
        (asked, [{"type": "function_call_output", "call_id": "toolu_oa_prev", "output": "London: sunny, 21C"}]),
    ]
    assert second.last_response_id == answered and answered.startswith("resp_")
    calls = upstream.message_requests()
    assert len(calls) == 3  # one per model call: the stored response continued, nothing replayed
    assert calls[1].history() == [
        ("user", "My name is Ada and I live in London."),
        ("assistant", "Hello Ada."),
        ("user", "What is the weather where I live?"),
    ]
    assert calls[2].tool_results() == [("toolu_oa_prev", "London: sunny, 21C", False)]
    rows = wire.rows()
    assert [row.status for row in rows] == [200, 200, 200]
    assert [row.lineage for row in rows] == ["new", "continuation", "continuation"]
    assert len({row.claude_session_id for row in rows}) == 1  # one Claude session throughout
