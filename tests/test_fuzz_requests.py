"""Fuzzing the Messages API with generated requests: whatever comes in, the answer is
never a 5xx, every error is the JSON envelope, and every request has its log row."""

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import EXAMPLES, FUZZ_SETTINGS, JSON_VALUES, RAW_BODIES, RUN_TIMEOUT, fuzzed_proxy_for
from tests.helpers import logged
BLOCK_TYPES = st.sampled_from(["text", "image", "document", "tool_use", "tool_result", "thinking", "search_result", "", 5])
BLOCKS = st.fixed_dictionaries(
    {"type": BLOCK_TYPES},
    optional={
        "text": st.text(max_size=30) | JSON_VALUES,
        "source": JSON_VALUES,
        "id": st.text(max_size=10),
        "name": st.text(max_size=10),
        "input": JSON_VALUES,
        "tool_use_id": st.text(max_size=10),
        "content": st.text(max_size=10) | JSON_VALUES,
        "is_error": JSON_VALUES,
    },
)
MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool", ""]) | JSON_VALUES},
    optional={"content": st.text(max_size=40) | st.lists(BLOCKS, max_size=3) | JSON_VALUES},
)
REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "model": st.text(max_size=30) | JSON_VALUES,
        "messages": st.lists(MESSAGES, max_size=3) | JSON_VALUES,
        "system": st.text(max_size=30) | st.lists(BLOCKS, max_size=2) | JSON_VALUES,
        "stream": st.booleans() | JSON_VALUES,
        "max_tokens": st.integers(-5, 10**6) | JSON_VALUES,
        "tools": st.lists(st.fixed_dictionaries({"name": st.text(max_size=12)}, optional={"input_schema": JSON_VALUES}), max_size=2) | JSON_VALUES,
        "tool_choice": st.fixed_dictionaries({"type": st.sampled_from(["auto", "any", "tool", "none", "x"])}, optional={"name": st.text(max_size=8)}) | JSON_VALUES,
        "temperature": JSON_VALUES,
        "stop_sequences": JSON_VALUES,
        "thinking": JSON_VALUES,
        "metadata": JSON_VALUES,
    },
)
# Requests the API takes, so the fuzzing reaches the CLI too.
VALID_MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant"]), "content": st.text(min_size=1, max_size=30)}
)
VALID_REQUESTS = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "anything"]),
        "messages": st.lists(VALID_MESSAGES, min_size=1, max_size=3),
    },
    optional={
        "stream": st.booleans(),
        "max_tokens": st.integers(1, 4096),
        "system": st.text(max_size=30),
        "temperature": st.floats(0, 1),
        "stop_sequences": st.lists(st.text(min_size=1, max_size=5), max_size=2),
        "metadata": st.fixed_dictionaries({"user_id": st.text(max_size=10)}),
    },
)
BODIES = (
    VALID_REQUESTS.map(lambda data: (json.dumps(data).encode(), "application/json"))
    | REQUESTS.map(lambda data: (json.dumps(data).encode(), "application/json"))
    | JSON_VALUES.map(lambda data: (json.dumps(data).encode(), "application/json"))
    | RAW_BODIES
)

answered = []


@pytest.fixture(scope="module")
def fuzzed_proxy(cli_env, upstream_server):
    yield from fuzzed_proxy_for(cli_env, upstream_server)


@RUN_TIMEOUT
@FUZZ_SETTINGS
@given(body=BODIES)
def test_it_never_fails_with_a_5xx_and_logs_every_request(fuzzed_proxy, body):
    proxy, client = fuzzed_proxy
    raw, content_type = body
    request_id = f"fuzz-{uuid.uuid4().hex}"
    headers = {"x-request-id": request_id, **({"content-type": content_type} if content_type else {})}

    response = client.post(f"{proxy.url}/v1/messages", content=raw, headers=headers)

    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        envelope = response.json()
        assert envelope["type"] == "error"
        assert isinstance(envelope["error"]["type"], str) and isinstance(envelope["error"]["message"], str)
    row = logged(request_id)
    assert row is not None and row.status == response.status_code
    answered.append(response.status_code)


def test_it_fuzzed_at_least_500_requests_both_taken_and_refused():
    assert len(answered) >= EXAMPLES
    assert {200, 400} <= set(answered)  # the fuzzing reached the CLI as well as the parser
