"""A key kept to some model families (ApiKey.model_families): a model of another family
is a 403 in the wire's envelope before any CLI starts, and /v1/models lists only the
key's own."""

import subprocess
import sys

import httpx
import pytest

from messages_api.api_key import Admission
from messages_api.catalog import MODELS, listed_for
from messages_api.errors import ApiError
from sessions_admin.api_keys import ApiKey
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.proxy_server import REPO
from tests.upstream import replies

REFUSED = "model: this API key may not use opus models, only sonnet, haiku"
# An Opus request on each wire, and its 403 in that wire's envelope.
WIRES = {
    "/v1/messages": (
        message_body("Opus, please", stream=False, model="claude-opus-4-5"),
        {"type": "error", "error": {"type": "permission_error", "message": REFUSED}},
    ),
    "/v1/chat/completions": (
        {"model": "claude-opus-4-5", "messages": [{"role": "user", "content": "Opus, please"}]},
        {"error": {"message": REFUSED, "type": "invalid_request_error", "param": None, "code": "permission_denied"}},
    ),
    "/v1/responses": (
        {"model": "claude-opus-4-5", "input": "Opus, please"},
        {"error": {"message": REFUSED, "type": "invalid_request_error", "param": None, "code": "permission_denied"}},
    ),
}
SONNET_AND_HAIKU = [model_id for model_id, _, _ in MODELS if "opus" not in model_id]


@pytest.mark.parametrize(
    ("families", "model", "refused"),
    [
        (None, "claude-opus-4-5", False),
        (("sonnet",), "claude-sonnet-4-5", False),
        (("sonnet",), "gpt-5", False),  # any other name runs Sonnet
        (("sonnet",), "claude-opus-4-5", True),
        (("sonnet", "haiku"), "claude-haiku-4-5-20251001", False),
        (("opus",), "claude-3-5-haiku-latest", True),
    ],
)
def test_it_checks_a_model_against_the_keys_families(families, model, refused):
    admission = Admission("someone", "allow", model_families=families)
    if refused:
        with pytest.raises(ApiError) as raised:
            admission.check_model(model)
        assert (raised.value.status, raised.value.error_type) == (403, "permission_error")
    else:
        admission.check_model(model)


def test_it_lists_the_models_of_the_families():
    assert [MODELS[index][0] for index in listed_for(("sonnet", "haiku"))] == SONNET_AND_HAIKU
    assert listed_for(None) == list(range(len(MODELS)))


@pytest.mark.parametrize("path", WIRES)
def test_it_refuses_a_model_outside_the_keys_families_on_every_wire(proxy, upstream, keys, path):
    _, secret = keys("sonnet-only", model_families=["sonnet", "haiku"])
    body, refused = WIRES[path]

    response = httpx.post(f"{proxy.url}{path}", json=body, headers={"x-api-key": secret}, timeout=60)

    assert (response.status_code, response.json()) == (403, refused)
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type, row.api_key) == (403, "permission_error", "sonnet-only")
    assert upstream.message_requests() == []


def test_it_answers_a_model_of_the_keys_families(proxy, upstream, keys):
    upstream.enqueue(replies.text("Sonnet here."))
    _, secret = keys("sonnet-user", model_families=["sonnet"])

    response = httpx.post(
        f"{proxy.url}/v1/messages", json=message_body("Hi", stream=False), headers={"x-api-key": secret}, timeout=60
    )

    assert response.status_code == 200, response.text
    assert response.json()["content"] == [{"type": "text", "text": "Sonnet here."}]
    [sent] = upstream.message_requests()
    assert sent.user_texts() == ["Hi"]


def test_it_lists_only_the_keys_models(proxy, keys):
    _, secret = keys("no-opus", model_families=["sonnet", "haiku"])
    headers = {"x-api-key": secret, "anthropic-version": "2023-06-01"}

    listed = httpx.get(f"{proxy.url}/v1/models", params={"limit": 100}, headers=headers, timeout=30)
    second = httpx.get(f"{proxy.url}/v1/models", params={"limit": 1, "after_id": SONNET_AND_HAIKU[0]}, headers=headers, timeout=30)
    opus = httpx.get(f"{proxy.url}/v1/models/claude-opus-4-5", headers=headers, timeout=30)
    past_opus = httpx.get(f"{proxy.url}/v1/models", params={"after_id": "claude-opus-5-5"}, headers=headers, timeout=30)

    assert [model["id"] for model in listed.json()["data"]] == SONNET_AND_HAIKU
    assert [model["id"] for model in second.json()["data"]] == SONNET_AND_HAIKU[1:2]
    assert (opus.status_code, opus.json()["error"]) == (404, {"type": "not_found_error", "message": "model: claude-opus-4-5"})
    assert past_opus.status_code == 400
    assert past_opus.json()["error"]["message"] == "after_id: no model 'claude-opus-5-5' in this list"


def test_it_creates_a_key_kept_to_families_with_the_command():
    def create(*args):
        command = [sys.executable, "manage.py", "create_api_key", "gina-ci", *args]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    try:
        created = create("--model", "haiku", "--model", "sonnet")
        assert created.returncode == 0, created.stderr
        assert "Model families: haiku, sonnet" in created.stdout
        assert ApiKey.objects.get(name="gina-ci").model_families == ["haiku", "sonnet"]
        ApiKey.objects.filter(name="gina-ci").delete()

        wrong = create("--model", "gpt")
        assert wrong.returncode != 0
        assert "invalid choice: 'gpt'" in wrong.stderr
        assert not ApiKey.objects.filter(name="gina-ci").exists()
    finally:
        ApiKey.objects.filter(name="gina-ci").delete()


@needs_chromium
def test_it_keeps_a_key_to_the_families_ticked_in_the_admin(proxy, page):
    try:
        page.goto(f"{proxy.url}/admin/sessions_admin/apikey/add/")
        page.fill("#id_name", "hana-laptop")
        page.check("input[name=model_families][value=sonnet]")
        page.check("input[name=model_families][value=haiku]")
        shot(page, "22-api-key-model-families")
        page.click("input[name=_save]")
        page.wait_for_selector("#new-secret")
        assert ApiKey.objects.get(name="hana-laptop").model_families == ["sonnet", "haiku"]

        page.goto(f"{proxy.url}/admin/sessions_admin/apikey/")
        row = page.locator("#result_list tbody tr", has_text="hana-laptop")
        assert row.locator(".field-allowed_models").inner_text() == "sonnet, haiku"
        shot(page, "23-api-keys-with-models")
    finally:
        ApiKey.objects.filter(name="hana-laptop").delete()
