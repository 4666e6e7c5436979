"""POST /v1/responses through the official openai client: answers, streamed events,
function-call rounds resolved on the live CLI, previous_response_id from the database,
errors in OpenAI's envelope; both what the client got and what the upstream received."""

import json

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sessions_admin.models import Conversation, StoredResponse
from tests.helpers import logged
from tests.openai_helpers import EXEC_COMMAND
from tests.upstream import replies

pytestmark = pytest.mark.usefixtures("stored_responses")  # tests/conftest.py

AGENTS = {
    "type": "namespace",
    "name": "multi_agent_v1",
    "description": "Tools for sub-agents.",
    "tools": [{"type": "function", "name": "close_agent", "parameters": {"type": "object", "properties": {"target": {"type": "string"}}}}],
}


def _client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="dummy", max_retries=0)


def _create(proxy, **fields):
    """(the Response, the request's log row)."""
    raw = _client(proxy).responses.with_raw_response.create(**fields)
    return raw.parse(), logged(raw.headers["x-request-id"])


def _stream(proxy, **fields):
    """(the events as the client's types parsed them, the request's log row)."""
    raw = _client(proxy).responses.with_raw_response.create(stream=True, **fields)
    events = list(raw.parse())
    return events, logged(raw.headers["x-request-id"])


def _echo(response):
    """A response's output items as Codex sends them back in the next input."""
    return [item.model_dump(exclude_none=True) for item in response.output]


def test_it_answers_the_official_client_with_one_response(proxy, upstream):
    upstream.enqueue(replies.text("Four.", input_tokens=23, output_tokens=3))

    response, row = _create(proxy, model="gpt-5", input="2 + 2?", instructions="Answer with one word.")

    assert response.id.startswith("resp_")
    assert (response.object, response.status, response.model) == ("response", "completed", "gpt-5")
    assert response.output_text == "Four."
    [message] = response.output
    assert (message.type, message.role, message.status, message.id[:4]) == ("message", "assistant", "completed", "msg_")
    assert [(part.type, part.text, part.annotations) for part in message.content] == [("output_text", "Four.", [])]
    assert response.usage.model_dump(exclude_none=True) == {
        "input_tokens": 23, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 3, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 26,
    }  # fmt: skip
    assert response.incomplete_details is None and response.error is None
    [sent] = upstream.message_requests()
    assert sent.user_texts()[0] == "2 + 2?"
    assert "Answer with one word." in sent.system_text()
    assert (row.endpoint, row.status, row.model, row.stream, row.error_type) == ("/v1/responses", 200, "gpt-5", False, "")
    assert (row.input_tokens, row.output_tokens) == (23, 3)


