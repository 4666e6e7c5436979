"""OpenAI Chat Completions requests as Anthropic Messages requests, as data: messages to
blocks, parameters, the conversation's name, and the 400s that name the client's field.
(The answers' side: test_openai_chat_rendering.py.)"""

import pytest
from django.http.request import HttpHeaders
from hypothesis import given, settings
from hypothesis import strategies as st

from messages_api.errors import ApiError
from messages_api.wire.openai_chat import conversation_name
from messages_api.wire.openai_chat_request import translate
from messages_api.wire.openai_common import EFFORTS
from sessions_admin.lineage import conversation_key

PNG = "iVBORw0KGgo="
READ = {"type": "function", "function": {"name": "read", "description": "Read a file", "parameters": {"type": "object"}}}


def _request(messages=None, **fields):
    return translate({"model": "gpt-4o", "messages": messages or [{"role": "user", "content": "Hi"}], **fields}).request


def _text(text):
    return {"type": "text", "text": text}


def _refusal(body):
    with pytest.raises(ApiError) as refused:
        translation = translate({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], **body})
        translation.validated()
    assert refused.value.status == 400
    return refused.value.message


CALL = {"id": "call_1", "type": "function", "function": {"name": "read", "arguments": '{"path": "a"}'}}
CALL_2 = {"id": "call_2", "type": "function", "function": {"name": "read", "arguments": ""}}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([{"role": "user", "content": "Hi"}], [{"role": "user", "content": [_text("Hi")]}]),
        (
            [{"role": "user", "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}},
            ]}],
            [{"role": "user", "content": [
                _text("Look:"),
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}},
            ]}],
        ),
        (
            [
                {"role": "user", "content": "Read a"},
                {"role": "assistant", "content": "Reading.", "tool_calls": [CALL, CALL_2]},
                {"role": "tool", "tool_call_id": "call_2", "content": "B"},
                {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "A"}]},
                {"role": "user", "content": "Thanks"},
                {"role": "assistant", "content": [{"type": "text", "text": "Welcome"}, {"type": "refusal", "refusal": "No."}]},
            ],
            [
                {"role": "user", "content": [_text("Read a")]},
                {"role": "assistant", "content": [
                    _text("Reading."),
                    {"type": "tool_use", "id": "call_1", "name": "read", "input": {"path": "a"}},
                    {"type": "tool_use", "id": "call_2", "name": "read", "input": {}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "call_2", "content": "B"},
                    {"type": "tool_result", "tool_use_id": "call_1", "content": [_text("A")]},
                    _text("Thanks"),
                ]},
                {"role": "assistant", "content": [_text("Welcome"), _text("No.")]},
            ],
        ),
        (
            [{"role": "assistant", "content": "", "tool_calls": [CALL]}, {"role": "tool", "tool_call_id": "call_1", "content": None}],
            [
                {"role": "assistant", "content": [{"type": "tool_use", "id": "call_1", "name": "read", "input": {"path": "a"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": []}]},
            ],
        ),
        (
            [{"role": "user", "content": "One"}, {"role": "developer", "content": "Now be terse."}, {"role": "user", "content": "Two"}],
            [{"role": "user", "content": [_text("One")]}, {"role": "system", "content": [_text("Now be terse.")]}, {"role": "user", "content": [_text("Two")]}],
        ),
    ],
    ids=["string", "parts", "tool-round", "calls-only", "system-in-place"],
)  # fmt: skip
def test_it_turns_messages_into_anthropic_blocks(messages, expected):
    assert _request(messages)["messages"] == expected


def test_it_makes_leading_system_and_developer_messages_the_system_text_in_order():
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
        {"role": "user", "content": "Hi"},
    ]

    request = translate({"model": "gpt-4o", "messages": messages}).validated()

    assert request.system_text == "You are terse.\nUse metric units."
    assert [message.role for message in request.messages] == ["user"]


@pytest.mark.parametrize(
    ("fields", "tool_choice"),
    [
        ({"tool_choice": "auto"}, {"type": "auto"}),
        ({"tool_choice": "none"}, {"type": "none"}),
        ({"tool_choice": "required"}, {"type": "any"}),
        ({"tool_choice": {"type": "function", "function": {"name": "read"}}}, {"type": "tool", "name": "read"}),
        ({"parallel_tool_calls": False}, {"type": "auto", "disable_parallel_tool_use": True}),
        ({"tool_choice": "required", "parallel_tool_calls": False}, {"type": "any", "disable_parallel_tool_use": True}),
        ({"parallel_tool_calls": True}, None),
    ],
)
def test_it_translates_tool_choice(fields, tool_choice):
    request = _request(tools=[READ], **fields)

    assert request.get("tool_choice") == tool_choice
    assert request["tools"] == [{"name": "read", "description": "Read a file", "input_schema": {"type": "object"}}]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stop": "END"}, {"stop_sequences": ["END"]}),
        ({"stop": ["END", "STOP"]}, {"stop_sequences": ["END", "STOP"]}),
        ({"stop": None}, {}),
        ({"stop": []}, {}),
        ({"max_tokens": 50}, {"max_tokens": 50}),
        ({"max_completion_tokens": 60, "max_tokens": 50}, {"max_tokens": 60}),
        ({"reasoning_effort": "minimal"}, {"output_config": {"effort": "low"}}),
        ({"reasoning_effort": "high"}, {"output_config": {"effort": "high"}}),
        ({"reasoning_effort": "none"}, {"output_config": {"effort": "low"}}),  # the least there is, as on /v1/responses
        ({"stream": True}, {"stream": True}),
        ({"temperature": 1.7, "top_p": 0.5, "frequency_penalty": 1, "presence_penalty": 1, "seed": 3, "user": "u",
          "logit_bias": {"50256": -100}, "metadata": {"a": "b"}, "store": True, "n": 1}, {}),
    ],
)  # fmt: skip
def test_it_translates_the_parameters(fields, expected):
    request = _request(**fields)

    assert request == {"model": "gpt-4o", "messages": [{"role": "user", "content": [_text("Hi")]}], "stream": False, **expected}


