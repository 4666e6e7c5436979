"""Non-streaming: one message with every block, the CLI's stop_reason and real usage."""

import anthropic
import httpx

from tests.helpers import logged, message_body
from tests.upstream import replies


def _client(proxy):
    return anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)


def test_it_answers_the_official_client_with_one_message(proxy, upstream):
    upstream.enqueue(replies.text("Four.", input_tokens=23, output_tokens=3))

    message = _client(proxy).messages.create(
        model="claude-opus-4-1",
        max_tokens=100,
        messages=[{"role": "user", "content": "2 + 2?"}],
    )

    assert message.type == "message"
    assert message.role == "assistant"
    assert message.model == "claude-opus-4-1"
    assert message.id.startswith("msg_fake")
    assert [(block.type, block.text) for block in message.content] == [("text", "Four.")]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (23, 3)
    [sent] = upstream.message_requests()
    assert "opus" in sent.body["model"]
    assert sent.user_texts()[0] == "2 + 2?"


def test_it_ends_the_answer_at_max_tokens_as_the_api_does(proxy, upstream):
    # The CLI would resume a cut answer by itself; the client asked for this many tokens.
    upstream.enqueue(replies.text("First half, ", stop_reason="max_tokens"), replies.text("second half."))

    message = _client(proxy).messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=[{"role": "user", "content": "Go"}])

    assert message.stop_reason == "max_tokens"
    assert [block.text for block in message.content] == ["First half, "]
    assert upstream.message_requests()[0].body["max_tokens"] == 5


def test_it_keeps_thinking_blocks_with_their_signature(proxy, upstream):
    upstream.enqueue(replies.thinking_then_text("Six times seven.", "42"))

    thinking = {"type": "enabled", "budget_tokens": 2048}
    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("6*7?", stream=False, thinking=thinking), timeout=60)

    assert response.status_code == 200
    content = response.json()["content"]
    assert content == [
        {"type": "thinking", "thinking": "Six times seven.", "signature": "c2lnbmF0dXJl"},
        {"type": "text", "text": "42"},
    ]


def test_it_logs_tokens_and_timings(proxy, upstream):
    upstream.enqueue(replies.text("Logged.", input_tokens=31, output_tokens=5))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False), timeout=60)

    row = logged(response.headers["x-request-id"])
    assert (row.status, row.stream, row.model, row.error_type) == (200, False, "claude-sonnet-4-5", "")
    assert (row.input_tokens, row.output_tokens) == (31, 5)
    assert row.endpoint == "/v1/messages"
    assert row.claude_session_id == response.headers["x-claude-session-id"]
    assert row.queue_wait_ms is not None and row.ttfb_ms is not None
    assert row.duration_ms >= row.ttfb_ms


def test_it_keeps_the_request_id_the_client_sent(proxy, upstream):
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body(stream=False),
        headers={"x-request-id": "client-chosen-id-1"},
        timeout=60,
    )

    assert response.headers["x-request-id"] == "client-chosen-id-1"
    assert response.headers["request-id"] == "client-chosen-id-1"
    assert logged("client-chosen-id-1").status == 200


def test_it_replays_a_history_as_real_messages(proxy, upstream):
    body = message_body(stream=False)
    body["messages"] = [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello Ada."}]},
        {"role": "user", "content": "What is my name?"},
    ]

    httpx.post(f"{proxy.url}/v1/messages", json=body, timeout=60)

    [sent] = upstream.message_requests()
    assert sent.history() == [("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", "What is my name?")]


def test_it_sends_images_to_the_model_as_image_blocks(proxy, upstream):
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    body = message_body(stream=False)
    body["messages"] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": pixel}},
            ],
        }
    ]

    response = httpx.post(f"{proxy.url}/v1/messages", json=body, timeout=60)

    assert response.status_code == 200
    [sent] = upstream.message_requests()
    first = sent.body["messages"][0]["content"]
    assert {"type": "text", "text": "What is in this picture?"} in first
    images = [block for block in first if block["type"] == "image"]
    assert [image["source"]["data"] for image in images] == [pixel]


def test_it_answers_with_a_system_prompt_too_long_for_a_command_line(proxy, upstream):
    system = "Be brief. " * 20_000 + "The end of a 200 KB system prompt."

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False, system=system), timeout=60)

    assert response.status_code == 200
    [sent] = upstream.message_requests()
    assert sent.system_text().endswith(system)


def test_it_answers_with_one_message_when_a_request_leaves_stream_out(proxy, upstream):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]}

    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"user-agent": "ai-sdk/anthropic"}, timeout=60)

    assert response.headers["content-type"] == "application/json"
    assert response.json()["content"] == [{"type": "text", "text": "Hello from the fake upstream."}]
