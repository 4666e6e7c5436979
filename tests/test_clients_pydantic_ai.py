"""pydantic-ai (pip `pydantic-ai-slim[anthropic,openai]` 2.78.0) runs on the proxy, offline:
an Agent's tool round, an output tool (`final_result`) and the run after it, streamed text,
through its Anthropic model (/v1/messages) and its OpenAI chat one (/v1/chat/completions)."""

import asyncio
import os

import pytest
from pydantic import BaseModel

from tests.upstream import replies

if os.environ.get("CI"):
    import pydantic_ai
else:
    pydantic_ai = pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed (.ci/run installs it)")

from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider

# The proxy answers to any model name: the one asked for is only a name here, retired or not.
pytestmark = [
    pytest.mark.usefixtures("offline"),  # tests/conftest.py: no host but loopback looked up
    pytest.mark.filterwarnings("ignore:Model 'anthropic.claude-sonnet-4-5' is deprecated"),
    pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5' is deprecated:DeprecationWarning"),
]
class City(BaseModel):
    name: str
    population: int



def _anthropic(proxy):
    return AnthropicModel("claude-sonnet-4-5", provider=AnthropicProvider(base_url=proxy.url, api_key="dummy"))


def _notes_agent(model):
    """An Agent with one tool; `ran` lists the topics it was called with."""
    agent = pydantic_ai.Agent(model)
    agent.ran = []

    @agent.tool_plain
    def read_notes(topic: str) -> str:
        """Read the user's notes on a topic."""
        agent.ran.append(topic)
        return f"{topic}: buy milk"

    return agent


def _client_tools(request):
    """The client's tools as the CLI offered them upstream."""
    return [tool["name"] for tool in request.body.get("tools", []) if tool["name"].startswith("mcp__client__")]


def _blocks(message):
    content = message["content"]
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def test_it_runs_an_agent_tool_round_on_the_anthropic_model(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read_notes", {"topic": "shopping"}, tool_id="toolu_pai1"),
        replies.text("Your notes say: buy milk."),
    )
    agent = _notes_agent(_anthropic(proxy))

    result = agent.run_sync("What do my notes say?")

    assert result.output == "Your notes say: buy milk."
    assert agent.ran == ["shopping"]
    first, second = upstream.message_requests()  # one upstream call per model step
    assert _client_tools(first) == ["mcp__client__read_notes"]
    assert first.history() == [("user", "What do my notes say?")]
    # The tool's return value reaches the model as the result of the call it answers.
    assert second.tool_results() == [("toolu_pai1", "shopping: buy milk", False)]


def test_it_gives_an_agent_its_output_type_from_the_output_tool(proxy, upstream):
    upstream.enqueue(replies.tool_use("mcp__client__final_result", {"name": "Lyon", "population": 522000}, tool_id="toolu_pai_out"))
    agent = pydantic_ai.Agent(_anthropic(proxy), output_type=City)

    result = agent.run_sync("Name a French city and its population.")

    assert result.output == City(name="Lyon", population=522000)
    [sent] = upstream.message_requests()  # the output tool's call ends the run: no result is sent
    assert _client_tools(sent) == ["mcp__client__final_result"]
    assert sent.history() == [("user", "Name a French city and its population.")]


def test_it_sends_the_next_question_after_an_output_tool_as_text_of_its_own(proxy, upstream):
    question = "Which rivers run through it?"
    upstream.enqueue(
        replies.tool_use("mcp__client__final_result", {"name": "Lyon", "population": 522000}, tool_id="toolu_pai_city"),
        replies.text("Lyon is on the Rhône and the Saône."),
    )
    # Text too, so the next run can answer in words.
    agent = pydantic_ai.Agent(_anthropic(proxy), output_type=[City, str])
    first = agent.run_sync("Name a French city and its population.")
    assert first.output == City(name="Lyon", population=522000)

    # pydantic-ai ends this history with user [tool_result "Final result processed.", text question].
    second = agent.run_sync(question, message_history=first.all_messages())

    assert second.output == "Lyon is on the Rhône and the Saône."
    _, sent = upstream.message_requests()
    assert sent.tool_results() == [("toolu_pai_city", "Final result processed.", False)]
    # The question is a user text block of its own, beside the result and never folded into one.
    last = sent.body["messages"][-1]
    assert last["role"] == "user"
    assert [block["text"] for block in _blocks(last) if block["type"] == "text"][-1] == question
    user_blocks = [block for message in sent.body["messages"] if message["role"] == "user" for block in _blocks(message)]
    results = [str(block["content"]) for block in user_blocks if block["type"] == "tool_result"]
    assert len(results) == 1 and question not in results[0]


def test_it_streams_an_agent_run_on_the_anthropic_model(proxy, upstream):
    upstream.enqueue(replies.text("Streamed through pydantic-ai.", chunks=4))
    agent = pydantic_ai.Agent(_anthropic(proxy))

    async def run():
        async with agent.run_stream("Stream a greeting") as stream:
            deltas = [delta async for delta in stream.stream_text(delta=True, debounce_by=None)]
            return deltas, await stream.get_output()

    deltas, output = asyncio.run(run())

    # Each of the upstream's text deltas reaches the agent as it came, then the whole text.
    assert deltas == ["Streamed", " through", " pydanti", "c-ai."]
    assert output == "Streamed through pydantic-ai."
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Stream a greeting")]


def test_it_runs_an_agent_tool_round_on_the_openai_chat_model(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__read_notes", {"topic": "work"}, tool_id="toolu_pai_oai"),
        replies.text("Your work notes say: buy milk."),
    )
    model = OpenAIChatModel("claude-sonnet-4-5", provider=OpenAIProvider(base_url=f"{proxy.url}/v1", api_key="dummy"))
    agent = _notes_agent(model)

    result = agent.run_sync("What do my work notes say?")

    assert result.output == "Your work notes say: buy milk."
    assert agent.ran == ["work"]
    first, second = upstream.message_requests()
    assert _client_tools(first) == ["mcp__client__read_notes"]
    assert first.history() == [("user", "What do my work notes say?")]
    assert second.tool_results() == [("toolu_pai_oai", "work: buy milk", False)]


@pytest.mark.parametrize("wire", ["anthropic", "openai-chat"])
def test_it_gives_native_output_the_object_the_schema_asks_for(proxy, upstream, wire):
    # NativeOutput asks the API's own structured outputs for the schema: no output tool.
    upstream.enqueue(replies.tool_use("StructuredOutput", {"name": "Lyon", "population": 522000}))
    if wire == "anthropic":
        model = _anthropic(proxy)
    else:
        model = OpenAIChatModel("claude-sonnet-4-5", provider=OpenAIProvider(base_url=f"{proxy.url}/v1", api_key="dummy"))
    agent = pydantic_ai.Agent(model, output_type=pydantic_ai.NativeOutput(City))

    result = agent.run_sync("Name a French city and its population.")

    assert result.output == City(name="Lyon", population=522000)
    [sent] = upstream.message_requests()
    [offered] = [tool["input_schema"] for tool in sent.body["tools"] if tool["name"] == "StructuredOutput"]
    assert offered["required"] == ["name", "population"]
    assert _client_tools(sent) == []
