"""The admin as a person uses it, in headless Chromium (Debian's, driven by Playwright).

Screenshots are saved under test-artifacts/admin/ for a human to look at.
"""

import threading

import httpx

from sessions_admin.models import Conversation, RequestLog
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.upstream import replies

pytestmark = needs_chromium


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
    assert conversation.title == "My name is Ada."
    shot(page, "01-index")

    page.goto(f"{proxy.url}/admin/sessions_admin/conversation/?q=ses_admin_browser_1")
    row = page.locator("#result_list tbody tr", has_text="My name is Ada.")
    assert row.count() == 1
    assert row.locator(".field-turns").inner_text() == "2"
    assert row.locator(".field-client").inner_text().startswith("python-httpx/")
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
    page.locator("#result_list tbody tr", has_text="My name is Ada.").locator("input.action-select").check()
    page.select_option("select[name=action]", "clear_selected")
    page.click("button[name=index]")
    assert "Cleared 1 conversation." in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list tbody tr", has_text="My name is Ada.").count() == 0
    shot(page, "04-cleared")
    assert not Conversation.objects.filter(key="ses_admin_browser_1").exists()

    # The server let go of it too (its CLI, the row it held): the next turn starts a new
    # conversation from the history the client sends.
    upstream.enqueue(replies.text("Still Ada."))
    history = [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hello Ada."},
        {"role": "user", "content": "Who am I?"},
        {"role": "assistant", "content": "You are Ada."},
        {"role": "user", "content": "And now?"},
    ]
    assert ask(proxy, history, headers).json()["content"][0]["text"] == "Still Ada."
    renewed = Conversation.objects.get(key="ses_admin_browser_1")
    assert (renewed.pk != conversation.pk, renewed.request_count) == (True, 1)
    assert upstream.message_requests()[-1].history() == [(m["role"], m["content"]) for m in history]


def test_it_filters_request_logs_by_error_class(proxy, upstream, page):
    upstream.enqueue(replies.error(429), replies.text("Fine."), replies.error(529))
    limited = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Rate me", stream=False), timeout=60)
    ok = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Fine", stream=False), timeout=60)
    overloaded = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Overload me", stream=False), timeout=60)
    assert [response.status_code for response in (limited, ok, overloaded)] == [429, 200, 529]
    assert all(logged(response.headers["x-request-id"]) for response in (limited, ok, overloaded))

    page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/")
    page.locator("#changelist-filter a", has_text="Rate limit").click()
    page.wait_for_url("**error=rate_limit_error**")
    assert row_of(page, limited).count() == 1
    assert row_of(page, ok).count() == row_of(page, overloaded).count() == 0
    # Every row listed is a rate-limited one, whatever other tests left in the shared log
    # (a count of them all would fail once they fill more than a page).
    assert set(page.locator("#result_list tbody tr .field-error_class").all_inner_texts()) == {"Rate limit"}
    shot(page, "05-request-logs-rate-limit")

    row_of(page, limited).locator("th a").click()
    assert "Claude usage limit reached" in page.locator(".field-error_message").inner_text()
    assert limited.headers["x-request-id"] in page.locator(".field-request_id").inner_text()
    shot(page, "06-request-log-detail")


def row_of(page, response):
    """The request log list's row of `response`, found by the link to its detail page."""
    pk = RequestLog.objects.get(request_id=response.headers["x-request-id"]).pk
    return page.locator("#result_list tbody tr", has=page.locator(f"th a[href*='/requestlog/{pk}/change/']"))


def test_it_shows_a_request_live_while_it_runs(proxy, upstream, page):
    upstream.enqueue(replies.text("slow live answer", chunks=6, delay=0.8))  # the first token comes ~2 s after the process starts
    page.goto(f"{proxy.url}/admin/live/")
    page.wait_for_selector("#connection:has-text('Live')")
    done = {}

    def run():
        done["response"] = httpx.post(
            f"{proxy.url}/v1/messages",
            json=message_body("Watch me answer slowly", stream=False),
            headers={"x-request-id": "live-page-request-1"},
            timeout=60,
        )

    request = threading.Thread(target=run)
    request.start()
    page.wait_for_selector("#in-flight tr[data-request-id='live-page-request-1']", timeout=20000)
    # Its process is listed from its start, by its conversation's title, before any answer.
    process = page.wait_for_selector("#processes tr:has(a:text('Watch me answer slowly'))", timeout=20000)
    assert page.locator(".event-first_token[data-request-id='live-page-request-1']").count() == 0
    assert process.query_selector(".state").inner_text() in ("starting", "answering")
    page.wait_for_selector("#processes tr.process-answering:has(a:text('Watch me answer slowly'))", timeout=20000)
    row = page.locator("#processes tr", has_text="Watch me answer slowly")
    assert row.locator(".memory").inner_text().endswith(" MB")
    conversation = Conversation.objects.get(title="Watch me answer slowly")
    assert row.locator("a").get_attribute("href") == f"/admin/sessions_admin/conversation/{conversation.pk}/change/"
    assert page.locator("#in-flight tr[data-request-id='live-page-request-1'] td.time").inner_text().endswith(" s ago")
    shot(page, "07-live-in-flight")
    request.join()
    page.wait_for_selector(".event-end:has-text('live-page-request-1')", timeout=20000)
    assert page.locator("#in-flight tr[data-request-id='live-page-request-1']").count() == 0
    events = page.locator("#events li", has_text="live-page-request-1").all_inner_texts()
    assert [text.split()[1] for text in reversed(events)] == ["start", "first_token", "end"]
    page.wait_for_selector("#processes tr.process-idle:has(a:text('Watch me answer slowly'))", timeout=20000)
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

    page.goto(f"{proxy.url}/admin/sessions_admin/conversation/?q=ses_admin_waiting")
    row = page.locator("#result_list tbody tr", has_text="Read a.txt")
    assert "waiting for read (since " in row.locator(".field-cli_state").inner_text()
    shot(page, "09-conversation-waiting-for-tools")

    page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/")
    row_of(page, response).locator("th a").click()
    assert '"name": "read"' in page.locator(".field-tool_calls").inner_text()

    page.goto(f"{proxy.url}/admin/live/")
    # Its own row: another test's conversation may be waiting on this proxy too.
    waiting = page.wait_for_selector('#processes tr.process-waiting_for_tool_result:has-text("Read a.")', timeout=20000)
    assert "read since " in waiting.inner_text()
    assert " ago" in waiting.inner_text()  # another "Read a." may have waited minutes
    shot(page, "10-live-waiting-for-tools")
