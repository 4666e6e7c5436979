"""The Vercel AI SDK's generateObject / streamObject through its Anthropic provider
(/v1/messages) and its OpenAI-compatible one (/v1/chat/completions): the object is the
one the CLI checked against the schema."""

import pytest

from tests.test_structured_outputs import SCHEMA, WEATHER, offered_schema
from tests.upstream import replies
from tests.vercel_helpers import needs, vercel

PROVIDERS = [
    pytest.param("anthropic", marks=needs("ai", "@ai-sdk/anthropic"), id="anthropic"),
    pytest.param("openai-compatible", marks=needs("ai", "@ai-sdk/openai-compatible"), id="openai-compatible"),
]


@pytest.mark.parametrize("mode", ["generateObject", "streamObject"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_it_generates_the_object_through_each_provider(proxy, upstream, provider, mode):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))

    result = vercel(proxy, provider=provider, mode=mode, prompt="Weather in Oslo?", schema=SCHEMA)

    assert result["object"] == WEATHER
    assert result["finishReason"] == "stop"
    assert result["usage"]["outputTokens"] > 0
    [sent] = upstream.message_requests()
    schema = offered_schema(sent)
    assert (schema["required"], schema["properties"]) == (SCHEMA["required"], SCHEMA["properties"])