def test_it_asks_for_json_as_structured_outputs():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}

    as_object = _request([{"role": "system", "content": "Be exact."}, {"role": "user", "content": "Hi"}], response_format={"type": "json_object"})
    as_schema = _request(response_format={"type": "json_schema", "json_schema": {"name": "count", "schema": schema, "strict": True}})

    assert as_object["output_config"] == {"format": {"type": "json_schema", "schema": {"type": "object"}}}
    assert as_object["system"] == [_text("Be exact.")]
    assert as_schema["output_config"]["format"] == {"type": "json_schema", "schema": schema}
    assert "output_config" not in _request(response_format={"type": "text"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "read", "arguments": "{nope"}}]}]},
         "messages.1.tool_calls.0.function.arguments: is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        ({"messages": [{"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "read", "arguments": "[1]"}}]}]},
         "messages.0.tool_calls.0.function.arguments: must be a JSON object"),
        ({"messages": [{"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "read", "arguments": '{"\\udc00": 1}'}}]}]},
         "messages.0.tool_calls.0.function.arguments: holds a lone UTF-16 surrogate, which is not valid text"),
        ({"messages": [{"role": "robot", "content": "Hi"}]},
         "messages.0.role: Input should be one of ['system', 'developer', 'user', 'assistant', 'tool'], not 'robot'"),
        ({"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
         "messages.0.content.0.type: type 'input_audio' is not one of ['text', 'image_url', 'file']"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/cat.png"}}]}]},
         "messages.0.content.0.image_url.url: expected an http(s) URL or a base64 data URL (data:image/png;base64,…)"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages.0.tool_call_id: Field required"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages.0.content: Input should be a valid list"),
        ({"messages": "Hi"}, "messages: Input should be a valid list"),
        ({"messages": [{"role": "system", "content": "Only rules."}]}, "messages: List should have at least 1 item after validation, not 0"),
        ({"model": None}, "model: Field required"),
        ({"n": 2}, "n: only 1 choice can be generated, not 2"),
        ({"logprobs": True}, "logprobs: log probabilities are not available from Claude Code"),
        ({"top_logprobs": 3}, "top_logprobs: log probabilities are not available from Claude Code"),
        ({"max_tokens": 0}, "max_tokens: Input should be an integer of at least 1, not 0"),
        ({"max_completion_tokens": "many"}, "max_completion_tokens: Input should be an integer of at least 1, not 'many'"),
        ({"stop": ["END", 4]}, "stop.1: Input should be a valid string"),
        ({"stream": "yes"}, "stream: Input should be a valid boolean"),
        ({"stream_options": {"include_usage": "yes"}}, "stream_options.include_usage: Input should be a valid boolean"),
        ({"reasoning_effort": "huge"}, "reasoning_effort: expected one of none, minimal, low, medium, high, xhigh, max, got 'huge'"),
        ({"tools": [{"type": "custom", "custom": {"name": "x"}}]}, "tools.0.type: only 'function' tools are supported, not 'custom'"),
        ({"tools": [{"type": "function", "function": {"name": "x" * 129}}]}, "tools.0.function.name: String should have at most 128 characters"),
        ({"tools": [READ], "tool_choice": {"type": "function", "function": {"name": "write"}}}, "tool_choice.function.name: no tool named 'write' in tools"),
        ({"tool_choice": "required"}, "tool_choice: asks for a tool call, but no tools are given"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:text/html;base64,PGI+"}}]}]},
         "messages.0.content.0.image_url.url: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@"}}]}]},
         "messages.0.content.0.image_url.url: is not valid base64"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,R0lGODlhAQABAAAAACw="}}]}]},
         "messages.0.content.0.image_url.url: the image is labelled image/png but its bytes are image/gif"),
        ({"tools": [{"type": "function", "function": {"name": "f"}}] * 2}, "tools.1.function.name: two tools are named 'f'"),
        ({"tool_choice": "always"}, "tool_choice: Input should be one of ['auto', 'none', 'required'] or a function, not 'always'"),
        ({"response_format": {"type": "yaml"}}, "response_format.type: Input should be one of ['text', 'json_object', 'json_schema'], not 'yaml'"),
        ({"response_format": {"type": "json_schema", "json_schema": {"name": "l", "schema": {"type": "array"}}}},
         "response_format.json_schema.schema: the schema's root must be an object schema (type: object)"),
        ({"functions": [{"name": "x"}]}, "functions: deprecated; send `tools` and `tool_choice` instead"),
        ({"messages": [{"role": "assistant", "tool_calls": [{**CALL, "id": "c" * 257}]}]},
         "messages.0.tool_calls.0.id: String should have at most 256 characters"),
        ({"messages": [{"role": "assistant", "content": None, "tool_calls": [CALL]}, {"role": "tool", "tool_call_id": "t" * 257, "content": "x"}]},
         "messages.1.tool_call_id: String should have at most 256 characters"),
    ],
)  # fmt: skip
def test_it_refuses_bad_input_naming_the_field(body, message):
    assert _refusal(body) == message


