"""CLAUDE_PROXY_API_KEY: /v1/* and /messages want the key; health probes stay open."""

import anthropic
import httpx
import pytest

from tests.helpers import logged, message_body

KEY = "s3cret"
REFUSED = {
    "type": "error",
    "error": {
        "type": "authentication_error",
        "message": "Invalid or missing API key (x-api-key or Authorization: Bearer)",
    },
}


@pytest.fixture
def guarded(start_proxy):
    return start_proxy(CLAUDE_PROXY_API_KEY=KEY)


def post(server, path="/v1/messages", headers=None):
    return httpx.post(f"{server.url}{path}", json=message_body(stream=False), headers=headers or {}, timeout=60)


def test_it_refuses_a_request_without_a_key_and_logs_it(guarded, upstream):
    response = post(guarded)

    assert response.status_code == 401
    assert response.json() == REFUSED
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type, row.endpoint, row.method) == (401, "authentication_error", "/v1/messages", "POST")
    assert row.error_message == REFUSED["error"]["message"]
    assert upstream.message_requests() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": "wrong"},
        {"authorization": "Bearer wrong"},
        {"authorization": f"Basic {KEY}"},
        {"x-api-key": f"{KEY}x"},
        {"x-api-key": KEY[:-1]},
    ],
)
def test_it_refuses_a_wrong_key(guarded, upstream, headers):
    response = post(guarded, headers=headers)

    assert response.status_code == 401
    assert response.json() == REFUSED
    assert logged(response.headers["x-request-id"]).status == 401
    assert upstream.message_requests() == []


def test_it_prefers_x_api_key_over_a_bearer_token(guarded, upstream):
    response = post(guarded, headers={"x-api-key": "wrong", "authorization": f"Bearer {KEY}"})

    assert response.status_code == 401
    assert response.json() == REFUSED


def test_it_answers_with_the_key_in_x_api_key(guarded, upstream):
    response = post(guarded, headers={"x-api-key": KEY})

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "message"
    assert [block["text"] for block in body["content"]] == ["Hello from the fake upstream."]
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type) == (200, "")


def test_it_answers_with_the_key_as_a_bearer_token(guarded, upstream):
    response = post(guarded, headers={"authorization": f"Bearer {KEY}"})

    assert response.status_code == 200
    assert [block["text"] for block in response.json()["content"]] == ["Hello from the fake upstream."]


def test_it_reads_the_bearer_scheme_in_any_case(guarded, upstream):
    response = post(guarded, headers={"authorization": f"bearer {KEY}"})

    assert response.status_code == 200


def test_it_guards_the_messages_alias_too(guarded, upstream):
    refused = post(guarded, "/messages")
    answered = post(guarded, "/messages", headers={"x-api-key": KEY})

    assert refused.status_code == 401
    assert refused.json() == REFUSED
    assert answered.status_code == 200
    assert answered.json()["type"] == "message"


def test_it_refuses_other_methods_without_a_key_before_saying_405(guarded):
    response = httpx.get(f"{guarded.url}/v1/messages", timeout=30)

    assert response.status_code == 401
    assert response.json() == REFUSED


def test_it_answers_the_official_client_that_holds_the_key(guarded, upstream):
    client = anthropic.Anthropic(base_url=guarded.url, api_key=KEY, max_retries=0)

    message = client.messages.create(model="claude-sonnet-5-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}])

    assert [block.text for block in message.content] == ["Hello from the fake upstream."]


def test_it_refuses_the_official_client_with_another_key(guarded, upstream):
    client = anthropic.Anthropic(base_url=guarded.url, api_key="dummy", max_retries=0)

    with pytest.raises(anthropic.AuthenticationError) as raised:
        client.messages.create(model="claude-sonnet-5-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}])

    assert raised.value.status_code == 401
    assert raised.value.body == REFUSED


def test_it_leaves_health_probes_open(guarded):
    health = httpx.get(f"{guarded.url}/health", timeout=30)
    livez = httpx.get(f"{guarded.url}/livez", timeout=30)
    readyz = httpx.get(f"{guarded.url}/readyz", timeout=30)

    assert (health.status_code, health.json()["status"]) == (200, "healthy")
    assert (livez.status_code, livez.json()) == (200, {"status": "ok"})
    assert (readyz.status_code, readyz.json()["status"]) == (200, "ready")


def test_it_wants_no_key_when_none_is_configured(proxy, upstream):
    response = post(proxy)

    assert response.status_code == 200
    assert response.json()["type"] == "message"
