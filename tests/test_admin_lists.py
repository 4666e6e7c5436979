"""The admin's lists fit a 1280 px screen, and a conversation and its request logs link to each other."""

import httpx

from sessions_admin.models import Conversation, RequestLog
from tests.browser import needs_chromium, page, scrolls_sideways, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.upstream import replies

pytestmark = needs_chromium
OPENCODE = {"user-agent": "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14", "x-session-id": "ses_lists_1"}


def test_it_tells_a_chat_from_its_title_request_and_links_their_logs(proxy, upstream, page):
    upstream.enqueue(replies.text("Sure, here is a plan."), replies.text("Planning a trip"))
    chat = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body("Help me plan a trip to Lisbon in May, with a day in Sintra", stream=False),
        headers=OPENCODE,
        timeout=60,
    )
    title = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body("Generate a title for this conversation", stream=False, system="You are a title generator."),
        headers=OPENCODE,
        timeout=60,
    )
    assert logged(chat.headers["x-request-id"]) and logged(title.headers["x-request-id"])

    page.goto(f"{proxy.url}/admin/sessions_admin/conversation/?q=ses_lists_1")
    rows = page.locator("#result_list tbody tr")
    assert sorted(rows.locator(".field-title_or_key").all_inner_texts()) == [
        "Generate a title for this conversation",
        "Help me plan a trip to Lisbon in May, with a day in Sintra",
    ]
    assert set(rows.locator(".field-client").all_inner_texts()) == {"opencode/1.18.33"}
    assert not scrolls_sideways(page)
    shot(page, "12-conversations-list")

    # From the conversation to its request logs, and back.
    conversation = Conversation.objects.get(title__startswith="Help me plan")
    page.locator("#result_list tbody tr", has_text="Help me plan").locator(".field-turns a").click()
    page.wait_for_url(f"**conversation={conversation.pk}**")
    listed = page.locator("#result_list tbody tr")
    assert listed.count() == RequestLog.objects.filter(claude_session_id=conversation.claude_session_id).count() == 1
    assert not scrolls_sideways(page)
    shot(page, "13-request-logs-of-a-conversation")
    listed.locator("th a").click()
    page.locator("#request-log-conversation").click()
    page.wait_for_url(f"**/conversation/{conversation.pk}/change/**")
    assert page.locator(".field-title .readonly").inner_text() == conversation.title
    page.locator("#conversation-request-logs").click()
    page.wait_for_url(f"**conversation={conversation.pk}**")


def test_it_fits_the_request_log_list_at_1280_px(proxy, upstream, page):
    for n in range(3):
        httpx.post(f"{proxy.url}/v1/messages", json=message_body(f"Fits {n}", stream=False), timeout=60)
    page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/")

    headers = page.locator("#result_list thead th").all_inner_texts()
    assert [text.strip() for text in headers] == ["TIME", "STATUS", "ERROR", "WIRE", "ENDPOINT", "MODEL", "KEY", "TTFB", "DURATION", "TOKENS IN / OUT"]
    assert not scrolls_sideways(page)
    box = page.locator("#result_list").bounding_box()
    assert box["x"] + box["width"] <= 1280
    shot(page, "14-request-logs-list")
