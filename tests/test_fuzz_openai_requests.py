"""Fuzzing both OpenAI wires with generated requests (Chat Completions, the Responses
API): whatever comes in, the answer is never a 5xx, every error is OpenAI's envelope
({"error": {message, type, param, code}}), and every request has its log row."""

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import EXAMPLES, FUZZ_SETTINGS, JSON_VALUES, RAW_BODIES, RUN_TIMEOUT, fuzzed_proxy_for
from tests.helpers import logged

TEXT = st.text(max_size=30)
MODELS = st.sampled_from(["claude-sonnet-4-5", "gpt-4o", "anything"]) | JSON_VALUES
EFFORTS = st.sampled_from(["none", "minimal", "low", "medium", "high", "xhigh", "max", ""]) | JSON_VALUES
SCHEMAS = st.just({"type": "object", "properties": {"x": {"type": "string"}}}) | JSON_VALUES
URLS = st.sampled_from(
    ["data:image/png;base64,iVBORw0KGgo=", "data:image/gif;base64,R0lGODlh", "data:text/html;base64,PGI+", "data:;base64,@@", "https://example.com/a.png", ""]
) | JSON_VALUES

CHAT_PARTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image_url", "input_audio", "file", "refusal", "x"]) | JSON_VALUES},
    optional={
        "text": TEXT | JSON_VALUES,
        "image_url": st.fixed_dictionaries({"url": URLS}) | JSON_VALUES,
        "file": st.fixed_dictionaries({}, optional={"file_data": URLS, "filename": TEXT}) | JSON_VALUES,
        "refusal": TEXT,
    },
)
TOOL_CALLS = st.fixed_dictionaries(
    {"id": TEXT | JSON_VALUES, "type": st.sampled_from(["function", "custom", ""])},
    optional={"function": st.fixed_dictionaries({"name": TEXT | JSON_VALUES}, optional={"arguments": TEXT | JSON_VALUES}) | JSON_VALUES},
)
CHAT_MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", ""]) | JSON_VALUES},
    optional={
        "content": TEXT | st.lists(CHAT_PARTS, max_size=3) | JSON_VALUES,
        "tool_calls": st.lists(TOOL_CALLS, max_size=2) | JSON_VALUES,
        "tool_call_id": TEXT | JSON_VALUES,
        "name": TEXT,
    },
)
CHAT_TOOLS = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["function", "custom", ""])},
        optional={"function": st.fixed_dictionaries({"name": st.sampled_from(["read", "read", "", "bad name"])}, optional={"parameters": SCHEMAS}) | JSON_VALUES},
    ),
    max_size=3,
) | JSON_VALUES
CHAT_REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "model": MODELS,
        "messages": st.lists(CHAT_MESSAGES, max_size=3) | JSON_VALUES,
        "stream": st.booleans() | JSON_VALUES,
        "max_tokens": st.integers(-5, 10**6) | JSON_VALUES,
        "max_completion_tokens": st.integers(-5, 10**6) | JSON_VALUES,
        "tools": CHAT_TOOLS,
        "tool_choice": st.sampled_from(["auto", "none", "required", "x"]) | st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries({"name": TEXT})}) | JSON_VALUES,
        "response_format": st.fixed_dictionaries({"type": st.sampled_from(["text", "json_object", "json_schema", "x"])}, optional={"json_schema": JSON_VALUES}) | JSON_VALUES,
        "reasoning_effort": EFFORTS,
        "temperature": JSON_VALUES,
        "stop": TEXT | st.lists(TEXT, max_size=5) | JSON_VALUES,
        "n": JSON_VALUES,
        "stream_options": JSON_VALUES,
        "metadata": JSON_VALUES,
    },
)
VALID_CHAT = st.fixed_dictionaries(
    {"model": st.sampled_from(["claude-sonnet-4-5", "gpt-4o"]), "messages": st.lists(st.fixed_dictionaries({"role": st.just("user"), "content": st.text(min_size=1, max_size=30)}), min_size=1, max_size=2)},
    optional={"stream": st.booleans(), "max_tokens": st.integers(1, 4096), "reasoning_effort": st.sampled_from(["none", "low", "high"])},
)

