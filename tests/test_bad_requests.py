"""Bad requests through the real server: a 400 JSON envelope naming the field, logged, never sent upstream."""

import json

import httpx
import pytest

from tests.helpers import logged, message_body
from tests.test_schemas import BAD as PARSER_CASES

JSON = {"content-type": "application/json"}


def raw(**fields):
    """A valid request's bytes with fields replaced; a field given as ... is left out."""
    data = {key: value for key, value in message_body(**fields).items() if value is not ...}
    return json.dumps(data).encode()


def _through_http(case):
    """A parser case of test_schemas (body, content type, message) as an HTTP request."""
    data, content_type, message = case.values
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"content-type": content_type} if content_type else {}
    return pytest.param(content, headers, message, id=case.id)


# Every bad body the parser test pins, sent to the real server.
BAD = [_through_http(case) for case in PARSER_CASES]


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
        ("POST", "/", 404, "not_found_error", "No such endpoint: POST /"),
        ("GET", "/v1/files/x", 404, "not_found_error", "No such endpoint: GET /v1/files/x"),
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
