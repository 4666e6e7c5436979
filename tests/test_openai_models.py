"""GET /v1/models read by the official `openai` client: the OpenAI fields beside the Anthropic ones."""

import httpx
import openai
import pytest
from django.http.request import HttpHeaders

from messages_api import catalog
from messages_api.catalog import MODELS
from tests.helpers import logged

IDS = [model_id for model_id, _, _ in MODELS]


def _client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="dummy", max_retries=0)


def test_it_lists_the_models_to_the_openai_client(proxy, upstream):
    models = _client(proxy).models.list()

    assert [model.id for model in models] == IDS
    sonnet = next(model for model in models if model.id == "claude-sonnet-4-5")
    assert (sonnet.object, sonnet.created, sonnet.owned_by) == ("model", 1759104000, "anthropic")
    assert upstream.message_requests() == []


def test_it_retrieves_one_model_for_the_openai_client(proxy, upstream):
    model = _client(proxy).models.retrieve("claude-haiku-4-5")

    assert model.to_dict() == {
        "id": "claude-haiku-4-5", "object": "model", "created": 1760486400, "owned_by": "anthropic",
        "type": "model", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-15T00:00:00Z",
    }  # fmt: skip


def test_it_answers_without_anthropic_version_in_both_shapes_at_once(proxy, upstream):
    response = httpx.get(f"{proxy.url}/v1/models", params={"limit": 1}, timeout=30)

    assert response.json() == {
        "object": "list",
        "data": [{
            "id": "claude-opus-5-5", "type": "model", "display_name": "Claude Opus 5.5", "created_at": "2026-11-24T00:00:00Z",
            "object": "model", "created": 1795478400, "owned_by": "anthropic",
        }],
        "has_more": True,
        "first_id": "claude-opus-5-5",
        "last_id": "claude-opus-5-5",
    }  # fmt: skip
    assert logged(response.headers["x-request-id"]).status == 200


def test_it_answers_an_unknown_model_with_not_found(proxy, upstream):
    with pytest.raises(openai.NotFoundError) as raised:
        _client(proxy).models.retrieve("gpt-nonesuch")

    assert raised.value.body["message"] == "model: gpt-nonesuch"


def test_it_adds_openai_fields_to_the_models():
    model = catalog.with_openai_fields(catalog.model_info("claude-sonnet-4-5"))
    page = catalog.with_openai_list_fields(catalog.page(limit=1))

    assert model == {
        "id": "claude-sonnet-4-5", "type": "model", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z",
        "object": "model", "created": 1759104000, "owned_by": "anthropic",
    }  # fmt: skip
    assert (page["object"], page["data"][0]["object"], page["has_more"]) == ("list", "model", True)
    assert catalog.openai_client(HttpHeaders({})) and not catalog.openai_client(HttpHeaders({"HTTP_ANTHROPIC_VERSION": "2023-06-01"}))
