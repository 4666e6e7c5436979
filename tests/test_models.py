"""GET /v1/models and /v1/models/{id}: the models served, in the Models API's shape."""

import anthropic
import httpx
import pytest

from messages_api.catalog import MODELS
from tests.helpers import logged

IDS = [model_id for model_id, _, _ in MODELS]


def _client(proxy):
    return anthropic.Anthropic(base_url=proxy.url, api_key="dummy", max_retries=0)


def get(proxy, path, **params):
    # As an Anthropic client asks: without anthropic-version the OpenAI fields are added (test_openai_models.py).
    return httpx.get(f"{proxy.url}{path}", params=params, headers={"anthropic-version": "2023-06-01"}, timeout=30)


def test_it_lists_the_models_to_the_official_client(proxy, upstream):
    page = _client(proxy).models.list()

    assert [model.id for model in page.data] == IDS
    assert (page.has_more, page.first_id, page.last_id) == (False, IDS[0], IDS[-1])
    assert {model.type for model in page.data} == {"model"}
    sonnet = next(model for model in page.data if model.id == "claude-sonnet-4-5")
    assert sonnet.display_name == "Claude Sonnet 4.5"
    assert sonnet.created_at.isoformat() == "2025-09-29T00:00:00+00:00"
    assert upstream.message_requests() == []


def test_it_lists_the_current_model_of_each_family():
    assert {"claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-opus-4-8"} <= set(IDS)
    assert {"claude-sonnet-4-5", "claude-haiku-4-5"} <= set(IDS)
    assert "claude-opus-4-1" not in IDS  # retired


def test_it_answers_in_the_exact_shape_of_the_api(proxy, upstream):
    response = get(proxy, "/v1/models", limit=1)

    assert response.status_code == 200
    assert response.json() == {
        "data": [{"id": "claude-opus-5-5", "type": "model", "display_name": "Claude Opus 5.5", "created_at": "2026-11-24T00:00:00Z"}],
        "has_more": True,
        "first_id": "claude-opus-5-5",
        "last_id": "claude-opus-5-5",
    }
    row = logged(response.headers["x-request-id"])
    assert (row.method, row.endpoint, row.status, row.error_type) == ("GET", "/v1/models", 200, "")


def test_it_retrieves_one_model(proxy, upstream):
    model = _client(proxy).models.retrieve("claude-haiku-4-5")

    assert (model.id, model.type, model.display_name) == ("claude-haiku-4-5", "model", "Claude Haiku 4.5")


def test_it_retrieves_a_model_by_its_dated_snapshot_id(proxy, upstream):
    model = _client(proxy).models.retrieve("claude-sonnet-4-5-20250929")

    assert model.id == "claude-sonnet-4-5"


def test_it_answers_an_unknown_model_with_not_found(proxy, upstream):
    with pytest.raises(anthropic.NotFoundError) as raised:
        _client(proxy).models.retrieve("claude-nonesuch-9")

    response = raised.value.response
    assert response.json() == {"type": "error", "error": {"type": "not_found_error", "message": "model: claude-nonesuch-9"}}
    row = logged(response.headers["x-request-id"])
    assert (row.endpoint, row.status, row.error_type) == ("/v1/models/claude-nonesuch-9", 404, "not_found_error")


def test_it_pages_forward_with_after_id(proxy, upstream):
    client = _client(proxy)

    first = client.models.list(limit=5)
    second = client.models.list(limit=5, after_id=first.last_id)

    assert [model.id for model in first.data] == IDS[:5] and first.has_more
    assert [model.id for model in second.data] == IDS[5:10] and second.has_more
    assert [model.id for model in client.models.list(limit=5)] == IDS  # the SDK follows has_more


def test_it_pages_backward_with_before_id(proxy, upstream):
    page = _client(proxy).models.list(limit=2, before_id=IDS[5])

    assert [model.id for model in page.data] == IDS[3:5]
    assert (page.has_more, page.first_id, page.last_id) == (True, IDS[3], IDS[4])
    assert _client(proxy).models.list(limit=10, before_id=IDS[2]).has_more is False


def test_it_ends_with_an_empty_page_after_the_last_model(proxy, upstream):
    response = get(proxy, "/v1/models", after_id=IDS[-1])

    assert response.json() == {"data": [], "has_more": False, "first_id": None, "last_id": None}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit: Input should be between 1 and 1000, not 0"),
        ({"limit": "1001"}, "limit: Input should be between 1 and 1000, not 1001"),
        ({"limit": "ten"}, "limit: Input should be a valid integer, not 'ten'"),
        ({"after_id": "claude-nonesuch-9"}, "after_id: no model 'claude-nonesuch-9' in this list"),
        ({"before_id": "claude-nonesuch-9"}, "before_id: no model 'claude-nonesuch-9' in this list"),
        ({"before_id": IDS[3], "after_id": IDS[1]}, "before_id: cannot be given together with after_id"),
    ],
)
def test_it_refuses_a_bad_page_parameter_naming_it(proxy, upstream, params, message):
    response = get(proxy, "/v1/models", **params)

    assert response.status_code == 400
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    assert logged(response.headers["x-request-id"]).error_message == message


@pytest.mark.parametrize("path", ["/v1/models", "/v1/models/claude-sonnet-4-5"])
def test_it_takes_only_get(proxy, upstream, path):
    response = httpx.post(f"{proxy.url}{path}", json={}, timeout=30)

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": "Method POST not allowed; use GET"}}
    assert logged(response.headers["x-request-id"]).status == 405


def test_it_wants_the_api_key_when_one_is_set(start_proxy, upstream):
    guarded = start_proxy(CLAUDE_PROXY_API_KEY="s3cret")

    refused = get(guarded, "/v1/models")
    listed = anthropic.Anthropic(base_url=guarded.url, api_key="s3cret", max_retries=0).models.list()

    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"
    assert logged(refused.headers["x-request-id"]).status == 401
    assert [model.id for model in listed.data] == IDS
