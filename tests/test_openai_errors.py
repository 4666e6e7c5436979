"""The engine's errors in OpenAI's envelope, one mapping for both OpenAI wire formats:
each error class as the exact bytes /v1/chat/completions and /v1/responses answer with
(status, type, code, param), a chat stream's error chunk, and response.failed's code;
then upstream failures through the real CLI, the same on both wires."""

import json

import httpx
import pytest

from messages_api.errors import SHUTTING_DOWN, ApiError
from messages_api.wire import bad, openai_chat, openai_responses
from messages_api.wire.openai_chat import frame
from messages_api.wire.openai_errors import envelope
from messages_api.wire.responses_events import failure_code
from tests.helpers import logged
from tests.upstream import replies

TOO_LONG = "prompt is too long: 210000 tokens > 200000 maximum"

# (error, status, type, code, param, response.failed's code)
ERROR_CLASSES = [
    (ApiError(400, "invalid_request_error", "messages.0.role: bad"), 400, "invalid_request_error", None, "messages.0.role", "server_error"),
    (bad("input[0].role", "expected one of user, assistant"), 400, "invalid_request_error", None, "input[0].role", "server_error"),
    (ApiError(400, "invalid_request_error", "The request body is not valid JSON: x"), 400, "invalid_request_error", None, None, "server_error"),
    (ApiError(400, "invalid_request_error", TOO_LONG), 400, "invalid_request_error", "context_length_exceeded", None, "context_length_exceeded"),
    (ApiError(401, "authentication_error", "log in"), 401, "invalid_request_error", "invalid_api_key", None, "server_error"),
    (ApiError(402, "billing_error", "pay"), 402, "insufficient_quota", "insufficient_quota", None, "insufficient_quota"),
    (ApiError(403, "permission_error", "Permission denied"), 403, "invalid_request_error", "permission_denied", None, "server_error"),
    (ApiError(404, "not_found_error", "No such endpoint: GET /v1/x"), 404, "invalid_request_error", "not_found", None, "server_error"),
    (ApiError(405, "invalid_request_error", "Method GET not allowed; use POST"), 405, "invalid_request_error", None, None, "server_error"),
    (ApiError(429, "rate_limit_error", "wait"), 429, "requests", "rate_limit_exceeded", None, "rate_limit_exceeded"),
    (ApiError(500, "api_error", "Internal server error"), 500, "server_error", None, None, "server_error"),
    (ApiError(502, "api_error", "broke"), 502, "server_error", None, None, "server_error"),
    (ApiError(503, "api_error", "Claude Code CLI not found at /x"), 503, "server_error", None, None, "server_error"),
    (SHUTTING_DOWN, 503, "server_error", "overloaded", None, "server_error"),
    (ApiError(529, "overloaded_error", "busy"), 529, "server_error", "overloaded", None, "server_error"),
    (ApiError(504, "timeout_error", "slow"), 504, "server_error", "timeout", None, "server_error"),
    (ApiError(500, "some_new_error", "new"), 500, "server_error", None, None, "server_error"),
]  # fmt: skip
IDS = [f"{error.status}-{error.error_type}-{param or code or 'plain'}" for error, _, _, code, param, _ in ERROR_CLASSES]


def exact(message, error_type, code, param):
    """The envelope as the bytes JsonResponse writes, key by key in OpenAI's order."""
    values = [json.dumps(value) for value in (message, error_type, param, code)]
    return ('{"error": {"message": %s, "type": %s, "param": %s, "code": %s}}' % tuple(values)).encode()


@pytest.mark.parametrize(("error", "status", "error_type", "code", "param", "failed"), ERROR_CLASSES, ids=IDS)
def test_it_answers_each_error_class_in_the_same_envelope_on_both_wires(error, status, error_type, code, param, failed):
    for wire in (openai_chat, openai_responses):
        response = wire.error_response(error)

        assert (response.status_code, response["content-type"]) == (status, "application/json"), wire.__name__
        assert response.content == exact(error.message, error_type, code, param), wire.__name__
    # A chat stream that fails ends with the same envelope as its last chunk.
    chunk = {"error": {"message": error.message, "type": error_type, "param": param, "code": code}}
    assert frame(envelope(error)) == b"data: %s\n\n" % json.dumps(chunk, separators=(",", ":")).encode()
    assert failure_code(error) == failed


UPSTREAM_FAILURES = [
    (401, None, 401, "invalid_request_error", "invalid_api_key"),
    (402, None, 402, "insufficient_quota", "insufficient_quota"),
    (429, "usage limit", 429, "requests", "rate_limit_exceeded"),
    (500, None, 502, "server_error", None),
    (529, None, 529, "server_error", "overloaded"),
    (400, TOO_LONG, 400, "invalid_request_error", "context_length_exceeded"),
]
BODIES = {
    "/v1/chat/completions": {"model": "gpt-5", "messages": [{"role": "user", "content": "Hi"}]},
    "/v1/responses": {"model": "gpt-5", "input": "Hi"},
}


@pytest.mark.parametrize(
    ("upstream_status", "words", "status", "error_type", "code"), UPSTREAM_FAILURES, ids=[f"upstream-{case[0]}" for case in UPSTREAM_FAILURES]
)
def test_it_gives_an_upstream_failure_alike_on_both_wires(proxy, upstream, upstream_status, words, status, error_type, code):
    upstream.enqueue(replies.error(upstream_status, words), replies.error(upstream_status, words))

    answers = {path: httpx.post(f"{proxy.url}{path}", json=body, timeout=60) for path, body in BODIES.items()}

    chat, responses = answers.values()
    assert (chat.status_code, responses.status_code) == (status, status)
    assert chat.content == responses.content  # one mapping, one envelope
    error = chat.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (error_type, code, None)
    for answer in answers.values():
        row = logged(answer.headers["x-request-id"])
        assert (row.status, row.error_message) == (status, error["message"])
        # A 429 always says when to come back, as the API's do; the other errors do not.
        assert answer.headers.get("retry-after") == ("30" if status == 429 else None)
