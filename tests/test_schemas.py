"""parse_messages_request: a valid body becomes a MessagesRequest, a bad one a 400 naming the field."""

import json

import pytest

from messages_api.errors import ApiError
from messages_api.schemas import (
    ImageBlock,
    OtherBlock,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from messages_api.wire.anthropic import parse_messages_request

JSON = "application/json"


def body(**fields):
    """A minimal valid request; a field given as ... is left out."""
    data = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hello?"}], **fields}
    return {key: value for key, value in data.items() if value is not ...}


def parse(data, content_type=JSON):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return parse_messages_request(raw, content_type)


def image(media_type, data):
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


def with_content(content):
    return body(messages=[{"role": "user", "content": content}])


# --- valid requests -------------------------------------------------------------------


def test_it_accepts_a_surrogate_pair_that_makes_one_character():
    params = parse(with_content("emoji \ud83d\ude00 here"))

    assert params.messages[0].content[0].text == "emoji \U0001f600 here"


def test_it_parses_a_minimal_request():
    params = parse(body())

    assert params.model == "claude-sonnet-4-5"
    assert len(params.messages) == 1
    assert params.messages[0].role == "user"
    assert params.max_tokens is None
    assert params.temperature is None
    assert params.tools is None
    assert params.system is None
    assert params.system_text == ""


def test_it_turns_string_content_into_one_text_block():
    params = parse(body())

    [block] = params.messages[0].content
    assert isinstance(block, TextBlock)
    assert block.type == "text"
    assert block.text == "Hello?"


def test_it_keeps_a_list_of_blocks_in_order():
    content = [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]

    params = parse(with_content(content))

    assert [block.text for block in params.messages[0].content] == ["one", "two"]


def test_it_turns_a_system_string_into_system_text():
    params = parse(body(system="You are a pirate."))

    assert [block.text for block in params.system] == ["You are a pirate."]
    assert params.system_text == "You are a pirate."


def test_it_joins_a_list_of_system_text_blocks_with_newlines():
    system = [{"type": "text", "text": "You are a pirate."}, {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}]

    params = parse(body(system=system))

    assert params.system_text == "You are a pirate.\nBe brief."


def test_it_answers_with_one_message_when_stream_is_left_out():
    assert parse(body()).stream is False


def test_it_takes_stream_true():
    assert parse(body(stream=True)).stream is True


def test_it_accepts_unknown_top_level_fields():
    params = parse(body(future_param={"x": 1}, service_tier="auto"))

    assert params.model_extra == {"future_param": {"x": 1}, "service_tier": "auto"}


def test_it_answers_each_safeguard_as_unsupported():
    params = parse(body(safeguards=[{"type": "dangerous_tool_use", "classifier_context": {"v": 1}}, {"type": "other"}]))

    assert params.safeguard_results == [
        {"type": "dangerous_tool_use", "status": {"type": "unsupported"}},
        {"type": "other", "status": {"type": "unsupported"}},
    ]
    assert parse(body()).safeguard_results == []


def test_it_keeps_unknown_content_block_types_as_they_are():
    content = [{"type": "server_tool_use", "id": "srvtoolu_1", "input": {"q": 1}}, {"type": "text", "text": "after"}]

    params = parse(with_content(content))

    unknown, text = params.messages[0].content
    assert isinstance(unknown, OtherBlock)
    assert unknown.type == "server_tool_use"
    assert unknown.model_extra == {"id": "srvtoolu_1", "input": {"q": 1}}
    assert isinstance(text, TextBlock)
    assert params.model_dump()["messages"][0]["content"][0] == {"type": "server_tool_use", "id": "srvtoolu_1", "input": {"q": 1}}


def test_it_accepts_an_integer_temperature_as_a_number():
    params = parse(body(temperature=1))

    assert params.temperature == 1.0
    assert isinstance(params.temperature, float)


def test_it_accepts_an_integer_top_p_as_a_number():
    params = parse(body(top_p=0))

    assert params.top_p == 0.0
    assert isinstance(params.top_p, float)


def test_it_accepts_all_the_known_optional_parameters():
    params = parse(
        body(
            max_tokens=1024,
            temperature=0.5,
            top_p=0.9,
            top_k=40,
            stop_sequences=["STOP"],
            metadata={"user_id": "u1"},
            tools=[{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}],
            tool_choice={"type": "auto"},
            thinking={"type": "enabled", "budget_tokens": 2048},
        )
    )

    assert params.max_tokens == 1024
    assert params.temperature == 0.5
    assert params.top_p == 0.9
    assert params.top_k == 40
    assert params.stop_sequences == ["STOP"]
    assert params.metadata == {"user_id": "u1"}
    assert [(tool.name, tool.description, tool.input_schema) for tool in params.tools] == [
        ("get_weather", "Weather", {"type": "object"})
    ]
    assert params.tool_choice.type == "auto"
    assert (params.thinking.type, params.thinking.budget_tokens) == ("enabled", 2048)


def test_it_parses_images_tool_use_and_tool_results():
    messages = [
        {"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "found"}]},
    ]

    params = parse(body(messages=messages))

    [image] = params.messages[0].content
    [tool_use] = params.messages[1].content
    [tool_result] = params.messages[2].content
    assert isinstance(image, ImageBlock)
    assert (image.source.type, image.source.media_type, image.source.data) == ("base64", "image/png", "iVBORw0KGgo=")
    assert isinstance(tool_use, ToolUseBlock)
    assert (tool_use.id, tool_use.name, tool_use.input) == ("toolu_1", "lookup", {"q": "x"})
    assert isinstance(tool_result, ToolResultBlock)
    assert (tool_result.tool_use_id, tool_result.content, tool_result.is_error) == ("toolu_1", [{"type": "text", "text": "found"}], False)


def test_it_accepts_a_json_content_type_with_a_charset_in_any_case():
    assert parse(body(), "Application/JSON; charset=utf-8").model == "claude-sonnet-4-5"


# --- bad requests ---------------------------------------------------------------------

BAD = [
    pytest.param(b"{nope", JSON, "The request body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", id="not-json"),
    pytest.param(b"", JSON, "The request body is not valid JSON: Expecting value: line 1 column 1 (char 0)", id="empty-body"),
    pytest.param(b"[]", JSON, "The request body must be a JSON object", id="json-array"),
    pytest.param(b'{"model": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON, "The request body is not valid JSON: it is nested too deeply", id="nested-too-deeply"),
    pytest.param(with_content("half \ud800 pair"), JSON, "messages.0.content: the string holds a lone UTF-16 surrogate, which is not valid text", id="lone-surrogate-text"),
    pytest.param(body(system=[{"type": "text", "text": "x"}, {"type": "text", "text": "\udc00"}]), JSON, "system.1.text: the string holds a lone UTF-16 surrogate, which is not valid text", id="lone-surrogate-system"),
    pytest.param(with_content([{"type": "tool_use", "id": "t", "name": "n", "input": {"\ud800": 1}}]), JSON, "messages.0.content.0.input.?: the string holds a lone UTF-16 surrogate, which is not valid text", id="lone-surrogate-key"),
    pytest.param(body(tools=[{"name": "f"}, {"name": "g"}, {"name": "f"}]), JSON, "tools.2.name: two tools are named 'f'", id="tool-named-twice"),
    pytest.param(body(tool_choice={"type": "any"}), JSON, "tool_choice: asks for a tool call, but no tools are given", id="any-tool-without-tools"),
    pytest.param(with_content([image("text/html", "PGI+")]), JSON, "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'", id="image-of-no-image-type"),
    pytest.param(with_content([image("image/png", "iVBO RW0K")]), JSON, "messages.0.content.0.image.source.base64.data: is not valid base64", id="image-not-base64"),
    pytest.param(with_content([image("image/png", "R0lGODlhAQABAAAAACw=")]), JSON, "messages.0.content.0.image.source.base64.data: the image is labelled image/png but its bytes are image/gif", id="gif-labelled-png"),
    pytest.param(with_content([{"type": "tool_result", "tool_use_id": "t", "content": [image("image/jpeg", "aGVsbG8=")]}]), JSON, "messages.0.content.0.tool_result.content.0.image.source.base64.data: the image is labelled image/jpeg but its bytes are no image the API takes", id="tool-result-image-not-an-image"),
    pytest.param(body(model="m" * 257), JSON, "model: String should have at most 256 characters", id="model-too-long"),
    pytest.param(with_content([{"type": "tool_result", "tool_use_id": "t" * 257}]), JSON, "messages.0.content.0.tool_result.tool_use_id: String should have at most 256 characters", id="tool-use-id-too-long"),
    pytest.param(body(tools=[{"name": "n" * 129}]), JSON, "tools.0.name: String should have at most 128 characters", id="tool-name-too-long"),
    pytest.param(b'"hi"', JSON, "The request body must be a JSON object", id="json-string"),
    pytest.param(body(), "text/plain", "content-type must be application/json, not 'text/plain'", id="text-plain"),
    pytest.param(body(), "", "content-type must be application/json, not 'missing'", id="no-content-type"),
    pytest.param(body(model=...), JSON, "model: Field required", id="missing-model"),
    pytest.param(body(model=5), JSON, "model: Input should be a valid string", id="model-int"),
    pytest.param(body(model=""), JSON, "model: String should have at least 1 character", id="model-empty"),
    pytest.param(body(messages=...), JSON, "messages: Field required", id="missing-messages"),
    pytest.param(body(messages=[]), JSON, "messages: List should have at least 1 item after validation, not 0", id="messages-empty"),
    pytest.param(body(messages={}), JSON, "messages: Input should be a valid list", id="messages-object"),
    pytest.param(body(messages=["hi"]), JSON, "messages.0: Input should be a valid dictionary", id="message-string"),
    pytest.param(body(messages=[{"role": "tool", "content": "x"}]), JSON, "messages.0.role: Input should be 'user', 'assistant' or 'system'", id="role-tool"),
    pytest.param(body(messages=[{"content": "x"}]), JSON, "messages.0.role: Field required", id="missing-role"),
    pytest.param(
        body(messages=[{"role": "user", "content": "x"}, {"role": "bot", "content": "y"}]),
        JSON,
        "messages.1.role: Input should be 'user', 'assistant' or 'system'",
        id="second-message-role",
    ),
    pytest.param(body(messages=[{"role": "user"}]), JSON, "messages.0.content: Field required", id="missing-content"),
    pytest.param(with_content(5), JSON, "messages.0.content: Input should be a string or a list of content blocks", id="content-number"),
    pytest.param(with_content(None), JSON, "messages.0.content: Input should be a string or a list of content blocks", id="content-null"),
    pytest.param(
        with_content([{"text": "x"}]), JSON, "messages.0.content.0: Each content block must be an object with a string 'type'", id="block-no-type"
    ),
    pytest.param(
        with_content([{"type": 5}]), JSON, "messages.0.content.0: Each content block must be an object with a string 'type'", id="block-type-int"
    ),
    pytest.param(with_content(["x"]), JSON, "messages.0.content.0: Each content block must be an object with a string 'type'", id="block-string"),
    pytest.param(with_content([{"type": "text"}]), JSON, "messages.0.content.0.text.text: Field required", id="text-without-text"),
    pytest.param(
        with_content([{"type": "text", "text": "a"}, {"type": "text", "text": 1}]),
        JSON,
        "messages.0.content.1.text.text: Input should be a valid string",
        id="text-not-string",
    ),
    pytest.param(with_content([{"type": "image"}]), JSON, "messages.0.content.0.image.source: Field required", id="image-without-source"),
    pytest.param(
        with_content([{"type": "image", "source": {"type": "ftp"}}]),
        JSON,
        "messages.0.content.0.image.source: type 'ftp' is not one of 'base64', 'url', 'file'",
        id="image-source-unknown-type",
    ),
    pytest.param(
        with_content([{"type": "image", "source": {"type": "base64", "data": "iVBO"}}]),
        JSON,
        "messages.0.content.0.image.source.base64.media_type: Field required",
        id="base64-without-media-type",
    ),
    pytest.param(
        with_content([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ""}}]),
        JSON,
        "messages.0.content.0.image.source.base64.data: String should have at least 1 character",
        id="base64-empty-data",
    ),
    pytest.param(
        with_content([{"type": "image", "source": {"data": "iVBO"}}]),
        JSON,
        "messages.0.content.0.image.source: Input should be an object with a string 'type'",
        id="image-source-without-type",
    ),
    pytest.param(
        with_content([{"type": "tool_result", "tool_use_id": "t", "content": 5}]),
        JSON,
        "messages.0.content.0.tool_result.content: Input should be a string or a list of content blocks",
        id="tool-result-content-number",
    ),
    pytest.param(b'{"model": "m", "temperature": NaN}', JSON, "The request body is not valid JSON: NaN is not valid JSON", id="nan"),
    pytest.param(with_content([{"type": "document"}]), JSON, "messages.0.content.0.document.source: Field required", id="document-without-source"),
    pytest.param(
        with_content([{"type": "tool_use", "name": "n", "input": {}}]), JSON, "messages.0.content.0.tool_use.id: Field required", id="tool-use-without-id"
    ),
    pytest.param(
        with_content([{"type": "tool_use", "id": "t", "name": "n", "input": []}]),
        JSON,
        "messages.0.content.0.tool_use.input: Input should be a valid dictionary",
        id="tool-use-input-list",
    ),
    pytest.param(
        with_content([{"type": "tool_result", "content": "x"}]),
        JSON,
        "messages.0.content.0.tool_result.tool_use_id: Field required",
        id="tool-result-without-id",
    ),
    pytest.param(
        with_content([{"type": "tool_result", "tool_use_id": "t", "is_error": "yes"}]),
        JSON,
        "messages.0.content.0.tool_result.is_error: Input should be a valid boolean",
        id="tool-result-is-error-string",
    ),
    pytest.param(with_content([{"type": "thinking"}]), JSON, "messages.0.content.0.thinking.thinking: Field required", id="thinking-without-text"),
    pytest.param(body(stream="true"), JSON, "stream: Input should be a valid boolean", id="stream-string"),
    pytest.param(body(stream=1), JSON, "stream: Input should be a valid boolean", id="stream-int"),
    pytest.param(body(max_tokens=0), JSON, "max_tokens: Input should be greater than or equal to 1", id="max-tokens-zero"),
    pytest.param(body(max_tokens="10"), JSON, "max_tokens: Input should be a valid integer", id="max-tokens-string"),
    pytest.param(body(max_tokens=1.5), JSON, "max_tokens: Input should be a valid integer", id="max-tokens-float"),
    pytest.param(body(temperature=2), JSON, "temperature: Input should be less than or equal to 1", id="temperature-two"),
    pytest.param(body(temperature=-0.1), JSON, "temperature: Input should be greater than or equal to 0", id="temperature-negative"),
    pytest.param(body(temperature="0.5"), JSON, "temperature: Input should be a valid number", id="temperature-string"),
    pytest.param(body(temperature=True), JSON, "temperature: Input should be a valid number", id="temperature-bool"),
    pytest.param(body(top_p="x"), JSON, "top_p: Input should be a valid number", id="top-p-string"),
    pytest.param(body(top_k=-1), JSON, "top_k: Input should be greater than or equal to 0", id="top-k-negative"),
    pytest.param(body(system=5), JSON, "system: Input should be a string or a list of text blocks", id="system-number"),
    pytest.param(body(system=[{"type": "text"}]), JSON, "system.0.text: Field required", id="system-item-without-text"),
    pytest.param(body(system=[{"type": "image", "source": {}}]), JSON, "system.0.type: Input should be 'text'", id="system-item-image"),
    pytest.param(body(system=["x"]), JSON, "system.0: Input should be a valid dictionary", id="system-item-string"),
    pytest.param(body(tools={}), JSON, "tools: Input should be a valid list", id="tools-object"),
    pytest.param(body(tools=[{"description": "d"}]), JSON, "tools.0.name: Field required", id="tool-without-name"),
    pytest.param(body(tools=[{"name": ""}]), JSON, "tools.0.name: String should have at least 1 character", id="tool-empty-name"),
    pytest.param(body(tools=[{"name": "n", "input_schema": []}]), JSON, "tools.0.input_schema: Input should be a valid dictionary", id="tool-schema-list"),
    pytest.param(body(stop_sequences="x"), JSON, "stop_sequences: Input should be a valid list", id="stop-sequences-string"),
    pytest.param(body(stop_sequences=[1]), JSON, "stop_sequences.0: Input should be a valid string", id="stop-sequence-int"),
    pytest.param(body(metadata="x"), JSON, "metadata: Input should be a valid dictionary", id="metadata-string"),
    pytest.param(body(tool_choice="auto"), JSON, "tool_choice: Input should be a valid dictionary", id="tool-choice-string"),
    pytest.param(body(tool_choice={"type": "some"}), JSON, "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", id="tool-choice-type"),
    pytest.param(body(tool_choice={"type": "tool"}), JSON, "tool_choice.name: Field required when type is 'tool'", id="tool-choice-no-name"),
    pytest.param(body(tool_choice={"type": "tool", "name": "nope"}), JSON, "tool_choice.name: no tool named 'nope' in tools", id="tool-choice-unknown-tool"),
    pytest.param(body(thinking="on"), JSON, "thinking: Input should be a valid dictionary", id="thinking-string"),
    pytest.param(body(thinking={"type": "on"}), JSON, "thinking.type: Input should be 'enabled', 'adaptive' or 'disabled'", id="thinking-type"),
    pytest.param(body(thinking={"type": "enabled"}), JSON, "thinking: budget_tokens: Field required when type is 'enabled'", id="thinking-no-budget"),
    pytest.param(body(thinking={"type": "enabled", "budget_tokens": 10}), JSON, "thinking.budget_tokens: Input should be greater than or equal to 1024", id="thinking-small-budget"),
    pytest.param(body(output_config={"effort": "extreme"}), JSON, "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'", id="effort-unknown"),
    pytest.param(body(safeguards={"type": "dangerous_tool_use"}), JSON, "safeguards: Input should be a valid list", id="safeguards-not-a-list"),
    pytest.param(body(safeguards=[{"classifier_context": {}}]), JSON, "safeguards.0.type: Field required", id="safeguard-without-type"),
]


@pytest.mark.parametrize(("data", "content_type", "message"), BAD)
def test_it_rejects_a_bad_request_with_a_400_naming_the_field(data, content_type, message):
    with pytest.raises(ApiError) as caught:
        parse(data, content_type)

    error = caught.value
    assert error.status == 400
    assert error.error_type == "invalid_request_error"
    assert error.message == message
    assert error.envelope() == {"type": "error", "error": {"type": "invalid_request_error", "message": message}}


def test_it_names_the_first_bad_field_when_several_are_bad():
    with pytest.raises(ApiError) as caught:
        parse(body(model=..., messages=[]))

    assert caught.value.message == "model: Field required"


@pytest.mark.parametrize(
    "messages, said",
    [
        ([{"role": "user", "content": "\r"}], "messages.0.content.0.text: text content blocks must contain non-whitespace text"),
        ([{"role": "user", "content": ""}], "messages.0.content.0.text: text content blocks must be non-empty"),
        (
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": [{"type": "text", "text": "ok"}, {"type": "text", "text": " \n"}]}],
            "messages.2.content.1.text: text content blocks must contain non-whitespace text",
        ),
        ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " "}, {"role": "user", "content": "Go on"}], None),
    ],
)
def test_it_refuses_user_text_with_nothing_in_it_as_the_api_does(messages, said):
    if said is None:
        assert parse(body(messages=messages)).messages[1].content[0].text == " "
        return
    with pytest.raises(ApiError) as refused:
        parse(body(messages=messages))
    assert (refused.value.status, refused.value.message) == (400, said)
