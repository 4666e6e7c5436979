"""The responses kept for previous_response_id, in the admin: a read-only list that says
what each one answered and in which conversation, filtered by age, and cleared by an
action that says how many went (after which previous_response_id finds none)."""

import uuid
from datetime import timedelta

import openai
import pytest
from django.utils import timezone

from sessions_admin.models import Conversation, StoredResponse
from tests.browser import needs_chromium, page, scrolls_sideways, shot  # noqa: F401 (page is a fixture)
from tests.openai_helpers import client
from tests.upstream import replies

pytestmark = needs_chromium


@pytest.fixture
def session():
    """A conversation name of the test's own; what its requests stored goes with it."""
    name = f"stored-{uuid.uuid4().hex[:8]}"
    yield name
    StoredResponse.objects.filter(key=name).delete()


def test_it_lists_what_each_stored_response_answered(proxy, upstream, page, session):
    upstream.enqueue(
        replies.tool_use("mcp__client__exec_command", {"cmd": "ls"}, tool_id="toolu_stored1"),
        replies.text("There is one file."),
    )
    tools = [{"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}]
    openai_client = client(proxy)
    first = openai_client.responses.create(model="gpt-5", input="What is here?", tools=tools, extra_headers={"session-id": session})
    result = {"type": "function_call_output", "call_id": "toolu_stored1", "output": "a.txt"}
    second = openai_client.responses.create(model="gpt-5", input=[result], tools=tools, previous_response_id=first.id)
    assert second.output_text == "There is one file."
    conversation = Conversation.objects.get(key=session)

    page.goto(f"{proxy.url}/admin/sessions_admin/storedresponse/?q={session}")
    rows = page.locator("#result_list tbody tr")
    headers = [text.strip() for text in page.locator("#result_list thead th").all_inner_texts()]
    assert headers == ["", "RESPONSE ID", "CONVERSATION", "MODEL", "ITEMS IN / OUT", "ANSWER", "STORED"]
    listed = [[rows.nth(n).locator(f".field-{name}").inner_text() for name in ("response_id", "conversation", "model", "items", "answer")] for n in range(rows.count())]
    assert listed == [
        [second.id, f"header: {session}", "gpt-5", "4 / 1", "There is one file."],
        [first.id, f"header: {session}", "gpt-5", "1 / 2", "Let me check. [exec_command]"],
    ]
    assert rows.nth(0).locator(".field-stored").inner_text().endswith(" s ago")
    link = rows.nth(0).locator("a.stored-response-conversation")
    assert link.get_attribute("href") == f"/admin/sessions_admin/conversation/{conversation.pk}/change/"
    # Every column in sight, left of the filters.
    assert not scrolls_sideways(page)
    table, filters = page.locator("#result_list").bounding_box(), page.locator("#changelist-filter").bounding_box()
    assert table["x"] + table["width"] <= filters["x"]
    shot(page, "19-stored-responses")

    rows.nth(1).locator("th a").click()
    assert page.locator(".field-response_id .readonly").inner_text() == first.id
    assert '"call_id": "toolu_stored1"' in page.locator(".field-output_items .readonly").inner_text()
    assert page.locator("input[type=submit][name=_save]").count() == 0  # read-only
    shot(page, "20-stored-response-detail")


def test_it_clears_old_stored_responses_and_says_how_many(proxy, upstream, page, session):
    upstream.enqueue(replies.text("Fresh."))
    fresh = client(proxy).responses.create(model="gpt-5", input="Keep me", extra_headers={"session-id": session})
    old = [
        StoredResponse.objects.create(
            response_id=f"resp_old{n}{session[-8:]}", key_kind="header", key=session, scope="s", model="gpt-5",
            input_items=[], output_items=[], created=timezone.now() - timedelta(days=8 + n),
        )
        for n in range(2)
    ]  # fmt: skip

    page.goto(f"{proxy.url}/admin/sessions_admin/storedresponse/?q={session}")
    page.locator("#changelist-filter a", has_text="Older than a week").click()
    page.wait_for_url("**older_than=7d**")
    assert sorted(page.locator("#result_list tbody .field-response_id").all_inner_texts()) == sorted(row.response_id for row in old)
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "clear_selected")
    page.click("button[name=index]")

    assert "Cleared 2 stored responses." in page.locator(".messagelist").inner_text()
    shot(page, "21-stored-responses-cleared")
    assert list(StoredResponse.objects.filter(key=session).values_list("response_id", flat=True)) == [fresh.id]
    with pytest.raises(openai.BadRequestError) as refused:
        client(proxy).responses.create(model="gpt-5", input="And now?", previous_response_id=old[0].response_id)
    assert refused.value.body["param"] == "previous_response_id"
