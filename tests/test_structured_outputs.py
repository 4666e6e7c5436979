"""Structured outputs: a request's JSON schema reaches the CLI as its StructuredOutput
tool, and the answer is the object the CLI checked against it, as one text block."""

import json

import anthropic
import httpx
import pytest

from tests.helpers import logged, message_body, sse_events
from tests.upstream import replies

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temp": {"type": "number"}},
    "required": ["city", "temp"],
    "additionalProperties": False,
}
WEATHER = {"city": "Oslo", "temp": 3.5}


def structured(schema=SCHEMA, beta=False, **fields):
    field = {"output_format": {"type": "json_schema", "schema": schema}} if beta else {
        "output_config": {"format": {"type": "json_schema", "schema": schema}}}
    return {**message_body("Weather in Oslo?", stream=False), **field, **fields}


def offered_schema(request):
    [tool] = [tool for tool in request.body["tools"] if tool["name"] == "StructuredOutput"]
    return tool["input_schema"]


@pytest.mark.parametrize("beta", [False, True], ids=["output_config", "output_format-beta"])
def test_it_answers_with_the_object_the_schema_asks_for(proxy, upstream, beta):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER, preamble="Here it is."))

    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(beta=beta), timeout=60)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content"] == [{"type": "text", "text": json.dumps(WEATHER)}]
    assert body["stop_reason"] == "end_turn"
    assert (body["usage"]["input_tokens"], body["usage"]["output_tokens"]) == (11, 12)
    [sent] = upstream.message_requests()
    assert {key: offered_schema(sent)[key] for key in SCHEMA} == SCHEMA
    assert logged(response.headers["x-request-id"]).status == 200


@pytest.mark.parametrize("beta", [False, True], ids=["output_config", "output_format-beta"])
def test_it_streams_the_object_as_one_text_block(proxy, upstream, beta):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))

    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(beta=beta, stream=True), timeout=60)

    events = sse_events(response.content)
    starts = [data["content_block"] for name, data in events if name == "content_block_start"]
    text = "".join(data["delta"]["text"] for name, data in events if name == "content_block_delta")
    assert starts == [{"type": "text", "text": ""}]
    assert json.loads(text) == WEATHER
    assert [data["delta"]["stop_reason"] for name, data in events if name == "message_delta"] == ["end_turn"]
    assert events[-1][0] == "message_stop"
    [sent] = upstream.message_requests()
    assert {key: offered_schema(sent)[key] for key in SCHEMA} == SCHEMA


def test_it_sends_an_invalid_object_back_to_the_model_and_answers_the_valid_one(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", {"city": "Oslo"}), replies.tool_use("StructuredOutput", WEATHER))

    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(), timeout=60)

    assert response.json()["content"] == [{"type": "text", "text": json.dumps(WEATHER)}]
    first, second = upstream.message_requests()
    [result] = [block for block in second.body["messages"][-1]["content"] if block["type"] == "tool_result"]
    assert result["is_error"] is True
    assert "must have required property 'temp'" in json.dumps(result["content"])


def test_it_gives_the_official_client_the_json(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)

    message = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=200, messages=[{"role": "user", "content": "Weather in Oslo?"}],
        extra_body={"output_config": {"format": {"type": "json_schema", "schema": SCHEMA}}},
    )

    assert json.loads(message.content[0].text) == WEATHER


@pytest.mark.parametrize(
    "schema, message",
    [
        ({"type": "array", "items": {"type": "string"}}, "output_config.format.schema: the schema's root must be an object schema (type: object)"),
        ({"properties": {}}, "output_config.format.schema: the schema's root must be an object schema (type: object)"),
        # What the CLI refuses at its start ("--json-schema is not a valid JSON Schema"), refused before it.
        ({"type": "object", "properties": {"a": {"type": "nonsense"}}},
         "output_config.format.schema: is not a valid JSON Schema: 'nonsense' is not valid under any of the given schemas (at properties/a/type)"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
         "output_config.format.schema: $ref '#/$defs/missing' points at nothing in the schema"),
    ],
    ids=["array-root", "no-type", "not-a-json-schema", "dangling-ref"],
)
def test_it_refuses_a_schema_the_cli_cannot_offer(proxy, upstream, schema, message):
    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(schema), timeout=60)

    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": message}
    assert upstream.message_requests() == []


def test_it_fails_when_the_model_answers_in_prose(proxy, upstream):
    # The CLI reminds the model once ("You MUST call the StructuredOutput tool"), then ends.
    upstream.enqueue(replies.text("It is cold."), replies.text("Still cold."))

    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(), timeout=60)

    assert response.status_code == 502
    assert response.json()["error"]["message"].startswith("Claude gave no answer matching the request's JSON schema")
    assert len(upstream.message_requests()) == 2
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type) == (502, "api_error")


