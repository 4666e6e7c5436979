"""Several Claude logins (sessions_admin.logins): the `subscribed` proxy's default login
(one fake subscription token) and "work", signed in in a config dir of its own under the
data dir (another token). The upstream tells them apart by the token each CLI sends, and
refuses the default one's five-hour window when the test says so."""

import json
import os
import time

import httpx
import pytest

from sessions_admin.logins import ClaudeLogin
from sessions_admin.models import Conversation, UsageWindow
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.subscription import refusal, unified

DEFAULT_TOKEN, WORK_TOKEN = "sk-ant-oat01-fake-subscription", "sk-ant-oat01-fake-work"
WORK_EMAIL = "work@example.com"
SPENT = unified(status="rejected", five_hour=1.0, reset_in=1800)


@pytest.fixture
def work(subscribed, windows):
    """The "work" login, as `manage.py claude_login --login work` leaves it: its CLI's
    credentials and account in its config dir, mode 0700, and its row."""
    config = subscribed.data_dir / "logins" / "work"
    config.mkdir(mode=0o700, parents=True, exist_ok=True)
    expires = int(time.time() * 1000) + 10**9
    oauth = {"accessToken": WORK_TOKEN, "refreshToken": "sk-ant-ort01-fake", "expiresAt": expires, "scopes": ["user:inference"]}
    (config / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {**oauth, "subscriptionType": "max"}}))
    (config / ".claude.json").write_text(json.dumps({"oauthAccount": {"emailAddress": WORK_EMAIL}}))
    UsageWindow.objects.filter(login="work").delete()
    login = ClaudeLogin.objects.create(name="work")
    yield login
    login.delete()


def token_of(request):
    headers = {name.lower(): value for name, value in request.headers.items()}
    return headers.get("authorization", "").removeprefix("Bearer ")


def post(server, secret, session, text="Hello?", headers=None, history=()):
    body = message_body(text, stream=False)
    body["messages"] = [*history, *body["messages"]]
    headers = {"x-api-key": secret, "x-session-id": session, **(headers or {})}
    return httpx.post(f"{server.url}/v1/messages", json=body, headers=headers, timeout=60)


def conversation_of(response):
    row = logged(response.headers["x-request-id"])
    return Conversation.objects.get(claude_session_id=row.claude_session_id)


def test_it_starts_new_conversations_on_the_next_login_once_the_first_is_refused(subscribed, upstream, work, keys):
    _, secret = keys("alice", logins=["default", "work"])
    upstream.headers = unified(five_hour=0.2)

    first = post(subscribed, secret, "logins-first")
    assert first.status_code == 200
    assert token_of(upstream.message_requests()[-1]) == DEFAULT_TOKEN
    assert conversation_of(first).login == "default"

    upstream.enqueue(refusal(**SPENT))
    refused = post(subscribed, secret, "logins-refused")
    assert refused.status_code == 429
    assert UsageWindow.objects.get(login="default", window="five_hour").status == "rejected"

    asked = len(upstream.message_requests())
    new = post(subscribed, secret, "logins-new")
    assert new.status_code == 200
    assert [token_of(r) for r in upstream.message_requests()[asked:]] == [WORK_TOKEN]
    row = logged(new.headers["x-request-id"])
    assert (row.api_key, row.claude_login) == ("alice", "work")
    assert conversation_of(new).login == "work"
    # The work login's windows are its own: the upstream's headers on its answer.
    assert UsageWindow.objects.get(login="work", window="five_hour").utilization == 0.2

    # A live conversation stays on its login: the key does not fall back, so it waits.
    asked = len(upstream.message_requests())
    again = post(subscribed, secret, "logins-first", "And now?", history=_turn(first))
    assert again.status_code == 429
    assert again.json()["error"]["type"] == "rate_limit_error"
    # Refused before its turn, its row still names the login whose window refused it.
    row = logged(again.headers["x-request-id"])
    assert (row.claude_login, row.usage_window, row.usage_status) == ("default", "five_hour", "rejected")
    assert 1 <= int(again.headers["retry-after"]) <= 1800
    assert len(upstream.message_requests()) == asked
    assert conversation_of(first).login == "default"


def test_it_moves_a_conversation_whose_login_is_refused_when_its_key_falls_back(subscribed, upstream, work, keys):
    _, secret = keys("bob", logins=["default", "work"], fallback=True)

    first = post(subscribed, secret, "logins-moving", "Question 1")
    assert first.status_code == 200
    upstream.enqueue(refusal(**SPENT))
    assert post(subscribed, secret, "logins-spender", "Spend it").status_code == 429

    asked = len(upstream.message_requests())
    moved = post(subscribed, secret, "logins-moving", "Question 2", history=_turn(first, "Question 1"))

    assert moved.status_code == 200
    sent = upstream.message_requests()[asked:]
    assert [token_of(r) for r in sent] == [WORK_TOKEN]
    # Resumed from the stored transcript, not forked: the same Claude session, whole.
    assert sent[-1].history() == [("user", "Question 1"), ("assistant", "Hello from the fake upstream."), ("user", "Question 2")]
    assert moved.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
    assert conversation_of(moved).login == "work"
    assert logged(moved.headers["x-request-id"]).claude_login == "work"


