"""API keys as rows (sessions_admin.api_keys): a key per person or tool, created by
`manage.py create_api_key` or in the admin with its secret shown once, kept as a hash,
checked on every wire, named in the request log, refused at once when revoked."""

import hashlib
import subprocess
import sys

import httpx
import pytest
from django.utils import timezone

from sessions_admin.api_keys import ApiKey
from sessions_admin.models import RequestLog
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.proxy_server import REPO
from tests.upstream import replies

MESSAGE = "Invalid or missing API key (x-api-key or Authorization: Bearer)"
# One request on each wire, and the body of its 401 in that wire's envelope.
WIRES = {
    "/v1/messages": (message_body("Keyed?", stream=False), {"type": "error", "error": {"type": "authentication_error", "message": MESSAGE}}),
    "/v1/chat/completions": (
        {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Keyed?"}]},
        {"error": {"message": MESSAGE, "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}},
    ),
    "/v1/responses": (
        {"model": "claude-sonnet-4-5", "input": "Keyed?"},
        {"error": {"message": MESSAGE, "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}},
    ),
}


def ask(server, path, secret):
    body, _ = WIRES[path]
    return httpx.post(f"{server.url}{path}", json=body, headers={"authorization": f"Bearer {secret}"}, timeout=60)


@pytest.mark.parametrize("path", WIRES)
def test_it_admits_a_keys_secret_and_logs_the_keys_name(proxy, upstream, keys, path):
    upstream.default_reply = lambda: replies.text("Keyed answer.")
    key, secret = keys("alice-laptop")

    response = ask(proxy, path, secret)

    assert response.status_code == 200, response.text
    assert "Keyed answer." in response.text
    assert logged(response.headers["x-request-id"]).api_key == "alice-laptop"
    key.refresh_from_db()
    assert key.last_used is not None


@pytest.mark.parametrize("path", WIRES)
def test_it_refuses_an_unknown_key_once_any_key_exists(proxy, upstream, keys, path):
    keys("ci-bot")

    response = ask(proxy, path, "dummy")

    assert response.status_code == 401
    assert response.json() == WIRES[path][1]
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type, row.api_key) == (401, "authentication_error", "")
    assert upstream.message_requests() == []


def test_it_stays_closed_when_its_last_key_is_revoked(proxy, upstream, keys):
    key, _ = keys("frank-laptop")
    key.revoke()

    assert ask(proxy, "/v1/messages", "dummy").status_code == 401


def test_it_refuses_a_revoked_key_at_once_on_every_wire(proxy, upstream, keys):
    upstream.default_reply = lambda: replies.text("Still yours.")
    key, secret = keys("bob-laptop")
    assert ask(proxy, "/v1/messages", secret).status_code == 200
    asked = len(upstream.message_requests())

    key.revoke()

    for path, (_, refused) in WIRES.items():
        response = ask(proxy, path, secret)
        assert (response.status_code, response.json()) == (401, refused)
    assert len(upstream.message_requests()) == asked


def test_it_takes_the_shared_key_beside_the_rows_and_logs_it_by_its_setting(start_proxy, upstream, keys):
    upstream.default_reply = lambda: replies.text("Either works.")
    guarded = start_proxy(CLAUDE_PROXY_API_KEY="shared-secret")
    _, secret = keys("carol-desktop")

    by_row, by_setting = ask(guarded, "/v1/messages", secret), ask(guarded, "/v1/messages", "shared-secret")

    assert (by_row.status_code, by_setting.status_code) == (200, 200)
    assert logged(by_row.headers["x-request-id"]).api_key == "carol-desktop"
    assert logged(by_setting.headers["x-request-id"]).api_key == "CLAUDE_PROXY_API_KEY"


def test_it_stays_open_with_no_key_configured_and_names_none(proxy, upstream):
    upstream.default_reply = lambda: replies.text("Open.")
    assert not ApiKey.objects.exists()

    response = ask(proxy, "/v1/messages", "anything")

    assert response.status_code == 200
    assert logged(response.headers["x-request-id"]).api_key == ""


def test_it_creates_a_key_with_the_command_showing_the_secret_once(tmp_path):
    created = subprocess.run(
        [sys.executable, "manage.py", "create_api_key", "dave-phone"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    try:
        assert created.returncode == 0, created.stderr
        key = ApiKey.objects.get(name="dave-phone")
        secret = created.stdout.split(": ", 1)[1].split()[0]
        assert secret.startswith(key.prefix) and key.prefix.startswith("cmp_")
        assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().get())
        again = subprocess.run(
            [sys.executable, "manage.py", "create_api_key", "dave-phone"], cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert again.returncode != 0
        assert "There is a key named 'dave-phone' already" in again.stderr
        assert ApiKey.objects.filter(name="dave-phone").count() == 1
    finally:
        ApiKey.objects.filter(name="dave-phone").delete()


@needs_chromium
def test_it_creates_shows_once_and_revokes_keys_in_the_admin(proxy, upstream, page):
    upstream.default_reply = lambda: replies.text("Through the admin's key.")
    try:
        page.goto(f"{proxy.url}/admin/sessions_admin/apikey/add/")
        page.fill("#id_name", "erin-laptop")
        page.click("input[name=_save]")
        secret = page.locator("#new-secret").inner_text()
        shot(page, "20-api-key-created")
        key = ApiKey.objects.get(name="erin-laptop")
        assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert ask(proxy, "/v1/messages", secret).status_code == 200

        page.goto(f"{proxy.url}/admin/sessions_admin/apikey/")
        row = page.locator("#result_list tbody tr", has_text="erin-laptop")
        assert row.locator(".field-shown_prefix").inner_text() == f"{key.prefix}…"
        assert row.locator(".field-state").inner_text() == "active"
        assert secret not in page.content()
        row.locator("input[type=checkbox]").check()
        page.select_option("select[name=action]", "revoke_selected")
        page.click("button[name=index]")
        page.wait_for_selector("text=Revoked 1 key.")
        assert row.locator(".field-state").inner_text().startswith("revoked ")
        shot(page, "21-api-key-revoked")
        assert ask(proxy, "/v1/messages", secret).status_code == 401

        page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/?api_key=erin-laptop")
        listed = page.locator("#result_list tbody tr")
        assert listed.count() == RequestLog.objects.filter(api_key="erin-laptop", created__lte=timezone.now()).count() == 1
    finally:
        ApiKey.objects.filter(name="erin-laptop").delete()


def test_it_refuses_a_key_revoked_on_one_instance_on_the_other_at_once(start_proxy, upstream, keys):
    # Two instances on one database (PostgreSQL in CI's second pass): nothing is cached.
    upstream.default_reply = lambda: replies.text("Either instance.")
    first, second = start_proxy(), start_proxy()
    key, secret = keys("grace-laptop")
    assert [ask(server, "/v1/messages", secret).status_code for server in (first, second)] == [200, 200]

    key.revoke()

    assert [ask(server, "/v1/messages", secret).status_code for server in (first, second)] == [401, 401]
