"""Structured outputs on the OpenAI wires: the `openai` client's `.parse()` with a
pydantic model gets the object the CLI checked against the model's schema."""

import json

import httpx
import pydantic

from tests.openai_helpers import client
from tests.upstream import replies


class Weather(pydantic.BaseModel):
    city: str
    temp: float


WEATHER = {"city": "Oslo", "temp": 3.5}


def offered_schema(request):
    [tool] = [tool for tool in request.body["tools"] if tool["name"] == "StructuredOutput"]
    return tool["input_schema"]


def test_it_parses_a_chat_completion_into_the_pydantic_model(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))

    completion = client(proxy).chat.completions.parse(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Weather in Oslo?"}], response_format=Weather
    )

    message = completion.choices[0].message
    assert message.parsed == Weather(**WEATHER)
    assert json.loads(message.content) == WEATHER
    assert completion.choices[0].finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (11, 12)
    [sent] = upstream.message_requests()
    assert offered_schema(sent)["required"] == ["city", "temp"]
    assert offered_schema(sent)["additionalProperties"] is False


def test_it_streams_a_chat_completion_of_the_object(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))

    with client(proxy).chat.completions.stream(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Weather?"}], response_format=Weather
    ) as stream:
        final = stream.get_final_completion()

    assert final.choices[0].message.parsed == Weather(**WEATHER)


def test_it_answers_json_object_with_an_object(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", {"any": ["thing"]}))

    completion = client(proxy).chat.completions.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "JSON please"}], response_format={"type": "json_object"}
    )

    assert json.loads(completion.choices[0].message.content) == {"any": ["thing"]}
    [sent] = upstream.message_requests()
    assert offered_schema(sent)["type"] == "object"


def test_it_parses_a_response_into_the_pydantic_model(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))

    response = client(proxy).responses.parse(model="claude-sonnet-4-5", input="Weather in Oslo?", text_format=Weather, store=False)

    assert response.output_parsed == Weather(**WEATHER)
    assert json.loads(response.output_text) == WEATHER
    assert [item.type for item in response.output] == ["message"]
    assert [part.type for part in response.output[0].content] == ["output_text"]
    assert (response.usage.input_tokens, response.usage.output_tokens) == (11, 12)
    [sent] = upstream.message_requests()
    assert offered_schema(sent)["required"] == ["city", "temp"]


def test_it_streams_a_response_of_the_object(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", WEATHER))

    with client(proxy).responses.stream(model="claude-sonnet-4-5", input="Weather?", text_format=Weather, store=False) as stream:
        final = stream.get_final_response()

    assert final.output_parsed == Weather(**WEATHER)


def test_it_answers_a_responses_json_object_with_an_object(proxy, upstream):
    upstream.enqueue(replies.tool_use("StructuredOutput", {"any": ["thing"]}))

    response = client(proxy).responses.create(
        model="claude-sonnet-4-5", input="JSON please", text={"format": {"type": "json_object"}}, store=False
    )

    assert json.loads(response.output_text) == {"any": ["thing"]}
    [sent] = upstream.message_requests()
    assert offered_schema(sent)["type"] == "object"


def test_it_refuses_a_responses_schema_that_is_no_object_in_the_clients_field(proxy, upstream):
    bad = {"type": "json_schema", "name": "list", "schema": {"type": "array", "items": {"type": "string"}}}

    response = httpx.post(
        f"{proxy.url}/v1/responses", json={"model": "claude-sonnet-4-5", "input": "Hi", "text": {"format": bad}}, timeout=60
    )

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "text.format.schema"
    assert upstream.message_requests() == []


def test_it_refuses_a_schema_that_is_no_object_in_the_clients_field(proxy, upstream):
    bad = {"type": "json_schema", "json_schema": {"name": "list", "schema": {"type": "array", "items": {"type": "string"}}}}

    response = httpx.post(
        f"{proxy.url}/v1/chat/completions",
        json={"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}], "response_format": bad},
        timeout=60,
    )

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "response_format.json_schema.schema"
    assert upstream.message_requests() == []