def test_it_runs_on_the_login_the_header_picks_among_the_keys(subscribed, upstream, work, keys):
    _, secret = keys("carol", logins=["default", "work"])
    _, only_work = keys("dave", logins=["work"])

    picked = post(subscribed, secret, "logins-picked", headers={"x-claude-login": "work"})
    assert picked.status_code == 200
    assert token_of(upstream.message_requests()[-1]) == WORK_TOKEN

    asked = len(upstream.message_requests())
    refused = post(subscribed, only_work, "logins-not-mine", headers={"x-claude-login": "default"})
    assert refused.status_code == 403
    assert refused.json() == {
        "type": "error",
        "error": {"type": "permission_error", "message": "This API key may not use the Claude login 'default' (x-claude-login)"},
    }
    chat = httpx.post(
        f"{subscribed.url}/v1/chat/completions",
        json={"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}]},
        headers={"authorization": f"Bearer {only_work}", "x-claude-login": "default"},
        timeout=60,
    )
    assert chat.status_code == 403
    assert chat.json()["error"] == {
        "message": "This API key may not use the Claude login 'default' (x-claude-login)",
        "type": "invalid_request_error", "param": None, "code": "permission_denied",
    }  # fmt: skip
    assert len(upstream.message_requests()) == asked
    assert logged(refused.headers["x-request-id"]).status == 403


def test_it_keeps_a_conversation_on_its_login_whichever_instance_answers(subscribed, start_proxy, upstream, work, keys):
    # Two instances on one database (PostgreSQL in CI's second pass): the login is the row's.
    login = {name: subscribed.env[name] for name in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CONFIG_DIR")}
    other = start_proxy(**login)
    _, secret = keys("heidi", logins=["default", "work"])

    first = post(subscribed, secret, "logins-instances", "Question 1", headers={"x-claude-login": "work"})
    assert first.status_code == 200
    asked = len(upstream.message_requests())
    second = post(other, secret, "logins-instances", "Question 2", history=_turn(first, "Question 1"))

    assert second.status_code == 200
    sent = upstream.message_requests()[asked:]
    assert [token_of(r) for r in sent] == [WORK_TOKEN]
    assert sent[-1].history() == [("user", "Question 1"), ("assistant", "Hello from the fake upstream."), ("user", "Question 2")]
    assert logged(second.headers["x-request-id"]).claude_login == "work"
    assert conversation_of(second).login == "work"


def test_it_reports_the_usage_of_the_keys_own_logins(subscribed, upstream, work, keys):
    _, both = keys("erin", logins=["default", "work"])
    _, only_work = keys("frank", logins=["work"])
    upstream.headers = unified(five_hour=0.35)
    assert post(subscribed, only_work, "logins-usage").status_code == 200

    mine = httpx.get(f"{subscribed.url}/v1/usage", headers={"x-api-key": only_work}, timeout=10).json()
    assert [(login["login"], login["email"]) for login in mine["logins"]] == [("work", WORK_EMAIL)]
    assert (mine["login"], mine["windows"][0]["window"], mine["windows"][0]["utilization"]) == ("work", "five_hour", 0.35)
    everyone = httpx.get(f"{subscribed.url}/v1/usage", headers={"x-api-key": both}, timeout=10).json()
    assert [login["login"] for login in everyone["logins"]] == ["default", "work"]


def test_it_keeps_a_signed_in_logins_config_dir_to_the_servers_user(subscribed, work):
    assert os.stat(work.config_dir).st_mode & 0o777 == 0o700
    assert work.config_dir == subscribed.data_dir / "logins" / "work"


@needs_chromium
def test_it_shows_the_logins_with_their_windows_and_the_keys_with_their_logins(page, proxy, subscribed, work, keys):
    keys("grace", logins=["work", "default"], fallback=True)
    UsageWindow.objects.create(login="work", window="five_hour", status="allowed_warning", utilization=0.82, resets_at=None)
    page.goto(f"{proxy.url}/admin/sessions_admin/claudelogin/")
    page.locator("input[name=_selected_action][value='%s']" % work.pk).check()
    page.select_option("select[name=action]", "check_selected")
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist")

    row = page.locator("#result_list tr:has(a:text-is('work'))")
    assert row.locator("td.field-email").inner_text() == WORK_EMAIL
    assert row.locator("td.field-signed_in img").get_attribute("alt") == "True"
    assert row.locator("td.field-subscription_type").inner_text() == "max"
    assert row.locator("[data-window=five_hour]").inner_text() == "5-hour 82 %"
    shot(page, "claude-logins")

    page.goto(f"{proxy.url}/admin/sessions_admin/apikey/?q=grace")
    assert page.locator("td.field-logins_in_order").inner_text() == "work → default (falls back)"
    shot(page, "api-keys-with-logins")


def _turn(response, text="Hello?"):
    """The client's history after `response`: its question and the answer it got."""
    answer = "".join(block["text"] for block in response.json()["content"] if block["type"] == "text")
    return [{"role": "user", "content": text}, {"role": "assistant", "content": answer}]
