"""The proxy's own errors on the OpenAI paths are OpenAI's envelope with `param` and
`code`: a wrong key, a path under an OpenAI endpoint that no view serves, a refused Host.
The openai client raises its own exception classes for them."""

import httpx
import openai
import pytest

from tests.helpers import logged

KEY = "openai-s3cret"
CHAT = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def guarded(cli_env):
    from tests.conftest import TEST_ROOT
    from tests.proxy_server import ProxyServer

    server = ProxyServer({**cli_env, "CLAUDE_PROXY_API_KEY": KEY}, TEST_ROOT / "data").start()
    yield server
    server.stop()


def _client(server, key):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0)


def test_it_refuses_a_wrong_key_as_openai_does(guarded, upstream):
    with pytest.raises(openai.AuthenticationError) as chat:
        _client(guarded, "wrong").chat.completions.create(**CHAT)
    with pytest.raises(openai.AuthenticationError) as responses:
        _client(guarded, "wrong").responses.create(model="claude-sonnet-4-5", input="hi")

    for caught in (chat, responses):
        assert caught.value.status_code == 401
        assert caught.value.code == "invalid_api_key"
        assert caught.value.type == "invalid_request_error"
        assert caught.value.response.headers["www-authenticate"].startswith("Bearer")
    assert upstream.message_requests() == []


def test_it_still_refuses_anthropic_clients_in_anthropics_words(guarded, upstream):
    response = httpx.post(f"{guarded.url}/v1/messages", json={}, headers={"x-api-key": "wrong"}, timeout=30)

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("path", ["/v1/chat/completions/abc", "/v1/responses/resp_1/cancel", "/chat/completions/x"])
def test_it_answers_a_path_under_an_openai_endpoint_with_openais_404(proxy, upstream, path):
    response = httpx.post(f"{proxy.url}{path}", json=CHAT, timeout=30)

    assert response.status_code == 404
    assert response.json() == {
        "error": {"message": f"No such endpoint: POST {path}", "type": "invalid_request_error", "param": None, "code": "not_found"}
    }
    assert logged(response.headers["x-request-id"]).status == 404


def test_it_gives_the_openai_client_a_not_found_error(proxy, upstream):
    with pytest.raises(openai.NotFoundError) as caught:
        _client(proxy, "dummy").responses.retrieve("resp_nothing")

    assert caught.value.code == "not_found"


def test_it_refuses_a_foreign_host_on_an_openai_path_in_openais_words(proxy, upstream):
    response = httpx.post(f"{proxy.url}/v1/chat/completions", json=CHAT, headers={"host": "evil.example"}, timeout=30)

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    assert "Traceback" not in proxy.output()
