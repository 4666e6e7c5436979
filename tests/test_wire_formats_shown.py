"""Which wire format each request spoke, wherever requests are shown: the request log's
list (a column and a filter) and detail, the dashboard (requests by wire format) and the
live page, for a request of each: Anthropic, OpenAI Chat, OpenAI Responses."""

import threading
import uuid
from datetime import datetime

import httpx
import pytest

from sessions_admin.models import RequestLog
from sessions_admin.wire_formats import WIRE_FORMATS, wire_format_of
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.openai_helpers import client
from tests.upstream import replies

LABELS = dict(WIRE_FORMATS)


@pytest.mark.parametrize(
    "endpoint, wire_format",
    [
        ("/v1/messages", "anthropic"),
        ("/messages", "anthropic"),
        ("/v1/messages/count_tokens", "anthropic"),
        ("/v1/chat/completions", "openai_chat"),
        ("/chat/completions", "openai_chat"),
        ("/v1/responses", "openai_responses"),
        ("/responses", "openai_responses"),
        ("/v1/models", ""),
        ("/v1/responses/extra", ""),
    ],
)
def test_it_tells_the_wire_format_by_the_endpoint(endpoint, wire_format):
    assert wire_format_of(endpoint) == wire_format


def one_of_each(proxy, upstream, tag):
    """One answered request per wire format, sent by its own client: their request ids."""
    ids = {wire: f"wire-{wire}-{tag}" for wire in LABELS}
    before = len(upstream.message_requests())
    upstream.enqueue(replies.text("Anthropic answer."), replies.text("Chat answer."), replies.text("Responses answer."))
    anthropic = httpx.post(
        f"{proxy.url}/v1/messages", json=message_body(f"Anthropic {tag}", stream=False),
        headers={"x-request-id": ids["anthropic"]}, timeout=60,
    )  # fmt: skip
    assert anthropic.json()["content"][0]["text"] == "Anthropic answer."
    openai = client(proxy)
    chat = openai.chat.completions.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": f"Chat {tag}"}], extra_headers={"x-request-id": ids["openai_chat"]}
    )
    assert chat.choices[0].message.content == "Chat answer."
    response = openai.responses.create(model="gpt-5", input=f"Responses {tag}", store=False, extra_headers={"x-request-id": ids["openai_responses"]})
    assert response.output_text == "Responses answer."
    assert len(upstream.message_requests()) == before + 3
    for wire, request_id in ids.items():
        assert logged(request_id).wire_format == wire
    return ids


def test_it_lists_and_filters_request_logs_by_wire_format(proxy, upstream, page):
    tag = uuid.uuid4().hex[:8]
    ids = one_of_each(proxy, upstream, tag)

    page.goto(f"{proxy.url}/admin/sessions_admin/requestlog/?q={tag}")
    rows = page.locator("#result_list tbody tr")
    shown = dict(zip(rows.locator(".field-endpoint").all_inner_texts(), rows.locator(".field-wire_format").all_inner_texts()))
    assert shown == {"/v1/messages": "Anthropic", "/v1/chat/completions": "OpenAI Chat", "/v1/responses": "OpenAI Responses"}
    shot(page, "15-request-logs-wire-formats")

    page.locator("#changelist-filter a", has_text="OpenAI Chat").click()
    page.wait_for_url("**wire=openai_chat**")
    assert page.locator("#result_list tbody tr .field-endpoint").all_inner_texts() == ["/v1/chat/completions"]
    page.locator("#result_list tbody tr th a").click()
    assert page.locator(".field-wire_format .readonly").inner_text() == "OpenAI Chat"
    assert ids["openai_chat"] in page.locator(".field-request_id").inner_text()
    shot(page, "16-request-log-wire-format-detail")


def test_it_breaks_the_dashboards_requests_down_by_wire_format(proxy, upstream, page):
    one_of_each(proxy, upstream, uuid.uuid4().hex[:8])
    refused = httpx.post(f"{proxy.url}/v1/chat/completions", json={"model": "claude-sonnet-4-5", "messages": "no"}, timeout=30)
    assert refused.status_code == 400 and logged(refused.headers["x-request-id"])

    page.goto(f"{proxy.url}/admin/?range=1h")
    data = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent)")

    # Recounted from the rows of the dashboard's own range.
    since, until = datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"])
    want = {wire: {"wire_format": wire, "label": label, "requests": 0, "errors": 0} for wire, label in WIRE_FORMATS}
    for row in RequestLog.objects.filter(created__gte=since, created__lte=until):
        if row.wire_format:
            want[row.wire_format]["requests"] += 1
            want[row.wire_format]["errors"] += bool(row.error_type)
    assert data["wire_formats"] == list(want.values())
    assert all(wire["requests"] >= 1 for wire in data["wire_formats"]) and want["openai_chat"]["errors"] >= 1
    for wire in data["wire_formats"]:
        row = page.locator(f"#wire-formats tr[data-wire-format='{wire['wire_format']}']")
        assert row.locator("td").all_inner_texts() == [wire["label"], f"{wire['requests']:,}", f"{wire['errors']:,}"]
        assert row.locator("a").get_attribute("href") == f"/admin/sessions_admin/requestlog/?wire={wire['wire_format']}"
    shot(page, "17-dashboard-wire-formats")


def test_it_shows_each_requests_wire_format_on_the_live_page(proxy, upstream, page):
    page.goto(f"{proxy.url}/admin/live/")
    page.wait_for_selector("#connection:has-text('Live')")
    request_id = f"live-wire-{uuid.uuid4().hex[:8]}"
    upstream.enqueue(replies.text("A slow answer for the live page.", chunks=5, delay=0.5))
    done = {}

    def run():
        done["response"] = client(proxy).responses.create(model="gpt-5", input="Slowly, please", extra_headers={"x-request-id": request_id})

    slow = threading.Thread(target=run)
    slow.start()
    in_flight = page.wait_for_selector(f"#in-flight tr[data-request-id='{request_id}']", timeout=20000)
    assert in_flight.query_selector("td.wire-format").inner_text() == "OpenAI Responses"
    shot(page, "18-live-wire-format")
    slow.join()
    assert done["response"].output_text == "A slow answer for the live page."

    ids = one_of_each(proxy, upstream, uuid.uuid4().hex[:8])
    for wire, other in [*ids.items(), ("openai_responses", request_id)]:
        ended = page.wait_for_selector(f"#events li.event-end[data-request-id='{other}']", timeout=20000)
        assert ended.get_attribute("data-wire-format") == wire
        assert f"({LABELS[wire]})" in ended.inner_text()
