"""CORS: off by default; CLAUDE_PROXY_CORS_ORIGINS lets pages from those origins call /v1/*."""

import httpx
import pytest

from messages_api.request_log import UNLOGGED_PREFIXES
from proxy_project.endpoints import ENDPOINTS
from tests.helpers import logged, message_body

ORIGIN = "http://localhost:5173"
KEY = "s3cret"
# What a browser asks before the official SDK's POST /v1/messages from a page.
PREFLIGHT = {
    "origin": ORIGIN,
    "access-control-request-method": "POST",
    "access-control-request-headers": (
        "anthropic-dangerous-direct-browser-access,anthropic-version,content-type,x-api-key,"
        "x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-package-version,"
        "x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout"
    ),
}


@pytest.fixture
def cors_proxy(start_proxy):
    """A proxy that lets ORIGIN in and wants an API key: a preflight carries no key."""
    return start_proxy(CLAUDE_PROXY_CORS_ORIGINS=ORIGIN, CLAUDE_PROXY_API_KEY=KEY)


def options(server, path, headers):
    return httpx.request("OPTIONS", f"{server.url}{path}", headers=headers, timeout=30)


def allowed(response, name):
    return {value.strip() for value in response.headers.get(name, "").split(",") if value.strip()}


# Every path the API serves, from the one endpoint table.
API_PATHS = [endpoint.path.replace("<str:model_id>", "claude-opus-4-8") for endpoint in ENDPOINTS if endpoint.api]


def test_the_api_paths_include_both_wires_with_and_without_v1():
    assert {"/v1/messages", "/messages", "/v1/chat/completions", "/chat/completions", "/v1/responses", "/responses"} <= set(API_PATHS)


@pytest.mark.parametrize("path", API_PATHS)
def test_it_answers_a_preflight_without_asking_for_the_key(cors_proxy, upstream, path):
    response = options(cors_proxy, path, PREFLIGHT)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert allowed(response, "access-control-allow-methods") == {"GET", "POST", "OPTIONS"}
    asked = set(PREFLIGHT["access-control-request-headers"].split(","))
    assert asked | {"authorization", "anthropic-beta", "x-session-affinity"} <= allowed(response, "access-control-allow-headers")
    if not path.startswith(UNLOGGED_PREFIXES):  # /v1/usage is polled: no row, as for /health
        assert logged(response.headers["x-request-id"]).method == "OPTIONS"
    assert upstream.message_requests() == []


def test_it_marks_the_answer_to_a_page_of_that_origin(cors_proxy, upstream):
    response = httpx.get(f"{cors_proxy.url}/v1/models", headers={"origin": ORIGIN, "x-api-key": KEY}, timeout=30)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert {"request-id", "x-claude-session-id"} <= allowed(response, "access-control-expose-headers")
    assert "origin" in response.headers["vary"].lower()


def test_it_lets_the_page_read_a_refusal(cors_proxy, upstream):
    response = httpx.get(f"{cors_proxy.url}/v1/models", headers={"origin": ORIGIN}, timeout=30)

    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.json()["error"]["type"] == "authentication_error"


def test_it_gives_another_origin_nothing(cors_proxy, upstream):
    preflight = options(cors_proxy, "/v1/messages", {**PREFLIGHT, "origin": "http://evil.example"})
    response = httpx.get(f"{cors_proxy.url}/v1/models", headers={"origin": "http://evil.example", "x-api-key": KEY}, timeout=30)

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in response.headers


def test_it_leaves_other_paths_alone(cors_proxy, upstream):
    response = httpx.get(f"{cors_proxy.url}/livez", headers={"origin": ORIGIN}, timeout=30)

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_it_sends_no_cors_headers_by_default(proxy, upstream):
    preflight = options(proxy, "/v1/messages", PREFLIGHT)
    response = httpx.get(f"{proxy.url}/v1/models", headers={"origin": ORIGIN}, timeout=30)

    assert preflight.status_code == 405  # a plain OPTIONS, as any other method the view does not take
    assert preflight.json()["error"]["type"] == "invalid_request_error"
    assert logged(preflight.headers["x-request-id"]).status == 405
    assert response.status_code == 200
    assert not [name for name in {**preflight.headers, **response.headers} if name.lower().startswith("access-control-")]


def test_it_refuses_to_start_with_something_that_is_no_origin(start_proxy):
    with pytest.raises(RuntimeError, match="is not an origin such as http://localhost:5173"):
        start_proxy(CLAUDE_PROXY_CORS_ORIGINS="localhost:5173")


@pytest.mark.parametrize("stream", [False, True])
def test_it_marks_a_message_answer_too(cors_proxy, upstream, stream):
    response = httpx.post(
        f"{cors_proxy.url}/v1/messages",
        json=message_body(stream=stream),
        headers={"origin": ORIGIN, "x-api-key": KEY, "anthropic-dangerous-direct-browser-access": "true"},
        timeout=60,
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["x-claude-session-id"]
    assert logged(response.headers["x-request-id"]).status == 200
