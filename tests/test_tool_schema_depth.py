"""A client tool's input_schema nested past what the CLI's tool layer takes is a 400
naming the field and the bound, before any CLI starts; one at the bound works.

The bodies are written as text: json.dumps under pytest's stack cannot encode the
deepest of them.
"""

import json

import httpx
import pytest

from messages_api.json_body import MAX_DEPTH
from messages_api.schemas import MAX_SCHEMA_DEPTH
from tests.upstream import replies

JSON = {"content-type": "application/json"}
PLAIN = {"name": "plain", "description": "Flat", "input_schema": {"type": "object", "properties": {}}}
DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema"


def deep_schema_text(depth):
    """An object schema whose one property is a chain of draft 2019-09 `items`, `depth`
    JSON levels deep in all: the shape whose calls fail first (see MAX_SCHEMA_DEPTH)."""
    chain = depth - 3  # the schema, its properties and the innermost {"type": "string"}
    items = '{"items": ' * chain + '{"type": "string"}' + "}" * chain
    return f'{{"$schema": "{DRAFT_2019}", "type": "object", "properties": {{"a": {items}}}}}'


def body_text(depth, messages=None):
    messages = messages or [{"role": "user", "content": "Use the deep tool."}]
    return (
        '{"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": false, '
        f'"messages": {json.dumps(messages)}, '
        f'"tools": [{json.dumps(PLAIN)}, {{"name": "deep", "description": "Deep", "input_schema": {deep_schema_text(depth)}}}]}}'
    )


def post(proxy, content, session):
    headers = {**JSON, "x-session-affinity": session}
    return httpx.post(f"{proxy.url}/v1/messages", content=content, headers=headers, timeout=60)


@pytest.mark.parametrize(
    "depth",
    [
        pytest.param(MAX_SCHEMA_DEPTH + 1, id="one-past-the-bound"),
        # Past 255 the CLI used to drop the tool: a 200 without it, 2.5 s late.
        pytest.param(900, id="past-the-mcp-listing-bound"),
        # Here json.dumps in client_tools.tool_set_key used to raise: a 500.
        pytest.param(955, id="past-json-dumps-in-tool-set-key"),
    ],
)
def test_it_refuses_a_tool_schema_nested_past_the_bound_naming_the_field(proxy, upstream, depth):
    response = post(proxy, body_text(depth), f"schema-depth-refused-{depth}")

    assert response.status_code == 400
    # Past the body's own bound (json_body.MAX_DEPTH) the body's rule, before the schema's.
    said = (
        "the schema is nested more than 64 levels deep; 64 is the maximum allowed depth"
        if depth <= MAX_DEPTH
        else f"nested more than {MAX_DEPTH} levels deep"
    )
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": f"tools.1.input_schema: {said}"}}
    assert upstream.message_requests() == []


def test_it_offers_a_tool_schema_nested_to_the_bound_and_its_call_round_trips(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__deep", {}, tool_id="toolu_deep1"),
        replies.text("The deep tool answered."),
    )
    question = {"role": "user", "content": "Use the deep tool."}
    session = "schema-depth-at-the-bound"

    first = post(proxy, body_text(MAX_SCHEMA_DEPTH, [question]), session)

    assert first.status_code == 200
    assert first.json()["stop_reason"] == "tool_use"
    assert first.json()["content"] == [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_deep1", "name": "deep", "input": {}},
    ]
    offered = {tool["name"]: tool["input_schema"] for tool in upstream.message_requests()[0].body["tools"]}
    assert offered["mcp__client__deep"] == json.loads(deep_schema_text(MAX_SCHEMA_DEPTH))

    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_deep1", "content": "found it"}]}
    second = post(proxy, body_text(MAX_SCHEMA_DEPTH, [question, {"role": "assistant", "content": first.json()["content"]}, result]), session)

    assert second.status_code == 200
    assert second.json()["content"] == [{"type": "text", "text": "The deep tool answered."}]
    # The SDK's check of the schema before the call passed: the client's result, not an error.
    assert upstream.message_requests()[1].tool_results() == [("toolu_deep1", "found it", False)]
