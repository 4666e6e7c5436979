"""Bad requests through the real server: a 400 JSON envelope naming the field, logged, never sent upstream."""

import json

import httpx
import pytest

from tests.helpers import logged, message_body

JSON = {"content-type": "application/json"}


def raw(**fields):
    """A valid request's bytes with fields replaced; a field given as ... is left out."""
    data = {key: value for key, value in message_body(**fields).items() if value is not ...}
    return json.dumps(data).encode()


def with_content(content):
    return raw(messages=[{"role": "user", "content": content}])


BAD = [
    pytest.param(b"{nope", JSON, "The request body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", id="not-json"),
    pytest.param(b"", JSON, "The request body is not valid JSON: Expecting value: line 1 column 1 (char 0)", id="empty-body"),
    pytest.param(b"[1, 2]", JSON, "The request body must be a JSON object", id="json-array"),
    pytest.param(b'"hello"', JSON, "The request body must be a JSON object", id="json-string"),
    pytest.param(raw(), {"content-type": "text/plain"}, "content-type must be application/json, not 'text/plain'", id="text-plain"),
    pytest.param(raw(), {}, "content-type must be application/json, not 'missing'", id="no-content-type"),
    pytest.param(raw(model=...), JSON, "model: Field required", id="missing-model"),
    pytest.param(raw(model=42), JSON, "model: Input should be a valid string", id="model-not-string"),
    pytest.param(raw(model=""), JSON, "model: String should have at least 1 character", id="model-empty"),
    pytest.param(raw(messages=...), JSON, "messages: Field required", id="missing-messages"),
    pytest.param(raw(messages=[]), JSON, "messages: List should have at least 1 item after validation, not 0", id="messages-empty"),
    pytest.param(raw(messages={"role": "user"}), JSON, "messages: Input should be a valid list", id="messages-not-list"),
    pytest.param(raw(messages=["hi"]), JSON, "messages.0: Input should be a valid dictionary", id="message-not-object"),
    pytest.param(raw(messages=[{"role": "system", "content": "x"}]), JSON, "messages.0.role: Input should be 'user' or 'assistant'", id="role-system"),
    pytest.param(raw(messages=[{"content": "x"}]), JSON, "messages.0.role: Field required", id="missing-role"),
    pytest.param(raw(messages=[{"role": "user"}]), JSON, "messages.0.content: Field required", id="missing-content"),
    pytest.param(with_content(7), JSON, "messages.0.content: Input should be a string or a list of content blocks", id="content-number"),
    pytest.param(
        with_content([{"text": "x"}]), JSON, "messages.0.content.0: Each content block must be an object with a string 'type'", id="block-without-type"
    ),
    pytest.param(with_content([{"type": "text"}]), JSON, "messages.0.content.0.text.text: Field required", id="text-without-text"),
    pytest.param(with_content([{"type": "text", "text": 5}]), JSON, "messages.0.content.0.text.text: Input should be a valid string", id="text-not-string"),
    pytest.param(with_content([{"type": "image"}]), JSON, "messages.0.content.0.image.source: Field required", id="image-without-source"),
    pytest.param(
        with_content([{"type": "image", "source": {"type": "ftp", "url": "ftp://x"}}]),
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
        with_content([{"type": "tool_use", "name": "lookup", "input": {}}]), JSON, "messages.0.content.0.tool_use.id: Field required", id="tool-use-without-id"
    ),
    pytest.param(
        with_content([{"type": "tool_result", "content": "ok"}]),
        JSON,
        "messages.0.content.0.tool_result.tool_use_id: Field required",
        id="tool-result-without-id",
    ),
    pytest.param(raw(stream="yes"), JSON, "stream: Input should be a valid boolean", id="stream-not-bool"),
    pytest.param(raw(max_tokens=0), JSON, "max_tokens: Input should be greater than or equal to 1", id="max-tokens-zero"),
    pytest.param(raw(max_tokens="1024"), JSON, "max_tokens: Input should be a valid integer", id="max-tokens-string"),
    pytest.param(raw(temperature=2), JSON, "temperature: Input should be less than or equal to 1", id="temperature-two"),
    pytest.param(raw(top_k=-1), JSON, "top_k: Input should be greater than or equal to 0", id="top-k-negative"),
    pytest.param(raw(system=3), JSON, "system: Input should be a string or a list of text blocks", id="system-number"),
    pytest.param(raw(system=[{"type": "text"}]), JSON, "system.0.text: Field required", id="system-item-without-text"),
    pytest.param(raw(tools=[{"description": "no name"}]), JSON, "tools.0.name: Field required", id="tool-without-name"),
    pytest.param(raw(stop_sequences="STOP"), JSON, "stop_sequences: Input should be a valid list", id="stop-sequences-string"),
    pytest.param(raw(metadata=["u1"]), JSON, "metadata: Input should be a valid dictionary", id="metadata-list"),
]