CONTENT_PARTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["input_text", "output_text", "input_image", "input_file", "refusal", "x"]) | JSON_VALUES},
    optional={"text": TEXT | JSON_VALUES, "image_url": URLS, "file_data": URLS, "filename": TEXT},
)
ITEMS = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "function_call", "function_call_output", "reasoning", "item_reference", "x"]) | JSON_VALUES},
    optional={
        "role": st.sampled_from(["user", "assistant", "system", "developer", ""]) | JSON_VALUES,
        "content": TEXT | st.lists(CONTENT_PARTS, max_size=3) | JSON_VALUES,
        "call_id": TEXT | JSON_VALUES,
        "name": TEXT | JSON_VALUES,
        "arguments": TEXT | JSON_VALUES,
        "output": TEXT | JSON_VALUES,
        "id": TEXT | JSON_VALUES,
        "encrypted_content": TEXT | JSON_VALUES,
        "summary": JSON_VALUES,
    },
)
RESPONSES_REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "model": MODELS,
        "input": TEXT | st.lists(ITEMS, max_size=3) | JSON_VALUES,
        "instructions": TEXT | JSON_VALUES,
        "stream": st.booleans() | JSON_VALUES,
        "store": st.booleans() | JSON_VALUES,
        "max_output_tokens": st.integers(-5, 10**6) | JSON_VALUES,
        "tools": st.lists(st.fixed_dictionaries({"type": st.sampled_from(["function", "namespace", "web_search", ""])}, optional={"name": TEXT, "parameters": SCHEMAS, "tools": JSON_VALUES}), max_size=3) | JSON_VALUES,
        "tool_choice": st.sampled_from(["auto", "none", "required"]) | JSON_VALUES,
        "reasoning": st.fixed_dictionaries({}, optional={"effort": EFFORTS, "summary": JSON_VALUES}) | JSON_VALUES,
        "text": st.fixed_dictionaries({}, optional={"format": JSON_VALUES, "verbosity": JSON_VALUES}) | JSON_VALUES,
        "previous_response_id": TEXT | JSON_VALUES,
        "include": JSON_VALUES,
        "metadata": JSON_VALUES,
    },
)
VALID_RESPONSES = st.fixed_dictionaries(
    {"model": st.sampled_from(["claude-sonnet-4-5", "gpt-5-codex"]), "input": st.text(min_size=1, max_size=30)},
    optional={"stream": st.booleans(), "instructions": st.text(max_size=30), "max_output_tokens": st.integers(16, 4096)},
)


def bodies(valid, fuzzed):
    encoded = lambda data: (json.dumps(data).encode(), "application/json")  # noqa: E731
    return valid.map(encoded) | fuzzed.map(encoded) | JSON_VALUES.map(encoded) | RAW_BODIES


answered = {"/v1/chat/completions": [], "/v1/responses": []}


@pytest.fixture(scope="module")
def fuzzed_proxy(cli_env, upstream_server):
    yield from fuzzed_proxy_for(cli_env, upstream_server)


def post(fuzzed_proxy, path, body):
    proxy, client = fuzzed_proxy
    raw, content_type = body
    request_id = f"fuzz-openai-{uuid.uuid4().hex}"
    headers = {"x-request-id": request_id, **({"content-type": content_type} if content_type else {})}

    response = client.post(f"{proxy.url}{path}", content=raw, headers=headers)

    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}, error
        assert isinstance(error["message"], str) and isinstance(error["type"], str)
    row = logged(request_id)
    assert row is not None and row.status == response.status_code
    answered[path].append(response.status_code)


@RUN_TIMEOUT
@FUZZ_SETTINGS
@given(body=bodies(VALID_CHAT, CHAT_REQUESTS))
def test_chat_completions_never_fail_with_a_5xx_and_log_every_request(fuzzed_proxy, body):
    post(fuzzed_proxy, "/v1/chat/completions", body)


@RUN_TIMEOUT
@FUZZ_SETTINGS
@given(body=bodies(VALID_RESPONSES, RESPONSES_REQUESTS))
def test_responses_never_fail_with_a_5xx_and_log_every_request(fuzzed_proxy, body):
    post(fuzzed_proxy, "/v1/responses", body)


@pytest.mark.parametrize("path", list(answered))
def test_it_fuzzed_at_least_500_requests_per_wire_both_taken_and_refused(path):
    assert len(answered[path]) >= EXAMPLES
    assert {200, 400} <= set(answered[path])  # the fuzzing reached the CLI as well as the parser
