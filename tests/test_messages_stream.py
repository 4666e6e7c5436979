"""Streaming: the client sees the CLI's answer as one Anthropic message, byte for byte."""

import anthropic
import httpx

from tests.helpers import logged, message_body, sse_events
from tests.upstream import replies


def test_it_streams_a_reply_to_the_official_client(proxy, upstream):
    upstream.enqueue(replies.text("Paris is the capital of France.", chunks=4))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="dummy")

    with client.messages.stream(
        model="claude-sonnet-5-5",
        max_tokens=256,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()

    assert text == "Paris is the capital of France."
    assert final.model == "claude-sonnet-5-5"
    assert final.stop_reason == "end_turn"
    assert [block.type for block in final.content] == ["text"]
    assert final.usage.input_tokens == 11
    assert final.usage.output_tokens == 7
    [sent] = upstream.message_requests()
    assert sent.user_texts()[0] == "What is the capital of France?"
    assert sent.body["stream"] is True


def test_it_sends_events_in_anthropic_order_with_exact_bytes(proxy, upstream):
    upstream.enqueue(replies.text("Hi there", chunks=2))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Say hi"), timeout=60)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.content.startswith(b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_fake')
    assert response.content.endswith(b'event: message_stop\ndata: {"type":"message_stop"}\n\n')
    events = sse_events(response.content)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(name == data["type"] for name, data in events)
    assert events[2][1] == {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi t"}}
    assert events[5][1]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert events[5][1]["usage"] == {
        "output_tokens": 7,
        "input_tokens": 11,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def test_it_numbers_blocks_contiguously_from_zero(proxy, upstream):
    upstream.enqueue(replies.thinking_then_text("Let me think.", "Forty-two."))

    thinking = {"type": "enabled", "budget_tokens": 2048}
    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Answer?", thinking=thinking), timeout=60)

    events = sse_events(response.content)
    starts = [data for name, data in events if name == "content_block_start"]
    assert [(s["index"], s["content_block"]["type"]) for s in starts] == [(0, "thinking"), (1, "text")]
    indices = [data["index"] for name, data in events if name.startswith("content_block")]
    assert indices == sorted(indices)
    assert set(indices) == {0, 1}


def test_it_echoes_the_model_string_the_client_sent(proxy, upstream):
    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(model="my-haiku-alias"), timeout=60)

    [(name, start)] = [event for event in sse_events(response.content) if event[0] == "message_start"]
    assert start["message"]["model"] == "my-haiku-alias"
    [sent] = upstream.message_requests()
    assert "haiku" in sent.body["model"]


def test_it_streams_on_the_short_path_too(proxy, upstream):
    response = httpx.post(f"{proxy.url}/messages", json=message_body(), timeout=60)

    assert response.headers["content-type"] == "text/event-stream"
    assert sse_events(response.content)[-1] == ("message_stop", {"type": "message_stop"})


def test_it_names_the_real_claude_session_in_a_header(proxy, upstream):
    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(), timeout=60)

    session_id = response.headers["x-claude-session-id"]
    [sent] = upstream.message_requests()
    assert sent.headers["X-Claude-Code-Session-Id"] == session_id
    assert logged(response.headers["x-request-id"]).claude_session_id == session_id


def test_it_gives_the_client_system_prompt_to_the_model(proxy, upstream):
    body = message_body(system=[{"type": "text", "text": "You are a pirate."}, {"type": "text", "text": "Be brief."}])

    httpx.post(f"{proxy.url}/v1/messages", json=body, timeout=60)

    [sent] = upstream.message_requests()
    assert "You are a pirate.\nBe brief." in sent.system_text()


def test_it_reports_the_upstreams_usage_at_both_ends_of_the_stream(proxy, upstream):
    upstream.enqueue(replies.text("Counted.", input_tokens=23, output_tokens=7))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Count my tokens"), timeout=60)

    events = dict(sse_events(response.content))
    assert events["message_start"]["message"]["usage"]["input_tokens"] == 23
    assert events["message_delta"]["usage"] == {
        "input_tokens": 23,
        "output_tokens": 7,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    assert (logged(response.headers["x-request-id"]).input_tokens, logged(response.headers["x-request-id"]).output_tokens) == (23, 7)