@pytest.mark.parametrize(("content", "headers", "message"), BAD)
def test_it_answers_a_bad_request_with_a_logged_400_naming_the_field(proxy, upstream, content, headers, message):
    response = httpx.post(f"{proxy.url}/v1/messages", content=content, headers=headers, timeout=30)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    row = logged(response.headers["x-request-id"])
    assert row is not None
    assert (row.method, row.endpoint, row.status) == ("POST", "/v1/messages", 400)
    assert (row.error_type, row.error_message) == ("invalid_request_error", message)
    assert upstream.message_requests() == []


def test_it_rejects_a_bad_request_on_the_short_path_too(proxy, upstream):
    response = httpx.post(f"{proxy.url}/messages", content=raw(model=...), headers=JSON, timeout=30)

    assert response.status_code == 400
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": "model: Field required"}}
    assert logged(response.headers["x-request-id"]).endpoint == "/messages"
    assert upstream.message_requests() == []


def test_it_rejects_a_body_over_the_size_limit_naming_body(start_proxy, upstream):
    small = start_proxy(CLAUDE_PROXY_MAX_BODY_BYTES="2000")
    content = raw(messages=[{"role": "user", "content": "x" * (5000 - len(raw(messages=[{"role": "user", "content": ""}])))}])
    assert len(content) == 5000
    json.loads(content)

    response = httpx.post(f"{small.url}/v1/messages", content=content, headers=JSON, timeout=30)

    message = "body: the request is larger than the limit of 2000 bytes"
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type, row.error_message) == (400, "invalid_request_error", message)
    assert upstream.message_requests() == []


def test_it_answers_get_on_messages_with_a_405_envelope(proxy, upstream):
    response = httpx.get(f"{proxy.url}/v1/messages", timeout=30)

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"
    assert response.headers["allow"] == "POST"
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": "Method GET not allowed; use POST"}}
    row = logged(response.headers["x-request-id"])
    assert (row.method, row.status, row.error_type) == ("GET", 405, "invalid_request_error")
    assert upstream.message_requests() == []


@pytest.mark.parametrize(
    ("method", "path", "status", "error_type", "message"),
    [
        ("GET", "/", 404, "not_found_error", "No such endpoint: GET /"),
        ("GET", "/v1/models/x", 404, "not_found_error", "No such endpoint: GET /v1/models/x"),
        ("POST", "/v1/nothing", 404, "not_found_error", "No such endpoint: POST /v1/nothing"),
        ("POST", "/v1/messages/", 404, "not_found_error", "No such endpoint: POST /v1/messages/"),
        ("DELETE", "/messages", 405, "invalid_request_error", "Method DELETE not allowed; use POST"),
        ("PUT", "/v1/messages", 405, "invalid_request_error", "Method PUT not allowed; use POST"),
    ],
)
def test_it_answers_unknown_paths_and_methods_with_json_envelopes_never_html(proxy, upstream, method, path, status, error_type, message):
    response = httpx.request(method, f"{proxy.url}{path}", content=raw(), headers=JSON, timeout=30)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert b"<html" not in response.content.lower()
    assert response.json() == {"type": "error", "error": {"type": error_type, "message": message}}
    if status == 405:
        assert response.headers["allow"] == "POST"
    row = logged(response.headers["x-request-id"])
    assert (row.method, row.endpoint, row.status, row.error_type, row.error_message) == (method, path, status, error_type, message)
    assert upstream.message_requests() == []


def test_it_keeps_a_request_id_the_client_sent(proxy, upstream):
    response = httpx.post(f"{proxy.url}/v1/messages", content=b"{", headers={**JSON, "x-request-id": "client-id-123"}, timeout=30)

    assert response.status_code == 400
    assert response.headers["x-request-id"] == "client-id-123"
    assert response.headers["request-id"] == "client-id-123"
    assert logged("client-id-123").status == 400
