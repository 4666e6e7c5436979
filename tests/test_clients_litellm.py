"""litellm (pip `litellm` 1.110.2) runs on the proxy, offline: `completion` as JSON and streamed,
through its Anthropic provider (/v1/messages) and its `openai/` one (/v1/chat/completions)."""

import os

import pytest

from tests.helpers import logged
from tests.upstream import replies

# Read at import: without it litellm fetches its price list from GitHub (and waits out
# three attempts when offline).
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
if os.environ.get("CI"):
    import litellm
else:
    litellm = pytest.importorskip("litellm", reason="litellm is not installed (.ci/run installs it)")

# litellm's own typed dicts make pydantic warn as they are first used, and its stream
# wrapper reads pydantic's field lists off instances.
pytestmark = [
    pytest.mark.usefixtures("offline"),  # tests/conftest.py: no host but loopback looked up
    pytest.mark.filterwarnings("ignore:Items? .* the `ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings("ignore:Accessing the 'model_(computed_)?fields' attribute on the instance:DeprecationWarning"),
]

def _completion(proxy, prompt, request_id, **options):
    # litellm appends /v1/messages to api_base itself.
    return litellm.completion(
        model="anthropic/claude-sonnet-4-5",
        api_base=proxy.url,
        api_key="dummy",
        messages=[{"role": "user", "content": prompt}],
        extra_headers={"x-request-id": request_id},
        timeout=60,
        num_retries=0,
        **options,
    )


def test_it_answers_litellm_completion_with_a_json_message(proxy, upstream):
    upstream.enqueue(replies.text("Hello from the fake upstream via litellm.", input_tokens=23, output_tokens=9))

    response = _completion(proxy, "Say hello please", "req_litellm_json")

    [choice] = response.choices
    assert (choice.message.role, choice.message.content) == ("assistant", "Hello from the fake upstream via litellm.")
    assert choice.finish_reason == "stop"
    usage = response.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (23, 9, 32)
    row = logged("req_litellm_json")
    assert (row.endpoint, row.status, row.stream, row.model, row.error_type) == ("/v1/messages", 200, False, "claude-sonnet-4-5", "")
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Say hello please")]


def test_it_streams_litellm_completion(proxy, upstream):
    upstream.enqueue(replies.text("Streamed from the fake upstream.", chunks=4, input_tokens=31, output_tokens=6))

    stream = _completion(proxy, "Stream a greeting", "req_litellm_stream", stream=True, stream_options={"include_usage": True})
    chunks = list(stream)

    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "Streamed from the fake upstream."
    finish_reasons = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert finish_reasons == ["stop"]
    [usage] = [chunk.usage for chunk in chunks if getattr(chunk, "usage", None)]
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (31, 6, 37)
    row = logged("req_litellm_stream")
    assert (row.endpoint, row.status, row.stream, row.error_type) == ("/v1/messages", 200, True, "")
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Stream a greeting")]


def _openai_completion(proxy, prompt, request_id, **options):
    # Through litellm's OpenAI-compatible provider: api_base is the /v1 that /chat/completions hangs off.
    return litellm.completion(
        model="openai/claude-sonnet-4-5",
        api_base=f"{proxy.url}/v1",
        api_key="dummy",
        messages=[{"role": "user", "content": prompt}],
        extra_headers={"x-request-id": request_id},
        timeout=60,
        num_retries=0,
        **options,
    )


def test_it_answers_litellm_openai_completion_from_chat_completions(proxy, upstream):
    upstream.enqueue(replies.text("Hello over the OpenAI wire.", input_tokens=17, output_tokens=5))

    response = _openai_completion(proxy, "Say hello the OpenAI way", "req_litellm_openai_json")

    [choice] = response.choices
    assert (choice.message.role, choice.message.content, choice.finish_reason) == ("assistant", "Hello over the OpenAI wire.", "stop")
    assert (response.usage.prompt_tokens, response.usage.completion_tokens, response.usage.total_tokens) == (17, 5, 22)
    row = logged("req_litellm_openai_json")
    assert (row.endpoint, row.status, row.stream, row.model, row.error_type) == ("/v1/chat/completions", 200, False, "claude-sonnet-4-5", "")
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Say hello the OpenAI way")]


def test_it_streams_litellm_openai_completion_from_chat_completions(proxy, upstream):
    upstream.enqueue(replies.text("Streamed over the OpenAI wire.", chunks=4, input_tokens=29, output_tokens=8))

    stream = _openai_completion(proxy, "Stream it the OpenAI way", "req_litellm_openai_stream", stream=True, stream_options={"include_usage": True})
    chunks = list(stream)

    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == "Streamed over the OpenAI wire."
    assert [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason] == ["stop"]
    [usage] = [chunk.usage for chunk in chunks if getattr(chunk, "usage", None)]
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (29, 8, 37)
    row = logged("req_litellm_openai_stream")
    assert (row.endpoint, row.status, row.stream, row.error_type) == ("/v1/chat/completions", 200, True, "")
    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "Stream it the OpenAI way")]