def test_it_streams_events_the_client_parses_in_order(proxy, upstream):
    upstream.enqueue(replies.text("Paris is the capital.", chunks=3))

    events, row = _stream(proxy, model="gpt-5", input="Capital of France?")

    assert [event.type for event in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert type(events[4]).__name__ == "ResponseTextDeltaEvent"
    assert "".join(event.delta for event in events if event.type == "response.output_text.delta") == "Paris is the capital."
    completed = events[-1].response
    assert (completed.status, completed.output_text, completed.id) == ("completed", "Paris is the capital.", events[0].response.id)
    assert (completed.usage.input_tokens, completed.usage.output_tokens) == (11, 7)
    [sent] = upstream.message_requests()
    assert sent.user_texts()[0] == "Capital of France?"
    assert (row.status, row.stream, row.ttfb_ms is not None) == (200, True, True)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_returns_a_function_call_and_sends_its_output_to_the_model_in_one_call(proxy, upstream, stream):
    upstream.enqueue(
        replies.tool_use("mcp__client__exec_command", {"cmd": "ls"}, tool_id="toolu_exec1"),
        replies.text("There is one file: a.txt."),
    )
    session = {"session-id": f"responses-round-{stream}"}
    question = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is here?"}]}]

    def ask(items):
        if stream:
            events, row = _stream(proxy, model="gpt-5", input=items, tools=[EXEC_COMMAND], extra_headers=session)
            return events[-1].response, row, events
        response, row = _create(proxy, model="gpt-5", input=items, tools=[EXEC_COMMAND], extra_headers=session)
        return response, row, None

    first, first_row, events = ask(question)

    assert first.status == "completed"
    assert [item.type for item in first.output] == ["message", "function_call"]
    call = first.output[1]
    assert (call.call_id, call.name, json.loads(call.arguments), call.status) == ("toolu_exec1", "exec_command", {"cmd": "ls"}, "completed")
    assert call.id.startswith("fc_") and call.namespace is None
    if stream:
        assert [event.type for event in events[-6:]] == [
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    assert len(upstream.message_requests()) == 1
    assert first_row.tool_calls == [{"id": "toolu_exec1", "name": "exec_command"}]

    result = {"type": "function_call_output", "call_id": "toolu_exec1", "output": "a.txt\n"}
    second, second_row, _ = ask([*question, *_echo(first), result])

    assert second.output_text == "There is one file: a.txt."
    calls = upstream.message_requests()
    assert len(calls) == 2  # the output resolved the call the live CLI waited on: no replay
    assert calls[1].tool_results() == [("toolu_exec1", "a.txt\n", False)]
    assert [tool["name"] for tool in calls[0].body["tools"] if tool["name"].startswith("mcp__client__")] == ["mcp__client__exec_command"]
    assert (second_row.lineage, second_row.tool_results) == ("continuation", [{"tool_use_id": "toolu_exec1", "is_error": False}])


def test_it_gives_a_namespaced_call_back_as_namespace_and_name(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__multi_agent_v1__close_agent", {"target": "a1"}, tool_id="toolu_close1", preamble="Closing."),
        replies.text("Closed."),
    )
    session = {"session-id": "responses-namespace"}
    question = [{"role": "user", "content": "Close agent a1."}]

    first, first_row = _create(proxy, model="gpt-5", input=question, tools=[EXEC_COMMAND, AGENTS], extra_headers=session)

    call = first.output[1]
    assert (call.call_id, call.namespace, call.name, call.arguments) == ("toolu_close1", "multi_agent_v1", "close_agent", '{"target": "a1"}')
    [sent] = upstream.message_requests()
    assert sorted(t["name"] for t in sent.body["tools"] if t["name"].startswith("mcp__client__")) == [
        "mcp__client__exec_command",
        "mcp__client__multi_agent_v1__close_agent",
    ]

    result = {"type": "function_call_output", "call_id": "toolu_close1", "output": "previous status: running"}
    second, second_row = _create(proxy, model="gpt-5", input=[*question, *_echo(first), result], tools=[EXEC_COMMAND, AGENTS], extra_headers=session)

    assert second.output_text == "Closed."
    calls = upstream.message_requests()
    assert len(calls) == 2
    assert calls[1].tool_results() == [("toolu_close1", "previous status: running", False)]
    assert first_row.tool_calls == [{"id": "toolu_close1", "name": "multi_agent_v1__close_agent"}]
    assert (second_row.status, second_row.lineage) == (200, "continuation")


def test_it_continues_a_stored_response_in_a_server_started_afterwards(proxy, start_proxy, upstream):
    """The response is read from the database: a new server process (as after a restart)
    knows nothing else of it."""
    upstream.enqueue(replies.text("Hello Ada."), replies.text("Your name is Ada."))

    first, first_row = _create(proxy, model="gpt-5", input="My name is Ada.")
    after = start_proxy()
    second, second_row = _create(after, model="gpt-5", input="What is my name?", previous_response_id=first.id)

    assert second.output_text == "Your name is Ada."
    assert second.previous_response_id == first.id
    calls = upstream.message_requests()
    assert len(calls) == 2
    assert calls[1].history() == [("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", "What is my name?")]
    stored = StoredResponse.objects.get(response_id=second.id)
    assert [item.get("role") for item in stored.items] == ["user", "assistant", "user", "assistant"]
    assert stored.output_items[0]["content"][0]["text"] == "Your name is Ada."
    assert (first_row.status, second_row.status) == (200, 200)


def test_it_resolves_a_function_call_answered_through_previous_response_id(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__exec_command", {"cmd": "date"}, tool_id="toolu_date1"),
        replies.text("It is Monday."),
    )

    first, first_row = _create(proxy, model="gpt-5", input="What day is it? (previous_response_id)", tools=[EXEC_COMMAND])
    result = {"type": "function_call_output", "call_id": "toolu_date1", "output": "Mon"}
    second, row = _create(proxy, model="gpt-5", input=[result], tools=[EXEC_COMMAND], previous_response_id=first.id)

    assert second.output_text == "It is Monday."
    calls = upstream.message_requests()
    assert len(calls) == 2
    assert calls[1].tool_results() == [("toolu_date1", "Mon", False)]
    assert (first_row.status, first_row.tool_calls) == (200, [{"id": "toolu_date1", "name": "exec_command"}])
    assert (row.status, row.lineage) == (200, "continuation")


def test_it_stores_nothing_when_the_client_says_store_false(proxy, upstream):
    response, row = _create(proxy, model="gpt-5", input="Do not keep this.", store=False)

    assert response.store is False
    assert not StoredResponse.objects.filter(response_id=response.id).exists()
    with pytest.raises(openai.BadRequestError) as raised:
        _client(proxy).responses.create(model="gpt-5", input="And now?", previous_response_id=response.id)
    assert row.status == 200
    assert logged(raised.value.response.headers["x-request-id"]).status == 400


def test_it_refuses_an_unknown_previous_response_id(proxy, upstream):
    raw = httpx.post(
        f"{proxy.url}/v1/responses", json={"model": "gpt-5", "input": "Hi", "previous_response_id": "resp_nope"}, timeout=30
    )

    assert raw.status_code == 400
    message = "previous_response_id: Previous response with id 'resp_nope' not found."
    assert raw.json() == {"error": {"message": message, "type": "invalid_request_error", "param": "previous_response_id", "code": None}}
    with pytest.raises(openai.BadRequestError) as raised:
        _client(proxy).responses.create(model="gpt-5", input="Hi", previous_response_id="resp_nope")
    assert (raised.value.status_code, raised.value.param) == (400, "previous_response_id")
    assert upstream.message_requests() == []
    row = logged(raw.headers["x-request-id"])
    assert (row.status, row.error_type, row.error_message) == (400, "invalid_request_error", message)


def test_it_refuses_bad_input_in_openais_envelope(proxy, upstream):
    with pytest.raises(openai.BadRequestError) as raised:
        _client(proxy).responses.create(model="gpt-5", input=[{"role": "robot", "content": "Hi"}])

    error = raised.value
    assert error.body == {
        "message": "input[0].role: expected one of user, assistant, system, developer, got 'robot'",
        "type": "invalid_request_error",
        "param": "input[0].role",
        "code": None,
    }
    assert logged(error.response.headers["x-request-id"]).error_message == error.body["message"]
    not_json = httpx.post(f"{proxy.url}/v1/responses", content=b"{nope", headers={"content-type": "application/json"}, timeout=30)
    assert not_json.status_code == 400
    assert not_json.json()["error"]["message"].startswith("The request body is not valid JSON")
    assert set(not_json.json()["error"]) == {"message", "type", "param", "code"}
    wrong_method = httpx.get(f"{proxy.url}/v1/responses", timeout=30)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["message"] == "Method GET not allowed; use POST"
    assert upstream.message_requests() == []
    assert logged(not_json.headers["x-request-id"]).status == 400
    assert logged(wrong_method.headers["x-request-id"]).status == 405


def test_it_answers_at_the_path_without_v1_too(proxy, upstream):
    response = httpx.post(f"{proxy.url}/responses", json={"model": "gpt-5", "input": "Hi"}, timeout=60)
    metrics = text_string_to_metric_families(httpx.get(f"{proxy.url}/metrics", timeout=30).text)

    assert response.status_code == 200
    assert response.json()["output"][0]["content"][0]["text"] == "Hello from the fake upstream."
    row = logged(response.headers["x-request-id"])
    assert (row.endpoint, row.status) == ("/responses", 200)
    # Counted under its own endpoint at /metrics, not as "other".
    counted = {
        sample.labels["endpoint"] for family in metrics if family.name == "claude_proxy_requests" for sample in family.samples
    }
    assert "/responses" in counted


def test_it_gives_a_rate_limit_before_the_answer_as_an_http_429(proxy, upstream):
    upstream.enqueue(replies.error(429, "usage limit"))

    with pytest.raises(openai.RateLimitError) as raised:
        _stream(proxy, model="gpt-5", input="Hi")

    assert (raised.value.status_code, raised.value.code) == (429, "rate_limit_exceeded")
    assert "usage limit" in raised.value.message
    row = logged(raised.value.response.headers["x-request-id"])
    assert (row.status, row.error_type) == (429, "rate_limit_error")


def test_it_ends_a_stream_that_fails_midway_with_response_failed(proxy, upstream):
    upstream.enqueue(replies.cut("This answer is cut off mid"))

    events, row = _stream(proxy, model="gpt-5", input="Tell me a story.")

    assert events[0].type == "response.created"
    assert events[-1].type == "response.failed"
    assert [event.type for event in events].count("response.completed") == 0
    failed = events[-1].response
    assert (failed.status, failed.error.code) == ("failed", "server_error")
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert row.status == 502 and row.error_type == "api_error"


def test_it_takes_the_api_key_on_both_paths_when_one_is_set(start_proxy, upstream):
    guarded = start_proxy(CLAUDE_PROXY_API_KEY="sk-proxy-test")

    for path in ("/v1/responses", "/responses"):
        refused = httpx.post(f"{guarded.url}{path}", json={"model": "gpt-5", "input": "Hi"}, timeout=30)
        assert refused.status_code == 401, path
        assert logged(refused.headers["x-request-id"]).error_type == "authentication_error"
    answered = openai.OpenAI(base_url=f"{guarded.url}/v1", api_key="sk-proxy-test", max_retries=0).responses.create(
        model="gpt-5", input="Hi, guarded"
    )

    assert answered.output_text == "Hello from the fake upstream."
    # Its own calls only: a CLI an earlier test stopped may still land a late retry here.
    assert sum("Hi, guarded" in json.dumps(request.body) for request in upstream.message_requests()) == 1


@pytest.mark.parametrize(
    ("headers", "body", "key"),
    [
        ({"session-id": "codex-name-dash"}, {}, "codex-name-dash"),
        ({"thread-id": "codex-name-thread"}, {}, "codex-name-thread"),
        ({"x-codex-turn-metadata": json.dumps({"thread_id": "codex-name-meta", "turn_id": "t1"})}, {}, "codex-name-meta"),
        ({}, {"prompt_cache_key": "codex-name-cache-key"}, "codex-name-cache-key"),
    ],
    ids=["session-id", "thread-id", "turn-metadata", "prompt_cache_key"],
)
def test_it_names_the_conversation_as_codex_does(proxy, upstream, headers, body, key):
    response = httpx.post(
        f"{proxy.url}/v1/responses", json={"model": "gpt-5", "input": f"Hi from {key}", **body}, headers=headers, timeout=60
    )

    assert response.status_code == 200
    conversation = Conversation.objects.get(key=key)
    assert (conversation.key_kind, conversation.title) == ("header", f"Hi from {key}")
    assert logged(response.headers["x-request-id"]).claude_session_id == conversation.claude_session_id
