"""The admin as a person uses it, in headless Chromium (Debian's, driven by Playwright).

Screenshots are saved under test-artifacts/admin/ for a human to look at.
"""

import os
import threading
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model

from sessions_admin.models import Conversation, RequestLog
from tests.helpers import logged, message_body
from tests.upstream import replies

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "admin"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERNAME, PASSWORD = "browser-admin", "a-long-test-password"

# CI installs chromium (.ci/run); only a developer's machine may lack it.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture
def page(proxy, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM reads stay sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_staff": True, "is_superuser": True})
    user.set_password(PASSWORD)
    user.save()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{proxy.url}/admin/login/")
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#live-activity-link")
        yield page
        browser.close()


def shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def ask(proxy, messages, headers):
    body = message_body(stream=False)
    body["messages"] = messages
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers=headers, timeout=60)


def test_it_serves_the_admin_styles_without_collectstatic(proxy):
    response = httpx.get(f"{proxy.url}/static/admin/css/base.css")

    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]


def test_it_lists_shows_and_clears_a_conversation(proxy, upstream, page):
    headers = {"x-session-id": "ses_admin_browser_1"}
    upstream.enqueue(replies.text("Hello Ada."), replies.text("You are Ada."))
    ask(proxy, [{"role": "user", "content": "My name is Ada."}], headers)
    ask(
        proxy,
        [
            {"role": "user", "content": "My name is Ada."},
            {"role": "assistant", "content": "Hello Ada."},
            {"role": "user", "content": "Who am I?"},
        ],
        headers,
    )
    conversation = Conversation.objects.get(key="ses_admin_browser_1")
    shot(page, "01-index")

    page.goto(f"{proxy.url}/admin/sessions_admin/conversation/?q=ses_admin_browser_1")
    row = page.locator("#result_list tbody tr", has_text="ses_admin_browser_1")
    assert row.count() == 1
    assert conversation.claude_session_id in row.inner_text()
    shot(page, "02-conversations")

    row.locator("th a").click()
    transcript = page.locator(".transcript")
    transcript.wait_for()
    assert [text.strip() for text in transcript.locator(".turn span").all_inner_texts()] == [
        "My name is Ada.",
        "Hello Ada.",
        "Who am I?",
        "You are Ada.",
    ]
    shot(page, "03-transcript")

    page.goto(f"{proxy.url}/admin/sessions_admin/conversation/?q=ses_admin_browser_1")
    page.locator("#result_list tbody tr", has_text="ses_admin_browser_1").locator("input.action-select").check()
    page.select_option("select[name=action]", "clear_selected")
    page.click("button[name=index]")
    assert "Cleared 1 conversation." in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list tbody tr", has_text="ses_admin_browser_1").count() == 0
    shot(page, "04-cleared")
    assert not Conversation.objects.filter(key="ses_admin_browser_1").exists()


def test_it_filters_request_logs_by_error_class(proxy, upstream, page):
    upstream.enqueue(replies.error(429))
    limited = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Rate me", stream=False), timeout=60)
    ok = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Fine", stream=False), timeout=60)
    assert logged(limited.headers["x-request-id"]) and logged(ok.headers["x-request-id"])

    page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/")
    page.locator("#changelist-filter a", has_text="Rate limit").click()
    page.wait_for_url("**error=rate_limit_error**")
    listed = page.locator("#result_list tbody").inner_text()
    assert limited.headers["x-request-id"] in listed
    assert ok.headers["x-request-id"] not in listed
    assert page.locator("#result_list tbody tr").count() == RequestLog.objects.filter(error_type="rate_limit_error").count()
    shot(page, "05-request-logs-rate-limit")

    page.locator("#result_list tbody tr", has_text=limited.headers["x-request-id"]).locator("th a").click()
    assert "Claude usage limit reached" in page.locator(".field-error_message").inner_text()
    shot(page, "06-request-log-detail")


def test_it_shows_a_request_live_while_it_runs(proxy, upstream, page):
    upstream.enqueue(replies.text("slow live answer", chunks=6, delay=0.5))
    page.goto(f"{proxy.url}/admin/live/")
    page.wait_for_selector("#connection:has-text('Live')")
    done = {}

    def run():
        done["response"] = httpx.post(
            f"{proxy.url}/v1/messages",
            json=message_body("Watch me", stream=False),
            headers={"x-request-id": "live-page-request-1"},
            timeout=60,
        )

    request = threading.Thread(target=run)
    request.start()
    page.wait_for_selector("#in-flight tr[data-request-id='live-page-request-1']", timeout=20000)
    page.wait_for_selector("#processes tr.process-answering", timeout=20000)
    shot(page, "07-live-in-flight")
    request.join()
    page.wait_for_selector(".event-end:has-text('live-page-request-1')", timeout=20000)
    assert page.locator("#in-flight tr[data-request-id='live-page-request-1']").count() == 0
    events = page.locator("#events li", has_text="live-page-request-1").all_inner_texts()
    assert [text.split()[1] for text in reversed(events)] == ["start", "first_token", "end"]
    shot(page, "08-live-done")
    assert done["response"].status_code == 200


def test_it_shows_a_conversation_waiting_for_tool_results(proxy, upstream, page):
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "a.txt"}, tool_id="toolu_admin"))
    tools = [{"name": "read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}]
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body("Read a.txt", stream=False, tools=tools),
        headers={"x-session-id": "ses_admin_waiting"},
        timeout=60,
    )
    assert response.json()["stop_reason"] == "tool_use"

    page.goto(f"{proxy.url}/admin/sessions_admin/conversation/")
    row = page.locator("#result_list tbody tr", has_text="ses_admin_waiting")
    assert "read (since " in row.locator(".field-waiting_for").inner_text()
    shot(page, "09-conversation-waiting-for-tools")

    page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/")
    logged_row = page.locator("#result_list tbody tr", has_text=response.headers["x-request-id"])
    assert logged_row.locator(".field-tools").inner_text() == "called read"

    page.goto(f"{proxy.url}/admin/live/")
    waiting = page.wait_for_selector("#processes tr.process-waiting_for_tool_result", timeout=20000)
    assert "read since" in waiting.inner_text()
    shot(page, "10-live-waiting-for-tools")