def test_it_fails_after_the_clis_tries_give_no_valid_object(proxy, upstream):
    upstream.enqueue(*[replies.tool_use("StructuredOutput", {"city": "Oslo"}) for _ in range(5)])

    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(), timeout=60)

    assert response.status_code == 502
    message = response.json()["error"]["message"]
    assert message.startswith("Failed to provide valid structured output after 5 attempts")
    assert "must have required property 'temp'" in message
    assert len(upstream.message_requests()) == 5


def test_it_keeps_a_live_process_for_the_same_schema_only(proxy, upstream):
    upstream.enqueue(*[replies.tool_use("StructuredOutput", WEATHER) for _ in range(2)], replies.text("Plain."))
    headers = {"x-session-id": "ses_structured_live"}
    history = [{"role": "user", "content": "Weather in Oslo?"}]
    first = httpx.post(f"{proxy.url}/v1/messages", json={**structured(), "messages": history}, headers=headers, timeout=60)
    history += [{"role": "assistant", "content": first.json()["content"]}, {"role": "user", "content": "And now?"}]
    clis = len(proxy.clis())

    second = httpx.post(f"{proxy.url}/v1/messages", json={**structured(), "messages": history}, headers=headers, timeout=60)
    assert len(proxy.clis()) == clis  # the same schema: the live process answered
    history += [{"role": "assistant", "content": second.json()["content"]}, {"role": "user", "content": "In words?"}]
    third = httpx.post(f"{proxy.url}/v1/messages", json={**message_body(stream=False), "messages": history}, headers=headers, timeout=60)

    assert third.json()["content"] == [{"type": "text", "text": "Plain."}]
    assert "StructuredOutput" not in [tool["name"] for tool in upstream.message_requests()[-1].body.get("tools", [])]


def test_it_calls_the_clients_tools_first_and_answers_with_the_object_last(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__weather", {"city": "Oslo"}, tool_id="toolu_weather"),
        replies.tool_use("StructuredOutput", WEATHER),
    )
    tools = [{"name": "weather", "description": "The weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    history = [{"role": "user", "content": "Weather in Oslo?"}]
    headers = {"x-session-id": "ses_structured_tools"}

    call = httpx.post(f"{proxy.url}/v1/messages", json={**structured(tools=tools), "messages": history}, headers=headers, timeout=60)

    assert call.json()["stop_reason"] == "tool_use"
    assert [block["type"] for block in call.json()["content"]] == ["tool_use"]
    history += [
        {"role": "assistant", "content": call.json()["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_weather", "content": "3.5 degrees"}]},
    ]
    answer = httpx.post(f"{proxy.url}/v1/messages", json={**structured(tools=tools), "messages": history}, headers=headers, timeout=60)

    assert answer.json()["content"] == [{"type": "text", "text": json.dumps(WEATHER)}]
    first, second = upstream.message_requests()
    assert {"mcp__client__weather", "StructuredOutput"} <= {tool["name"] for tool in first.body["tools"]}
    assert second.tool_results() == [("toolu_weather", "3.5 degrees", False)]


def test_it_takes_a_schema_of_recursive_refs(proxy, upstream):
    tree = {"name": "a", "children": [{"name": "b", "children": []}]}
    node = {"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            "required": ["name", "children"]}  # fmt: skip
    schema = {"type": "object", "$defs": {"node": node}, "properties": {"root": {"$ref": "#/$defs/node"}}, "required": ["root"]}
    upstream.enqueue(replies.tool_use("StructuredOutput", {"root": tree}))

    response = httpx.post(f"{proxy.url}/v1/messages", json=structured(schema), timeout=60)

    assert json.loads(response.json()["content"][0]["text"]) == {"root": tree}


def test_it_shows_thinking_before_the_object(proxy, upstream):
    upstream.enqueue(replies.thinking_then_tool_use("Oslo is cold in winter.", "StructuredOutput", WEATHER, tool_id="toolu_json"))

    response = httpx.post(
        f"{proxy.url}/v1/messages", json=structured(thinking={"type": "enabled", "budget_tokens": 1024}), timeout=60
    )

    content = response.json()["content"]
    assert [block["type"] for block in content] == ["thinking", "text"]
    assert content[0]["thinking"] == "Oslo is cold in winter."
    assert json.loads(content[1]["text"]) == WEATHER
    [sent] = upstream.message_requests()
    assert sent.body["thinking"]["type"] in ("enabled", "adaptive")