@pytest.mark.parametrize(
    ("meta", "body", "key"),
    [
        ({"HTTP_SESSION_ID": "codex-1"}, {}, ("header", "codex-1")),
        ({"HTTP_THREAD_ID": "thread-9"}, {"prompt_cache_key": "cache-1"}, ("header", "thread-9")),
        ({}, {"prompt_cache_key": "cache-1"}, ("header", "cache-1")),
        ({"HTTP_X_SESSION_ID": "ses_1", "HTTP_SESSION_ID": "codex-1"}, {}, ("header", "ses_1")),
        ({}, {"user": "someone"}, ("fingerprint", None)),
    ],
)
def test_it_names_the_conversation_from_openai_clients_hints(meta, body, key):
    headers = HttpHeaders(meta)
    messages = [{"role": "user", "content": [_text("Hi")]}]

    kind, name, _ = conversation_key(headers, messages, "", named=conversation_name(headers, body))

    assert (kind, name if key[1] else None) == key


SCALARS = st.none() | st.booleans() | st.integers(-5, 300) | st.floats(allow_nan=False) | st.text(max_size=12)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)
PARTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image_url", "file", "refusal", "input_audio", ""]) | JSON_VALUES},
    optional={"text": JSON_VALUES, "image_url": JSON_VALUES | st.fixed_dictionaries({"url": st.sampled_from(["data:image/png;base64,", "https://x/y.png", "data:image/png;base64,AA"]) | JSON_VALUES}),
              "file": JSON_VALUES, "refusal": JSON_VALUES},
)  # fmt: skip
CALLS = st.fixed_dictionaries(
    {},
    optional={"id": JSON_VALUES, "type": st.just("function") | JSON_VALUES,
              "function": st.fixed_dictionaries({}, optional={"name": JSON_VALUES, "arguments": st.sampled_from(["", "{}", "[]", "{x"]) | JSON_VALUES})},
)  # fmt: skip
MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "robot"]) | JSON_VALUES},
    optional={"content": st.text(max_size=10) | st.lists(PARTS, max_size=3) | JSON_VALUES,
              "tool_calls": st.lists(CALLS, max_size=2) | JSON_VALUES, "tool_call_id": JSON_VALUES},
)  # fmt: skip
BODIES = st.fixed_dictionaries(
    {},
    optional={
        name: JSON_VALUES | values
        for name, values in {
            "model": st.just("gpt-4o"), "messages": st.lists(MESSAGES, max_size=4), "tools": st.lists(st.just(READ), max_size=1),
            "tool_choice": st.sampled_from(["auto", "none", "required", {"type": "function", "function": {"name": "read"}}]),
            "parallel_tool_calls": st.booleans(), "stop": st.text(max_size=5), "max_tokens": st.integers(0, 9),
            "max_completion_tokens": st.integers(0, 9), "reasoning_effort": st.sampled_from(list(EFFORTS)),
            "response_format": st.sampled_from([{"type": "json_object"}, {"type": "json_schema", "json_schema": {"schema": {}}}]),
            "stream": st.booleans(), "stream_options": st.just({"include_usage": True}), "n": st.integers(0, 3),
            "logprobs": st.booleans(), "top_logprobs": st.integers(0, 3), "modalities": st.just(["text", "audio"]),
        }.items()
    },
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_it_answers_any_body_with_a_request_or_a_400(body):
    try:
        translate(body).validated()
    except ApiError as error:
        assert error.status == 400
